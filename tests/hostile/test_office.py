"""Word and Excel files inside the size limits that still cost unbounded work, or carry a DTD anywhere."""

from __future__ import annotations

import io
import random
import zipfile

from .conftest import assert_clean, run_cli, study


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_BASE = None


def _base_docx() -> bytes:
    """An empty Word document saved by python-docx once; cases swap in their own document.xml."""
    global _BASE
    if _BASE is None:
        import docx

        buffer = io.BytesIO()
        docx.Document().save(buffer)
        _BASE = buffer.getvalue()
    return _BASE


def _p(text: str) -> str:
    from xml.sax.saxutils import escape

    return f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r></w:p>"


def docx_bytes(paragraphs=("Interviewer: How did you hear of it?", "Client: My GP referred me."), rows=None,
               cell_props=lambda r, c: "") -> bytes:
    """A .docx whose body is ``paragraphs`` then a table of ``rows`` (XML written directly: python-docx's
    own table API is quadratic in the rows). ``cell_props(r, c)`` gives each cell's ``<w:tcPr>`` content."""
    body = "".join(_p(t) for t in paragraphs)
    if rows:
        body += "<w:tbl><w:tblGrid>" + "<w:gridCol/>" * len(rows[0]) + "</w:tblGrid>"
        for r, row in enumerate(rows):
            body += "<w:tr>" + "".join(f"<w:tc><w:tcPr>{cell_props(r, c)}</w:tcPr>{_p(text)}</w:tc>"
                                       for c, text in enumerate(row)) + "</w:tr>"
        body += "</w:tbl>"
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {_W}><w:body>{body}</w:body></w:document>'
    return rezip(_base_docx(), lambda name, b: xml.encode() if name == "word/document.xml" else b)


def rezip(data: bytes, edit) -> bytes:
    """The package ``data`` with each member's bytes passed through ``edit(name, bytes)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, edit(info.filename, src.read(info)))
    return out.getvalue()


def test_gridspan_in_the_tens_of_millions_costs_nothing(tmp_path, warm):
    data = docx_bytes(rows=[["Client", "I waited months for a call back."]],
                      cell_props=lambda r, c: '<w:gridSpan w:val="40000000"/>' if c == 0 else "")
    assert len(data) < 64 * 1024
    folder = study(tmp_path / "s", {"span.docx": data})
    out = run_cli(["segments", folder, "--format", "csv", "-o", tmp_path / "seg.csv"], seconds=30)
    assert out.code == 0, str(out)
    assert "I waited months for a call back." in (tmp_path / "seg.csv").read_text()


def test_a_long_chain_of_vertical_merges_is_read(tmp_path, warm):
    rows = [["Client", f"answer {i}"] for i in range(3000)]
    data = docx_bytes(rows=rows, cell_props=lambda r, c: ('<w:vMerge w:val="restart"/>' if r == 0 else "<w:vMerge/>")
                      if c == 0 else "")
    folder = study(tmp_path / "s", {"merged.docx": data})
    out = run_cli(["segments", folder, "--format", "csv", "-o", tmp_path / "seg.csv"], seconds=60)
    assert out.code == 0, str(out)
    assert "answer 2999" in (tmp_path / "seg.csv").read_text()


def test_a_part_that_inflates_past_the_limit_is_refused_before_parsing(tmp_path, warm):
    rng = random.Random(1)
    words = [" ".join(rng.choice(["wait", "long", "gp", "call", "help", "link"]) for _ in range(12)) for _ in range(40000)]
    data = docx_bytes(paragraphs=words)
    inflated = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size
    assert len(data) < 1024 * 1024 < inflated
    folder = study(tmp_path / "s", {"big.docx": data})
    out = run_cli(["summary", folder, "--max-file-size", "1"], seconds=30)
    assert_clean(out, 3, "big.docx", "word/document.xml", "over the 1 MB limit", "--max-file-size")


def _dtd(part: str, offset: int):
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'

    def edit(name, b):
        if name != part:
            return b
        if offset == 0:
            return b.replace(b"?>", b"?>" + dtd, 1) if b"?>" in b else dtd + b
        return b + b"<!--" + b"x" * offset + b"-->" + dtd  # after the root element: still in the part
    return edit


def test_a_dtd_anywhere_in_any_part_is_refused(tmp_path, warm):
    cases = {"late.docx": ("word/document.xml", 6000), "styles.docx": ("word/styles.xml", 0),
             "types.docx": ("[Content_Types].xml", 0), "rels.docx": ("_rels/.rels", 0)}
    files = {name: rezip(docx_bytes(), _dtd(part, offset)) for name, (part, offset) in cases.items()}
    folder = study(tmp_path / "s", files)
    out = run_cli(["summary", folder])
    assert_clean(out, 3)
    errors = [line for line in out.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 4, out.stderr
    for name, (part, _) in cases.items():
        line = next(line for line in errors if name in line)
        assert f"part {part!r} declares a DTD" in line


def test_xlsx_survey_with_a_dtd_is_refused(tmp_path, warm):
    import pandas as pd

    buffer = io.BytesIO()
    pd.DataFrame({"id": ["R1"], "answer": ["It helped."]}).to_excel(buffer, index=False)
    data = rezip(buffer.getvalue(), _dtd("xl/worksheets/sheet1.xml", 0))
    folder = study(tmp_path / "s", {"survey.xlsx": data,
                                    "sources.csv": "file,source_id,method\nsurvey.xlsx,survey,survey\ngood.txt,good,interview\n"})
    out = run_cli(["summary", folder])
    assert_clean(out, 3, "survey.xlsx", "xl/worksheets/sheet1.xml", "declares a DTD")

"""Empty, binary, truncated and mis-encoded files for every reader: a clear message naming the file and
the fix, the right exit code, no traceback, within the limits."""

from __future__ import annotations

import io
import warnings
import zipfile

import pytest

from .conftest import GOOD, MINIMAL_CODEBOOK, assert_clean, run_cli, study
from .test_office import docx_bytes

BINARY = bytes(range(256)) * 8
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Client>I was referred.\n"
SRT = "1\n00:00:01,000 --> 00:00:02,000\nClient: I was referred.\n"
SURVEY = "id,answer\nR1,It helped a lot.\n"


def _xlsx() -> bytes:
    import pandas as pd

    buffer = io.BytesIO()
    pd.DataFrame({"id": ["R1"], "answer": ["It helped."]}).to_excel(buffer, index=False)
    return buffer.getvalue()


def _cases():
    """(file name, content, needle in the message) for each reader and each kind of damage."""
    docx, xlsx = docx_bytes(), _xlsx()
    return {
        "txt-empty": ("a.txt", b"", "empty"),
        "txt-binary": ("a.txt", BINARY, "binary"),
        "txt-misencoded": ("a.txt", "Client: caf\u00e9 \u2019s".encode("utf-8") + b"\xff\xfe\x80 bad\n", "re-save it as UTF-8"),
        "md-empty": ("a.md", b"   \n", "empty"),
        "md-truncated-front-matter": ("a.md", b"---\nparticipants: [C1\n", "no closing '---'"),
        "docx-empty": ("a.docx", b"", "not a valid .docx"),
        "docx-binary": ("a.docx", BINARY, "not a valid .docx"),
        "docx-truncated": ("a.docx", docx[: len(docx) // 2], "not a valid .docx"),
        "vtt-empty": ("a.vtt", b"", "empty"),
        "vtt-binary": ("a.vtt", BINARY, "binary"),
        "vtt-truncated": ("a.vtt", VTT.encode()[:20], "complete export"),
        "vtt-misencoded": ("a.vtt", VTT.encode("utf-16-le")[:-1] + b"\xd8", "re-save"),
        "srt-empty": ("a.srt", b"", "empty"),
        "srt-binary": ("a.srt", BINARY, "binary"),
        "srt-truncated": ("a.srt", SRT.encode()[:12], "a.srt"),
        "csv-empty": ("a.csv", b"", "empty"),
        "csv-binary": ("a.csv", BINARY, "binary"),
        "csv-truncated": ("a.csv", b'id,answer\nR1,"It hel', "a.csv"),
        "xlsx-empty": ("a.xlsx", b"", "not a valid .xlsx"),
        "xlsx-truncated": ("a.xlsx", xlsx[: len(xlsx) // 2], "not a valid .xlsx"),
        "xlsx-binary": ("a.xlsx", BINARY, "not a valid .xlsx"),
    }


CASES = _cases()


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_source_is_skipped_with_its_name_and_the_fix(tmp_path, warm, case):
    name, content, needle = CASES[case]
    files = {name: content}
    if name.endswith((".csv", ".xlsx")):
        files["sources.csv"] = f"file,source_id,method\n{name},survey,survey\ngood.txt,good,interview\n"
    folder = study(tmp_path / "s", files)
    out = run_cli(["summary", folder])
    assert_clean(out, 3, name, needle)
    assert "good" in out.stdout or "Total" in out.stdout  # the good file was still read


@pytest.mark.parametrize("name, content, needle", [
    ("participants.csv", b"", "participants.csv"),
    ("participants.csv", BINARY, "participants.csv"),
    ("participants.csv", b'participant_id,group\nC1,"Clie', "participants.csv"),
    ("sources.csv", b"", "sources.csv"),
    ("sources.csv", BINARY, "sources.csv"),
    ("sources.csv", "file,source_id\ngood.txt,\u00e9\n".encode("utf-16-le")[:-1], "sources.csv"),
])
def test_a_damaged_manifest_is_named(tmp_path, warm, name, content, needle):
    folder = study(tmp_path / "s", {name: content})
    out = run_cli(["summary", folder])
    assert not out.killed and not out.crashed and "Traceback" not in out.stderr, str(out)
    assert out.code in (1, 3), str(out)
    assert needle in out.first_line, str(out)


@pytest.mark.parametrize("content, needle", [
    (b"", "empty"), (BINARY, "binary"), (b"name: t\nversion: '1'\nthemes:\n  - id: a\n    label: [A", "not valid YAML"),
    ("name: caf\u00e9\n".encode("utf-8") + b"\xff\xfe\x80\n", "re-save it as UTF-8"),
])
def test_a_damaged_codebook_is_named(tmp_path, warm, content, needle):
    (tmp_path / "cb.yaml").write_bytes(content)
    assert_clean(run_cli(["codebook", "check", tmp_path / "cb.yaml"]), 1, "cb.yaml", needle)


def _codings_files(tmp_path):
    import pandas as pd

    good = pd.DataFrame({"source_id": ["good"], "start": [0], "end": [5], "code": ["access"], "coder": ["ana"]})
    good.to_parquet(tmp_path / "ok.parquet")
    return {
        "empty.csv": b"", "binary.csv": BINARY, "truncated.csv": b'source_id,start,end,code,coder\ngood,0,"5',
        "empty.json": b"", "truncated.json": b'[{"source_id": "good", "start": 0,',
        "binary.parquet": BINARY, "truncated.parquet": (tmp_path / "ok.parquet").read_bytes()[:40],
        "empty.xlsx": b"", "truncated.xlsx": _xlsx()[:300],
    }


def test_damaged_codings_files_are_named(tmp_path, warm):
    folder = study(tmp_path / "s", {})
    for name, content in _codings_files(tmp_path).items():
        (tmp_path / name).write_bytes(content)
        out = run_cli(["themes", tmp_path / name, "-c", MINIMAL_CODEBOOK])
        assert_clean(out, 1, name)
        out = run_cli(["code", folder, "-c", MINIMAL_CODEBOOK, "--with", tmp_path / name, "-o", tmp_path / "all.csv",
                       "--force"])
        assert not out.crashed and "Traceback" not in out.stderr and out.code in (1, 3), f"{name}\n{out}"
        assert name in out.stderr, f"{name}\n{out}"


@pytest.mark.parametrize("row, needle", [
    ("good,100.9,120,access,ana", "not whole numbers"),
    ("good,inf,120,access,ana", "not whole numbers"),
    ("good,1e400,120,access,ana", "not whole numbers"),
    ("good,nan,120,access,ana", "not whole numbers"),
])
def test_bad_offsets_in_human_codings_are_reported_not_truncated(tmp_path, warm, row, needle):
    folder = study(tmp_path / "s", {})
    (tmp_path / "h.csv").write_text(f"source_id,start,end,code,coder\ngood,0,11,access,ana\n{row}\n")
    out = run_cli(["code", folder, "-c", MINIMAL_CODEBOOK, "--with", tmp_path / "h.csv", "-o", tmp_path / "all.csv"])
    assert not out.crashed and "Traceback" not in out.stderr, str(out)
    assert "row 3" in out.stderr and needle in out.stderr, str(out)


@pytest.mark.parametrize("column, value", [("start", "100.9"), ("end", "inf"), ("score", "high")])
def test_bad_numbers_in_a_codings_table_are_named(tmp_path, warm, column, value):
    folder = study(tmp_path / "s", {})
    assert run_cli(["code", folder, "-c", MINIMAL_CODEBOOK, "-o", tmp_path / "c.csv"]).code == 0
    import pandas as pd

    frame = pd.read_csv(tmp_path / "c.csv", dtype=str, keep_default_na=False)
    frame.loc[0, column] = value
    frame.to_csv(tmp_path / "bad.csv", index=False)
    out = run_cli(["themes", tmp_path / "bad.csv", "-c", MINIMAL_CODEBOOK])
    assert_clean(out, 1, "bad.csv: row 2", f"{column} {value!r} is not")


def test_human_codings_xlsx_damaged_or_with_entities(tmp_path, warm):
    from .test_office import _dtd, rezip

    folder = study(tmp_path / "s", {})
    (tmp_path / "trunc.xlsx").write_bytes(_xlsx()[:-200])
    (tmp_path / "dtd.xlsx").write_bytes(rezip(_xlsx(), _dtd("xl/worksheets/sheet1.xml", 0)))
    for name, needle in (("trunc.xlsx", "not a valid .xlsx"), ("dtd.xlsx", "declares a DTD")):
        out = run_cli(["agreement", tmp_path / name, tmp_path / name, "--corpus", folder, "-c", MINIMAL_CODEBOOK])
        assert_clean(out, 1, name, needle)


def test_qdpx_and_qdc_damaged(tmp_path, warm):
    for name, content, needle in (
        ("empty.qdpx", b"", "not a valid .qdpx"), ("binary.qdpx", BINARY, "not a valid .qdpx"),
        ("empty.qdc", b"", "empty.qdc"), ("binary.qdc", BINARY, "binary.qdc"),
        ("truncated.qdc", b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code',
         "truncated.qdc"),
    ):
        (tmp_path / name).write_bytes(content)
        out = run_cli(["import", tmp_path / name, "-o", tmp_path / (name + ".out" + (".yaml" if name.endswith("qdc") else ""))])
        assert_clean(out, 1, name, needle)


def test_qdpx_with_two_members_of_the_same_name_is_refused(tmp_path, warm):
    folder = study(tmp_path / "s", {})
    assert run_cli(["export", "qdpx", folder, "-c", MINIMAL_CODEBOOK, "-o", tmp_path / "p.qdpx"]).code == 0
    data = io.BytesIO()
    with zipfile.ZipFile(tmp_path / "p.qdpx") as src, zipfile.ZipFile(data, "w") as dst, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("project.qde", b"<Project/>")  # a second project.qde: which one counts?
    (tmp_path / "dup.qdpx").write_bytes(data.getvalue())
    out = run_cli(["import", tmp_path / "dup.qdpx", "-o", tmp_path / "imported"])
    assert_clean(out, 1, "dup.qdpx", "'project.qde' appears twice")

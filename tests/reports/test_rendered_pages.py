"""The documents as a reader sees them: rendered to PDF (LibreOffice for Word, chromium for the HTML report)
and read back with poppler. Page orientation, the title page, no word broken across lines in a table,
no heading left alone at the foot of a page, every excerpt in a printed HTML report, and theme numbers
that agree with or without the codebook.

One session runs the sample study once (``qualcode run`` and ``qualcode agreement``) and converts the
documents in one LibreOffice call.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from qualcode.cli import app

from ..conftest import ROOT, SAMPLE

BOOK = str(ROOT / "codebooks" / "social_prescribing.yaml")
HUMAN = ROOT / "tests" / "data" / "human"
runner = CliRunner()


def _soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The sample study's run and agreement report, with their Word documents as PDF text per page."""
    if not _soffice() or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice (soffice) and poppler (pdftotext) are needed to render the documents")
    folder = tmp_path_factory.mktemp("rendered")
    out = folder / "out"
    result = runner.invoke(app, ["run", str(SAMPLE), "-c", BOOK, "-o", str(out)])
    assert result.exit_code == 0, result.output
    agreement = folder / "agreement.docx"
    result = runner.invoke(app, ["agreement", str(HUMAN / "coder_a.csv"), str(HUMAN / "coder_b.csv"), "--corpus",
                                 str(SAMPLE), "-c", BOOK, "-o", str(agreement)])
    assert result.exit_code == 0, result.output
    pdfs = folder / "pdf"
    subprocess.run([_soffice(), "--headless", f"-env:UserInstallation=file://{folder / 'lo-profile'}",
                    "--convert-to", "pdf", "--outdir", str(pdfs), str(out / "theme_table.docx"), str(agreement)],
                   check=True, capture_output=True, timeout=300)
    pages = {}
    for name in ("theme_table", "agreement"):
        text = subprocess.run(["pdftotext", "-layout", str(pdfs / f"{name}.pdf"), "-"], check=True,
                              capture_output=True, text=True).stdout
        pages[name] = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    return folder, out, agreement, pdfs, pages


def _page_sizes(pdf) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def _table_words(path) -> collections.Counter:
    """Each word in the document's tables (split at hyphens and slashes, where a line may break)."""
    counts = collections.Counter()
    for table in docx.Document(str(path)).tables:
        for row in table.rows:
            seen = set()
            for cell in row.cells:  # a merged cell is listed once per grid column it spans
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    counts.update(_words(cell.text))
    return counts


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"[-/]", " ", text))]


def broken_words(path, pages) -> list[str]:
    """Words of the document's tables that the rendered pages hold fewer times than the tables do: a word
    broken across two lines ("Participant" / "s") is no longer a word on the page."""
    on_pages = collections.Counter(_words("\n".join(pages)))
    return sorted(w for w, n in _table_words(path).items() if on_pages[w] < n)


def lonely_headings(path, pages) -> list[str]:
    """Headings that end a page with nothing under them there."""
    headings = {p.text.strip() for p in docx.Document(str(path)).paragraphs
                if p.style.name.startswith("Heading") and p.text.strip()}
    out = []
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not re.search(r"\| page \d+$", line)]
        if body and body[-1] in headings:
            out.append(body[-1])
    return out


def test_agreement_report_is_a_landscape_readable_report(rendered):
    folder, out, agreement, pdfs, pages = rendered
    sizes = _page_sizes(pdfs / "agreement.pdf")
    assert sizes and all(w > h for w, h in sizes), sizes[:3]
    title = pages["agreement"][0]
    assert "Inter-coder agreement" in title and "coder_a and coder_b" in title
    assert "Agreement per code" not in title  # a title page, then the report
    text = "\n".join(pages["agreement"])
    assert "almost perfect" in text and "Cohen's" in text and "% agreement" in re.sub(r"\s+", " ", text)
    figures = docx.Document(str(agreement)).tables[0]
    assert len(figures.columns) <= 9  # a short table, not 14 columns of 1 cm
    assert "Awareness and understanding of social prescribing" in re.sub(r"\s+", " ", text) or \
        "Awareness and understanding of" in text
    # the disagreements carry their excerpts
    assert "Disagreements" in text and "Not coded" in text and "Excerpt" in text
    assert broken_words(agreement, pages["agreement"]) == []


def test_theme_table_keeps_headings_with_their_tables_and_breaks_no_word(rendered):
    folder, out, agreement, pdfs, pages = rendered
    path = out / "theme_table.docx"
    assert lonely_headings(path, pages["theme_table"]) == []
    assert broken_words(path, pages["theme_table"]) == []
    assert all(w > h for w, h in _page_sizes(pdfs / "theme_table.pdf"))


def test_the_checks_catch_a_broken_word_and_a_lonely_heading(tmp_path, rendered):
    """The two page checks above fail on a document that has these faults."""
    document = docx.Document()
    document.add_heading("Alone at the foot", level=2)
    table = document.add_table(rows=1, cols=1)
    table.rows[0].cells[0].text = "Participants"
    path = tmp_path / "faulty.docx"
    document.save(path)
    assert broken_words(path, ["Participant\ns | 3"]) == ["Participants"]
    assert lonely_headings(path, ["Some text\nAlone at the foot\n   Theme table | page 1", "next"]) == ["Alone at the foot"]


def test_printed_html_report_has_every_excerpt_and_thousands_separators(rendered):
    folder, out, agreement, pdfs, pages = rendered
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "39,687" in page and ">39687<" not in page
    assert not re.search(r"\b1 (users|sources|participants|excerpts)\b", page)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is needed to print the HTML report")
    pdf = folder / "report.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={folder / 'chromium'}",
                    f"--print-to-pdf={pdf}", "--no-pdf-header-footer", (out / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    printed = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    in_sections = re.findall(r"<span class='where'>([^<]+?)(?: &middot;|</span>)", page)
    assert len(in_sections) > 200
    located = len(re.findall(r"\bturn \d+", printed))
    assert located >= len([w for w in in_sections if "turn" in w]), (located, len(in_sections))


def test_theme_numbers_agree_with_or_without_the_codebook(rendered):
    folder, out, agreement, pdfs, pages = rendered
    codings = str(out / "codings.csv")
    headers = []
    for args in ([], ["-c", BOOK]):
        target = folder / f"matrix{len(args)}.xlsx"
        result = runner.invoke(app, ["matrix", codings, *args, "-o", str(target)])
        assert result.exit_code == 0, result.output
        headers.append([c.value for c in openpyxl.load_workbook(target).active[1]])
    assert headers[0] == headers[1]
    assert "3 Getting on: Accessing Support in the Community" in headers[0]
    analysis = openpyxl.load_workbook(out / "analysis.xlsx")["matrix"]
    assert [c.value for c in analysis[1]] == headers[1]
    document = folder / "excerpts.docx"
    assert runner.invoke(app, ["excerpts", codings, "-o", str(document)]).exit_code == 0
    text = [p.text for p in docx.Document(str(document)).paragraphs]
    assert "Codebook: Social prescribing evaluation, version 1.0" in text
    assert "3  Getting on: Accessing Support in the Community" in text


def test_a_quote_repeated_under_several_headings_says_where_else_it_appears(rendered):
    """A passage (source, start, end) listed under several headings names the others each time."""
    import pandas as pd

    import qualcode
    from qualcode.analysis.excerpts import also_under

    folder, out, agreement, pdfs, pages = rendered
    excerpts = qualcode.excerpt_table(pd.read_csv(out / "codings.csv"), qualcode.Codebook.from_yaml(BOOK))
    also = also_under(excerpts)
    numbers = excerpts.groupby(["source_id", "start", "end"])["number"].agg(set)
    for row, named in zip(excerpts.itertuples(index=False), also):
        others = numbers[(row.source_id, row.start, row.end)] - {row.number}
        assert set(filter(None, named.split(", "))) == others
    repeated = sum(bool(a) for a in also)
    assert repeated > 50
    lines = [p.text for p in docx.Document(str(out / "excerpts_by_group.docx")).paragraphs
             if p.style.name == "Attribution"]
    assert sum("also under" in line for line in lines) == repeated


def test_a_long_turn_is_quoted_as_the_sentences_its_rules_matched(rendered):
    import pandas as pd

    folder, out, agreement, pdfs, pages = rendered
    codings = pd.read_csv(out / "codings.csv")
    quotes = [p.text for p in docx.Document(str(out / "excerpts_by_group.docx")).paragraphs if p.style.name == "Quote"]
    long_turns = codings[codings.text.str.split().str.len() > 60]
    assert len(long_turns) > 20
    shortened = [q for q in quotes if q.startswith("... ") or q.endswith(" ...")]
    assert len(shortened) > 20
    for quote in shortened[:50]:  # each piece is the turn's own words, and holds a matched term
        pieces = [p for p in quote.split("...") if p.strip()]
        assert any(all(piece.strip() in text for piece in pieces) for text in long_turns.text), quote[:80]

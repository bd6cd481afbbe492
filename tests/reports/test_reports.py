"""The Word and HTML reports, read back: counts in the documents equal the codings table."""

import re
import shutil
import subprocess
import warnings

import docx
import pandas as pd
import pytest

import qualcode
from qualcode.analysis.excerpts import excerpt_table
from qualcode.reports.plots import figure_png, prevalence_heatmap
from qualcode.reports.docx import excerpts_document, save_document, theme_table_document
from qualcode.reports.html import html_report
from qualcode.reports.info import report_info

from ..conftest import ROOT
from ..report_data import codebook, codings, row

MINIMAL = ROOT / "codebooks" / "minimal.yaml"


@pytest.fixture(scope="session")
def sample(sample_corpus):
    book = qualcode.Codebook.from_yaml(MINIMAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coded = qualcode.code(sample_corpus, book)
    summary = sample_corpus.summary()
    themes = qualcode.theme_table(coded, book, summary)
    return coded, book, summary, themes, excerpt_table(coded, book)


@pytest.fixture(scope="session")
def sample_docx(sample, tmp_path_factory):
    coded, book, summary, themes, excerpts = sample
    png = figure_png(prevalence_heatmap(themes))
    info = report_info(coded, book, study="Sample study", date="1 January 2027")
    path = tmp_path_factory.mktemp("docx") / "excerpts.docx"
    save_document(excerpts_document(excerpts, themes, summary=summary, heatmap=png, info=info, deferred=True), path)
    return path


def blocks(path):
    """(style name, text) of every paragraph in body order."""
    return [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]


def count_of(text):
    return int(re.match(r"([\d,]+) excerpts?", text).group(1).replace(",", ""))


def test_quotes_under_each_heading_match_the_codings(sample, sample_docx):
    coded, book, summary, themes, excerpts = sample
    paragraphs = blocks(sample_docx)
    assert sum(style == "Quote" for style, _ in paragraphs) == len(excerpts)
    groups = {}
    group = None
    for i, (style, text) in enumerate(paragraphs):
        if style == "Heading 1":
            group = text if text in set(summary.group) else None
            if group:
                groups[group] = {"quotes": 0, "said": count_of(paragraphs[i + 1][1])}
        elif style == "Quote" and group:
            groups[group]["quotes"] += 1
    per_group = excerpts.groupby("group").size()
    for name, seen in groups.items():
        assert seen["quotes"] == per_group.get(name, 0)
        passages = excerpts[excerpts.group == name].drop_duplicates(["source_id", "start", "end"])
        assert seen["said"] == len(passages)
    # every sub-theme heading's count is the number of quotes under it, each followed by an attribution
    for i, (style, text) in enumerate(paragraphs):
        if style == "Heading 3":
            said = count_of(paragraphs[i + 1][1])
            j, quotes = i + 2, 0
            while j < len(paragraphs) and not paragraphs[j][0].startswith("Heading"):
                if paragraphs[j][0] == "Quote":
                    quotes += 1
                    assert paragraphs[j + 1][0] == "Attribution" and paragraphs[j + 1][1].startswith("(")
                j += 1
            assert quotes == said, text


def test_attributions_use_the_participants_labels(sample, sample_docx):
    attributions = [text for style, text in blocks(sample_docx) if style == "Attribution"]
    assert any(a.startswith("(Social Worker 2)") for a in attributions)
    assert all(re.match(r"\(.+\)\s+\S+, (turn|answer) \d+", a) for a in attributions)


def test_tables_are_real_tables_with_repeated_headers_and_the_theme_counts(sample, sample_docx):
    coded, book, summary, themes, excerpts = sample
    document = docx.Document(str(sample_docx))
    theme = next(t for t in document.tables if [c.text for c in t.rows[0].cells][:2] == ["Theme / sub-theme", "Excerpts"])
    assert [c.text for c in theme.rows[0].cells][:4] == ["Theme / sub-theme", "Excerpts", "Sources", "Participants"]
    assert theme.rows[0]._tr.trPr.xml.count("tblHeader") == 1
    assert len(theme.rows) == len(themes) + 1
    for table_row, (_, expected) in zip(theme.rows[1:], themes.iterrows()):
        cells = [c.text for c in table_row.cells]
        assert cells[1:4] == [str(expected.excerpts), str(expected.sources), str(expected.participants)]
        assert cells[4] == f"{expected['Key Stakeholders n']} ({expected['Key Stakeholders %']:.0f}%)"
    study = next(t for t in document.tables if t.rows[0].cells[0].text == "Group")
    assert [c.text for c in study.rows[-1].cells][:2] == ["Total", str(summary.participants.iloc[-1])]


def test_navigation_title_page_and_styles(sample_docx):
    document = docx.Document(str(sample_docx))
    xml = document.element.body.xml
    assert re.search(r'<w:instrText[^>]*> TOC \\o "1-2"', xml)
    paragraphs = blocks(sample_docx)
    assert paragraphs[0] == ("Title", "Coded excerpts by participant group")
    text = "\n".join(t for _, t in paragraphs[:12])
    assert "Minimal example, version 1.0" in text and "1 January 2027" in text and "rules@1.0" in text
    headings = [t for s, t in paragraphs if s == "Heading 1"]
    assert headings[:3] == ["Summary", "Key Stakeholders", "Referrers"]
    quote = document.styles["Quote"]
    assert quote.font.italic and quote.paragraph_format.left_indent.cm == pytest.approx(1.0, abs=0.01)
    assert len(document.inline_shapes) == 1  # the heatmap


def test_by_theme_nests_theme_subtheme_group(sample):
    coded, book, summary, themes, excerpts = sample
    document = excerpts_document(excerpts, themes, by="theme")
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    h1 = [t for s, t in paragraphs if s == "Heading 1"]
    assert h1 == ["Summary", "1  Access", "2  Benefits"]
    h3 = {t for s, t in paragraphs if s == "Heading 3"}
    assert h3 <= set(summary.group)


def test_overlapping_codings_repeat_the_passage_under_each_node():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        themes = qualcode.theme_table(codings(), codebook())
        excerpts = excerpt_table(codings(), codebook())
    quotes = [p.text for p in excerpts_document(excerpts, themes).paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 5 and quotes.count(codings().text[0]) == 2


def test_bad_text_never_breaks_the_document(tmp_path):
    nasty = "Zo\u00eb said \u201cit\u2019s fine\u201d \u2014 \u65e5\u672c\u8a9e \U0001f642 \x01\x0b\x1f<b>&amp;</b>"
    long = " ".join(["long"] * 12000)
    frame = pd.DataFrame([row("s1", "P1", "G1", "Zo\u00eb \x02", 0, 10, "a1", text=nasty),
                          row("s1", "P1", "G1", "Zo\u00eb", 20, 30, "b", text=long)])
    themes = qualcode.theme_table(frame, codebook())
    path = save_document(excerpts_document(excerpt_table(frame, codebook()), themes), tmp_path / "x.docx")
    quotes = [t for s, t in blocks(path) if s == "Quote"]
    assert quotes[0] == "Zo\u00eb said \u201cit\u2019s fine\u201d \u2014 \u65e5\u672c\u8a9e \U0001f642 <b>&amp;</b>"
    assert len(quotes[1].split()) == 12000
    html = html_report(themes, excerpt_table(frame, codebook()))
    assert "&lt;b&gt;&amp;amp;&lt;/b&gt;" in html and "\x01" not in html


def test_excerpts_held_as_text_until_saved_give_the_same_document(sample, sample_docx, tmp_path):
    """The exports keep the excerpts as XML text and splice them in when saving (a fraction of the
    memory); the file must be the one python-docx would have written from elements."""
    import zipfile

    from lxml import etree

    coded, book, summary, themes, excerpts = sample
    png = figure_png(prevalence_heatmap(themes))
    info = report_info(coded, book, study="Sample study", date="1 January 2027")
    plain = save_document(excerpts_document(excerpts, themes, summary=summary, heatmap=png, info=info),
                          tmp_path / "plain.docx")

    def body(path):
        with zipfile.ZipFile(path) as z:
            return etree.tostring(etree.fromstring(z.read("word/document.xml")), method="c14n")

    assert body(sample_docx) == body(plain)
    assert blocks(sample_docx) == blocks(plain) and sum(s == "Quote" for s, _ in blocks(plain)) == len(excerpts)
    # by theme, and with text that needs escaping or cleaning
    nasty = "Zo\u00eb said \u201cit\u2019s\u201d <b>&amp;</b> \x01\nnext line"
    frame = pd.DataFrame([row("s1", "P1", "G1", "Zo\u00eb", 0, 10, "a1", text=nasty),
                          row("s2", "P2", "G2", "P2", 0, 10, "b", text="plain")])
    nasty_themes = qualcode.theme_table(frame, codebook())
    table = excerpt_table(frame, codebook())
    paths = [save_document(excerpts_document(table, nasty_themes, by="theme", deferred=held), tmp_path / f"{held}.docx")
             for held in (False, True)]
    assert body(paths[0]) == body(paths[1])
    assert "Zo\u00eb said \u201cit\u2019s\u201d <b>&amp;</b> \nnext line" in [t for s, t in blocks(paths[1]) if s == "Quote"]


def test_empty_codings_still_give_documents_that_say_so(tmp_path):
    empty = codings().iloc[:0]
    themes = qualcode.theme_table(empty, codebook())
    excerpts = excerpt_table(empty, codebook())
    path = save_document(excerpts_document(excerpts, themes, heatmap=figure_png(prevalence_heatmap(themes))),
                         tmp_path / "empty.docx")
    text = "\n".join(t for _, t in blocks(path))
    assert "Nothing was coded" in text
    save_document(theme_table_document(themes), tmp_path / "themes.docx")
    assert "Nothing was coded" in html_report(themes, excerpts)


def test_html_report_is_self_contained_and_counts_match(sample):
    coded, book, summary, themes, excerpts = sample
    page = html_report(themes, excerpts, summary=summary, heatmap=figure_png(prevalence_heatmap(themes)),
                       info=report_info(coded, book))
    assert "<script" not in page and not re.search(r"""(src|href)=['"](https?:)?//""", page)
    assert re.search(r"<img [^>]*src='data:image/png;base64,[A-Za-z0-9+/=]{1000,}'", page)
    assert page.count("<blockquote>") == len(excerpts)
    assert "Social Worker 2" in page and "Theme table" in page


def test_heatmap_shows_prevalence_per_group(sample):
    themes = sample[3]
    figure = prevalence_heatmap(themes)
    axes = figure.axes[0]
    assert [t.get_text().replace("\n", " ").split(" (")[0] for t in axes.get_xticklabels()] == list(
        themes.attrs["group_sizes"])
    png = figure_png(figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice is not installed")
def test_libreoffice_opens_and_converts_the_document(sample_docx, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    done = subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                           "pdf", "--outdir", str(tmp_path), str(sample_docx)], capture_output=True, text=True,
                          timeout=300)
    pdf = tmp_path / "excerpts.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000

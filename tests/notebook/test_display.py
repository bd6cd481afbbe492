"""How objects show themselves in Jupyter (``_repr_html_``) and at a prompt (``repr``)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

import qualcode
from qualcode.notebook.reprs import CodingsSummary, rule_counts

from ..conftest import write_participants, write_sources

EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


class _Tags(HTMLParser):
    """Counts start tags and checks that every opened tag that needs closing is closed."""

    VOID = {"br", "img", "hr", "meta", "input", "col"}

    def __init__(self):
        super().__init__()
        self.counts: dict[str, int] = {}
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


def tags(markup: str) -> dict[str, int]:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    assert not parser.stack, f"unclosed: {parser.stack}"
    return parser.counts


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


# -- Corpus ------------------------------------------------------------------------------------------
def test_corpus_shows_the_study_summary_and_collapsible_details(sample_corpus):
    markup = sample_corpus._repr_html_()
    found = tags(markup)
    assert found["details"] == 2 and found["table"] == 3  # summary; sources and participants one click away
    summary = sample_corpus.summary()
    text = text_of(markup)
    for row in summary.itertuples(index=False):
        assert row.group in text
    total = summary[summary.group == "Total"].iloc[0]
    assert f"{len(sample_corpus)} sources" in text and f"{total.words}" in text.replace(",", "")
    assert repr(sample_corpus).startswith("<Corpus ")
    # one definition of each figure: the header says what the study summary's Total row says
    header = text.split("Study summary")[0]
    assert f"{total.participants} participants" in header and f"{total.words:,} words" in header
    assert f"{total.participants} participants" in repr(sample_corpus) and f"{total.words:,} words" in repr(sample_corpus)


def test_corpus_problems_are_open_and_text_is_escaped(mini):
    write_participants(mini, [("GP1", "Referrers", EVIL), ("LW1", "Link Workers", "LW1")])
    (mini / "broken.txt").write_bytes(b"\x00\x01\x02binary")
    write_sources(mini, [{"file": "gp1.txt", "source_id": "GP1-int", "method": "interview", "participants": "GP1"},
                         {"file": "broken.txt", "source_id": "broken", "method": "interview", "participants": "LW1"}])
    corpus = qualcode.load_corpus(mini)
    markup = corpus._repr_html_()
    assert "<script" not in markup and "<img" not in markup
    assert "&lt;script&gt;" in markup
    assert "<details open><summary><b>" in markup and "file skipped" in markup and "broken.txt" in markup
    tags(markup)


# -- Codebook ----------------------------------------------------------------------------------------
def test_codebook_is_a_collapsible_tree_with_definitions_and_rule_counts(sample_codebook):
    markup = sample_codebook._repr_html_()
    found = tags(markup)
    with_content = [n for n in sample_codebook.nodes.values()
                    if n.definition or n.include or n.exclude or n.examples or n.memo or n.rules.get("keywords")
                    or sample_codebook.children(n.id)]
    assert found["details"] == len(with_content)
    assert found["summary"] == found["details"]
    assert "<script" not in markup and "onclick" not in markup  # no JavaScript
    text = text_of(markup)
    for number, theme in enumerate(sample_codebook.themes, 1):
        assert f"{number} {theme.label}" in text
    node = sample_codebook.node("buddying")
    assert f"keywords {len(node.rules['keywords'])}" in text
    assert node.definition[:60] in text
    assert repr(sample_codebook).startswith("<Codebook 'Social prescribing evaluation'")


def test_codebook_html_escapes_labels_definitions_and_keywords_and_marks_status():
    book = qualcode.Codebook.from_dict({
        "name": "Evil <b>book</b>", "version": "1",
        "themes": [
            {"id": "t1", "label": EVIL, "definition": "x < y & z", "rules": {"keywords": ["<script>"]},
             "subthemes": [{"id": "s1", "label": "Old", "status": "retired"},
                           {"id": "s2", "label": "New", "status": "candidate", "origin": "inductive",
                            "rules": {"regex": ["a+"], "groups": ["Clients"], "min_hits": 2}}]},
        ],
    })
    markup = book._repr_html_()
    assert "<script" not in markup and "<img" not in markup and "<b>book" not in markup
    assert "x &lt; y &amp; z" in markup
    assert "<s>Old</s>" in markup and ">candidate<" in markup and ">inductive<" in markup
    assert rule_counts(book.node("s2")) == "regex 1 · groups: Clients · min_hits 2"
    assert rule_counts(book.node("s1")) == "no rules"
    tags(markup)


# -- codings -----------------------------------------------------------------------------------------
def test_codings_summary_counts_by_theme_and_group_with_examples(sample_codings):
    summary = sample_codings.qc.summary(examples=2)
    table = summary.table()
    passages = sample_codings.drop_duplicates(["theme_id", "source_id", "start", "end"])
    expected = passages.groupby(["theme", "group"]).size()
    assert all(table.loc[t, g] == n for (t, g), n in expected.items())
    assert table["Total"].to_dict() == passages.groupby("theme").size().to_dict()
    markup = sample_codings.qc._repr_html_()
    found = tags(markup)
    assert found["details"] == len(table)
    quotes = summary.excerpts()
    assert all(1 <= len(q) <= 2 for q in quotes.values())
    for label, items in quotes.items():  # two examples of one theme come from two people
        assert len({who for _, who, _ in items}) == len(items)
    text = repr(sample_codings.qc)
    assert text.startswith(f"Codings: {len(sample_codings):,} codings of ")
    assert table.index[0] in text


def test_codings_html_escapes_transcript_text(sample_codings):
    evil = sample_codings.head(3).copy()
    evil["text"] = EVIL + " and more words to read " * 4
    evil["label"] = "<b>GP</b>"
    markup = evil.qc._repr_html_()
    assert "<script" not in markup and "<img" not in markup and "<b>GP" not in markup
    assert "&lt;script&gt;" in markup
    tags(markup)


def test_coding_run_shows_coverage_warnings_and_codings(sample_corpus, sample_codebook):
    run = qualcode.apply_codebook(sample_corpus.subset(["C2", "GP1"]), sample_codebook)
    text = repr(run)
    assert text.startswith("<CodingRun with codebook 'Social prescribing evaluation'") and "\n" not in text
    assert "participant segments" in text and len(text) < 1000  # not a dump of two DataFrames
    markup = run._repr_html_()
    assert run.report().lines()[0].split(";")[0] in html.unescape(markup)
    assert "run.codings.qc" in markup
    # the codebook orders the themes in a run's summary
    table = CodingsSummary(run.codings, codebook=run.codebook).table()
    themes = [t.id for t in sample_codebook.themes if t.id in set(run.codings.theme_id)]
    assert table.attrs["ids"] == themes


# -- agreement, saturation, discovery: short plain reprs, tables in HTML -----------------------------
def test_results_show_short_reprs_and_html_tables(sample_corpus, sample_codebook, human_codings):
    a, b = human_codings
    report = qualcode.agreement([a, b], sample_corpus, codebook=sample_codebook)
    assert repr(report).startswith("<AgreementReport: Coders: coder_a, coder_b.") and "kappa 0.8" in repr(report)
    markup = report._repr_html_()
    assert tags(markup)["table"] == 1 and "report.disagreements" in markup
    assert f"{len(report.disagreements):,} disagreements" in markup

    small = sample_corpus.subset(["LW1-w1", "GP-FG1", "C2", "C3", "SW5"])
    result = qualcode.saturation(small, sample_codebook, candidates=False)
    assert repr(result).startswith("<SaturationResult, sources ordered by date: codes:")
    assert "<table" in result._repr_html_() and "result.plot()" in result._repr_html_()

    run = qualcode.discover(sample_corpus, sources=["LW1-w1", "GP-FG1", "C2"])
    text = repr(run)
    assert text.startswith(f"<DiscoveryRun: {len(run.candidates)} candidates from {len(run.segments)} segments: cand-1 ")
    markup = run._repr_html_()
    assert tags(markup)["tr"] == len(run.candidates) + 1
    for column in ("id", "label", "size", "similar_to"):
        assert f"<th>{column}</th>" in markup


def test_long_tables_are_cut_with_a_note():
    from qualcode.notebook.reprs import frame_html

    markup = frame_html(pd.DataFrame({"n": range(100)}), max_rows=10)
    assert markup.count("<tr") == 11 and "First 10 of 100 rows." in markup

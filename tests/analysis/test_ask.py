"""Asking the data what analysts ask: any attribute, search in context, word frequencies, comparisons."""

import pandas as pd
import pytest

import qualcode
from qualcode.errors import CodingsError, QualcodeError

from ..conftest import ROOT


@pytest.fixture(scope="module")
def wave_table(sample_codings, sample_codebook, sample_corpus):
    return qualcode.theme_table(sample_codings, sample_codebook, qualcode.attribute_table(sample_corpus), by="wave")


def test_attributes_travel_with_the_codings(sample_codings, sample_corpus):
    table = qualcode.attribute_table(sample_corpus)
    # every coded participant in every source has the wave of that source and the role of participants.csv
    merged = sample_codings.merge(table[["source_id", "participant_id", "wave", "role"]],
                                  on=["source_id", "participant_id"], suffixes=("", "_t"))
    assert len(merged) == len(sample_codings) and (merged.wave == merged.wave_t).all()
    # KSH1 was interviewed in both waves: one participant, two values
    assert sorted(sample_codings.loc[sample_codings.participant_id == "KSH1", "wave"].unique()) == ["1", "2"]
    stripped = sample_codings.drop(columns=["role", "organisation", "date", "wave"])
    assert qualcode.with_attributes(stripped, sample_corpus).equals(sample_codings)


def test_theme_table_by_wave_counts_each_waves_participants(wave_table, sample_codings):
    assert {"wave 1 n", "wave 1 %", "wave 2 n", "wave 2 %"} <= set(wave_table.columns)
    first = wave_table.iloc[0]
    people = sample_codings[(sample_codings.theme_id == first.theme_id) & (sample_codings.wave == "2")]
    assert first["wave 2 n"] == people.participant_id.nunique()
    notes = " ".join(wave_table.attrs["notes"])
    assert "wave 2: its figures mix methods" in notes and "survey" in notes   # 3 interviews + a survey
    assert wave_table.attrs["flags"]["wave 2"] == "mixed methods"


def test_small_groups_are_flagged_and_heatmap_labels_show_n(sample_codings, sample_codebook):
    table = qualcode.theme_table(sample_codings, sample_codebook, by=["group", "role"])
    assert "Key Stakeholders / Commissioner n" in table.columns
    assert any("Fewer than 5 participants" in n and "Commissioner (n=1)" in n for n in table.attrs["notes"])
    figure = qualcode.plots.prevalence_heatmap(table)
    labels = " ".join(t.get_text() for t in figure.axes[0].get_xticklabels())
    assert "(n=1)" in labels


def test_counts_participants_matrix_and_excerpts_take_any_attribute(sample_codings, sample_codebook):
    counts = sample_codings.qc.counts(by="wave")
    assert list(counts.columns) == ["wave 1", "wave 2", "Total"]
    both = sample_codings.qc.participants(by=["group", "role"])
    assert {"group", "role"} <= set(both.columns) and both.role.notna().any()
    matrix = qualcode.framework_matrix(sample_codings, sample_codebook, by="wave", cells="count")
    assert set(matrix.group) == {"wave 1", "wave 2"}
    assert (matrix.participant_id == "KSH1").sum() == 2          # a row in each wave
    excerpts = qualcode.excerpt_table(sample_codings, sample_codebook, by="role")
    assert "Link worker" in set(excerpts.group)


@pytest.mark.parametrize("call, message", [
    (lambda c, b: qualcode.theme_table(c, b, by="wav"), "did you mean 'wave'? The attributes there are: "),
    (lambda c, b: qualcode.theme_table(c, b, by="Wave"), "did you mean 'wave'? Attribute names are case-sensitive"),
    (lambda c, b: c.qc.counts(by="role", max_values=5), "raise the limit with --max-values 13"),
    (lambda c, b: qualcode.compare(c, b, by="wave", values=["wave 3"]), "no value 'wave 3'"),
])
def test_bad_attributes_say_what_there_is(sample_codings, sample_codebook, call, message):
    with pytest.raises(CodingsError) as caught:
        call(sample_codings, sample_codebook)
    assert message in str(caught.value)


def test_search_keyword_in_context_with_exact_offsets(sample_corpus):
    hits = qualcode.search(sample_corpus, "waiting list", context=4)
    assert len(hits) > 5
    for row in hits.itertuples():
        assert sample_corpus.text(row.source_id)[row.start:row.end] == row.match
        assert row.match.lower().startswith("waiting list") and len(row.left.split()) <= 4
    assert hits.participant_id.notna().all()                     # researchers' turns are left out
    lemma = qualcode.search(sample_corpus, "waiting list", lemma=True)
    assert len(lemma) >= len(hits)
    refer = qualcode.search(sample_corpus, "refer*", group="Clients")
    assert set(refer.group) == {"Clients"} and refer.match.str.lower().str.startswith("refer").all()
    assert set(refer.match.str.lower()) > {"referral"}
    forms = set(qualcode.search(sample_corpus, "refer", lemma=True).match.str.lower())
    assert {"referred", "refer"} <= forms and "referral" not in forms    # lemma table, not a prefix
    scoped = qualcode.search(sample_corpus, "waiting list", wave="2")
    assert set(scoped.wave) == {"2"} and 0 < len(scoped) < len(hits)
    with_researchers = qualcode.search(sample_corpus, "waiting", include_researchers=True)
    assert len(with_researchers) >= len(qualcode.search(sample_corpus, "waiting"))


@pytest.mark.parametrize("pattern, options, message", [
    ("", {}, "the search pattern is empty"),
    ("   ", {}, "the search pattern is empty"),
    ("*", {}, "would match every word"),
    ("wait ?*", {}, "would match every word"),
    ("(unclosed", {"regex": True}, "is not valid: missing )"),
    (".*", {"regex": True}, "matches empty text"),
    ("!!", {}, "has no letters or digits"),
    ("x", {"gruop": "Clients"}, "did you mean 'group'?"),
    ("x", {"group": "Client"}, "did you mean 'Clients'?"),
])
def test_bad_searches_are_refused_clearly(sample_corpus, pattern, options, message):
    with pytest.raises(QualcodeError) as caught:
        qualcode.search(sample_corpus, pattern, **options)
    assert message in str(caught.value)


def test_word_frequencies_lemmatised_without_stop_words_with_keyness(sample_corpus):
    words = qualcode.word_frequencies(sample_corpus, top=None, min_count=1)
    terms = set(words.term)
    assert {"the", "and", "yeah"}.isdisjoint(terms)
    assert "week" in terms and "weeks" not in terms                # counted by lemma
    assert "link worker" in terms and (words.words <= 3).all()
    by = qualcode.word_frequencies(sample_corpus, by="group", top=5)
    assert set(by.value) == set(sample_corpus.groups)
    top = by[by.value == "Clients"].iloc[0]
    assert top.direction == "more" and top.keyness > 3.84
    # keyness is Dunning's log-likelihood: a term used only in one half of equal halves
    assert qualcode.analysis.words.log_likelihood(10, 0, 1000, 1000) == pytest.approx(13.86, abs=0.01)
    assert any("Fewer than 5 participants" in n for n in by.attrs["notes"])   # Key Stakeholders: 3


def test_compare_shows_counts_percentages_and_what_changed(sample_codings, sample_codebook, sample_corpus):
    table = qualcode.compare(sample_codings, sample_codebook, by="wave", participants=sample_corpus)
    assert table.attrs["values"] == ["wave 1", "wave 2"]
    assert table.attrs["sizes"]["wave 2"] == 20                   # 3 interviewees and 17 survey respondents
    row = table.iloc[1]
    assert row["change"] == pytest.approx(row["wave 2 %"] - row["wave 1 %"], abs=0.05)
    assert row["what changed"].startswith(("up", "down", "no change", "new", "not"))
    assert (table.caution == "wave 2: mixed methods").all()
    three = qualcode.compare(sample_codings, sample_codebook, by="group")
    assert three["what changed"].iloc[0].startswith("highest: ")


def test_outputs_in_word_excel_and_html(tmp_path, sample_codings, sample_codebook, sample_corpus):
    import docx
    import openpyxl

    hits = qualcode.search(sample_corpus, "waiting list", by="group")
    path = qualcode.export_search(hits, tmp_path / "kwic.docx")
    text = "\n".join(p.text for p in docx.Document(path).paragraphs)
    assert "Clients (" in text and hits.match.iloc[0] in text
    bold = [r.text for p in docx.Document(path).paragraphs for r in p.runs if r.bold]
    assert hits.match.iloc[0] in bold                              # the keyword stands out
    words = qualcode.word_frequencies(sample_corpus, by="group")
    written = qualcode.export_words(words, tmp_path / "words.xlsx", plot=tmp_path / "words.png")
    assert openpyxl.load_workbook(written[0]).active.max_row == len(words) + 1 and written[1].stat().st_size > 1000
    table = qualcode.compare(sample_codings, sample_codebook, by="wave", participants=sample_corpus)
    page = qualcode.export_compare(table, tmp_path / "compare.html").read_text()
    assert "wave 2 %" in page and "mix methods" in page
    document = docx.Document(qualcode.export_compare(table, tmp_path / "compare.docx"))
    assert document.tables[0].rows[0].cells[1].text == "wave 1 participants"


def test_a_search_saved_as_a_rule_codes_what_it_found(sample_corpus, sample_codebook):
    from qualcode.analysis.search import search_rule

    hits = qualcode.search(sample_corpus, "waiting list", lemma=True)
    book = search_rule(sample_codebook, "mental-health-gaps", "waiting list", lemma=True, reason="Seen in search",
                       author="A. Researcher")
    assert "waiting list" in book.node("mental-health-gaps").rules["keywords"]
    assert book.version != sample_codebook.version and book.changelog[-1]["reason"] == "Seen in search"
    coded = qualcode.code(sample_corpus, book)
    gaps = coded[coded.code_id.eq("mental-health-gaps") | coded.subtheme_id.eq("mental-health-gaps")]
    spans = list(zip(gaps.source_id, gaps.start, gaps.end))
    for row in hits.itertuples():   # every hit lies inside a coding of the code (researchers' turns aside)
        assert any(s == row.source_id and a <= row.start and row.end <= b for s, a, b in spans), row
    wild = search_rule(sample_codebook, "first-contact", "refer*", reason="r", author="A")
    assert wild.node("first-contact").rules["regex"][-1] == r"(?<!\w)refer\w*(?!\w)"
    with pytest.raises(QualcodeError, match="already has the keyword"):
        search_rule(book, "mental-health-gaps", "waiting list", lemma=True, reason="again", author="A")

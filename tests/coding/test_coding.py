"""Deductive coding: what each rule kind matches, the codings table contract, determinism."""

import warnings

import pandas as pd
import pytest

import qualcode
from qualcode.codebook.model import Codebook
from qualcode.coding import coder

from qualcode.coding.coder import apply_codebook as apply_any
from qualcode.coding.table import CODING_COLUMNS
from qualcode.coding.rules import parse_evidence

from ..conftest import ROOT, write_participants, write_sources


def code(corpus, codebook, **options):
    """These tests are about the rules: code by rules (coding by meaning is tested in test_meaning.py)."""
    return coder.code(corpus, codebook, **{"by": "rules", **options})


def apply_codebook(corpus, codebook, **options):
    return apply_any(corpus, codebook, **{"by": "rules", **options})


def book(rules_by_node: dict, version="2") -> Codebook:
    """A codebook with one theme 't' and a sub-theme per entry of ``rules_by_node``."""
    children = [{"id": node, "label": node.title(), "rules": rules} for node, rules in rules_by_node.items()]
    return Codebook.from_dict({"name": "Test", "version": version, "themes": [{"id": "t", "label": "Theme T", "children": children}]})


@pytest.fixture
def talk(tmp_path):
    """One interview per text given, each spoken by a different participant of the given group."""

    def make(*texts, group="Clients", method="interview"):
        folder = tmp_path / "talk"
        folder.mkdir(exist_ok=True)
        people, rows = [], []
        for i, text in enumerate(texts):
            pid = f"P{i}"
            people.append((pid, group, f"Person {i}"))
            (folder / f"{pid}.txt").write_text(f"Interviewer: Tell me.\n\n{pid}: {text}\n", encoding="utf-8")
            rows.append({"file": f"{pid}.txt", "source_id": f"S{i}", "method": method, "participants": pid})
        write_participants(folder, people)
        write_sources(folder, rows)
        return qualcode.load_corpus(folder)

    return make


def coded(corpus, codebook, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = code(corpus, codebook, **options)
    return {(row.source_id, row.code_id) for row in frame.itertuples()}


def test_keywords_match_lemmas_case_insensitively_and_phrases_match_lemma_sequences(talk):
    corpus = talk("She REFERRED me last week.", "The Link Workers were kind.", "A referee at football.", "Nothing here.")
    result = coded(corpus, book({"refer": {"keywords": ["refer"]}, "lw": {"keywords": ["link worker"]}}))
    assert result == {("S0", "refer"), ("S1", "lw")}


def test_exclude_terms_min_hits_and_distinct_terms(talk):
    corpus = talk("Waiting list, waiting list, waiting list.", "A waiting list and months of delay.",
                  "The waiting list for the gym membership.")
    cb = book({"waits": {"keywords": ["waiting list", "delay", "month"], "min_hits": 2, "exclude_terms": ["gym"]}})
    assert coded(corpus, cb) == {("S1", "waits")}


def test_near_counts_token_distance(talk):
    corpus = talk("I was anxious about the phone.", "I was anxious. Much later, after many many things happened, the phone rang.")
    cb = book({"barrier": {"near": [{"terms": ["anxious", "nervous"], "with": ["phone"], "within": 3}]}})
    assert coded(corpus, cb) == {("S0", "barrier")}


def test_regex_and_matcher_patterns(talk):
    corpus = talk("I self-referred online.", "I phoned them myself.", "Self help books.")
    cb = book({"self": {"regex": [r"\bself[- ]?refer\w*"]},
               "phoned": {"patterns": [[{"LOWER": {"IN": ["rang", "phoned"]}}, {"LOWER": "them"}, {"LOWER": "myself"}]]}})
    assert coded(corpus, cb) == {("S0", "self"), ("S1", "phoned")}


def test_group_and_method_restrictions(talk):
    corpus = talk("We refer people every week.", group="Referrers", method="focus_group")
    assert coded(corpus, book({"r": {"keywords": ["refer"], "groups": ["Referrers"]}})) == {("S0", "r")}
    assert coded(corpus, book({"r": {"keywords": ["refer"], "groups": ["Clients"]}})) == set()
    assert coded(corpus, book({"r": {"keywords": ["refer"], "methods": ["interview"]}})) == set()
    assert coded(corpus, book({"r": {"keywords": ["refer"], "speakers": ["Person 0"]}})) == {("S0", "r")}


def test_groups_not_in_the_corpus_are_warned_about(talk):
    corpus = talk("We refer people.")
    with pytest.warns(UserWarning, match="names 'Referers', which is not a participant group"):
        code(corpus, book({"r": {"keywords": ["refer"], "groups": ["Referers"]}}))


def test_most_specific_node_gets_one_row_with_its_ancestors_in_columns(talk):
    corpus = talk("I was referred and it was a self-referral really.")
    cb = Codebook.from_dict({"name": "H", "version": "3", "themes": [{
        "id": "access", "label": "Access", "rules": {"keywords": ["refer"]}, "children": [{
            "id": "routes", "label": "Routes", "rules": {"keywords": ["referral"]}, "children": [{
                "id": "self", "label": "Self-referral", "rules": {"regex": ["self-referral"]}}]}]}]})
    frame = code(corpus, cb)
    assert frame[["code_id", "code", "theme_id", "theme", "subtheme_id", "subtheme"]].values.tolist() == [
        ["self", "Self-referral", "access", "Access", "routes", "Routes"]
    ]


def test_codings_table_contract_and_offsets(sample_corpus):
    cb = Codebook.from_yaml(ROOT / "codebooks" / "minimal.yaml")
    frame = code(sample_corpus, cb)
    # the standard columns, then the participant and source attributes of participants.csv and sources.csv
    assert list(frame.columns) == CODING_COLUMNS + ["role", "organisation", "date", "wave"]
    people = sample_corpus.participants.set_index("participant_id")
    assert (frame.role == frame.participant_id.map(people.role)).where(frame.role.notna(), True).all()
    waves = sample_corpus.sources.set_index("source_id").wave
    assert frame.wave.tolist() == frame.source_id.map(waves).tolist()
    assert len(frame) > 50
    assert set(frame.coder) == {"rules@1.0"} and set(frame.origin) == {"rule"} and set(frame.codebook_version) == {"1.0"}
    for row in frame.itertuples():
        assert sample_corpus.text(row.source_id)[row.start : row.end] == row.text
        for _, term, start, end in parse_evidence(row.evidence):
            assert row.start <= start < end <= row.end
    assert frame.participant_id.notna().all()  # researcher turns are not coded


def test_researcher_turns_coded_only_when_asked(talk):
    corpus = talk("Nothing relevant.")
    cb = book({"tell": {"keywords": ["tell"]}})
    assert coded(corpus, cb) == set()
    assert coded(corpus, cb, include_researchers=True) == {("S0", "tell")}


def test_long_turns_are_coded_by_sentence_with_context(talk):
    filler = " ".join(f"Sentence number {i} is about the weather." for i in range(40))
    corpus = talk(f"{filler} Then I got referred to the walking group. It helped. {filler}")
    frame = code(corpus, book({"refer": {"keywords": ["refer"]}}), long_turn_words=100)
    [row] = frame.itertuples()
    assert row.text == "Sentence number 39 is about the weather. Then I got referred to the walking group. It helped."
    whole = code(corpus, book({"refer": {"keywords": ["refer"]}}), long_turn_words=10_000)
    assert len(whole.text[0].split()) > 300


def test_same_input_same_table_and_jobs_do_not_change_it(sample_corpus):
    cb = Codebook.from_yaml(ROOT / "codebooks" / "minimal.yaml")
    first = code(sample_corpus, cb)
    pd.testing.assert_frame_equal(first, code(sample_corpus, cb))
    parallel = apply_codebook(sample_corpus, cb, jobs=2, chunk_size=100).codings
    pd.testing.assert_frame_equal(first, parallel)


def test_no_participant_segments_is_a_clear_error(tmp_path):
    write_participants(tmp_path, [("GP1", "Referrers", "GP1"), ("GP2", "Referrers", "GP2")])
    (tmp_path / "a.txt").write_text("A focus group transcribed without any speaker labels, so nobody can be named.\n")
    write_sources(tmp_path, [{"file": "a.txt", "source_id": "A", "method": "focus_group", "participants": "GP1;GP2"}])
    corpus = qualcode.load_corpus(tmp_path)
    assert any("no speaker label" in p.message for p in corpus.problems)
    with pytest.raises(qualcode.QualcodeError, match="no participant segments"):
        code(corpus, book({"r": {"keywords": ["group"]}}))


def test_report_counts_coverage_and_unmatched(talk):
    corpus = talk("I was referred.", "Nothing at all.")
    run = apply_codebook(corpus, book({"refer": {"keywords": ["refer"]}, "never": {"keywords": ["zebra"]}}))
    report = run.report()
    assert (report.participant_segments, report.coded_segments, report.codings) == (2, 1, 1)
    assert report.coverage == 0.5 and report.unmatched == ["never"]
    assert report.per_theme.set_index("theme_id").loc["t", "codings"] == 1


def test_stop_words_in_phrases_and_quoted_keywords_match_as_written(talk):
    corpus = talk("He said yeah to it.", "She had left early.", "He's leaving soon.", "I didnt know, honestly.")
    cb = book({"yes": {"keywords": ['"said yes"', "said yeah"]}, "left": {"keywords": ["had left"]},
               "know": {"keywords": ["didn't know"]}})
    assert coded(corpus, cb) == {("S0", "yes"), ("S1", "left"), ("S3", "know")}
    quoted = book({"yes": {"keywords": ['"said yes"']}})
    assert coded(corpus, quoted) == set()


def test_near_evidence_names_the_terms_that_matched(talk):
    corpus = talk("I sent an email when I close the case.")
    frame = code(corpus, book({"n": {"near": [{"terms": ["letter", "email"], "with": ["GP", "close"], "within": 5}]}}))
    assert frame.evidence[0].startswith("near:email~close@")


def test_regex_prefilter_anchors_are_required_literals():
    from qualcode.coding.rules import regex_anchors

    assert regex_anchors(r"\bfunding\b") == {"funding"}
    assert regex_anchors(r"\b(?:doctor|GP|nurse)\s+(?:\w+\s+)?mentioned it\b") == {"mentioned it"}
    assert regex_anchors(r"\bphone[sd]?\b") == {"phone"}
    anchors = regex_anchors(r"(?:rang|ring)\s+x")  # the parser may factor it as r[ai]ng: any required set will do
    assert anchors and all(any(a in match for a in anchors) for match in ("rang x", "ring x"))
    assert regex_anchors(r"\w+ing") == {"ing"}
    assert regex_anchors(r"(?:a|bc)?d") is None  # nothing required of length >= 3
    assert regex_anchors(r"[ab]+") is None


def test_regex_prefilter_never_skips_a_real_match(talk):
    corpus = talk("The FUNDING ran out.", "Stra\u00dfe und fun\u017fding.", "No money left.")
    cb = book({"f": {"regex": [r"\bfunding\b", r"fun\u017fding"]}})
    assert coded(corpus, cb) == {("S0", "f"), ("S1", "f")}

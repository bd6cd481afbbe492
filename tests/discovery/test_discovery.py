"""Inductive discovery: the estimator, its candidates, determinism, rediscovery of removed sub-themes."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import qualcode
from qualcode import Codebook, Discoverer, NotFittedError, QualcodeError
from qualcode.coding.coder import apply_codebook
from qualcode.discovery.candidates import CANDIDATE_COLUMNS
from qualcode.discovery.discoverer import MIN_SEGMENTS, discover
from qualcode.discovery.terms import FILLERS, segment_terms

from ..conftest import ROOT

SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"


@pytest.fixture(scope="module")
def book():
    return Codebook.from_yaml(SHIPPED)


@pytest.fixture(scope="module")
def fitted(sample_corpus, book):
    """Discovery over every participant turn of the sample study, with the shipped codebook for similarity."""
    return Discoverer(codebook=book).fit(sample_corpus.segments())


@pytest.fixture(scope="module")
def full_codings(sample_corpus, book):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return apply_codebook(sample_corpus, book, by="rules").codings


# -- the estimator contract ------------------------------------------------------------------------
def test_an_unfitted_discoverer_says_to_fit_it_first():
    disc = Discoverer()
    for use in (disc.to_codebook, lambda: disc.transform(pd.DataFrame())):
        with pytest.raises(NotFittedError, match=r"fit\(segments\)"):
            use()
    assert not hasattr(disc, "candidates_")


def test_the_constructor_only_stores_parameters_and_fit_checks_them(sample_corpus):
    disc = Discoverer(n_candidates=0, random_state=3)  # no error yet: scikit-learn style
    assert disc.get_params()["n_candidates"] == 0 and disc.random_state == 3
    with pytest.raises(QualcodeError, match="n_candidates must be 'auto' or a whole number"):
        disc.fit(sample_corpus.segments())
    with pytest.raises(QualcodeError, match="max_df"):
        Discoverer(max_df=1.5).fit(sample_corpus.segments())
    with pytest.raises(QualcodeError, match="n_jobs must be"):
        Discoverer(n_jobs=0).fit(sample_corpus.segments())


def test_fit_returns_the_estimator_with_ranked_candidates(fitted):
    cands = fitted.candidates_
    assert list(cands.columns) == ["id", "component", *CANDIDATE_COLUMNS[1:]]
    assert list(cands.id) == [f"cand-{i}" for i in range(1, len(cands) + 1)]
    assert len(cands) >= 5 and fitted.n_candidates_ >= len(cands)
    assert cands.score.is_monotonic_decreasing
    assert (cands["size"] >= fitted.min_size).all() and (cands.participants <= cands["size"]).all()
    assert (cands["size"] == cands.segment_ids.map(len)).all()
    assert fitted.selection_.k.tolist() == sorted(fitted.selection_.k) and fitted.n_candidates_ in set(fitted.selection_.k)


def test_segments_belong_to_at_most_one_candidate_and_match_the_table(fitted):
    assigned = fitted.segments_.dropna(subset=["candidate"])
    assert assigned.segment_id.is_unique
    for row in fitted.candidates_.itertuples():
        assert set(assigned.segment_id[assigned.candidate == row.id]) == set(row.segment_ids)


def test_top_terms_hold_no_fillers_stop_words_or_anonymisation_markers(fitted):
    terms = {w for ts in fitted.candidates_.top_terms for t in ts for w in t.split()}
    assert not terms & set(FILLERS)
    assert not terms & {"the", "and", "you", "know", "erm", "lw", "um", "yeah"}
    assert all(t.islower() for t in terms)


def test_a_candidate_is_raised_by_several_participants_and_names_their_groups(fitted, sample_corpus):
    groups = set(sample_corpus.groups)
    top = fitted.candidates_.iloc[0]
    assert top.participants >= 3 and top.spread > 2
    named = re.findall(r"([^;()]+?) \((\d+)\)", top.groups)
    assert {g.strip() for g, _ in named} <= groups
    assert sum(int(n) for _, n in named) == top["size"]


def test_exemplars_are_attributed_excerpts_of_the_candidates_own_segments(fitted, sample_corpus):
    segments = sample_corpus.segments().set_index("segment_id")
    for row in fitted.candidates_.itertuples():
        assert 1 <= len(row.exemplars) <= fitted.n_exemplars
        for item in row.exemplars:
            assert item["segment_id"] in row.segment_ids
            source = segments.loc[item["segment_id"]]
            assert item["source_id"] == source.source_id and item["label"] == source.label
            text = " ".join(source.text.split())
            for piece in item["text"].split(" ... "):
                assert piece.strip(". ") in text
            assert len(item["text"].split()) <= 125
        people = [e["label"] for e in row.exemplars]
        assert len(set(people)) == min(len(people), row.participants)  # one per participant first


def test_the_suggested_keywords_refind_the_candidate_when_coded_deductively(fitted, sample_corpus):
    """Coding the corpus with the candidates file's own rules finds at least the share of each candidate's
    segments that discovery reports (more where keywords also match inside anonymisation markers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        codings = apply_codebook(sample_corpus, fitted.to_codebook(), include_candidates=True).codings
    usable = set(fitted.segments_.segment_id)
    checked = 0
    for row in fitted.candidates_.itertuples():
        if not row.keywords:
            continue
        coded = set(codings.segment_id[codings.code_id == row.id]) & usable
        recall = len(coded & set(row.segment_ids)) / row.size
        assert round(recall, 3) >= row.keyword_recall, (row.id, row.keywords)
        checked += 1
    assert checked >= len(fitted.candidates_) - 2
    assert fitted.candidates_.keyword_recall.median() >= 0.75


def test_to_codebook_gives_valid_candidate_nodes_with_rules_and_examples(fitted):
    cb = fitted.to_codebook("Candidates")
    assert isinstance(cb, Codebook) and cb.version == "0.1"
    assert [n.id for n in cb.themes] == list(fitted.candidates_.id)
    for node, row in zip(cb.themes, fitted.candidates_.itertuples()):
        assert node.status == "candidate" and node.origin == "inductive"
        assert node.label == row.label and list(node.rules.get("keywords") or []) == list(row.keywords)
        assert node.examples and all(re.search(r"\([^()]+, [^()]+\)$", e) for e in node.examples)
        assert f"{row.size} segments from {row.participants} participants" in node.memo
    assert Codebook.from_string(cb.to_string()).to_string() == cb.to_string()


def test_candidates_name_the_existing_node_they_resemble(fitted, book):
    cands = fitted.candidates_
    assert cands.similar_to.dropna().isin(list(book.nodes)).all()
    assert (cands.similarity[cands.similar_to.notna()] >= fitted.similarity_threshold).all()
    mental = cands[cands.top_terms.map(lambda ts: any("mental health" in t for t in ts))]
    assert len(mental) and mental.iloc[0].similar_to == "mental-health-gaps"
    node = fitted.to_codebook().nodes[mental.iloc[0].id]
    assert "Resembles existing sub-theme 'mental-health-gaps'" in node.memo


def test_transform_gives_non_negative_weights_that_agree_with_the_fit(fitted, sample_corpus):
    segments = sample_corpus.segments()
    members = segments[segments.segment_id.isin(set(fitted.segments_.segment_id))]
    weights = fitted.transform(members)
    assert weights.shape == (len(members), len(fitted.candidates_)) and (weights >= 0).all()
    position = {cid: i for i, cid in enumerate(fitted.candidates_.id)}
    lookup = fitted.segments_.set_index("segment_id").candidate
    pairs = [(weights[i].argmax(), position[lookup[s]]) for i, s in enumerate(members.segment_id) if lookup[s] in position]
    assert np.mean([a == b for a, b in pairs]) > 0.9


def test_a_fixed_number_of_candidates_skips_model_selection(sample_corpus):
    disc = Discoverer(n_candidates=4).fit(sample_corpus.segments())
    assert disc.n_candidates_ == 4 and disc.selection_ is None and len(disc.candidates_) <= 4


# -- determinism -------------------------------------------------------------------------------------
def test_same_input_same_candidates_byte_for_byte(sample_corpus, book, fitted):
    again = Discoverer(codebook=book).fit(sample_corpus.segments())
    assert again.to_codebook().to_string() == fitted.to_codebook().to_string()
    pd.testing.assert_frame_equal(again.candidates_, fitted.candidates_)


_SCRIPT = """
import sys, qualcode
corpus = qualcode.load_corpus(sys.argv[1])
run = qualcode.discover(corpus, sources=["LW1-w1", "GP-FG1", "C2"])
sys.stdout.write(run.discoverer.to_codebook().to_string())
"""


def test_same_candidates_in_fresh_processes_whatever_the_hash_seed():
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", _SCRIPT, str(ROOT / "transcripts_sample")], capture_output=True,
                              text=True, env=env, cwd=ROOT, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and "cand-1" in outputs[0]


# -- rediscovery: remove a sub-theme, discover in what is left uncoded -------------------------------
def _without(book: Codebook, node_id: str) -> Codebook:
    document = copy.deepcopy(book.document)
    for theme in document["themes"]:
        children = theme.get("children") or []
        for i, child in enumerate(children):
            if child["id"] == node_id:
                del children[i]
                return Codebook(document, name=f"without {node_id}")
    raise AssertionError(node_id)


@pytest.mark.parametrize("removed", ["mental-health-gaps", "contact-barriers", "training-supervision", "referral-routes"])
def test_discover_uncoded_rediscovers_a_removed_sub_theme(sample_corpus, book, full_codings, removed):
    reduced = _without(book, removed)
    run = discover(sample_corpus, reduced, uncoded=True)
    truth = set(full_codings.segment_id[full_codings.subtheme_id == removed])
    coded_by_reduced = len(full_codings.segment_id.unique()) - len(truth)
    assert run.left_out >= coded_by_reduced * 0.9  # what the reduced codebook codes is left out
    purity = [len(set(ids) & truth) / len(ids) for ids in run.candidates.segment_ids.head(5)]
    assert max(purity) >= 0.6, (removed, purity, run.candidates.label.head(5).tolist())


def test_uncoded_leaves_out_every_segment_the_codebook_codes(sample_corpus, book, full_codings):
    run = discover(sample_corpus, book, uncoded=True)
    assert not set(run.segments.segment_id) & set(full_codings.segment_id)
    assert run.left_out == full_codings.segment_id.nunique()


# -- choosing segments, and bad input ------------------------------------------------------------
def test_discover_from_early_transcripts_uses_only_those_sources(sample_corpus):
    run = discover(sample_corpus, sources=["LW1-w1", "GP-FG1", "C2"])
    assert set(run.segments.source_id) == {"LW1-w1", "GP-FG1", "C2"}
    used = run.discoverer.segments_
    assert set(used.source_id) <= {"LW1-w1", "GP-FG1", "C2"}
    assert {s for ids in run.candidates.segment_ids for s in ids} <= set(run.segments.segment_id)


def test_too_few_segments_gives_the_minimum(sample_corpus):
    with pytest.raises(QualcodeError, match=rf"discovery needs at least {MIN_SEGMENTS}"):
        discover(sample_corpus, sources=["C2"])
    segments = sample_corpus.segments()
    with pytest.raises(QualcodeError, match=rf"only \d+ of 5 participant segments .* at least {MIN_SEGMENTS}"):
        Discoverer().fit(segments[~segments.is_researcher].head(5))


def test_discover_uncoded_without_a_codebook_is_an_error(sample_corpus):
    with pytest.raises(QualcodeError, match="--uncoded needs a codebook"):
        discover(sample_corpus, uncoded=True)


@pytest.mark.parametrize("bad, message", [
    ("not a table", "needs a segments table"),
    (pd.DataFrame({"text": ["a"]}), "has no column"),
    (pd.DataFrame(columns=["segment_id", "source_id", "participant_id", "group", "label", "text"]), "no participant segments"),
])
def test_fit_rejects_what_is_not_a_segments_table(bad, message):
    with pytest.raises(QualcodeError, match=message):
        Discoverer().fit(bad)


def test_huge_binary_looking_and_repetitive_segments_do_not_break_discovery(sample_corpus):
    segments = sample_corpus.segments()
    segments = segments[~segments.is_researcher].reset_index(drop=True)
    odd = segments.head(3).copy()
    odd["segment_id"] = ["x:1", "x:2", "x:3"]
    odd["text"] = ["\x00\x01\ufffd" * 5000, "loneliness " * 50_000, "<script>alert(1)</script> {{7*7}} ${jndi:x} " * 50]
    disc = Discoverer().fit(pd.concat([segments, odd], ignore_index=True))
    assert len(disc.candidates_) >= 3
    text = disc.to_codebook().to_string()
    assert "\x00" not in text and "\x01" not in text
    Codebook.from_string(text)  # what was written reads back


def test_segment_terms_match_what_the_terms_module_promises():
    # The discovery features are the terms module's: a sanity check that they are shared.
    assert segment_terms(["The waiting list for talking therapies."])[0][:3] == ["wait", "list", "talk"]

"""Inter-coder agreement, checked against published worked examples and hand-computed cases."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import qualcode
from qualcode.human.agreement import agreement, krippendorff_band, landis_koch, nominal_alpha
from qualcode.codebook.model import Codebook
from qualcode.errors import CodingsError

from ..conftest import ROOT, SAMPLE

HUMAN = ROOT / "tests" / "data" / "human"


def make_study(folder, sources: dict[str, list[str]]):
    """A study with one participant; each source is a list of participant turns (one line each)."""
    folder.mkdir(exist_ok=True)
    (folder / "participants.csv").write_text("participant_id,group,label\nP1,Clients,Client 1\n", encoding="utf-8")
    for source_id, turns in sources.items():
        (folder / f"{source_id}.txt").write_text("".join(f"P1: {t}\n" for t in turns), encoding="utf-8")
    return qualcode.load_corpus(folder)


def codings(corpus, coder, marks, code="x", version="1"):
    """Codings of ``code`` on whole turns: ``marks`` lists (source_id, turn number from 1)."""
    turns = corpus.segments("turn").set_index("segment_id")
    rows = []
    for source_id, n in marks:
        turn = turns.loc[f"{source_id}:t{n}"]
        rows.append({"source_id": source_id, "segment_id": f"{source_id}:t{n}", "participant_id": "P1",
                     "group": "Clients", "label": "Client 1", "start": int(turn.start), "end": int(turn.end),
                     "text": turn.text, "code_id": code, "code": code.upper(), "theme_id": code, "theme": code.upper(),
                     "coder": coder, "origin": "human", "codebook_version": version})
    return pd.DataFrame(rows)


def row(report, code="x"):
    return report.per_code.set_index("code_id").loc[code]


# -- published worked examples -------------------------------------------------------------------------
def test_krippendorffs_reliability_data_example_gives_alpha_0_743():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers, twelve
    # units, values 1-5, missing data; the published nominal alpha is 0.743.
    nan = math.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    counts = np.array([[sum(1 for coder in data if coder[u] == v) for v in range(1, 6)] for u in range(12)])
    assert round(nominal_alpha(counts), 3) == 0.743


def test_krippendorffs_binary_example_through_the_whole_pipeline(tmp_path):
    # Krippendorff (2011), section A: two observers, ten units, binary data; published alpha = 0.095.
    # Coder A coded units 2 and 9, coder B units 1, 2, 3 and 6.
    corpus = make_study(tmp_path / "s", {"s1": [f"Turn number {i}." for i in range(1, 11)]})
    a = codings(corpus, "A", [("s1", 2), ("s1", 9)])
    b = codings(corpus, "B", [("s1", n) for n in (1, 2, 3, 6)])
    r = row(agreement([a, b], corpus))
    assert round(r.alpha, 3) == 0.095
    # Cohen's kappa by hand: po = 6/10, pe = 0.2 * 0.4 + 0.8 * 0.6 = 0.56, kappa = 0.04 / 0.44.
    assert r.agreement == pytest.approx(0.6) and r.kappa == pytest.approx(0.04 / 0.44)
    assert (r.units, r.both, r.only_a, r.only_b, r.neither) == (10, 1, 1, 3, 5)
    assert r.band == "slight" and r.alpha_band == "unreliable"


def test_textbook_kappa_table_gives_kappa_0_4(tmp_path):
    # The worked example of Cohen's kappa on Wikipedia and in many textbooks: 50 items, both yes 20,
    # A yes / B no 5, A no / B yes 10, both no 15: po = 0.70, pe = 0.50, kappa = 0.40 ("fair").
    corpus = make_study(tmp_path / "s", {"s1": [f"Application {i}." for i in range(1, 51)]})
    a = codings(corpus, "A", [("s1", n) for n in range(1, 26)])
    b = codings(corpus, "B", [("s1", n) for n in list(range(1, 21)) + list(range(26, 36))])
    r = row(agreement([a, b], corpus))
    assert (r.both, r.only_a, r.only_b, r.neither) == (20, 5, 10, 15)
    assert r.agreement == pytest.approx(0.70) and r.kappa == pytest.approx(0.40) and r.band == "fair"


def test_alpha_with_missing_data_matches_the_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(3)
    for _ in range(20):
        data = rng.integers(0, 3, size=(4, 30)).astype(float)
        data[rng.random(data.shape) < 0.25] = np.nan
        counts = np.stack([(data == v).sum(axis=0) for v in range(3)], axis=1)
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert nominal_alpha(counts) == pytest.approx(expected)


def test_bands():
    assert [landis_koch(k) for k in (-0.1, 0.0, 0.15, 0.2, 0.35, 0.55, 0.75, 0.9, 1.0)] == [
        "poor", "slight", "slight", "slight", "fair", "moderate", "substantial", "almost perfect", "almost perfect"]
    assert landis_koch(math.nan) == ""
    assert [krippendorff_band(a) for a in (0.9, 0.8, 0.7, 0.5)] == ["reliable", "reliable", "tentative", "unreliable"]


# -- units, missing data, characters ------------------------------------------------------------------
def test_a_unit_is_coded_when_any_coding_overlaps_it(tmp_path):
    corpus = make_study(tmp_path / "s", {"s1": ["Alpha beta.", "Gamma delta.", "Epsilon."]})
    turns = corpus.segments("turn")
    a = codings(corpus, "A", [("s1", 1)])
    # B codes a few characters inside turn 1, and one span running from turn 2 into turn 3.
    b = codings(corpus, "B", [("s1", 1), ("s1", 2)])
    b.loc[0, ["start", "end"]] = [turns.start[0] + 2, turns.start[0] + 5]
    b.loc[1, ["start", "end"]] = [turns.start[1] + 3, turns.start[2] + 2]
    r = row(agreement([a, b], corpus))
    assert (r.both, r.only_a, r.only_b, r.neither) == (1, 0, 2, 0)


def test_a_source_one_coder_did_not_code_is_missing_for_that_coder(tmp_path):
    corpus = make_study(tmp_path / "s", {"s1": [f"One {i}." for i in range(6)], "s2": [f"Two {i}." for i in range(6)]})
    a = codings(corpus, "A", [("s1", 1), ("s1", 2), ("s2", 1)])
    b = codings(corpus, "B", [("s1", 1), ("s2", 1), ("s2", 3)])
    c = codings(corpus, "C", [("s1", 1), ("s1", 2)])  # C never coded s2
    report = agreement([a, b, c], corpus)
    r = row(report)
    assert r.units == 12 and (r["all"], r.some, r.none) == (2, 2, 8)
    krippendorff = pytest.importorskip("krippendorff")
    values = np.array([[1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
                       [1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0],
                       [1, 1, 0, 0, 0, 0] + [np.nan] * 6], dtype=float)
    assert r.alpha == pytest.approx(krippendorff.alpha(reliability_data=values, level_of_measurement="nominal"))
    # Light's kappa: the mean of the three pairs' Cohen's kappa, each over the units both coded.
    from sklearn.metrics import cohen_kappa_score

    pairs = [cohen_kappa_score(values[i][: 12 if 2 not in (i, j) else 6], values[j][: 12 if 2 not in (i, j) else 6])
             for i, j in ((0, 1), (0, 2), (1, 2))]
    assert r.kappa == pytest.approx(np.mean(pairs))


def test_character_level_agreement_as_nvivo_reports_it(tmp_path):
    corpus = make_study(tmp_path / "s", {"s1": ["x" * 96]})  # "P1: " + 96 characters + "\n" = 101
    n = len(corpus.text("s1"))
    a = codings(corpus, "A", [("s1", 1)])
    b = codings(corpus, "B", [("s1", 1)])
    a.loc[0, ["start", "end"]] = [4, 54]
    b.loc[0, ["start", "end"]] = [29, 79]
    r = row(agreement([a, b], corpus))
    both, only_a, only_b = 25, 25, 25
    neither = n - 75
    po = (both + neither) / n
    pe = (50 / n) * (50 / n) + ((n - 50) / n) ** 2
    assert r.char_agreement == pytest.approx(po)
    assert r.char_kappa == pytest.approx((po - pe) / (1 - pe))
    assert r.agreement == 1.0  # the same single turn is coded by both


def test_disagreements_show_what_each_side_coded(tmp_path):
    corpus = make_study(tmp_path / "s", {"s1": ["I rang them myself.", "My GP referred me.", "It was fine."]})
    a = codings(corpus, "A", [("s1", 1), ("s1", 2)])
    b = codings(corpus, "B", [("s1", 2), ("s1", 3)])
    report = agreement([a, b], corpus)
    d = report.disagreements
    assert d[["segment_id", "coded_by", "not_coded_by", "excerpt"]].values.tolist() == [
        ["s1:t1", "A", "B", "I rang them myself."],
        ["s1:t3", "B", "A", "It was fine."],
    ]
    assert (d.label == "Client 1").all()


def test_theme_level_rolls_codes_up(tmp_path):
    corpus = make_study(tmp_path / "s", {"s1": ["One.", "Two.", "Three.", "Four."]})
    a = codings(corpus, "A", [("s1", 1), ("s1", 2)], code="self-referral")
    b = codings(corpus, "B", [("s1", 1), ("s1", 2)], code="referral-routes")
    for frame in (a, b):
        frame["theme_id"], frame["theme"] = "access", "Access"
    with pytest.raises(CodingsError, match="share no codes"):
        agreement([a, b], corpus)
    r = row(agreement([a, b], corpus, level="theme"), "access")
    assert (r.both, r.only_a, r.only_b, r.kappa) == (2, 0, 0, 1.0)


# -- bad input -----------------------------------------------------------------------------------------
def test_codes_used_by_one_coder_only_are_reported_and_still_computed(tmp_path):
    corpus = make_study(tmp_path / "s", {"s1": ["One.", "Two.", "Three.", "Four."]})
    a = pd.concat([codings(corpus, "A", [("s1", 1)]), codings(corpus, "A", [("s1", 3)], code="y")])
    b = codings(corpus, "B", [("s1", 1)])
    report = agreement([a, b], corpus)
    assert any("code 'y' was used by A only" in note for note in report.notes)
    r = row(report, "y")
    assert (r.both, r.only_a, r.only_b, r.neither) == (0, 1, 0, 3) and r.kappa == 0.0


def test_inputs_that_cannot_be_compared_give_clear_errors(tmp_path):
    corpus = make_study(tmp_path / "s", {"s1": ["One.", "Two."], "s2": ["Three.", "Four."]})
    a = codings(corpus, "A", [("s1", 1)])
    with pytest.raises(CodingsError, match="share no sources"):
        agreement([a, codings(corpus, "B", [("s2", 1)])], corpus)
    with pytest.raises(CodingsError, match=r"different codebook versions.*A .*: 1.*B .*: 2"):
        agreement([a, codings(corpus, "B", [("s1", 1)], version="2")], corpus)
    with pytest.raises(CodingsError, match="at least two coders; found 1"):
        agreement([a], corpus)
    with pytest.raises(CodingsError, match="coder 'A' appears in both"):
        agreement([a, a.copy()], corpus)
    with pytest.raises(CodingsError, match="table 2: no codings"):
        agreement([a, a.iloc[:0]], corpus)
    other = make_study(tmp_path / "o", {"elsewhere": ["Five."]})
    with pytest.raises(CodingsError, match="elsewhere are not in the corpus"):
        agreement([a, codings(other, "B", [("elsewhere", 1)])], corpus)


# -- the generated two-coder set on the sample study ---------------------------------------------------
@pytest.fixture(scope="module")
def study_codebook():
    return Codebook.from_yaml(ROOT / "codebooks" / "social_prescribing.yaml")


def test_two_generated_coders_of_the_sample_agree_substantially_but_not_perfectly(sample_corpus, study_codebook):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every generated row can be read: no quote is lost
        a = qualcode.read_codings(HUMAN / "coder_a.csv", sample_corpus, study_codebook)
        b = qualcode.read_codings(HUMAN / "coder_b.csv", sample_corpus, study_codebook)
    report = agreement([a, b], sample_corpus, codebook=study_codebook)
    per_code = report.per_code.set_index("code_id")
    assert list(per_code.index[:3]) == ["awareness-understanding", "inappropriate-referrals", "gp-reminders-feedback"]
    pooled = per_code.loc["(all codes, pooled)"]
    assert 0.6 < pooled.kappa < 0.95 and 0.6 < pooled.alpha < 0.95
    coded = per_code.iloc[:-2]
    assert len(coded) == 23 and (coded.kappa < 1).all()
    assert len(report.disagreements) == int((coded.only_a + coded.only_b).sum()) > 0
    # Units: the participant turns of the sources both coders coded (a source nobody coded is left out).
    shared = set(a.source_id) & set(b.source_id)
    turns = sample_corpus.segments().query("not is_researcher and source_id in @shared")
    assert (coded.units == len(turns)).all()


"""Code suggestions: an estimator that learns from human codings, cross-validated by source."""

import random

import numpy as np
import pandas as pd
import pytest

import qualcode
from qualcode.codebook.model import Codebook
from qualcode.errors import CodingsError, NotFittedError
from qualcode.human.suggest import Suggester, _platt, best_threshold

from ..conftest import ROOT
from .test_agreement import make_study

HUMAN = ROOT / "tests" / "data" / "human"
WORDS = ("the service helped me a lot and we talked about my week then I went home after that it was "
         "fine really people were kind to me most days").split()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Six sources of 40 turns. ``garden`` is coded where a turn mentions a garden (in every source);
    ``local`` is coded on turns with a word used in that source only; ``noise`` at random (30%)."""
    rng = random.Random(0)
    sources, marks = {}, []
    for s in range(6):
        turns = []
        for t in range(40):
            words = [rng.choice(WORDS) for _ in range(12)]
            codes = []
            if rng.random() < 0.3:
                words.insert(rng.randrange(12), rng.choice(["garden", "gardening", "allotment garden"]))
                codes.append("garden")
            if rng.random() < 0.3:
                words.insert(rng.randrange(12), f"zork{s}")
                codes.append("local")
            if rng.random() < 0.3:
                codes.append("noise")
            turns.append(" ".join(words) + ".")
            marks += [(f"s{s}", t + 1, c) for c in codes]
        sources[f"s{s}"] = turns
    corpus = make_study(tmp_path_factory.mktemp("suggest") / "study", sources)
    segments = corpus.segments().set_index("segment_id")
    rows = [{"source_id": s, "start": int(segments.loc[f"{s}:t{t}"].start), "end": int(segments.loc[f"{s}:t{t}"].end),
             "text": segments.loc[f"{s}:t{t}"].text, "participant_id": "P1", "group": "Clients", "label": "Client 1",
             "code_id": c, "code": c.title(), "theme_id": "t", "theme": "T", "coder": "A", "origin": "human",
             "codebook_version": "1"} for s, t, c in marks]
    return corpus, pd.DataFrame(rows)


@pytest.fixture(scope="module")
def fitted(study):
    corpus, codings = study
    training = codings[codings.source_id != "s5"]
    return Suggester(random_state=0).fit(corpus.subset([f"s{i}" for i in range(6)]), training)


def test_an_unfitted_suggester_says_so():
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        Suggester().predict(None)
    assert "threshold='auto'" in repr(Suggester())
    with pytest.raises(CodingsError, match="threshold 1.5: give a score from 0 to 1, or 'auto'"):
        Suggester(threshold=1.5).fit(None, None)


def test_a_learnable_code_scores_well_and_is_suggested_in_a_new_source(study, fitted):
    corpus, codings = study
    scores = fitted.cv_scores_.set_index("code_id")
    assert scores.loc["garden", "kappa"] > 0.7 and scores.loc["garden", "precision"] > 0.7
    suggestions = fitted.predict(corpus, skip_sources=codings[codings.source_id != "s5"])
    assert set(suggestions.source_id) == {"s5"}  # only the source people did not code
    garden = suggestions[suggestions.code_id == "garden"]
    truth = codings[(codings.source_id == "s5") & (codings.code_id == "garden")]
    found = set(garden.start) & set(truth.start)
    assert len(found) >= 0.8 * len(truth) and len(found) >= 0.9 * len(garden)  # recall, precision
    assert (garden.origin == "model").all() and (garden.coder == fitted.coder_).all()
    assert fitted.coder_.startswith("model@") and len(fitted.coder_) == len("model@") + 10
    assert garden.evidence.str.contains("garden").all()
    for r in suggestions.itertuples():
        assert corpus.text(r.source_id)[r.start : r.end] == r.text


def test_cross_validation_keeps_each_source_out_of_its_own_training(study):
    # "local" is marked by a word that occurs in one source only (zork0, zork1, ...); a model that never saw
    # that source cannot know it from the words. Folds that mixed sources would score it almost perfectly.
    # Word features only: the embedding model's subword pieces ("z", "ork") and the character n-grams
    # ("zor", "ork") are shared by every source's word, so with them the code is learnable across
    # sources, which is not what this test is about.
    corpus, codings = study
    lexical = Suggester(random_state=0, embeddings=False, char_ngrams=False).fit(corpus, codings[codings.source_id != "s5"])
    local = lexical.cv_scores_.set_index("code_id").loc["local"]
    assert local.recall < 0.2 and local.kappa < 0.2


def test_scores_are_calibrated_probabilities(study, fitted):
    # "noise" is coded at random on 30% of turns: a calibrated score says about 0.3 everywhere, where
    # the class-balanced classifier alone would say about 0.5.
    corpus, _ = study
    units, scores = fitted.predict_proba(corpus, source_ids=["s5"])
    noise = scores[:, fitted.classes_.index("noise")]
    assert abs(noise.mean() - 0.3) < 0.08 and noise.max() < 0.5
    assert fitted.cv_scores_.set_index("code_id").loc["noise", "recall"] == 0.0


def test_calibration_is_scikit_learns_sigmoid_on_known_data():
    from sklearn.calibration import _sigmoid_calibration

    rng = np.random.default_rng(1)
    d = rng.normal(size=300)
    t = (d + rng.normal(size=300)) > 0.5
    sigmoid = _platt(d, t)
    a, b = _sigmoid_calibration(d, t)  # scikit-learn's p = 1 / (1 + exp(a d + b))
    assert (sigmoid.a, sigmoid.b) == pytest.approx((-a, -b), abs=1e-6)
    # Data drawn from a known sigmoid: the fit recovers it.
    d = rng.uniform(-4, 4, size=20000)
    t = rng.random(20000) < 1 / (1 + np.exp(-(1.5 * d - 0.5)))
    sigmoid = _platt(d, t)
    assert (sigmoid.a, sigmoid.b) == pytest.approx((1.5, -0.5), abs=0.1)


def test_the_auto_threshold_is_where_scores_agree_best_with_people():
    # Positives score 0.2 to 0.4, negatives 0 to 0.25: the best cut (kappa) is just above 0.25, well
    # below 0.5, where nothing would be suggested.
    rng = np.random.default_rng(2)
    t = rng.random(4000) < 0.05
    scores = np.where(t, rng.uniform(0.2, 0.4, 4000), rng.uniform(0.0, 0.25, 4000))
    cut = best_threshold(scores, t)
    assert 0.25 <= cut <= 0.27
    predicted = scores >= cut
    assert (predicted & t).sum() / t.sum() > 0.7 and (predicted & t).sum() / predicted.sum() > 0.9
    # Scores that carry nothing (a code coded at random): no cut agrees beyond chance, so 0.5.
    assert best_threshold(rng.uniform(0.25, 0.35, 4000), rng.random(4000) < 0.3) == 0.5
    assert best_threshold(scores, np.zeros(4000, dtype=bool)) == 0.5


def test_auto_thresholds_are_fitted_per_code_and_reported(study, fitted):
    corpus, codings = study
    scores = fitted.cv_scores_.set_index("code_id")
    assert scores.loc["noise", "threshold"] == 0.5  # not learnable: suggested only where more likely than not
    assert scores.loc["garden", "threshold"] == fitted.thresholds_["garden"] < 0.9
    fixed = Suggester(random_state=0, threshold=0.9).fit(corpus, codings[codings.source_id != "s5"])
    assert (fixed.cv_scores_.threshold == 0.9).all() and set(fixed.thresholds_.values()) == {0.9}
    assert (fixed.predict(corpus).score >= 0.9).all()
    auto = fitted.predict(corpus)
    assert (auto.score >= auto.code_id.map(fitted.thresholds_)).all()


def test_well_ranked_rare_positives_get_scores_above_one_half():
    """The case where the old hand-written fit failed: 1% positives, ranked almost perfectly by decision
    values far from zero. The calibrated score of the positives must reach above 0.5."""
    rng = np.random.default_rng(3)
    t = rng.random(5000) < 0.01
    d = np.where(t, rng.normal(9.0, 1.0, 5000), rng.normal(2.0, 1.5, 5000))
    scores = _platt(d, t)(d)
    assert np.median(scores[t]) > 0.5 and np.median(scores[~t]) < 0.05


def test_suggestions_in_uncertainty_order_put_the_most_informative_first(study, fitted):
    corpus, _ = study
    ordered = fitted.predict(corpus, order="uncertainty", threshold=0.2)
    distance = (ordered.score - 0.2).abs().to_numpy()  # nearest the threshold first
    assert len(ordered) > 3 and (np.diff(distance) >= -1e-12).all()
    auto = fitted.predict(corpus, order="uncertainty")  # each code's own threshold
    cut = auto.code_id.map(fitted.thresholds_)
    assert len(auto) > 3 and (np.diff((auto.score - cut).abs().to_numpy()) >= -1e-12).all()
    plain = fitted.predict(corpus, threshold=0.2)
    assert sorted(map(tuple, ordered[["segment_id", "code_id"]].to_numpy())) == \
        sorted(map(tuple, plain[["segment_id", "code_id"]].to_numpy()))
    with pytest.raises(qualcode.CodingsError, match="uncertainty"):
        fitted.predict(corpus, order="random")


def test_embeddings_are_features_of_the_suggester(study, fitted):
    names = fitted.feature_names()
    assert sum(n.startswith("embedding:") for n in names) == 256
    corpus, codings = study
    plain = Suggester(random_state=0, embeddings=False).fit(corpus, codings[codings.source_id != "s5"])
    assert not any(n.startswith("embedding:") for n in plain.feature_names())


def test_same_inputs_same_model_and_suggestions(study, fitted):
    corpus, codings = study
    training = codings[codings.source_id != "s5"]
    again = Suggester(random_state=0).fit(corpus, training)
    assert again.coder_ == fitted.coder_
    pd.testing.assert_frame_equal(again.predict(corpus), fitted.predict(corpus))
    other = Suggester(random_state=0, C=3.0).fit(corpus, training)
    assert other.coder_ != fitted.coder_  # the hash covers the parameters
    fewer = Suggester(random_state=0).fit(corpus, training.iloc[1:])
    assert fewer.coder_ != fitted.coder_  # ... and the training data


def test_codes_with_too_few_examples_are_reported_and_skipped(study):
    corpus, codings = study
    rare = codings[codings.code_id == "garden"].head(3).assign(code_id="rare", code="Rare")
    model = Suggester().fit(corpus, pd.concat([codings, rare]))
    skipped = model.skipped_.set_index("code_id")
    assert "3 coded unit(s); at least 8 are needed" in skipped.loc["rare", "reason"]
    assert "rare" not in model.classes_ and "rare" not in set(model.cv_scores_.code_id)


def test_training_sets_that_cannot_be_learned_give_clear_errors(study):
    corpus, codings = study
    with pytest.raises(CodingsError, match="cover 1 source .*at least two sources"):
        Suggester().fit(corpus, codings[codings.source_id == "s0"])
    with pytest.raises(CodingsError, match="empty"):
        Suggester().fit(corpus, codings.iloc[:0])
    segments = corpus.segments()
    everything = segments[segments.source_id.isin(["s0", "s1"])].assign(
        code_id="all", code="All", theme_id="t", theme="T", coder="A", origin="human", participant_id="P1")
    with pytest.raises(CodingsError, match="one class"):
        Suggester().fit(corpus, everything)


def test_learning_from_the_generated_human_set_of_the_sample(sample_corpus):
    codebook = Codebook.from_yaml(ROOT / "codebooks" / "social_prescribing.yaml")
    human = qualcode.read_codings(HUMAN / "coder_a.csv", sample_corpus, codebook)
    model = Suggester(level="theme").fit(sample_corpus, human, codebook)
    scores = model.cv_scores_.set_index("code_id")
    assert set(scores.index) == {t.id for t in codebook.themes}
    assert (scores.kappa > 0.5).all()  # the coder mostly follows the rules, which the model sees
    without = Suggester(level="theme", rule_features=False).fit(sample_corpus, human)
    assert without.cv_scores_.kappa.mean() < scores.kappa.mean()



def test_a_threshold_that_is_not_a_score_or_auto_is_refused_on_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from qualcode.cli.app import app

    args = ["suggest", str(ROOT / "transcripts_sample"), "--train", str(HUMAN / "coder_a.csv"),
            "-c", str(ROOT / "codebooks" / "social_prescribing.yaml"), "-o", str(tmp_path / "s.csv")]
    for bad in ("2", "high"):
        result = CliRunner().invoke(app, args + ["--threshold", bad], terminal_width=200)
        said = " ".join(result.output.replace("│", " ").split())  # the error box wraps its lines
        assert result.exit_code == 2 and f"threshold '{bad}': give a score from 0 to 1, or 'auto'" in said
    assert not (tmp_path / "s.csv").exists()


GARDEN = ["I grew tomatoes in pots on the balcony.", "We dug over the allotment on Saturday.",
          "The seedlings in the greenhouse came up well.", "I spread compost on the vegetable beds.",
          "Weeding the flower borders calms me down.", "My carrots and beans did better this year.",
          "We planted bulbs along the fence.", "I pruned the roses and the apple tree.",
          "The herb patch needs watering every evening.", "I sowed lettuce and radish in the raised bed.",
          "We mowed the lawn and trimmed the hedge.", "I repotted the geraniums on the windowsill.",
          "Picking strawberries from the plot was lovely.", "I raked leaves and turned the soil.",
          "The sunflowers I planted grew taller than me."]
FOOD = ["We had soup and fresh bread for lunch.", "I cooked a curry with rice for the family.",
        "The cafe does a good breakfast with eggs.", "I baked scones and a sponge cake.",
        "Dinner was pasta with a tomato sauce.", "We shared sandwiches and crisps at the picnic.",
        "I made porridge with honey this morning.", "The stew with dumplings was filling.",
        "We ate fish and chips by the sea.", "I roasted a chicken with potatoes.",
        "A bowl of noodles and a pot of tea.", "I fried bacon and sausages on Sunday.",
        "We grilled burgers and corn on the barbecue.", "I had a salad and a yoghurt at noon.",
        "My neighbour brought round a lasagne."]
FILLER = ["I went to the post office and then caught the bus home.", "My sister phoned me on Tuesday.",
          "The appointment was moved to next week.", "I watched the news and went to bed early.",
          "We talked about my benefits form.", "The letter came in the morning post.",
          "It rained all day so I stayed in.", "I took the train to see my cousin.",
          "The doctor said my blood pressure is fine.", "I filled in the housing forms with her help.",
          "My back has been bad since the winter.", "The link worker rang to check on me.",
          "I could not sleep much last month.", "We went to the library to use the computers.",
          "My son moved back in with me.", "The bus pass saves me a lot of money.",
          "I lost my job before Christmas.", "She listened and did not rush me.",
          "The group meets in the church hall.", "I was nervous walking in the first time.",
          "My neighbour has been unwell too.", "I paid the electricity bill at last.",
          "The nurse changed my tablets.", "I feel less lonely than I did."]
DEFINED = {"name": "Activities", "version": "1", "themes": [
    {"id": "garden", "label": "Gardening",
     "definition": "Growing plants, flowers, fruit or vegetables: digging, planting, weeding, a garden or an "
                   "allotment."},
    {"id": "food", "label": "Food and meals",
     "definition": "Cooking, eating or sharing food and drink: meals, breakfast, lunch, dinner, baking."}]}


def test_the_codebooks_definitions_are_features_that_carry_to_new_words(tmp_path):
    # Three sources people coded (3 gardening and 3 food turns each, every one in other words) and one
    # they did not. From nine examples a code, the uncoded source's turns share few words with the coded
    # ones; the codebook's definitions say what each code means in words of their own.
    rng = random.Random(2)
    sources, marks = {}, []
    for s in range(4):
        turns = [(t, None) for t in FILLER[s * 6 : s * 6 + 6]]
        turns += [(t, "garden") for t in GARDEN[s * 3 : s * 3 + 3]] + [(t, "food") for t in FOOD[s * 3 : s * 3 + 3]]
        rng.shuffle(turns)
        sources[f"s{s}"] = [t for t, _ in turns]
        marks += [(f"s{s}", i + 1, c) for i, (_, c) in enumerate(turns) if c]
    corpus = make_study(tmp_path / "study", sources)
    segments = corpus.segments().set_index("segment_id")
    codings = pd.DataFrame([{"source_id": s, "start": int(segments.loc[f"{s}:t{t}"].start),
                             "end": int(segments.loc[f"{s}:t{t}"].end), "text": segments.loc[f"{s}:t{t}"].text,
                             "participant_id": "P1", "group": "Clients", "label": "Client 1", "code_id": c,
                             "code": c.title(), "theme_id": c, "theme": c.title(), "coder": "A", "origin": "human",
                             "codebook_version": "1"} for s, t, c in marks])
    training = codings[codings.source_id != "s3"]
    codebook = Codebook.from_dict(DEFINED)
    plain = Suggester(random_state=0, min_examples=5).fit(corpus, training)
    defined = Suggester(random_state=0, min_examples=5).fit(corpus, training, codebook)
    assert {"meaning:garden", "meaning:food"} <= set(defined.feature_names())
    assert not any(n.startswith("meaning:") for n in plain.feature_names())
    off = Suggester(random_state=0, min_examples=5, meaning_features=False).fit(corpus, training, codebook)
    assert not any(n.startswith("meaning:") for n in off.feature_names())
    # A codebook with labels only has nothing to code by meaning from: it trains, without those features.
    for themes in ([{"id": "garden", "label": "Gardening"}, {"id": "food", "label": "Food"}],
                   [{"id": "garden", "label": "Gardening", "definition": "Plants."}]):  # too little text
        bare = Suggester(random_state=0, min_examples=5).fit(
            corpus, training, Codebook.from_dict({"name": "Labels", "version": "1", "themes": themes}))
        assert not any(n.startswith("meaning:") for n in bare.feature_names()) and bare.classes_ == defined.classes_

    # The definitions separate the uncoded source's gardening and food turns from its other turns more
    # clearly: the gap between the least likely coded turn and the most likely other turn widens.
    truth = codings[codings.source_id == "s3"]
    for code in ("garden", "food"):
        gaps = []
        for model in (plain, defined):
            units, scores = model.predict_proba(corpus, source_ids=["s3"])
            score = scores[:, model.classes_.index(code)]
            coded = units.start.isin(truth[truth.code_id == code].start).to_numpy()
            gaps.append(score[coded].min() - score[~coded].max())
        assert gaps[1] > 0 and gaps[1] > gaps[0] + 0.04, (code, gaps)
    # Every right suggestion says that meaning raised it.
    suggested = defined.predict(corpus, skip_sources=training)
    right = suggested.merge(truth[["code_id", "start"]], on=["code_id", "start"])
    assert len(right) >= 5 and right.evidence.str.contains(r"meaning \(\+").all()

"""Coding by meaning: a codebook applied from its definitions and examples, with the built-in model."""

import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode
from qualcode.cli.app import app
from qualcode.codebook.model import Codebook
from qualcode.coding.coder import apply_codebook
from qualcode.errors import CodebookError, QualcodeError

from ..conftest import ROOT

runner = CliRunner()

BOOK = """\
name: Meaning test
version: "2.1"
themes:
  - id: food
    label: Food and meals
    definition: What people say about the food, meals and drinks they were given.
    examples:
      - "The dinner was cold and tasteless."
      - "Lovely breakfast every morning."
  - id: transport
    label: Transport and travel
    definition: Getting to and from the service by car, bus, taxi or ambulance, and parking.
    exclude: Waiting times inside the clinic.
    examples:
      - "The ambulance was late to pick me up."
      - "There was nowhere to park the car."
"""


@pytest.fixture(scope="session")
def embedder():
    """The built-in model, loaded once for the session (qualcode caches it per process)."""
    return qualcode.embedding.model()


@pytest.fixture(scope="module")
def study(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("meaning") / "study"
    folder.mkdir()
    (folder / "participants.csv").write_text("participant_id,group\nP1,Patients\nP2,Patients\n", encoding="utf-8")
    long_turn = " ".join(["I went to the clinic on a Tuesday."] * 40
                         + ["The soup they served us for lunch was cold and the bread was stale."]
                         + ["I talked to the receptionist about my appointment."] * 30)
    (folder / "a.txt").write_text(
        "Interviewer: How was it?\n"
        "P1: The meals were awful, the potatoes were cold and the tea was weak.\n"
        "P1: The bus from my village takes two hours and the car park is always full.\n"
        "P1: My granddaughter got married last spring.\n", encoding="utf-8")
    (folder / "b.txt").write_text(f"P2: {long_turn}\n", encoding="utf-8")
    return qualcode.load_corpus(folder), Codebook.from_string(BOOK)


def test_a_codebook_without_rules_codes_by_its_definitions(study):
    corpus, book = study
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        codings = qualcode.code(corpus, book, by="meaning")
    coded = codings.groupby("segment_id").code_id.apply(set).to_dict()
    assert coded["a:t2"] == {"food"} and coded["a:t3"] == {"transport"}
    assert "a:t4" not in coded  # a wedding is neither food nor transport
    assert set(codings.origin) == {"meaning"}
    model = qualcode.embedding.model().name
    assert set(codings.coder) == {f"meaning:{model}@2.1"} and "wordllama" in model
    assert codings.score.between(0, 1).all() and (codings.score >= 0.5).all()
    evidence = codings.set_index("segment_id").loc["a:t2", "evidence"]
    assert evidence.startswith("meaning: ") and "(0." in evidence
    assert any(kind in evidence for kind in ("definition", "example", "label"))
    for r in codings.itertuples():
        assert corpus.text(r.source_id)[r.start : r.end] == r.text


def test_a_long_turn_is_coded_by_sentence_windows(study):
    corpus, _ = study
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        codings = qualcode.code(corpus, Codebook.from_string("threshold: 0.3\n" + BOOK), by="meaning")
    food = codings[(codings.source_id == "b") & (codings.code_id == "food")]
    assert len(food) == 1
    excerpt = food.text.iloc[0]
    assert "soup" in excerpt and len(excerpt.split()) < 60  # the passage, not the 500-word turn


def test_the_similarity_mixes_the_model_with_the_codebooks_own_words(study):
    from qualcode.coding.meaning import MeaningCoder

    _, book = study
    coder = MeaningCoder(book)
    texts = ["There was nowhere to park, so I got a taxi.", "My granddaughter got married last spring."]
    model, words = coder.parts(texts)
    food, transport = coder.nodes.index("food"), coder.nodes.index("transport")
    assert words[0, transport] > 0.3 and words[0, food] == 0  # "park" and "taxi" are transport's words
    assert (words[1] == 0).all()  # no codebook word at all
    mixed = coder.similarities(texts)[0]
    assert mixed == pytest.approx(0.5 * model + 0.5 * words, abs=1e-5)
    # The word weights come from the codebook alone: a text scores the same whatever is coded with it.
    assert coder.similarities(texts[:1])[0] == pytest.approx(mixed[:1], abs=1e-6)
    only_model = MeaningCoder(book, lexical=0.0)
    assert only_model.similarities(texts)[0] == pytest.approx(model, abs=1e-5)
    found = coder.match(texts)[0]
    assert [node for node, *_ in found][:1] == ["transport"]
    assert "similarity" in found[0][2] and "words 0." in found[0][2] and "model 0." in found[0][2]


def test_both_keeps_every_rule_coding_and_adds_meaning(sample_corpus, sample_codebook, sample_codings):
    both = apply_codebook(sample_corpus, sample_codebook, by="both").codings
    rules = both[both.origin == "rule"]
    key = ["segment_id", "code_id", "start", "end"]
    pd.testing.assert_frame_equal(rules[key].reset_index(drop=True), sample_codings[key].reset_index(drop=True))
    added = both[both.origin == "meaning"]
    assert len(added) > 0
    # meaning adds nothing where a rule already coded that node (or a relative) on an overlapping span
    merged = added.merge(rules, on="segment_id", suffixes=("", "_r"))
    same = merged[(merged.code_id == merged.code_id_r) & (merged.start < merged.end_r) & (merged.start_r < merged.end)]
    assert same.empty
    assert rules.evidence.str.contains("meaning").any()  # rule codings carry meaning's opinion


def test_both_keeps_rule_precision_on_the_hand_labelled_turns_while_coverage_rises(sample_corpus, sample_codebook):
    gold = pd.read_csv(ROOT / "tests" / "data" / "gold_turns.csv", keep_default_na=False)
    runs = {by: apply_codebook(sample_corpus, sample_codebook, by=by) for by in ("rules", "both")}

    def precision(codings):
        predicted = codings.groupby("segment_id").theme_id.apply(set).to_dict()
        tp = fp = 0
        for segment, themes in zip(gold.segment_id, gold.themes):
            for theme in predicted.get(segment, set()):
                tp, fp = tp + (theme in themes.split(";")), fp + (theme not in themes.split(";"))
        return tp / (tp + fp)

    both = runs["both"].codings
    assert precision(both[both.origin == "rule"]) >= 0.85
    assert runs["both"].report().coverage > runs["rules"].report().coverage


def test_node_threshold_and_book_default(study):
    corpus, book = study
    strict = BOOK.replace("  - id: food\n", "  - id: food\n    threshold: 0.99\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        codings = qualcode.code(corpus, Codebook.from_string(strict), by="meaning")
        assert "food" not in set(codings.code_id) and "transport" in set(codings.code_id)
        loose = qualcode.code(corpus, Codebook.from_string("threshold: 0.05\n" + BOOK), by="meaning")
    assert len(loose) > len(codings)
    with pytest.raises(CodebookError, match="'threshold' .*must be a number from 0 to 1"):
        Codebook.from_string(BOOK.replace("  - id: food\n", "  - id: food\n    threshold: high\n"))
    with pytest.raises(CodebookError, match="book's default"):
        Codebook.from_string("threshold: 7\n" + BOOK)


def test_jobs_give_the_same_codings_by_meaning(sample_corpus, sample_codebook):
    one = apply_codebook(sample_corpus, sample_codebook, by="both", jobs=1, chunk_size=40).codings
    two = apply_codebook(sample_corpus, sample_codebook, by="both", jobs=2, chunk_size=40).codings
    pd.testing.assert_frame_equal(one, two)


# -- bad input -----------------------------------------------------------------------------------------
def test_label_only_nodes_are_coded_by_label_with_a_warning(study):
    corpus, _ = study
    book = Codebook.from_string(BOOK + "  - id: family\n    label: Family\n")
    with pytest.warns(UserWarning, match=r"little or no text besides their label \(family\).*definition"):
        apply_codebook(corpus, book, by="meaning")


def test_no_node_with_text_is_a_clear_error(study):
    corpus, _ = study
    book = Codebook.from_string("name: Bare\nversion: '1'\nthemes:\n  - id: a\n    label: Apples\n"
                                "  - id: b\n    label: Buses\n")
    with pytest.raises(QualcodeError, match="no node has a definition, include text or examples"):
        apply_codebook(corpus, book, by="meaning")
    result = runner.invoke(app, ["code", str(corpus.root), "-c", str(_write(corpus.root.parent / "bare.yaml", book)),
                                 "--by", "meaning"])
    assert result.exit_code != 0 and "Error: " in result.output and "Traceback" not in result.output


def _write(path, book):
    path.write_text(book.to_string(), encoding="utf-8")
    return path


def test_a_model_that_cannot_load_names_the_package_and_the_fix(tmp_path, study):
    corpus, book = study
    with pytest.raises(QualcodeError, match="no such model folder"):
        apply_codebook(corpus, book, by="meaning", model=str(tmp_path / "missing"))
    folder = tmp_path / "my-model"
    folder.mkdir()
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(QualcodeError, match="'sentence-transformers' package; install it with `pip install"):
            apply_codebook(corpus, book, by="meaning", model=str(folder))
    else:
        with pytest.raises(QualcodeError, match="could not load this model folder"):
            apply_codebook(corpus, book, by="meaning", model=str(folder))


def test_non_english_text_gets_a_warning(tmp_path, embedder):
    folder = tmp_path / "fr"
    folder.mkdir()
    (folder / "participants.csv").write_text("participant_id,group\nP1,Patients\n", encoding="utf-8")
    (folder / "a.txt").write_text("P1: Le repas était froid et le pain était rassis, mais le personnel était "
                                  "très gentil avec nous pendant toute la semaine.\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="English"):
        apply_codebook(qualcode.load_corpus(folder), Codebook.from_string(BOOK), by="meaning")


def test_by_must_be_one_of_three(study):
    corpus, book = study
    with pytest.raises(QualcodeError, match="'rules', 'meaning' or 'both'"):
        apply_codebook(corpus, book, by="magic")
    result = runner.invoke(app, ["code", str(corpus.root), "-c", str(ROOT / "codebooks" / "minimal.yaml"),
                                 "--by", "magic"])
    assert result.exit_code != 0 and "rules, meaning or both" in result.output


# -- the CLI -------------------------------------------------------------------------------------------
def test_code_by_meaning_on_the_command_line(tmp_path, study):
    corpus, book = study
    out = tmp_path / "meaning.csv"
    result = runner.invoke(app, ["code", str(corpus.root), "-c", str(_write(tmp_path / "book.yaml", book)),
                                 "--by", "meaning", "-o", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert set(qualcode.read_codings_table(out).origin) == {"meaning"}


def test_codebook_test_reports_each_node(tmp_path, embedder):
    # Static embeddings give modest similarities between short sentences, and "Lovely breakfast every
    # morning." shares no word with the rest of its node: this two-node book sets a low default.
    report = qualcode.codebook_test(Codebook.from_string("threshold: 0.1\n" + BOOK))
    rows = report.set_index("code_id")
    assert rows.loc["food", "examples"] == 2 and rows.loc["food", "coded"] == 2 and rows.loc["food", "passes"]
    assert rows.loc["transport", "excludes"] == 1
    mixed = BOOK.replace('"Lovely breakfast every morning."', '"The taxi driver got lost on the way."')
    mixed = "threshold: 0.1\n" + mixed
    rows = qualcode.codebook_test(Codebook.from_string(mixed)).set_index("code_id")
    assert rows.loc["food", "coded"] < 2 and "transport" in rows.loc["food", "confused_with"]
    assert not rows.loc["food", "passes"] and rows.loc["food", "advice"]
    result = runner.invoke(app, ["codebook", "test", str(_write(tmp_path / "mixed.yaml", Codebook.from_string(mixed)))],
                           terminal_width=200)
    assert result.exit_code == 1 and "food" in result.output and "node(s) pass" in result.output


def test_the_built_in_model_gives_wordllamas_own_vectors(embedder):
    # qualcode pools the token vectors itself (faster); what it computes must be the model wordllama ships:
    # the same vectors as wordllama's own embed, for ordinary, empty, non-Latin, emoji and very long texts.
    from pathlib import Path

    import numpy as np
    import wordllama
    from wordllama import WordLlama

    own = WordLlama.load(config="l2_supercat", dim=256, cache_dir=Path(wordllama.__file__).parent,
                         disable_download=True)
    texts = ["The link worker referred me to a walking group.", "", "日本語のテキスト", "🙂🙂 ok",
             "gardening " * 3000, "I rang them myself.", "x"]
    expected = own.embed(texts, norm=True)
    got = embedder.embed(texts)
    nonempty = np.linalg.norm(expected, axis=1) > 0
    assert np.allclose(got[nonempty], expected[nonempty], atol=1e-6)
    assert not got[~nonempty].any()  # an empty text is a zero vector, not a division by zero

"""The inductive path as a researcher walks it on the sample study: discover, read the candidates, preview
a merge. Candidates must not be small talk or corpus-common words; each shows three passages; a fold
into an existing code is proposed only on evidence; a merge shows what it would add and warns on rules
that code too much."""

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode
from qualcode.cli import app
from qualcode.codebook.model import Codebook
from qualcode.corpus.selection import select_segments
from qualcode.discovery.candidates import _label
from qualcode.discovery.discoverer import discover
from qualcode.discovery.smalltalk import common_terms, small_talk
from qualcode.discovery.terms import terms_of

from ..conftest import ROOT, SAMPLE

BOOK_PATH = ROOT / "codebooks" / "social_prescribing.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def found(sample_corpus):
    book = Codebook.from_yaml(BOOK_PATH)
    return book, discover(sample_corpus, book, uncoded=True)


def test_small_talk_at_the_edges_of_an_interview_is_left_out(sample_corpus):
    segments = select_segments(sample_corpus, unit="turn")
    flagged = segments[small_talk(segments)]
    texts = " ".join(flagged.text)
    assert "quarter past" in texts and "double-booked" in texts  # "I've only got until quarter past ..."
    assert len(flagged) < len(segments) * 0.15  # the interviews themselves stay
    frame = pd.DataFrame({"source_id": ["a"] * 6, "text": [
        "Hello, thanks for having me.", "We talk about referrals.", "The waiting list is long.",
        "Referrals come from the GP.", "People feel lonely.", "Thanks, bye."]})
    assert small_talk(frame).tolist() == [True, False, False, False, False, True]


def test_candidates_leave_out_small_talk_and_corpus_common_words(found, sample_corpus):
    book, run = found
    everything = select_segments(sample_corpus, unit="turn")
    chatter = set(everything.segment_id[small_talk(everything)])
    assert chatter and not chatter & set(run.segments.segment_id)
    assert not any("quarter past" in t for t in run.segments.text)
    common = common_terms(terms_of(everything.text.tolist()), 0.1)
    assert {"year", "people", "group"} <= common  # generic across the study
    for row in run.candidates.itertuples(index=False):
        assert not set(row.keywords) & common, (row.id, row.keywords)
        assert not {w.lower() for w in re.split(r",\s*", row.label)} & common, row.label
        assert len(row.exemplars) == min(3, row.size)


def test_candidates_are_named_from_their_distinctive_phrases():
    assert _label(["bus", "toddler group", "door", "waiting list", "run"], {}) == "Toddler group, waiting list, bus"
    assert _label(["bus", "door", "run"], {}) == "Bus, door, run"


def test_folding_into_a_code_is_proposed_only_on_evidence(found):
    book, run = found
    memos = {n.id: n.memo for n in run.discoverer.to_codebook().nodes.values()}
    for row in run.candidates.itertuples(index=False):
        memo = memos[row.id]
        if isinstance(row.similar_to, str):
            assert f"similarity {row.similarity:g}" in memo and "shared top terms" in memo
            shared = re.search(r"shared top terms: ([^;]+);", memo).group(1)
            proposes = "--into" in memo
            assert proposes == (row.similarity >= 0.5 and shared != "none" and len(shared.split(", ")) >= 3), memo


def test_discover_cli_shows_three_passages_per_candidate(tmp_path):
    result = runner.invoke(app, ["discover", str(SAMPLE), "--sources", "LW1-w1,GP-FG1,C2", "-o", str(tmp_path / "c.yaml")],
                           env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    found = Codebook.from_yaml(tmp_path / "c.yaml")
    for node in found.themes:
        block = result.output.split(f"{node.id} {node.label}", 1)[1].split("\ncand-", 1)[0]
        assert len(re.findall(r"\u201c", block)) == min(3, len(node.examples)), block


def test_merge_previews_warns_on_broad_rules_and_dry_run_writes_nothing(tmp_path):
    book = tmp_path / "book.yaml"
    book.write_bytes(BOOK_PATH.read_bytes())
    candidates = tmp_path / "new.yaml"
    candidates.write_text(
        "name: Candidates\nversion: '0.1'\nthemes:\n"
        "  - id: cand-1\n    label: Groups\n    origin: inductive\n    status: candidate\n"
        "    rules: {keywords: [group]}\n"
        "  - id: cand-2\n    label: Toddler group\n    origin: inductive\n    status: candidate\n"
        "    rules: {keywords: [toddler group]}\n", encoding="utf-8")
    before = book.read_bytes()
    result = runner.invoke(app, ["codebook", "merge", str(book), str(candidates), "--accept", "cand-1,cand-2",
                                 "--as-subtheme-of", "getting-on", "--corpus", str(SAMPLE), "--dry-run",
                                 "--reason", "test"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "groups (Groups): gains" in out and "by group: Clients" in out
    assert out.count("e.g.") >= 4  # examples under each merged code
    assert re.search(r"warning: groups \(Groups\) would code \d+% of the participant segments", out)
    assert "toddler-group (Toddler group) would code" not in out  # a specific phrase is not warned about
    assert "Dry run" in out and "nothing was written" in out and book.read_bytes() == before
    result = runner.invoke(app, ["codebook", "merge", str(book), str(candidates), "--accept", "cand-2",
                                 "--as-subtheme-of", "getting-on", "--reason", "test"])
    assert result.exit_code == 0 and book.read_bytes() != before


def test_merge_strict_refuses_a_codebook_with_problems(tmp_path):
    book = tmp_path / "book.yaml"
    # a pattern on part of speech cannot match without a trained pipeline: a warning, fatal with --strict
    book.write_text(BOOK_PATH.read_text(encoding="utf-8").replace("themes:", "themes:\n  - id: extra\n    label: Extra\n"
                                                                   "    rules: {patterns: [[{POS: NOUN}]]}", 1), encoding="utf-8")
    candidates = tmp_path / "new.yaml"
    candidates.write_text("name: C\nversion: '0.1'\nthemes:\n  - id: cand-1\n    label: X\n    status: candidate\n"
                          "    origin: inductive\n    rules: {keywords: [bus fare]}\n", encoding="utf-8")
    loaded = Codebook.from_yaml(book)
    args = ["codebook", "merge", str(book), str(candidates), "--accept", "cand-1", "--as-theme", "--reason", "t"]
    if not loaded.warnings:
        pytest.skip("a trained spaCy pipeline is installed, so the POS pattern gives no warning to be strict about")
    result = runner.invoke(app, [*args, "--strict", "--dry-run"])
    assert result.exit_code == 1 and "--strict" in result.output
    assert runner.invoke(app, [*args, "--dry-run"]).exit_code == 0

"""CLI: discover, saturation, and the codebook editing commands."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode import Codebook
from qualcode.cli import app

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = str(ROOT / "transcripts_sample")
SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"
EARLY = ["--sources", "LW1-w1,GP-FG1,C2"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], terminal_width=200)


def text(result) -> str:
    """The output as one line: rich wraps long lines and boxes usage errors."""
    return " ".join(result.output.replace("│", " ").split())


@pytest.fixture(scope="module")
def candidates_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("disc") / "candidates.yaml"
    result = invoke("discover", SAMPLE, *EARLY, "-c", SHIPPED, "-o", path)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def book_copy(tmp_path):
    path = tmp_path / "codebook.yaml"
    shutil.copy(SHIPPED, path)
    return path


def test_discover_from_early_transcripts_writes_a_candidates_codebook(candidates_file):
    book = Codebook.from_yaml(candidates_file)
    assert book.name == "Candidate codes from transcripts_sample"
    assert all(n.status == "candidate" and n.origin == "inductive" for n in book.nodes.values())
    assert "cand-1" in book and all(n.level == 1 for n in book.nodes.values())
    sources = {e.rsplit(", ", 1)[1].rstrip(")") for n in book.nodes.values() for e in n.examples}
    assert sources <= {"LW1-w1", "GP-FG1", "C2"}


def test_discover_prints_the_candidates_and_the_same_input_gives_the_same_file(candidates_file, tmp_path):
    again = tmp_path / "again.yaml"
    result = invoke("discover", SAMPLE, *EARLY, "-c", SHIPPED, "-o", again)
    assert result.exit_code == 0
    assert "candidate(s) from" in result.stdout and "3 source(s)" in result.stdout and "cand-1" in result.stdout
    assert again.read_bytes() == candidates_file.read_bytes()


def test_discover_first_sources_of_a_group_and_a_table(tmp_path):
    table = tmp_path / "candidates.csv"
    result = invoke("discover", SAMPLE, "--first", 5, "--group", "Link Workers", "--table", table)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(table)
    assert frame.id.iloc[0] == "cand-1" and {"label", "keywords", "exemplars", "groups"} <= set(frame.columns)
    assert frame.groups.str.fullmatch(r"Link Workers \(\d+\)").all()


def test_discover_uncoded_reports_what_it_left_out(tmp_path):
    result = invoke("discover", SAMPLE, "-c", SHIPPED, "--uncoded", "-o", tmp_path / "new.yaml")
    assert result.exit_code == 0, result.output
    assert "left out" in result.stdout and "segments the codebook already codes" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--sources", "LW1-w1,XX9"], "unknown source id(s) 'XX9'"),
    (["--sources", "C2"], "discovery needs at least 20"),
    (["--uncoded"], "--uncoded needs a codebook"),
    (["--group", "Nurses"], "no participant group 'Nurses'"),
    (["--order", "random"], "unknown source order 'random'"),
])
def test_discover_bad_input_is_a_clear_error(args, message):
    result = invoke("discover", SAMPLE, *args)
    assert result.exit_code == 1 and "Error:" in result.output and message in text(result)


def test_discover_refuses_to_overwrite_and_wants_a_yaml_name(candidates_file, tmp_path):
    before = candidates_file.read_bytes()
    result = invoke("discover", SAMPLE, *EARLY, "-o", candidates_file)
    assert result.exit_code == 1 and "already exists; pass --force" in text(result)
    assert candidates_file.read_bytes() == before
    result = invoke("discover", SAMPLE, *EARLY, "-o", tmp_path / "c.csv")
    assert result.exit_code == 2 and "give a .yaml name" in text(result)
    result = invoke("discover", SAMPLE, *EARLY, "--candidates", "many")
    assert result.exit_code == 2


def test_merge_then_diff_through_the_cli(candidates_file, book_copy, tmp_path):
    old = tmp_path / "old.yaml"
    shutil.copy(book_copy, old)
    first = Codebook.from_yaml(candidates_file).nodes["cand-1"]
    result = invoke("codebook", "merge", book_copy, candidates_file, "--accept", "cand-1", "--as-subtheme-of",
                    "getting-on", "--id", "cand-1=early-idea", "--reason", "Seen early", "--author", "Ada")
    assert result.exit_code == 0, result.output
    assert "version 1.1" in result.stdout and "reason: Seen early" in result.stdout
    merged = Codebook.from_yaml(book_copy)
    assert merged.node("early-idea").label == first.label and merged.node("early-idea").parent_id == "getting-on"
    diff = invoke("codebook", "diff", old, book_copy, "-o", tmp_path / "changes.csv")
    assert diff.exit_code == 0, diff.output
    assert "version 1.0 -> 1.1: 1 added" in diff.stdout
    assert "changelog 1.1" in diff.stdout and "Ada" in diff.stdout and "Seen early" in diff.stdout
    changes = pd.read_csv(tmp_path / "changes.csv")
    assert changes[["change", "id"]].values.tolist() == [["added", "early-idea"]]


@pytest.mark.parametrize("args, message", [
    (["--accept", "cand-99", "--as-theme"], "no candidate 'cand-99'"),
    (["--accept", "cand-1", "--as-subtheme-of", "nowhere"], "no parent 'nowhere'"),
    (["--accept", "cand-1", "--as-theme", "--id", "cand-1=buddying"], "id 'buddying' is already used"),
    (["--accept", "cand-1", "--as-theme", "--id", "cand-1"], "write CANDIDATE=NEW-ID"),
])
def test_merge_bad_requests_change_nothing(candidates_file, book_copy, args, message):
    before = book_copy.read_bytes()
    result = invoke("codebook", "merge", book_copy, candidates_file, *args, "--reason", "r", "--author", "a")
    assert result.exit_code in (1, 2) and message in text(result)
    assert book_copy.read_bytes() == before


def test_add_rename_move_retire_each_bump_the_version(book_copy):
    steps = [
        ["add", book_copy, "transport", "--label", "Transport", "--parent", "getting-on", "--keywords", "bus,taxi"],
        ["rename", book_copy, "transport", "Travel and transport"],
        ["move", book_copy, "transport", "--to", "accessing-lw-support"],
        ["retire", book_copy, "transport"],
    ]
    for i, step in enumerate(steps, 1):
        result = invoke("codebook", *step, "--reason", f"step {i}", "--author", "Ada")
        assert result.exit_code == 0, result.output
        assert Codebook.from_yaml(book_copy).version == f"1.{i}"
    node = Codebook.from_yaml(book_copy).node("transport")
    assert (node.label, node.parent_id, node.status) == ("Travel and transport", "accessing-lw-support", "retired")
    assert [e["reason"] for e in Codebook.from_yaml(book_copy).changelog[-4:]] == ["step 1", "step 2", "step 3", "step 4"]


def test_edits_need_a_reason_and_can_write_elsewhere(book_copy, tmp_path):
    result = invoke("codebook", "retire", book_copy, "buddying", "--author", "a")
    assert result.exit_code == 2 and "--reason" in result.output
    out = tmp_path / "v2.yaml"
    result = invoke("codebook", "retire", book_copy, "buddying", "--reason", "r", "--author", "a", "-o", out,
                    "--set-version", "2.0")
    assert result.exit_code == 0, result.output
    assert Codebook.from_yaml(out).version == "2.0" and Codebook.from_yaml(book_copy).version == "1.0"
    result = invoke("codebook", "move", book_copy, "buddying", "--reason", "r", "--author", "a")
    assert result.exit_code == 2 and "exactly one of --to PARENT or --to-top" in text(result)


def test_saturation_writes_the_plot_and_the_table(tmp_path):
    png, csv = tmp_path / "saturation.png", tmp_path / "saturation.csv"
    result = invoke("saturation", SAMPLE, "-c", SHIPPED, "--order", "date", "-o", png, "-o", csv)
    assert result.exit_code == 0, result.output
    assert "sub-themes: 23 observed" in result.stdout and "inductive candidates:" in result.stdout
    assert png.read_bytes()[:4] == b"\x89PNG"
    table = pd.read_csv(csv, keep_default_na=False)
    assert table[table.scope == "All sources"].source_id.iloc[0] == "KSH1-w1"
    assert table[table.scope == "All sources"].subthemes.iloc[-1] == 23


def test_saturation_bad_output_names(tmp_path):
    result = invoke("saturation", SAMPLE, "-c", SHIPPED, "-o", tmp_path / "plot.gif")
    assert result.exit_code == 1 and "unknown table format 'gif'" in text(result)


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"themes: [\n  - id: x\n", "not valid YAML"),
    (b"\x00\x01\x02\xff\xfe binary", "new.yaml"),
    (b"- just\n- a list\n", "must be a mapping"),
])
def test_merge_and_diff_report_a_broken_candidates_file(book_copy, tmp_path, content, message):
    broken = tmp_path / "new.yaml"
    broken.write_bytes(content)
    before = book_copy.read_bytes()
    result = invoke("codebook", "merge", book_copy, broken, "--accept", "cand-1", "--as-theme", "--reason", "r",
                    "--author", "a")
    assert result.exit_code == 1 and "Error:" in result.output and message in text(result)
    assert book_copy.read_bytes() == before
    result = invoke("codebook", "diff", book_copy, broken)
    assert result.exit_code == 1 and message in text(result)


def test_diff_of_a_missing_file(book_copy, tmp_path):
    result = invoke("codebook", "diff", book_copy, tmp_path / "nope.yaml")
    assert result.exit_code == 1 and "no such codebook file" in text(result)

"""``qualcode search``, ``words``, ``compare`` and ``--by`` through the CLI."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.cli import app

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = str(ROOT / "transcripts_sample")
BOOK = str(ROOT / "codebooks" / "social_prescribing.yaml")


@pytest.fixture(scope="module")
def codings_csv(tmp_path_factory, sample_codings):
    path = tmp_path_factory.mktemp("ask") / "codings.csv"
    sample_codings.to_csv(path, index=False)
    return path


def test_search_saves_hits_as_human_codings_that_read_back(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["search", SAMPLE, "waiting list", "--group", "Clients", "--code-as", "mental-health-gaps", "--coder", "Ana",
            "-c", BOOK, "-o", "kwic.xlsx"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    saved = pd.read_csv(tmp_path / "search_mental-health-gaps_Ana.csv")
    assert len(saved) > 3 and set(saved.coder) == {"Ana"}
    again = runner.invoke(app, [*args, "--force"])                 # the same hits are not added twice
    assert "0 new human codings" in again.output.replace("\n", " ")
    assert len(pd.read_csv(tmp_path / "search_mental-health-gaps_Ana.csv")) == len(saved)
    merged = runner.invoke(app, ["code", SAMPLE, "-c", BOOK, "--with", "search_mental-health-gaps_Ana.csv",
                                 "-o", "all.csv"])
    assert merged.exit_code == 0, merged.output
    all_codings = pd.read_csv(tmp_path / "all.csv")
    human = all_codings[all_codings.coder == "Ana"]
    assert len(human) == len(saved) and set(human.group) == {"Clients"} and human.wave.notna().all()


def test_words_compare_and_by_on_reports(tmp_path, codings_csv):
    result = runner.invoke(app, ["words", SAMPLE, "--by", "wave", "--top", "5", "-o", str(tmp_path / "w.csv")])
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(tmp_path / "w.csv").value) == {"wave 1", "wave 2"}
    result = runner.invoke(app, ["compare", str(codings_csv), "--by", "wave", "-c", BOOK, "--corpus", SAMPLE,
                                 "-o", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    assert "wave 2 %" in pd.read_csv(tmp_path / "c.csv").columns
    result = runner.invoke(app, ["themes", str(codings_csv), "-c", BOOK, "--by", "role", "--max-values", "20",
                                 "-o", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    assert "Link worker %" in pd.read_csv(tmp_path / "t.csv").columns
    result = runner.invoke(app, ["matrix", str(codings_csv), "--by", "wave", "--cells", "count",
                                 "-o", str(tmp_path / "m.csv")])
    assert set(pd.read_csv(tmp_path / "m.csv").group) == {"wave 1", "wave 2"}
    result = runner.invoke(app, ["excerpts", str(codings_csv), "--by", "wave", "-o", str(tmp_path / "e.csv")])
    assert result.exit_code == 0 and set(pd.read_csv(tmp_path / "e.csv").group) == {"wave 1", "wave 2"}


@pytest.mark.parametrize("args, message", [
    (["search", SAMPLE, "*"], "would match every word"),
    (["search", SAMPLE, ""], "empty"),
    (["search", SAMPLE, "(x", "--regex"], "not valid"),
    (["search", SAMPLE, "x", "--where", "wav=2"], "did you mean 'wave'"),
    (["search", SAMPLE, "x", "--code-as", "nope", "--coder", "A", "-c", BOOK], "no code 'nope'"),
    (["words", SAMPLE, "--by", "source_id", "--max-values", "5"], "--max-values 26"),
])
def test_bad_input_exits_with_a_clear_message(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code in (1, 2)
    assert message in " ".join(result.output.split())


def test_run_by_attributes_writes_the_breakdowns(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", SAMPLE, "-c", BOOK, "-o", str(out), "--by", "rules", "--by", "wave"])
    assert result.exit_code in (0, 3), result.output
    assert (out / "theme_table_by_wave.docx").exists() and (out / "compare_by_wave.xlsx").exists()
    assert "wave 2 %" in pd.read_csv(out / "theme_table_by_wave.csv").columns
    bad = runner.invoke(app, ["run", SAMPLE, "-c", BOOK, "-o", str(tmp_path / "o2"), "--by", "wav"])
    assert bad.exit_code == 1 and "did you mean 'wave'" in bad.output


def test_search_saved_as_a_rule_through_the_audited_edit(tmp_path):
    import shutil

    import qualcode

    book = tmp_path / "book.yaml"
    shutil.copy(BOOK, book)
    args = ["search", SAMPLE, "waiting list", "--lemma", "--save-rule", "mental-health-gaps", "-c", str(book)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "--reason" in refused.output
    result = runner.invoke(app, [*args, "--reason", "Therapy waiting lists", "--author", "A. Researcher"])
    assert result.exit_code == 0, result.output
    saved = qualcode.Codebook.from_yaml(book)
    assert saved.version == "1.1" and saved.changelog[-1]["author"] == "A. Researcher"
    assert "waiting list" in saved.node("mental-health-gaps").rules["keywords"]

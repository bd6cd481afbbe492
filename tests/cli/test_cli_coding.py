"""``qualcode code`` and ``qualcode codebook check/show`` through the CLI."""

import pandas as pd
from typer.testing import CliRunner

from qualcode.cli import app

from ..conftest import ROOT, SAMPLE

runner = CliRunner()
MINIMAL = str(ROOT / "codebooks" / "minimal.yaml")


def test_code_writes_codings_and_prints_the_report(tmp_path):
    out = tmp_path / "codings.csv"
    result = runner.invoke(app, ["code", str(SAMPLE), "-c", MINIMAL, "--by", "rules", "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert len(frame) > 50 and set(frame.theme_id) == {"access", "benefits"}
    assert "participant segments" in result.stdout and "matched nothing" in result.stdout
    assert "Access" in result.stdout


def test_code_refuses_existing_output_before_doing_any_work(tmp_path):
    out = tmp_path / "codings.csv"
    out.write_text("keep me")
    result = runner.invoke(app, ["code", str(SAMPLE), "-c", MINIMAL, "-o", str(out)])
    assert result.exit_code == 1 and "already exists" in result.output and out.read_text() == "keep me"
    assert "pass --force to replace" in result.output and "force=True" not in result.output  # CLI words
    result = runner.invoke(app, ["code", str(SAMPLE), "-c", MINIMAL, "-o", str(out / "no" / "c.csv")])
    assert result.exit_code == 1 and "is a file" in result.output and out.read_text() == "keep me"


def test_every_command_makes_a_missing_output_folder_as_run_does(tmp_path):
    """One rule for every command: missing output folders (and their parents) are created."""
    for args, target in (
        (["code", str(SAMPLE), "-c", MINIMAL, "-o", str(tmp_path / "a" / "b" / "c.csv")], tmp_path / "a" / "b" / "c.csv"),
        (["summary", str(SAMPLE), "--format", "csv", "-o", str(tmp_path / "s" / "t" / "s.csv")], tmp_path / "s" / "t" / "s.csv"),
        (["run", str(SAMPLE), "-c", MINIMAL, "-o", str(tmp_path / "r" / "u" / "n")], tmp_path / "r" / "u" / "n" / "codings.csv"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0


def test_code_with_a_broken_codebook_lists_all_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: B\nversion: 1\nthemes:\n  - id: a\n  - id: a\n    label: A\n    rules: {keywords: x}\n")
    result = runner.invoke(app, ["code", str(SAMPLE), "-c", str(bad)])
    assert result.exit_code == 1
    assert "missing 'label'" in result.output and "duplicate id" in result.output and "is a string" in result.output


def test_codebook_check_and_show():
    result = runner.invoke(app, ["codebook", "check", MINIMAL])
    output = " ".join(result.stdout.split())  # rich wraps long paths at the terminal width
    assert result.exit_code == 0 and "OK" in output and "2 themes" in output
    result = runner.invoke(app, ["codebook", "show", MINIMAL, "--definitions"])
    assert result.exit_code == 0
    assert "Self-referral" in result.stdout and "self-referral" in result.stdout and "How people come" in result.stdout


def test_the_dask_dataset_follows_the_same_output_folder_rule(tmp_path):
    """`code --engine dask -o new/folder/x.parquet` made no folder; now it does, like every command."""
    from qualcode.coding.dataset import check_dataset_path, start_dataset

    path = tmp_path / "new" / "folder" / "x.parquet"
    check_dataset_path(path)
    work = start_dataset(path)
    assert work.is_dir() and work.parent == path.parent
    (tmp_path / "file").write_text("x")
    import pytest

    from qualcode.errors import QualcodeError

    with pytest.raises(QualcodeError, match="is a file"):
        check_dataset_path(tmp_path / "file" / "x.parquet")

"""``qualcode summary`` and ``qualcode segments`` through typer's CliRunner."""

import pandas as pd
from typer.testing import CliRunner

from qualcode.cli import app

from ..conftest import SAMPLE

runner = CliRunner()


def test_summary_prints_a_table_per_group():
    result = runner.invoke(app, ["summary", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    for group in ("Key Stakeholders", "Referrers", "Link Workers", "Clients", "Community Agencies", "Total"):
        assert group.split()[0] in result.stdout


def test_summary_csv_equals_the_library_table(tmp_path, sample_corpus):
    out = tmp_path / "summary.csv"
    result = runner.invoke(app, ["summary", str(SAMPLE), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    expected = sample_corpus.summary()
    assert list(written.columns) == ["group", "participants", "individual_interviews", "joint_interviews",
                                     "focus_groups", "surveys", "words"]
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)


def test_existing_output_is_refused_without_force(tmp_path):
    out = tmp_path / "summary.json"
    out.write_text("precious")
    result = runner.invoke(app, ["summary", str(SAMPLE), "-o", str(out)])
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_text() == "precious"
    result = runner.invoke(app, ["summary", str(SAMPLE), "-o", str(out), "--force"])
    assert result.exit_code == 0 and out.read_text().startswith("[")


def test_segments_sentence_csv(tmp_path, sample_corpus):
    out = tmp_path / "seg.csv"
    result = runner.invoke(app, ["segments", str(SAMPLE), "--unit", "sentence", "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, keep_default_na=False)
    assert len(written) == len(sample_corpus.segments("sentence"))
    assert set(written.unit) == {"sentence"}


def test_skipped_file_gives_exit_code_3_and_strict_gives_1(mini):
    (mini / "empty.txt").write_text("")
    result = runner.invoke(app, ["summary", str(mini)])
    assert result.exit_code == 3
    assert "empty.txt" in result.output and "empty" in result.output and "skipped" in result.output
    result = runner.invoke(app, ["summary", str(mini), "--strict"])
    assert result.exit_code == 1 and "Error:" in result.output and "empty.txt" in result.output


def test_bad_unit_and_missing_folder_are_clear_errors(tmp_path):
    result = runner.invoke(app, ["segments", str(SAMPLE), "--unit", "word"])
    assert result.exit_code == 1 and "unknown segment unit 'word'" in result.output
    result = runner.invoke(app, ["summary", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "no such folder" in result.output

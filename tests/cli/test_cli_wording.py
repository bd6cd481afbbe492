"""What the CLI says, as a user at an 80-column terminal reads it: tables that fit, headers in words,
--strict where the README promises it, colours checked with the codebook, reports that count every origin."""

import re

import pandas as pd
from typer.testing import CliRunner

from qualcode.cli import app

from ..conftest import ROOT, SAMPLE

runner = CliRunner()
BOOK = str(ROOT / "codebooks" / "social_prescribing.yaml")
HUMAN = ROOT / "tests" / "data" / "human"


def _table_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line[:1] in "┏┃┡│└"]


def test_summary_and_agreement_tables_fit_80_columns_with_words_whole():
    for args in (["summary", str(SAMPLE)],
                 ["agreement", str(HUMAN / "coder_a.csv"), str(HUMAN / "coder_b.csv"), "--corpus", str(SAMPLE),
                  "-c", BOOK]):
        result = runner.invoke(app, args, env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        lines = _table_lines(result.output)
        assert lines and max(len(line) for line in lines) <= 80
        assert "…" not in result.output  # nothing cut to "particip…" or "0.…"
        assert "participant_id" not in result.output and "_" not in " ".join(lines[:4]).replace("coder_", "")
    summary = runner.invoke(app, ["summary", str(SAMPLE)], env={"COLUMNS": "80"}).output
    assert "Participants" in summary and "Stakeholders" in summary
    agreement = runner.invoke(app, ["agreement", str(HUMAN / "coder_a.csv"), str(HUMAN / "coder_b.csv"), "--corpus",
                                    str(SAMPLE), "-c", BOOK], env={"COLUMNS": "80"}).output
    assert "awareness-understanding" in agreement  # a code id is never broken
    assert "Left out to fit 80 columns:" in agreement  # and what did not fit is named
    wide = runner.invoke(app, ["summary", str(SAMPLE)], env={"COLUMNS": "200"}).output
    assert "39,687" in wide and "Left out" not in wide


def test_report_commands_take_strict(tmp_path):
    codings = tmp_path / "codings.csv"
    assert runner.invoke(app, ["code", str(SAMPLE), "-c", BOOK, "-o", str(codings)]).exit_code == 0
    frame = pd.read_csv(codings)
    frame["codebook_version"] = "0.9"  # made with another version of the codebook: a warning ...
    older = tmp_path / "older.csv"
    frame.to_csv(older, index=False)
    for command, extra in (("themes", []), ("matrix", []), ("excerpts", ["--by", "group"])):
        out = tmp_path / f"{command}.xlsx"
        result = runner.invoke(app, [command, str(older), "-c", BOOK, *extra, "-o", str(out)])
        assert result.exit_code == 0 and "version 0.9" in result.output, (command, result.output)
        out.unlink()
        result = runner.invoke(app, [command, str(older), "-c", BOOK, *extra, "-o", str(out), "--strict"])
        assert result.exit_code == 1 and "--strict" in result.output and not out.exists(), (command, result.output)


def test_codebook_check_rejects_a_colour_that_export_cannot_write(tmp_path):
    book = tmp_path / "book.yaml"
    text = (ROOT / "codebooks" / "minimal.yaml").read_text(encoding="utf-8")
    book.write_text(re.sub(r'color: "#1f77b4"', "color: red", text), encoding="utf-8")
    result = runner.invoke(app, ["codebook", "check", str(book)])
    assert result.exit_code == 1 and "'red' is not a colour as #RRGGBB" in " ".join(result.output.split())
    assert runner.invoke(app, ["codebook", "check", str(ROOT / "codebooks" / "minimal.yaml")]).exit_code == 0


def test_code_with_merged_files_reports_every_origin(tmp_path):
    out = tmp_path / "all.csv"
    result = runner.invoke(app, ["code", str(SAMPLE), "-c", BOOK, "--with", str(HUMAN / "coder_a.csv"), "-o", str(out)],
                           env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    written = len(pd.read_csv(out))
    assert f"{written:,} codings." in result.output  # the report counts what was written, not the rules alone


def test_the_commands_the_readme_names_take_strict():
    import typer

    group = typer.main.get_command(app)
    for path in (["themes"], ["matrix"], ["excerpts"], ["codebook", "merge"], ["codebook", "check"], ["run"],
                 ["code"], ["agreement"], ["suggest"], ["discover"], ["saturation"], ["summary"]):
        command = group
        for name in path:
            command = command.commands[name]
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        assert "--strict" in options, path

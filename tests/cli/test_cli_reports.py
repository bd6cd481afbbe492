"""``qualcode run``, ``themes``, ``matrix`` and ``excerpts`` through the CLI, and the workbook they write."""

import os
import re

import docx
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.reports.run_outputs import OUTPUTS

from ..conftest import ROOT

runner = CliRunner()
MINIMAL = str(ROOT / "codebooks" / "minimal.yaml")


@pytest.fixture(scope="module")
def ran(tmp_path_factory, request):
    """One `qualcode run` of the mini study (see conftest) into a fresh folder."""
    mini = request.getfixturevalue("mini_module")
    out = tmp_path_factory.mktemp("run") / "out" / "nested"
    result = runner.invoke(app, ["run", str(mini), "-c", MINIMAL, "-o", str(out)])
    return mini, out, result


@pytest.fixture(scope="module")
def mini_module(tmp_path_factory):
    from ..conftest import mini as make_mini

    return make_mini.__wrapped__(tmp_path_factory.mktemp("mini"))


def test_run_writes_every_output_into_a_new_folder(ran):
    mini, out, result = ran
    assert result.exit_code == 0, result.output
    for name in OUTPUTS.values():
        assert (out / name).stat().st_size > 0, name
        assert f"Wrote {out / name}" in result.output.replace("\n", "")
    codings = pd.read_csv(out / "codings.csv")
    themes = pd.read_csv(out / "theme_table.csv")
    assert themes.loc[themes.level == "theme", "theme"].tolist() == ["Access", "Benefits"]
    referral = themes.set_index("subtheme_id").loc["referral-routes"]
    passages = codings[codings.subtheme_id == "referral-routes"].drop_duplicates(["source_id", "start", "end"])
    assert referral.excerpts == len(passages) > 0
    assert referral["Referrers n"] == passages[passages.group == "Referrers"].participant_id.nunique()
    assert "Percentages are of each group's participants in the study." in result.output


def test_run_workbook_has_the_sheets_with_frozen_headers_and_filters(ran):
    mini, out, result = ran
    book = openpyxl.load_workbook(out / "analysis.xlsx")
    assert book.sheetnames == ["summary", "theme table", "codings", "matrix", "matrix counts", "notes"]
    codings = book["codings"]
    assert codings.freeze_panes == "A2" and codings.auto_filter.ref.startswith("A1:")
    assert [c.value for c in codings[1]] == pd.read_csv(out / "codings.csv").columns.tolist()
    assert codings.max_row == len(pd.read_csv(out / "codings.csv")) + 1
    matrix = book["matrix"]
    # headers in words, and the participant stays in view while the themes scroll (first columns frozen)
    assert [c.value for c in matrix[1]][:3] == ["Group", "Participant", "Participant ID"]
    assert matrix.freeze_panes == "D2"
    cells = [c.value for row in matrix.iter_rows(min_row=2, min_col=4) for c in row if c.value]
    assert cells and all(re.search(r"\[[^\]]+, (turn|answer|paragraph|line)[^\]]*\]$", line)
                         for cell in cells for line in cell.splitlines()[1:]), cells[:2]


def test_run_refuses_existing_outputs_before_any_work_and_force_replaces(ran, tmp_path):
    mini, out, _ = ran
    before = (out / "report.html").stat().st_mtime_ns
    result = runner.invoke(app, ["run", str(tmp_path / "does-not-exist"), "-c", MINIMAL, "-o", str(out)])
    assert result.exit_code == 1 and "already exist" in result.output and "--force" in result.output
    assert (out / "report.html").stat().st_mtime_ns == before
    result = runner.invoke(app, ["run", str(mini), "-c", MINIMAL, "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").stat().st_mtime_ns != before


def test_run_output_folder_problems(mini, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["run", str(mini), "-c", MINIMAL, "-o", str(blocker)])
    assert result.exit_code == 1 and "is a file" in result.output
    result = runner.invoke(app, ["run", str(mini), "-c", MINIMAL, "-o", str(blocker / "out")])
    assert result.exit_code == 1 and "cannot create the output folder" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_run_refuses_an_unwritable_folder(mini, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = runner.invoke(app, ["run", str(mini), "-c", MINIMAL, "-o", str(locked)])
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 1 and "not writable" in result.output


def test_themes_prints_and_writes_every_format(ran, tmp_path):
    mini, out, _ = ran
    codings = str(out / "codings.csv")
    result = runner.invoke(app, ["themes", codings, "-c", MINIMAL], terminal_width=250)
    # the table wraps long labels to its column ("Referral" / "routes")
    assert result.exit_code == 0 and "1.1  Referral" in result.stdout and "routes" in result.stdout
    assert "coded at least once" in result.output  # no group sizes given: says what the % are of
    for fmt in ("csv", "json", "md", "xlsx", "html", "docx"):
        path = tmp_path / f"themes.{fmt}"
        result = runner.invoke(app, ["themes", codings, "-c", MINIMAL, "--summary", str(out / "summary.csv"),
                                     "-o", str(path)])
        assert result.exit_code == 0 and path.stat().st_size > 0, result.output
    assert "each group's participants in the study" in (tmp_path / "themes.md").read_text()
    document = docx.Document(str(tmp_path / "themes.docx"))
    assert document.tables[0].rows[0].cells[0].text == "Group"
    result = runner.invoke(app, ["themes", codings, "--compact", "-o", str(tmp_path / "t2.docx")])
    assert result.exit_code == 0
    assert docx.Document(str(tmp_path / "t2.docx")).tables[0].rows[1].cells[1].text == "Access"
    result = runner.invoke(app, ["themes", codings, "-o", str(tmp_path / "themes.csv")])
    assert result.exit_code == 1 and "already exists" in result.output


def test_themes_with_corpus_and_version_warning(ran, tmp_path):
    mini, out, _ = ran
    frame = pd.read_csv(out / "codings.csv")
    frame["codebook_version"] = "0.9"
    old = tmp_path / "old.csv"
    frame.to_csv(old, index=False)
    result = runner.invoke(app, ["themes", str(old), "-c", MINIMAL, "--corpus", str(mini)], terminal_width=250)
    assert result.exit_code == 0 and "codebook version 0.9" in result.output


def test_themes_missing_columns_and_bad_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("source_id,text\nA,hello\n")
    result = runner.invoke(app, ["themes", str(bad)])
    assert result.exit_code == 1 and "missing column(s)" in result.output and "theme_id" in result.output
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02\xff" * 100)
    result = runner.invoke(app, ["themes", str(binary)])
    assert result.exit_code == 1 and "Error" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert runner.invoke(app, ["themes", str(empty)]).exit_code == 1


def test_matrix_formats(ran, tmp_path):
    mini, out, _ = ran
    codings = str(out / "codings.csv")
    result = runner.invoke(app, ["matrix", codings, "-c", MINIMAL], terminal_width=250)
    assert result.exit_code == 0 and "Participant" in result.stdout and "participant_id" not in result.stdout
    path = tmp_path / "matrix.xlsx"
    result = runner.invoke(app, ["matrix", codings, "--rows", "source", "--columns", "subtheme", "-o", str(path)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "Source" and sheet.freeze_panes == "C2"  # the source and its participants stay in view
    for fmt in ("csv", "md", "docx", "html", "json"):
        result = runner.invoke(app, ["matrix", codings, "-o", str(tmp_path / f"m.{fmt}")])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["matrix", codings, "--rows", "people"])
    assert result.exit_code == 1 and "rows must be one of participant, source" in result.output


def test_excerpts_by_group_by_theme_and_split(ran, tmp_path):
    mini, out, _ = ran
    codings = str(out / "codings.csv")
    one = tmp_path / "excerpts.docx"
    result = runner.invoke(app, ["excerpts", codings, "-c", MINIMAL, "--by", "theme", "-o", str(one)])
    assert result.exit_code == 0, result.output
    assert [p.text for p in docx.Document(str(one)).paragraphs if p.style.name == "Heading 1"][1:] == [
        "1  Access", "2  Benefits"]
    folder = tmp_path / "split"
    result = runner.invoke(app, ["excerpts", codings, "-c", MINIMAL, "--split", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    groups = set(pd.read_csv(codings).group)
    written = sorted(p.name for p in folder.iterdir())
    assert len(written) == len(groups) and "excerpts_referrers.docx" in written
    referrers = docx.Document(str(folder / "excerpts_referrers.docx"))
    assert [p.text for p in referrers.paragraphs if p.style.name == "Heading 1"][1:] == ["Referrers"]
    result = runner.invoke(app, ["excerpts", codings, "--split", "-o", str(folder)])
    assert result.exit_code == 1 and "already exist" in result.output
    csv = tmp_path / "excerpts.csv"
    assert runner.invoke(app, ["excerpts", codings, "-o", str(csv)]).exit_code == 0
    assert {"attribution", "location", "text"} <= set(pd.read_csv(csv).columns)


def test_split_by_theme_titles_and_names_each_file_by_its_theme(ran, tmp_path):
    mini, out, _ = ran
    codings = str(out / "codings.csv")
    folder = tmp_path / "themes"
    result = runner.invoke(app, ["excerpts", codings, "-c", MINIMAL, "--by", "theme", "--split", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["excerpts_1-access.docx", "excerpts_2-benefits.docx"]
    title = docx.Document(str(folder / "excerpts_1-access.docx")).paragraphs[0].text
    assert title == "Coded excerpts by theme: 1 Access"


def test_nothing_coded_still_gives_every_document(mini, tmp_path):
    book = tmp_path / "none.yaml"
    book.write_text("name: None\nversion: '1'\nthemes:\n  - id: t\n    label: Never\n    rules: {keywords: [zzqqxx]}\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(mini), "-c", str(book), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(str(out / "excerpts_by_group.docx")).paragraphs)
    assert "Nothing was coded" in text
    assert "Nothing was coded" in (out / "report.html").read_text()
    assert pd.read_csv(out / "theme_table.csv").excerpts.tolist() == [0]
    empty = tmp_path / "empty.csv"
    pd.read_csv(out / "codings.csv").to_csv(empty, index=False)
    result = runner.invoke(app, ["excerpts", str(empty), "-o", str(tmp_path / "e.docx")])
    assert result.exit_code == 0, result.output


def test_run_in_python_returns_what_it_wrote(mini, tmp_path):
    import qualcode

    steps = []
    result = qualcode.run(mini, MINIMAL, tmp_path / "py", progress=lambda done, total, step: steps.append(step))
    assert set(result.written) == set(OUTPUTS) and all(p.exists() for p in result.written.values())
    assert steps == ["read", "code", "tables", *(f"write:{name}" for name in OUTPUTS)]
    assert len(result.codings) == len(pd.read_csv(result.written["codings"]))
    assert result.themes.excerpts.iloc[0] > 0


def test_run_with_two_jobs_writes_the_same_tables(ran, tmp_path):
    mini, out, _ = ran
    two = tmp_path / "two"
    result = runner.invoke(app, ["run", str(mini), "-c", MINIMAL, "-o", str(two), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    for name in ("codings.csv", "theme_table.csv", "summary.csv"):
        assert (two / name).read_text() == (out / name).read_text()
    quotes = [len([p for p in docx.Document(str(folder / "excerpts_by_group.docx")).paragraphs
                   if p.style.name == "Quote"]) for folder in (out, two)]
    assert quotes[0] == quotes[1] > 0

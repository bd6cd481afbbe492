"""The project commands through the CLI, in the order a researcher uses them, and the commands that read
through a project (run, themes, matrix, excerpts, agreement, export qdpx)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

import qualcode
from qualcode.cli import app
from qualcode.project import Project

from ..conftest import ROOT, SAMPLE

runner = CliRunner()
CODEBOOK = str(ROOT / "codebooks" / "social_prescribing.yaml")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], terminal_width=200)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-project") / "study"
    shutil.copytree(SAMPLE, folder)
    result = invoke("init", folder, "-c", CODEBOOK)
    assert result.exit_code == 0, result.output
    assert f"Project: {folder / 'qualcode-project.db'}" in result.output
    return folder


def test_review_memo_undo_history_in_the_cli(study, tmp_path):
    status = invoke("status", study)
    assert status.exit_code == 0 and "codings by origin: meaning " in status.output and ", rule 953" in status.output
    assert "Pending review per code" in status.output
    accepted = invoke("accept", study, "--code", "buddying", "--min-score", "3", "--coder", "alice")
    assert accepted.exit_code == 0, accepted.output
    assert "alice accepted" in accepted.output
    codings = pd.read_csv(_export(study, tmp_path / "first") / "codings.csv")
    suggested = codings[codings.status == "suggested"].iloc[0]
    rejected = invoke("reject", study, "--coding", suggested.coding_id, "--coder", "alice", "--memo",
                      "about a buddy scheme, not buddying")
    assert rejected.exit_code == 0 and f"alice rejected {suggested.code_id}" in rejected.output
    memo = invoke("memo", study, "--source", "C2", "--coder", "alice", "Client unsure who referred her")
    assert memo.exit_code == 0 and "saved" in memo.output
    undo = invoke("undo", study, "--coder", "alice")
    assert undo.exit_code == 0 and "undo #" in undo.output and "memo on source C2" in undo.output
    redo = invoke("redo", study, "--coder", "alice")
    assert redo.exit_code == 0 and "redo #" in redo.output
    nothing = invoke("undo", study, "--coder", "zed")
    assert nothing.exit_code == 1 and "Error: zed has nothing to undo" in nothing.output
    history = invoke("history", study, "--coder", "alice", "--since", "2020-01-01")
    assert history.exit_code == 0
    assert [w for w in ("accept", "reject", "memo", "undo", "redo") if w not in history.output] == []
    written = invoke("history", study, "-o", tmp_path / "history.csv")
    assert written.exit_code == 0
    assert list(pd.read_csv(tmp_path / "history.csv").action) == ["accept", "reject", "memo", "undo", "redo"]
    folder = _export(study, tmp_path / "export")
    decisions = pd.read_csv(folder / "decisions.csv")
    assert decisions.loc[decisions.status == "rejected", "memo"].tolist() == ["about a buddy scheme, not buddying"]
    assert pd.read_csv(folder / "memos.csv").text.tolist() == ["Client unsure who referred her"]
    backup = invoke("project", "backup", study, "-o", tmp_path / "backup.db")
    assert backup.exit_code == 0 and (tmp_path / "backup.db").stat().st_size > 0

    # reading through the project
    out = tmp_path / "out"
    ran = invoke("run", study, "-o", out)
    assert ran.exit_code == 0, ran.output
    table = pd.read_csv(out / "codings.csv")
    assert suggested.coding_id not in set(table.coding_id)  # rejected stays out of the reports
    assert set(table.loc[table.status == "accepted", "coder"]) == {"alice"}
    themes = invoke("themes", study, "--format", "csv", "-o", tmp_path / "themes.csv")
    assert themes.exit_code == 0, themes.output
    matrix = invoke("matrix", study, "--format", "csv", "-o", tmp_path / "matrix.csv")
    assert matrix.exit_code == 0, matrix.output
    excerpts = invoke("excerpts", study, "--format", "csv", "-o", tmp_path / "excerpts.csv", "--coder", "alice")
    assert excerpts.exit_code == 0, excerpts.output
    assert len(pd.read_csv(tmp_path / "excerpts.csv")) == (table.coder == "alice").sum()


def _export(study, folder):
    result = invoke("project", "export", study, "-o", folder)
    assert result.exit_code == 0, result.output
    return folder


def test_import_codings_then_agreement_and_the_refi_export_read_the_project(study, tmp_path):
    for name in ("coder_a.csv", "coder_b.csv"):
        result = invoke("import-codings", study, ROOT / "tests" / "data" / "human" / name)
        assert result.exit_code == 0, result.output
        assert "Imported 9" in result.output
    agreement = invoke("agreement", "--corpus", study, "-o", tmp_path / "agreement.csv")
    assert agreement.exit_code == 0, agreement.output
    assert "coder_a" in agreement.output and "coder_b" in agreement.output
    exported = invoke("export", "qdpx", study, "-o", tmp_path / "study.qdpx")
    assert exported.exit_code == 0, exported.output
    assert "coder_a" in exported.output and "coder_b" in exported.output


def test_bad_input_in_the_cli(study, tmp_path):
    not_project = invoke("status", tmp_path)
    assert not_project.exit_code == 1 and "qualcode init" in not_project.output
    unknown = invoke("accept", study, "--coding", "c0000000000000000", "--coder", "alice")
    assert unknown.exit_code == 1 and "no coding 'c0000000000000000'" in unknown.output
    which = invoke("accept", study, "--coder", "alice")
    assert which.exit_code == 2 and "--coding" in which.output
    no_codebook = invoke("run", tmp_path, "-o", tmp_path / "out")
    assert no_codebook.exit_code == 1 and "give the codebook" in no_codebook.output


def test_search_code_as_saves_the_hits_in_the_project_and_undo_takes_them_back(study, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = Project(study)
    n_before = len(before.codings(status="human"))
    before.close()
    result = invoke("search", study, "waiting list", "--lemma", "--group", "Clients", "--code-as", "mental-health-gaps",
                    "--coder", "dana")
    assert result.exit_code == 0, result.output
    p = Project(study)
    mine = p.codings(status="human")
    mine = mine[mine.coder == "dana"]
    hits = qualcode.search(qualcode.load_corpus(study), "waiting list", lemma=True, group="Clients")
    assert len(hits) > 3 and f"{len(hits)} new codings of mental-health-gaps by dana saved in the project" in result.output
    assert sorted(zip(mine.source_id, mine.start, mine.end)) == sorted(zip(hits.source_id, hits.start, hits.end))
    assert set(mine.code_id) == {"mental-health-gaps"} and mine.text.str.lower().str.startswith("waiting list").all()
    assert not list(tmp_path.glob("search_*.csv"))                    # no loose csv beside the project
    p.close()
    again = invoke("search", study, "waiting list", "--lemma", "--group", "Clients", "--code-as", "mental-health-gaps",
                   "--coder", "dana")
    assert again.exit_code == 0 and "0 new codings" in again.output     # the same hits are not coded twice
    undone = invoke("undo", study, "--coder", "dana")
    assert undone.exit_code == 0, undone.output
    p = Project(study)
    table = p.codings(status="human")
    assert len(table) == n_before and (table.coder != "dana").all()
    p.close()
    bad = invoke("search", study, "waiting list", "--code-as", "mental-helth-gaps", "--coder", "dana")
    assert bad.exit_code != 0 and "mental-health-gaps" in bad.output and "Traceback" not in bad.output

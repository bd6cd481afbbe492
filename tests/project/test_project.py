"""The project database as a researcher uses it: decisions that survive re-runs and codebook changes, hand
codings re-anchored when a transcript is edited, memos, undo/redo, plain-file exit, and every bad input."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import qualcode
from qualcode.errors import ProjectConflictError, ProjectError
from qualcode.project import Project

from ..conftest import ROOT, SAMPLE

CODEBOOK = ROOT / "codebooks" / "social_prescribing.yaml"


@pytest.fixture
def study(template, tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(template, folder)
    return folder


@pytest.fixture
def project(study):
    with Project(study) as p:
        yield p


def _edit_codebook(tmp_path, change) -> Path:
    import yaml

    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _walk(items):
    for item in items:
        yield item
        for key in ("subthemes", "codes", "children"):
            yield from _walk(item.get(key) or [])


def _node(data, node_id):
    return next(n for n in _walk(data["themes"]) if n.get("id") == node_id)


def _drop_rules_and_recode(project, tmp_path, node_id):
    """Remove ``node_id``'s rules from the project's codebook and code the sources again by rules only (coding by
    meaning may suggest the same passage for the node again from its definition, and a decision follows its
    passage and code whoever suggests it)."""
    def drop_rules(data):
        _node(data, node_id)["rules"] = {}

    project.set_codebook(_edit_codebook(tmp_path, drop_rules))
    corpus = qualcode.load_corpus(project.folder)
    project.refresh(corpus, qualcode.code(corpus, project.codebook, by="rules"))


# -- the project file --------------------------------------------------------------------------------
def test_init_makes_one_sqlite_file_in_wal_mode_next_to_the_sources_and_the_loader_skips_it(project, study):
    assert project.path == study / "qualcode-project.db"
    conn = sqlite3.connect(project.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    assert project.store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    project.accept(project.codings().coding_id.iloc[0], coder="alice")  # leaves -wal/-shm files while open
    assert (study / "qualcode-project.db-wal").exists()
    corpus = qualcode.load_corpus(study)
    assert len(corpus) == len(qualcode.load_corpus(SAMPLE))
    assert not [p for p in corpus.problems if "qualcode-project" in str(p)]


def test_codings_have_ids_statuses_and_the_sample_rules_codings(project, sample_corpus):
    table = project.codings()
    expected = qualcode.code(sample_corpus, qualcode.Codebook.from_yaml(CODEBOOK))
    assert len(table) == len(expected)
    assert set(table.status) == {"suggested"}
    assert table.coding_id.is_unique
    first = table.iloc[0]
    assert sample_corpus.text(first.source_id)[first.start:first.end] == first.text


# -- decisions survive re-runs -------------------------------------------------------------------------
def test_a_rejected_coding_stays_rejected_after_a_rerun_with_other_jobs_and_a_change_to_other_nodes(project, tmp_path):
    table = project.codings()
    target = table[table.code_id == "buddying"].iloc[0]
    project.reject(target.coding_id, coder="alice", memo="about a buddy scheme, not buddying")
    project.refresh(jobs=2)
    again = project.codings().set_index("coding_id")
    assert again.loc[target.coding_id, "status"] == "rejected"
    assert again.loc[target.coding_id, "decision_memo"] == "about a buddy scheme, not buddying"

    def widen_other_node(data):
        node = _node(data, "staffing")
        node.setdefault("rules", {}).setdefault("keywords", []).append("rota")

    project.set_codebook(_edit_codebook(tmp_path, widen_other_node))
    project.refresh()
    assert project.codings().set_index("coding_id").loc[target.coding_id, "status"] == "rejected"
    assert target.coding_id not in set(project.analysis_codings().coding_id)


def test_an_accepted_coding_stays_when_its_rules_change_and_decisions_on_gone_codings_are_reported(project, tmp_path):
    table = project.codings()
    buddying = table[(table.code_id == "buddying") & (table.origin == "rule")]
    kept, gone = buddying.coding_id.iloc[0], buddying.coding_id.iloc[1]
    project.accept(kept, coder="alice")
    project.reject(gone, coder="alice")

    _drop_rules_and_recode(project, tmp_path, "buddying")
    after = project.codings()
    assert not ((after.code_id == "buddying") & (after.status == "suggested")).any()
    row = after.set_index("coding_id").loc[kept]
    assert row.status == "accepted" and row.decided_by == "alice"
    analysis = project.analysis_codings().set_index("coding_id")
    assert analysis.loc[kept, "coder"] == "alice" and analysis.loc[kept, "origin"] == "human"
    status = project.status()
    assert status.stale_decisions == 2
    assert any("no longer suggest" in line for line in status.lines())


def test_counts_waiting_suggestions_and_a_codings_source_are_those_of_the_codings_table(project, study, tmp_path):
    """The overview's counts, the review queue's suggestions and a coding memo's link come from the database;
    they must be what the whole codings table says, with every kind of decision: accepted, rejected, decided
    again by another coder, accepted on a coding no rule suggests any more, hand codings, and a hand coding
    kept aside after its transcript changed."""
    table = project.codings(status="suggested")
    c1, gp = table[table.source_id == "C1"], table[table.source_id == "GP-FG1"]
    project.accept(c1.coding_id.iloc[0], coder="alice")
    project.reject(c1.coding_id.iloc[1], coder="alice")
    project.reject(c1.coding_id.iloc[2], coder="alice")
    project.accept(c1.coding_id.iloc[2], coder="bob")  # the latest decision, by anyone, counts
    project.reject(gp.coding_id.iloc[0], coder="bob")
    buddying = table[(table.code_id == "buddying") & (table.origin == "rule")]
    gone = buddying.coding_id.iloc[0]
    project.accept(gone, coder="alice")
    project.code("C1", 10, 40, "buddying", coder="alice")
    project.code("GP-FG1", 0, 20, "buddying", coder="bob")
    text = project.store.source_text("C2")
    quote = "I couldn't get on the bus"
    at = text.index(quote)
    aside = project.code("C2", at, at + len(quote), "buddying", coder="bob")
    path = study / "clients" / "C2.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("I couldn't get on the bus,", "buses were impossible,"),
                    encoding="utf-8")
    project.refresh()

    def check_waiting(whole):
        # the review queue: the undecided suggestions, read alone, most informative first: a calibrated score
        # nearest 0.5, then a rule coding's matched-term count (one match least certain), then reading order
        columns = ["coding_id", "source_id", "start", "code_id", "origin", "score"]
        suggested = whole[whole.status == "suggested"]
        score = suggested.score
        key = score.sub(0.5).abs().where(score <= 1, 0.5 + 0.5 * (1 - 1 / score)).fillna(1.0)
        expected = suggested.assign(key=key).sort_values(["key", "source_id", "start", "coding_id"])[columns]
        waiting = project.waiting()
        assert len(waiting) == len(suggested) == sum(project.waiting_counts().values()) > 0
        pd.testing.assert_frame_equal(waiting, expected.reset_index(drop=True), check_dtype=False)
        for origin in set(waiting.origin):
            of_origin = waiting[waiting.origin == origin]
            code = of_origin.code_id.value_counts().index[0]
            in_order = of_origin[of_origin.code_id == code]
            assert project.waiting(code=code, origin=origin, offset=2, limit=3).coding_id.tolist() == \
                in_order.coding_id.iloc[2:5].tolist()
            assert project.waiting_counts(origin=origin)[code] == len(in_order)
        return waiting

    # rules and meaning: calibrated scores (0-1) come before a rule coding's count of matched terms
    first = check_waiting(project.codings())
    assert set(first.origin) == {"rule", "meaning"}
    assert first.origin.iloc[0] == "meaning" and first.origin.iloc[-1] == "rule"

    _drop_rules_and_recode(project, tmp_path, "buddying")
    whole = project.codings()
    statuses = set(whole.status)
    assert statuses == {"suggested", "accepted", "rejected", "human"}
    assert not project.status().aside.empty  # bob's hand coding on C2 is aside and in neither
    shown = whole[whole.status != "rejected"]
    expected = pd.DataFrame({
        "codings": shown.groupby("source_id").size(),
        "waiting": whole[whole.status == "suggested"].groupby("source_id").size(),
        "coded_turns": shown.groupby("source_id").segment_id.nunique(),
    }).fillna(0).astype("int64").reset_index(names="source_id")
    counts = project.source_counts()
    pd.testing.assert_frame_equal(counts, expected.sort_values("source_id").reset_index(drop=True))
    c1_row = counts.set_index("source_id").loc["C1"]
    assert c1_row.waiting < c1_row.codings  # C1's decisions and hand coding are counted
    by_origin = whole.groupby(["origin", "status"]).size().rename("codings").reset_index()
    pd.testing.assert_frame_equal(project.origin_counts(), by_origin)
    check_waiting(whole)
    # a coding memo's link finds its source by the coding's id alone, for every kind of coding shown
    one_of_each = pd.concat([whole.groupby(["origin", "status"]).head(3), whole[whole.coding_id == gone]])
    assert project.store.machine_coding(gone) is None  # accepted, and no rule suggests it any more
    assert [project.source_of(c) for c in one_of_each.coding_id] == one_of_each.source_id.tolist()
    assert project.source_of(aside) is None and project.source_of("c000nothing") is None


def test_a_retired_code_keeps_its_decisions_and_a_merge_moves_them(project, tmp_path):
    table = project.codings()
    coding = table[table.code_id == "buddying"].coding_id.iloc[0]
    project.accept(coding, coder="alice")

    def retire(data):
        _node(data, "buddying")["status"] = "retired"

    project.set_codebook(_edit_codebook(tmp_path, retire))
    project.refresh()
    assert project.status().retired == {"buddying": 1}
    assert (project.codings().set_index("coding_id").loc[coding, "status"]) == "accepted"

    def remove(data):
        for item in _walk(data["themes"]):
            for key in ("subthemes", "codes", "children"):
                if item.get(key):
                    item[key] = [n for n in item[key] if n.get("id") != "buddying"]

    removed = _edit_codebook(tmp_path, remove)
    with pytest.raises(ProjectError, match=r"lacks code\(s\) buddying: 1 decision"):
        project.set_codebook(removed)
    parent = table[table.code_id == "buddying"].subtheme_id.iloc[0]
    target = parent if parent and parent != "buddying" else "first-contact"
    project.set_codebook(removed, merged={"buddying": target})
    moved = project.codings(status="accepted")
    assert moved.code_id.tolist() == [target]
    assert project.status().orphaned == {}


# -- hand codings, memos, history, undo --------------------------------------------------------------
def test_code_memo_undo_redo_walk_each_coders_history_and_the_history_is_append_only(project):
    text = project.store.source_text("C2")
    start = text.index("I'm nineteen")
    hid = project.code("C2", start, start + len("I'm nineteen"), "buddying", coder="bob")
    first = project.codings().coding_id.iloc[0]
    project.accept(first, coder="alice")
    memo_id = project.memo("Client unsure who referred her", coder="alice", source="C2")
    project.memo("why this one", coder="bob", coding=hid)
    memos = project.memos()
    assert list(memos.columns) == ["memo_id", "kind", "target", "coder", "text", "created", "source_id", "start", "end",
                                   "code_id"]
    on_coding = memos[memos.kind == "coding"].iloc[0]
    assert (on_coding.source_id, on_coding.start, on_coding.code_id) == ("C2", start, "buddying")
    assert project.undo(coder="alice")["what"].startswith("undo #")  # alice's memo, not bob's coding
    assert memo_id not in set(project.memos().memo_id)
    project.undo(coder="alice")
    assert project.codings().set_index("coding_id").loc[first, "status"] == "suggested"
    with pytest.raises(ProjectError, match="alice has nothing to undo"):
        project.undo(coder="alice")
    project.redo(coder="alice")
    assert project.codings().set_index("coding_id").loc[first, "status"] == "accepted"
    assert hid in set(project.codings(status="human").coding_id)  # bob's work untouched
    history = project.history()
    assert history.action.tolist() == ["code", "accept", "memo", "memo", "undo", "undo", "redo"]
    assert project.history(coder="bob").action.tolist() == ["code", "memo"]
    assert len(project.history(since="2999-01-01")) == 0
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        project.store.conn.execute("DELETE FROM history")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        project.store.conn.execute("UPDATE history SET coder = 'mallory'")


def test_recode_and_a_stale_page_is_refused(project):
    first = project.codings().iloc[0]
    new_id = project.recode(first.coding_id, "buddying", coder="alice")
    table = project.codings().set_index("coding_id")
    assert table.loc[first.coding_id, "status"] == "rejected"
    assert table.loc[new_id, "code_id"] == "buddying" and table.loc[new_id, "status"] == "human"
    second = project.codings().iloc[1]
    project.reject(second.coding_id, coder="bob", expected=int(second.version))
    with pytest.raises(ProjectConflictError, match="changed since"):
        project.accept(second.coding_id, coder="alice", expected=int(second.version))
    with pytest.raises(ProjectConflictError):
        project.accept(second.coding_id, coder="alice", expected="suggested")
    assert project.codings().set_index("coding_id").loc[second.coding_id, "status"] == "rejected"


def test_suggestions_train_on_decisions_accepted_positive_rejected_negative(project):
    table = project.codings()
    project.accept(table.coding_id.iloc[0], coder="alice")
    project.reject(table.coding_id.iloc[1], coder="bob")
    project.code("C2", 10, 40, "buddying", coder="bob")
    positives, negatives = project.training_codings()
    assert sorted(zip(positives.coder, positives.origin)) == [("alice", "human"), ("bob", "human")]
    assert negatives.code_id.tolist() == [table.code_id.iloc[1]]
    assert negatives.start.tolist() == [table.start.iloc[1]]


# -- sources change ------------------------------------------------------------------------------------
def test_an_edited_transcript_re_anchors_by_quote_and_keeps_aside_what_it_cannot(project, study):
    path = study / "clients" / "C2.txt"
    text = project.store.source_text("C2")
    quote_kept = "I live with my mum and my little brother"
    quote_lost = "I couldn't get on the bus"
    a = text.index(quote_kept)
    b = text.index(quote_lost)
    kept = project.code("C2", a, a + len(quote_kept), "buddying", coder="alice")
    lost = project.code("C2", b, b + len(quote_lost), "buddying", coder="bob")
    machine = project.codings()
    decided = machine[(machine.source_id == "C2") & (machine.start > b + 100)].iloc[0]
    project.reject(decided.coding_id, coder="alice")
    raw = path.read_text(encoding="utf-8")
    edited = raw.replace("[00:00:02] Interviewer: Okay,", "[00:00:02] Interviewer: Right then, okay,")
    edited = edited.replace("I couldn't get on the bus,", "buses were impossible,")
    edited = edited.replace("my mum and my little", "my mum and my\n  little")  # re-wrapped: white space differs
    path.write_text(edited, encoding="utf-8")
    assert project.status().changed_sources == ["C2"]
    result = project.refresh()
    assert result == {"reanchored": 2, "aside": 1}
    new_text = project.store.source_text("C2")
    table = project.codings().set_index("coding_id")
    assert " ".join(new_text[table.loc[kept, "start"]:table.loc[kept, "end"]].split()) == quote_kept
    assert table.loc[kept, "start"] > a
    rejected = table[(table.status == "rejected") & (table.source_id == "C2")]
    assert len(rejected) == 1 and rejected.iloc[0].text == decided.text
    assert lost not in table.index
    aside = project.status().aside
    assert aside[["source_id", "coder", "quote"]].values.tolist() == [["C2", "bob", quote_lost]]
    assert any("C2 / bob / buddying" in line for line in project.status().lines())
    assert project.history().action.iloc[-1] == "re-anchor"


# -- plain files ---------------------------------------------------------------------------------------
def test_export_then_import_into_a_new_project_is_lossless(project, template, tmp_path):
    table = project.codings()
    project.accept(table.coding_id.iloc[0], coder="alice", memo="clear")
    project.reject(table.coding_id.iloc[1], coder="bob")
    hid = project.code("C2", 10, 40, "buddying", coder="bob", memo="mine")
    project.memo("journal entry", coder="alice")
    project.memo("on code", coder="bob", code="buddying")
    project.memo("on coding", coder="bob", coding=hid)
    written = {p.name for p in project.export(tmp_path / "export")}
    assert {"codings.csv", "codings_alice.csv", "codings_bob.csv", "decisions.csv", "memos.csv", "history.csv",
            "history.md", "aside.csv", "codebook.yaml"} <= written
    assert "source_id,start,end,code,coder,quote" in (tmp_path / "export" / "codings_bob.csv").read_text()
    other = tmp_path / "other"
    shutil.copytree(template, other)
    with Project(other) as fresh:
        counts = fresh.import_codings(tmp_path / "export")
        assert counts["skipped"] == []
        a = project.codings().drop(columns="version").sort_values("coding_id").reset_index(drop=True)
        b = fresh.codings().drop(columns="version").sort_values("coding_id").reset_index(drop=True)
        assert a.equals(b)
        assert project.memos().equals(fresh.memos())
        # the per-coder file is an ordinary human-codings file too
        human = qualcode.read_codings(tmp_path / "export" / "codings_bob.csv", qualcode.load_corpus(other),
                                      qualcode.Codebook.from_yaml(CODEBOOK))
        assert human.text.tolist() == [project.store.source_text("C2")[10:40]]


def test_import_human_codings_file_and_undo_it_in_one_step(project):
    counts = project.import_codings(ROOT / "tests" / "data" / "human" / "coder_a.csv")
    assert counts["human"] > 100
    assert set(project.codings(status="human").coder) == {"coder_a"}
    assert project.analysis_codings(coder="coder_a").coder.unique().tolist() == ["coder_a"]
    project.undo(coder="import")
    assert len(project.codings(status="human")) == 0


def test_online_backup_is_a_working_project(project, tmp_path):
    project.accept(project.codings().coding_id.iloc[0], coder="alice")
    path = project.backup()
    assert path.parent.name == "qualcode-backups"
    restored = tmp_path / "restored"
    shutil.copytree(project.folder, restored, ignore=shutil.ignore_patterns("qualcode-project.db*", "qualcode-backups"))
    shutil.copy(path, restored / "qualcode-project.db")
    with Project(restored) as copy:
        assert copy.codings(status="accepted").coding_id.tolist() == project.codings(status="accepted").coding_id.tolist()
        assert copy.store.integrity() == "ok"


# -- bad input -----------------------------------------------------------------------------------------
def test_bad_input_gets_a_clear_message(project, study, tmp_path):
    with pytest.raises(ProjectError, match=r"not a qualcode project .*`qualcode init"):
        Project(tmp_path)
    with pytest.raises(ProjectError, match="no coding 'nope'"):
        project.accept("nope", coder="alice")
    with pytest.raises(ProjectError, match=r"code 'budying' is not in .*buddying"):
        project.code("C2", 0, 10, "budying", coder="alice")
    with pytest.raises(ProjectError, match=r"outside source C2 \(0-\d+\)"):
        project.code("C2", 10, 10**7, "buddying", coder="alice")
    with pytest.raises(ProjectError, match="nothing to undo"):
        project.undo(coder="nobody")
    with pytest.raises(ProjectError, match="give a coder name"):
        project.accept(project.codings().coding_id.iloc[0], coder="")
    with pytest.raises(ProjectError, match="--since"):
        project.history(since="last tuesday")


def test_unrelated_codebook_is_refused_unless_forced_with_the_count_of_orphans(project, study):
    minimal = ROOT / "codebooks" / "minimal.yaml"
    table = project.codings()
    table = table[~table.code_id.isin(list(qualcode.Codebook.from_yaml(minimal).nodes))]
    project.accept(table.coding_id.iloc[0], coder="alice")
    project.reject(table.coding_id.iloc[1], coder="alice")
    project.close()
    with pytest.raises(ProjectError, match="2 decision"):
        Project.init(study, minimal)
    with Project.init(study, minimal, force=True) as p:
        assert sum(p.status().orphaned.values()) == 2
        assert not p.analysis_codings().coding_id.isin(table.coding_id.iloc[:2]).any()
        assert any("not in the codebook" in line for line in p.status().lines())


def test_newer_schema_and_damaged_file_are_refused_naming_versions_and_the_backup(study):
    with Project(study) as p:
        backup = p.backup()
    conn = sqlite3.connect(study / "qualcode-project.db")
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    with pytest.raises(ProjectError, match=rf"project schema 7\); this is qualcode {qualcode.__version__}.* schema 1"):
        Project(study)
    (study / "qualcode-project.db").write_bytes(b"this is not a database, it was overwritten by mistake" * 200)
    for extra in ("-wal", "-shm"):
        (study / f"qualcode-project.db{extra}").unlink(missing_ok=True)
    with pytest.raises(ProjectError, match=rf"damaged.*{backup.name}"):
        Project(study)


def _read_only(paths, on: bool) -> None:
    """Make ``paths`` read-only (or writable again). Root ignores mode bits, so as root use the immutable flag."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], check=True)
    else:
        for path in paths:
            os.chmod(path, (0o555 if path.is_dir() else 0o444) if on else (0o755 if path.is_dir() else 0o644))


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("chattr") is None,
                    reason="running as root without chattr: root writes through mode bits, so nothing is read-only")
def test_a_read_only_project_folder_is_read_but_not_written(study):
    with Project(study) as p:
        coding = p.codings().coding_id.iloc[0]
    paths = [study, study / "qualcode-project.db"]
    _read_only(paths, True)
    try:
        with Project(study) as p:
            assert len(p.codings()) > 0 and p.status().sources == 26
            with pytest.raises(ProjectError, match=r"read-only.*Make the folder writable"):
                p.accept(coding, coder="alice")
    finally:
        _read_only(paths, False)
    with Project(study) as p:
        p.accept(coding, coder="alice")
        assert p.codings(status="accepted").coding_id.tolist() == [coding]


def test_export_qdpx_of_a_project_carries_its_memos_and_each_journal_entry(study, tmp_path):
    """A project's memos reach the .qdpx as Notes: a source memo on its source, and every journal entry on its
    own, with its coder (not merged into one project description)."""
    from typer.testing import CliRunner

    from qualcode.cli import app
    from qualcode.refi import read_qdpx

    with Project(study) as p:
        p.memo("Client unsure who referred her", coder="alice", source="C2")
        p.memo("First pass over the GP interviews", coder="alice")
        p.memo("Second coder starts", coder="bob")
    out = tmp_path / "study.qdpx"
    done = CliRunner().invoke(app, ["export", "qdpx", str(study), "-o", str(out)])
    assert done.exit_code == 0, done.output
    memos = read_qdpx(out).memos
    texts = dict(zip(memos["text"], memos["coder"]))
    assert texts["Client unsure who referred her"] == "alice"
    assert texts["First pass over the GP interviews"] == "alice"
    assert texts["Second coder starts"] == "bob"
    assert memos.loc[memos["text"] == "Client unsure who referred her", "target"].iloc[0] == "C2"


def test_codings_of_one_source_are_that_source_s_rows_of_the_whole_table(project):
    table = project.codings(status="suggested")
    c1 = table[table.source_id == "C1"]
    project.accept(c1.coding_id.iloc[0], coder="alice")
    project.reject(c1.coding_id.iloc[1], coder="bob", memo="not this")
    project.code("C1", 10, 40, c1.code_id.iloc[2], coder="alice")
    project.code("C2", 10, 40, c1.code_id.iloc[2], coder="alice")
    whole = project.codings()
    for source_id in ("C1", "C2", "GP-FG1"):
        one = project.codings(source_id=source_id)
        expected = whole[whole.source_id == source_id]
        assert len(one) > 0 and set(one.source_id) == {source_id}
        key = ["coding_id", "status", "decided_by", "start", "end", "code_id", "text", "version"]
        pd.testing.assert_frame_equal(one[key].sort_values("coding_id").reset_index(drop=True),
                                      expected[key].sort_values("coding_id").reset_index(drop=True), check_dtype=False)
    mine = project.codings(source_id="C1", coder="bob")
    assert mine.loc[mine.coding_id == c1.coding_id.iloc[1], "status"].tolist() == ["rejected"]
    assert set(project.codings(source_id="C1", status="human").decided_by) == {"alice"}
    with pytest.raises(ProjectError, match="no source 'C99'"):
        project.codings(source_id="C99")

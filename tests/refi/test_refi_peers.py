"""Exports that real peers read without loss: qdapy reads every export back; the schema holds; memos, users,
coders and the text at every offset survive; NVivo positions; QualCoder's own importer (where its source is)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import qualcode
from qualcode.refi import memos_frame, read_qdpx, write_qdpx
from qualcode.refi.xmlio import parse_xml

from ..conftest import write_participants, write_sources
from .refi_helpers import schema_errors, utf16_units

qdapy = pytest.importorskip("qdapy", reason="qdapy is a test dependency (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def study(sample_corpus, sample_codebook, sample_codings, human_codings):
    """The sample study with its rule codings and both human coders, a memo of every kind and a user who coded nothing."""
    a, b = human_codings
    codings = pd.concat([sample_codings, a, b], ignore_index=True)
    first = a.iloc[0]
    source = sample_corpus.source_ids[0]
    pid = sample_corpus.participants.participant_id.iloc[0]
    code = next(iter(sample_codebook.nodes))
    memos = memos_frame([
        {"kind": "project", "target": "Week 1", "coder": "coder_a", "text": "Started coding the GP interviews.",
         "created": "2026-01-05T10:00:00Z"},
        {"kind": "project", "target": "", "coder": "coder_b", "text": "A study of social prescribing."},
        {"kind": "code", "target": code, "coder": "coder_b", "text": "Watch the overlap with self-referral.",
         "created": "2026-01-06T09:30:00Z"},
        {"kind": "source", "target": source, "coder": "coder_a", "text": "Recorded at the hub."},
        {"kind": "source", "target": source, "coder": "coder_b", "text": "Noisy passage.", "start": 10, "end": 40},
        {"kind": "participant", "target": pid, "coder": "coder_a", "text": "Joined late."},
        {"kind": "coding", "coder": "coder_a", "text": "A strong example.", "source_id": first.source_id,
         "start": int(first.start), "end": int(first.end), "code_id": first.code_id},
    ])
    return codings, memos, {"supervisor": "6b3e9a3c-1111-4222-8333-444455556666"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory, sample_corpus, sample_codebook, study):
    codings, memos, users = study
    path = tmp_path_factory.mktemp("peers") / "study.qdpx"
    report = write_qdpx(sample_corpus, sample_codebook, codings, path, memos=memos, users=users)
    return path, report


def test_qdapy_reads_every_coding_with_its_coder_and_text(exported, sample_corpus, sample_codebook, study):
    codings = study[0]
    project = qdapy.read_qdpx(exported[0], warn=False)
    frag = project.fragments
    assert len(frag) == len(codings.drop_duplicates(["source_id", "start", "end", "code_id", "coder"]))
    assert frag.codedBy.value_counts().to_dict() == codings.coder.value_counts().to_dict()
    assert sorted(project.sources) == sorted(sample_corpus.source_ids)
    ours = {(r.source_id, int(r.start), int(r.end), sample_codebook.nodes[r.code_id].label, r.coder)
            for r in codings.itertuples()}
    theirs = {(r.attachmentTitle, int(r.positionStart), int(r.positionEnd), r.code.rsplit("/", 1)[-1], r.codedBy)
              for r in frag.itertuples()}
    assert theirs == ours
    for r in frag.itertuples():
        assert r.text == sample_corpus.text(r.attachmentTitle)[int(r.positionStart):int(r.positionEnd)]
    assert (frag.comment == "A strong example.").sum() == 1  # the coding memo, on its coding only


def test_every_selection_is_one_coder_and_every_note_is_signed(exported, study):
    path, report = exported
    with zipfile.ZipFile(path) as zf:
        qde = zf.read("project.qde")
    assert schema_errors(qde) == []
    root = parse_xml(qde, "project.qde")
    for selection in root.iter("PlainTextSelection"):
        coders = {c.get("creatingUser") for c in selection.iter("Coding")}
        assert coders <= {selection.get("creatingUser")}
    notes = list(root.iter("Note"))  # journal, code, source, annotation and coding memos (a case memo is its Description)
    assert len(notes) == 5 and all(n.get("creatingUser") and n.get("creationDateTime") for n in notes)
    users = {u.get("name"): u.get("guid") for u in root.iter("User")}
    assert users["supervisor"] == "6b3e9a3c-1111-4222-8333-444455556666"  # kept, though they coded nothing
    variables = {v.get("name") for v in root.iter("Variable")}
    assert not variables & {"id_column", "group_column", "question_columns", "memo"}


def test_round_trip_keeps_memos_users_and_origin(exported, sample_corpus, sample_codebook, study):
    codings, memos, _ = study
    read = read_qdpx(exported[0], base=sample_codebook)
    corpus, book, back = read
    key = ["source_id", "start", "end", "code_id", "coder"]
    assert sorted(map(tuple, back[key].values.tolist())) == sorted(map(tuple, codings[key].values.tolist()))
    assert set(back[back.coder.str.startswith("rules@")].origin) == {"rule"}
    assert set(read.users) == {"coder_a", "coder_b", "rules@1.0", "supervisor"}
    assert read.users["supervisor"] == "6b3e9a3c-1111-4222-8333-444455556666"
    columns = ["kind", "target", "coder", "text", "source_id", "start", "end", "code_id"]
    norm = lambda f: sorted(tuple("" if pd.isna(v) else str(v) for v in row) for row in f[columns].values.tolist())  # noqa: E731
    # REFI-QDA gives a case a Description but no author: a participant memo comes back without its coder.
    memos = memos.assign(coder=memos.coder.where(memos.kind != "participant", ""))
    assert norm(read.memos) == norm(memos)
    # a memo written as a Note comes back with the same memo_id (its Note GUID), so a project can match it
    noted = memos[memos.kind.isin(["code", "coding", "source"]) | (memos.kind.eq("project") & memos.target.ne(""))]
    assert set(noted.memo_id) <= set(read.memos.memo_id)
    created = dict(zip(read.memos.text, read.memos.created))
    assert created["Started coding the GP interviews."] == "2026-01-05T10:00:00Z"
    assert len(corpus.participants) == len(sample_corpus.participants)


def test_nvivo_positions_count_utf16_units_over_crlf(tmp_path):
    folder = tmp_path / "emoji"
    (folder).mkdir()
    text = "Client 1: I felt \U0001F600 so much better.\nClient 1: The walking group \U0001F6B6 helped.\n"
    (folder / "chat.txt").write_text(text, encoding="utf-8")
    write_participants(folder, [("Client 1", "Clients")])
    write_sources(folder, [{"file": "chat.txt", "source_id": "chat", "method": "interview", "participants": "Client 1"}])
    corpus = qualcode.load_corpus(folder)
    book = qualcode.Codebook.from_dict({"name": "t", "version": "1", "themes": [
        {"id": "help", "label": "Help", "definition": "Helped."}]})
    text = corpus.text("chat")
    start = text.index("helped")
    codings = pd.DataFrame([{"source_id": "chat", "start": start, "end": start + 6, "code_id": "help", "coder": "ana"}])
    for positions in ("standard", "nvivo"):
        path = tmp_path / f"{positions}.qdpx"
        write_qdpx(corpus, book, codings, path, positions=positions)
        with zipfile.ZipFile(path) as zf:
            qde = zf.read("project.qde")
            raw = next(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("sources/"))
        assert schema_errors(qde) == []
        selection = next(parse_xml(qde, "q").iter("PlainTextSelection"))
        first, last = int(selection.get("startPosition")), int(selection.get("endPosition"))
        if positions == "nvivo":
            assert "\r\n" in raw
            at = raw.index("helped")
            assert (first, last) == (utf16_units(raw[:at]), utf16_units(raw[:at]) + 6)
        else:
            assert raw == text and raw[first:last] == "helped"
        # qualcode reads either back to the same words
        _, _, back = read_qdpx(path)
        assert back.text.tolist() == ["helped"]


QUALCODER = Path(os.environ.get("QUALCODER_SRC") or "/nonexistent")


@pytest.mark.skipif(not (QUALCODER / "qualcoder" / "refi.py").is_file(),
                    reason="QualCoder's source is not here: set QUALCODER_SRC to the src folder of a github:ccbogel/QualCoder "
                           "checkout (with PyQt6 installed) to run its own importer on our export")
def test_qualcoder_imports_every_coding_with_the_right_coder(exported, sample_corpus, sample_codebook, study, tmp_path):
    pytest.importorskip("PyQt6", reason="PyQt6 is needed to run QualCoder's importer")
    from ..interop.qualcoder_compare import compare, read_qualcoder, run_qualcoder_import

    codings, memos, _ = study
    result = run_qualcoder_import(QUALCODER, exported[0], tmp_path / "qc")
    assert result["error"] is None
    figures = compare(sample_corpus, sample_codebook, codings, read_qualcoder(result["database"]), memos)
    assert figures["codings"]["kept"] == figures["codings"]["exported"] == figures["codings"]["text_right"]
    assert all(c["kept"] == c["exported"] for c in figures["per_coder"].values())
    assert figures["sources"]["same_text"] == len(sample_corpus) and figures["cases"]["imported"] == figures["cases"]["exported"]
    assert all(m["kept"] == m["exported"] for m in figures["memos"].values())


def test_taguette_highlights_read_as_human_codings_and_the_codebook_exports_for_taguette(
        tmp_path, sample_corpus, sample_codebook, human_codings):
    a = human_codings[0]
    rows = a[a.text.str.len() > 60].head(20)  # long quotes: each is found once in its source
    highlights = pd.DataFrame({"id": range(1, len(rows) + 1), "document": [f"{s}.txt" for s in rows.source_id],
                               "tag": rows.code.tolist(), "content": [f"<p>{t}</p>" for t in rows.text]})
    path = tmp_path / "highlights.csv"
    highlights.to_csv(path, index=False)
    back = qualcode.read_codings(path, sample_corpus, sample_codebook)
    assert back[["source_id", "start", "end", "code_id"]].values.tolist() == rows[["source_id", "start", "end", "code_id"]].values.tolist()
    assert set(back.coder) == {"taguette"} and set(back.origin) == {"human"}
    from typer.testing import CliRunner

    from qualcode.cli.app import app

    out = tmp_path / "taguette-codebook.csv"
    result = CliRunner().invoke(app, ["export", "taguette", str(sample_codebook.path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == ["tag", "description"]
    assert dict(zip(table.tag, table.description)) == {n.label: n.definition for n in sample_codebook.nodes.values()}

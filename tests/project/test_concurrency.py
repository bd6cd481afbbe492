"""Several coders at once and crashes: real processes writing to one real SQLite project.

Two or more processes write at the same time and every change is counted; writers killed with SIGKILL
mid-stream leave a project that opens with every change they acknowledged (and no half change); the online
backup taken while a writer writes is a consistent project.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys

import pytest

from qualcode.project import Project

from ..conftest import ROOT

WRITER = r"""
import json, sys
from qualcode.project import Project
folder, coder, ids, mode = sys.argv[1], sys.argv[2], json.loads(open(sys.argv[3]).read()), sys.argv[4]
p = Project(folder)
for i, coding in enumerate(ids):
    if mode == "bulk":
        n = p.decide_many("rejected" if i % 2 else "accepted", coder=coder, coding_ids=ids[i:i + 25])
        print("bulk", i, n, flush=True)
        continue
    if i % 3 == 2:
        p.memo(f"memo {i} by {coder}", coder=coder, coding=coding)
    elif i % 3 == 1:
        p.reject(coding, coder=coder)
    else:
        p.accept(coding, coder=coder)
    print(coding, flush=True)
print("done", flush=True)
"""


@pytest.fixture
def study(template, tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(template, folder)
    with Project(folder) as p:
        ids = p.codings().coding_id.tolist()
    (tmp_path / "ids.json").write_text(json.dumps(ids))
    return folder


def _writer(folder, coder, ids_file, mode="single"):
    return subprocess.Popen([sys.executable, "-c", WRITER, str(folder), coder, str(ids_file), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT))


def test_concurrent_writers_in_three_processes_lose_no_change(study, tmp_path):
    ids = json.loads((tmp_path / "ids.json").read_text())[:90]
    (tmp_path / "some.json").write_text(json.dumps(ids))
    writers = [_writer(study, f"coder{n}", tmp_path / "some.json") for n in range(3)]
    outputs = [w.communicate(timeout=300) for w in writers]
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0, err
        assert out.splitlines()[-1] == "done"
    with Project(study) as p:
        history = p.history()
        for n in range(3):
            coder = f"coder{n}"
            mine = history[history.coder == coder]
            assert len(mine) == 90
            assert mine.action.value_counts().to_dict() == {"accept": 30, "reject": 30, "memo": 30}
            table = p.codings(coder=coder).set_index("coding_id")
            assert (table.loc[ids[0::3], "status"] == "accepted").all()
            assert (table.loc[ids[1::3], "status"] == "rejected").all()
        memos = p.memos()
        assert len(memos) == 90 and memos.memo_id.is_unique
        assert history.change_id.tolist() == list(range(1, 271))
        assert p.store.integrity() == "ok"


@pytest.mark.parametrize("mode", ["single", "bulk"])
def test_writers_killed_mid_stream_leave_every_acknowledged_change(study, tmp_path, mode):
    ids = json.loads((tmp_path / "ids.json").read_text())
    rng = random.Random(16)
    for round_ in range(3):
        coder = f"killed{round_}"
        writer = _writer(study, coder, tmp_path / "ids.json", mode)
        other = _writer(study, f"steady{round_}", tmp_path / "ids.json", mode)  # a second writer keeps the lock busy
        acked, wanted = [], rng.randint(3, 25)
        while len(acked) < wanted:
            line = writer.stdout.readline()
            assert line, writer.stderr.read()
            acked.append(line.split())
        os.kill(writer.pid, signal.SIGKILL)
        os.kill(other.pid, signal.SIGKILL)
        rest = writer.stdout.read()  # printed before the kill: acknowledged too
        acked += [line.split() for line in rest.splitlines() if line.strip()]
        writer.wait()
        other.wait()
        with Project(study) as p:
            assert p.store.integrity() == "ok"
            entries = p.store.history(coder=coder)
            if mode == "single":
                done = {a[0] for a in acked}
                decided = {r["coding_id"] for r in p.store.by_field("decision", "coder", coder)}
                memos = set(p.memos().loc[lambda f: f.coder == coder, "target"])
                assert done <= decided | memos
                # one object per change: at most one change committed but killed before it was acknowledged
                assert len(entries) == len(decided) + len(memos)
                assert len(done) <= len(entries) <= len(done) + 1
            else:
                assert len(entries) >= len(acked)
            # no half change: the last change (the one nearest the kill) is whole in the tables
            last = json.loads(entries[-1]["items"])
            assert last
            for item in last:
                now = p.store.get(item["kind"], tuple(item["key"]))
                assert now is not None and now["status"] == item["after"]["status"] if item["kind"] == "decision" else now


def test_online_backup_while_a_writer_writes_is_consistent(study, tmp_path):
    writer = _writer(study, "busy", tmp_path / "ids.json")
    try:
        for _ in range(5):
            assert writer.stdout.readline()
        with Project(study) as p:
            path = p.backup(tmp_path / "backup.db")
    finally:
        writer.kill()
        writer.wait()
    restored = tmp_path / "restored"
    shutil.copytree(study, restored, ignore=shutil.ignore_patterns("qualcode-project.db*"))
    shutil.copy(path, restored / "qualcode-project.db")
    with Project(restored) as copy:
        assert copy.store.integrity() == "ok"
        entries = copy.store.history(coder="busy")
        assert len(entries) >= 5
        decided = copy.store.count("decision", "coder = ?", ("busy",))
        memos = copy.store.count("memo", "coder = ?", ("busy",))
        assert decided + memos == len(entries)  # every change in the copy is whole, none half-copied

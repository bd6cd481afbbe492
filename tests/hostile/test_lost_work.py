"""Nothing a person made is lost: outputs never replace inputs, and a killed run leaves the old outputs whole."""

from __future__ import annotations

import os
import signal
import time

from .conftest import GOOD, MINIMAL_CODEBOOK, assert_clean, run_cli, start_cli, study

CODINGS = "source_id,start,end,code,coder\ngood,10,40,access,coder_a\n"


def test_suggest_and_agreement_refuse_to_write_over_an_input_even_with_force(tmp_path, warm):
    a, b = tmp_path / "coder_a.csv", tmp_path / "coder_b.csv"
    a.write_text(CODINGS)
    b.write_text(CODINGS.replace("coder_a", "coder_b"))
    (tmp_path / "link.csv").symlink_to(a)
    os.link(b, tmp_path / "hard.csv")
    cases = [
        ["suggest", tmp_path, "--train", a, "-c", MINIMAL_CODEBOOK, "-o", a, "--force"],
        ["suggest", tmp_path, "--train", a, "-c", MINIMAL_CODEBOOK, "-o", tmp_path / "link.csv", "--force"],
        ["agreement", a, b, "--corpus", tmp_path, "-c", MINIMAL_CODEBOOK, "-o", tmp_path / "hard.csv", "--force"],
        ["agreement", a, b, "--corpus", tmp_path, "-c", MINIMAL_CODEBOOK, "-o", tmp_path / "x" / ".." / "coder_a.csv", "--force"],
        ["code", tmp_path, "-c", MINIMAL_CODEBOOK, "--with", a, "-o", a, "--force"],
    ]
    for args in cases:
        out = run_cli(args)
        assert_clean(out, 1, "-o/--output is also an input", "even with --force")
    assert a.read_text() == CODINGS and b.read_text() == CODINGS.replace("coder_a", "coder_b")


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_run_killed_midway_leaves_the_old_outputs_whole(tmp_path, warm):
    folder = study(tmp_path / "s", {})
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "my notes.txt").write_text("a person's own file in the output folder")
    first = run_cli(["run", folder, "-c", MINIMAL_CODEBOOK, "-o", out_dir], seconds=120)
    assert first.code == 0, str(first)
    old = _snapshot(out_dir)
    assert "codings.csv" in old and "my notes.txt" in old
    (folder / "good.txt").write_text(GOOD + "\nClient: And then I self-referred to the walking group.\n")

    pid = start_cli(["run", folder, "-c", MINIMAL_CODEBOOK, "-o", out_dir, "--force"])
    deadline, killed = time.monotonic() + 120, False
    while time.monotonic() < deadline:
        staging = [p for p in tmp_path.iterdir() if ".qualcode-staging-" in p.name]
        if staging and any(staging[0].iterdir()):  # some new outputs are written, not all
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            break
        time.sleep(0.002)
    if killed:
        os.waitpid(pid, 0)
    assert killed, "the run finished before it could be killed midway"
    assert _snapshot(out_dir) == old  # the old complete set, untouched
    assert any(".qualcode-staging-" in p.name for p in tmp_path.iterdir())  # what the killed run left

    again = run_cli(["run", folder, "-c", MINIMAL_CODEBOOK, "-o", out_dir, "--force"], seconds=120)
    assert again.code == 0, str(again)
    new = _snapshot(out_dir)
    assert set(new) == set(old) and new["my notes.txt"] == old["my notes.txt"]
    assert b"walking group" in new["codings.csv"] and b"walking group" not in old["codings.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s"]  # no staging folder, no temporary file
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]

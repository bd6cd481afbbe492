"""Running one hostile case as a user would, in a child process with a memory cap and a time limit.

The parent (pytest) has already imported qualcode and loaded the spaCy pipeline; each case forks from it
(no new interpreter, no re-import), caps the child's address space with ``RLIMIT_AS`` and runs the CLI
in-process through typer's ``CliRunner``. The parent kills a child that outlives its wall-clock limit.
The limits are the assertion: a case that hangs or balloons fails, whatever the machine's speed.
"""

from __future__ import annotations

import io
import json
import os
import resource
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import qualcode

#: Memory a case may use above what the forked parent already holds, and its wall-clock limit.
MEMORY_MB = 1024
SECONDS = 60


@dataclass
class Outcome:
    code: int | None  # the exit code; None when the child was killed
    stdout: str
    stderr: str
    crashed: str  # an exception that escaped the CLI (a traceback a user would see), else ""
    killed: str  # "timeout" or "memory" when the limits stopped the case, else ""

    @property
    def first_line(self) -> str:
        """The first message line that is not a warning (warnings come first when a load finds them)."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return next((line for line in lines if ": warning: " not in line), lines[0] if lines else "")

    def __str__(self) -> str:
        return (f"exit {self.code}{' killed: ' + self.killed if self.killed else ''}\n--- stderr\n{self.stderr}"
                f"--- stdout\n{self.stdout}{'--- crash' + chr(10) + self.crashed if self.crashed else ''}")


def _vm_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child(args: list[str], cwd: Path | None, memory_mb: int, write_fd: int, file_mb: int | None = None) -> None:
    import traceback

    payload = {"code": None, "stdout": "", "stderr": "", "crashed": "", "killed": ""}
    try:
        cap = _vm_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        if file_mb is not None:  # writing past it fails with EFBIG, as a full disk fails with ENOSPC
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * 1024 * 1024, file_mb * 1024 * 1024))
        if cwd is not None:
            os.chdir(cwd)
        from typer.testing import CliRunner

        from qualcode.cli import app

        result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)
        payload.update(code=result.exit_code, stdout=result.stdout, stderr=result.stderr)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            payload["crashed"] = "".join(traceback.format_exception(result.exception))
            if isinstance(result.exception, MemoryError):
                payload["killed"] = "memory"
    except MemoryError:
        payload["killed"] = "memory"
    except BaseException:  # noqa: BLE001 - reported to the parent as a crash
        payload["crashed"] = traceback.format_exc()
    finally:
        try:
            data = json.dumps(payload).encode()
            while data:
                data = data[os.write(write_fd, data):]
        finally:
            os._exit(0)


def run_cli(args: list, *, cwd: Path | None = None, seconds: float = SECONDS, memory_mb: int = MEMORY_MB,
            file_mb: int | None = None) -> Outcome:
    """Run ``qualcode ARGS`` in a forked child under the limits; return what the user would see."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        _child(list(args), cwd, memory_mb, write_fd, file_mb)
    os.close(write_fd)
    chunks, deadline, killed = [], time.monotonic() + seconds, ""
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                killed = "timeout"
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if ready:
                chunk = os.read(read_fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if killed:
        return Outcome(None, "", "", "", killed)
    try:
        payload = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        payload = {}
    if not payload:
        return Outcome(None, "", "", "the child died without a word (killed by the memory cap?)", "memory")
    return Outcome(**payload)


def assert_clean(outcome: Outcome, code: int, *needles: str) -> None:
    """The case ended with exit ``code``, no traceback, within its limits, and its first message line
    holds every one of ``needles`` (the file or id, and the words of the fix)."""
    assert not outcome.killed, str(outcome)
    assert not outcome.crashed, str(outcome)
    assert "Traceback" not in outcome.stderr + outcome.stdout, str(outcome)
    assert "internal error" not in outcome.stderr, str(outcome)
    assert outcome.code == code, str(outcome)
    for needle in needles:
        assert needle in outcome.first_line, f"{needle!r} not in the first line {outcome.first_line!r}\n{outcome}"


@pytest.fixture(scope="session")
def warm():
    """Import and load what every case needs once, in the parent, so forked children start warm."""
    qualcode.nlp()
    from qualcode import cli  # noqa: F401
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import docx  # noqa: F401
    import webvtt  # noqa: F401
    import regex  # noqa: F401

    # pandas reserves about 1 GB of address space (not memory) on its first string frame; do it here, so
    # the cap measures what a case uses, not that one-off reservation.
    frame = pandas.DataFrame({"a": ["x", "y"], "b": [1.5, 2.0]})
    pandas.read_csv(io.StringIO(frame.to_csv(index=False)))
    return True


ROOT = Path(__file__).resolve().parents[2]
MINIMAL_CODEBOOK = ROOT / "codebooks" / "minimal.yaml"
GOOD = "Interviewer: How were you referred?\n\nClient: My GP referred me to the link worker last spring.\n"


def study(folder: Path, files: dict[str, bytes | str], good: bool = True) -> Path:
    """A transcripts folder holding ``files`` (name -> content) and, with ``good``, one good transcript."""
    folder.mkdir(parents=True, exist_ok=True)
    if good:
        (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return folder


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """A small YAML mapping whose nested aliases stand for ``width ** levels`` strings."""
    lines = ["a0: &a0 lol"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def start_cli(args: list, *, memory_mb: int = MEMORY_MB) -> int:
    """Start ``qualcode ARGS`` in a forked child and return its pid at once (to kill it midway)."""
    pid = os.fork()
    if pid == 0:
        read_fd, write_fd = os.pipe()
        os.close(read_fd)
        _child(list(args), None, memory_mb, write_fd)
    return pid

"""The README's CLI examples, run as written, in order, on a copy of the sample study in a fresh folder.

Every line starting ``qualcode `` in a ```` ```bash ```` block of README.md is run, so an example added to
the README is run by default. A few cannot run here; they are listed in :data:`NOT_RUN` with the reason.
Files an example names that the repository does not ship (a second coder's file, a peer tool's project)
are made by :data:`STAGED` just before the first example that needs them, and nowhere else.
Each example must exit 0 and write non-empty outputs; :data:`CHECKS` looks inside some of them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")

#: Examples not run, by the words that start them (after ``qualcode``), and why.
NOT_RUN = {
    "review": "starts a browser review server that runs until it is stopped (its own tests drive it with chromium)",
    "workspace": "starts the browser workspace server (its own tests drive it with chromium)",
    "serve": "starts a server that runs until it is stopped",
    "--engine dask": "starts a Dask cluster; tests/dask runs these commands on the same sample study",
}


#: Examples whose exit code is not 0 when they work, by the words that start them: (exit code, text shown).
#: ``codebook test`` is a codebook's unit test: it exits 1 when a node fails, as the sample codebook's nodes do
#: (their definitions were written for rules; docs/meaning.md says what to add).
EXIT = {"codebook test": (1, "node(s) pass")}


def _copy(source: Path):
    def make(folder: Path, target: Path) -> None:
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return make


#: Files the README's examples name that the repository does not ship: how the test makes each one.
STAGED = {
    "coder_a.csv": _copy(ROOT / "tests" / "data" / "human" / "coder_a.csv"),  # the generated two-coder set
    "coder_b.csv": _copy(ROOT / "tests" / "data" / "human" / "coder_b.csv"),
    "big_corpus": _copy(ROOT / "transcripts_sample"),  # "a large corpus": the sample stands in
    "codebook.yaml": _copy(ROOT / "codebooks" / "social_prescribing.yaml"),
    "old.yaml": _copy(ROOT / "codebooks" / "social_prescribing.yaml"),  # the version before the README's edits
    # a project from a peer tool: the README's own `export qdpx` output stands in for it
    "project.qdpx": lambda folder, target: shutil.copy(folder / "study.qdpx", target),
}


def readme_examples() -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.+?)\n```", README, re.S):
        lines += [line.strip() for line in block.splitlines() if line.strip().startswith("qualcode ")]
    return lines


def _reason_not_run(line: str) -> str | None:
    args = shlex.split(line, comments=True)[1:]
    for words, reason in NOT_RUN.items():
        if words.startswith("--") and words.split()[0] in args:  # an option, wherever it is
            return reason
        if args[: len(words.split())] == words.split():  # a command
            return reason
    return None


def _outputs(args: list[str]) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")]


EXAMPLES = readme_examples()
RUN = [line for line in EXAMPLES if not _reason_not_run(line)]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Run every example in a folder holding copies of the sample study and codebooks; one result each."""
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "transcripts_sample", folder / "transcripts_sample")
    shutil.copytree(ROOT / "codebooks", folder / "codebooks")
    results = {}
    runner = CliRunner()
    here = Path.cwd()
    try:
        os.chdir(folder)
        for line in RUN:
            args = shlex.split(line, comments=True)[1:]
            for arg in args:
                name = arg.rstrip("/")
                if name in STAGED and not (folder / name).exists():
                    STAGED[name](folder, folder / name)
            result = runner.invoke(app, args, env={"COLUMNS": "80"})
            results[line] = (args, result)
    finally:
        os.chdir(here)
    return folder, results


def test_the_readme_has_examples_and_only_the_listed_ones_are_not_run():
    assert len(EXAMPLES) > 15 and "qualcode summary transcripts_sample/" in " ".join(RUN)
    not_run = [line for line in EXAMPLES if line not in RUN]
    assert all(_reason_not_run(line) for line in not_run)
    assert len(not_run) <= 4, not_run  # a new example is run unless NOT_RUN names it


#: What a user would look for in an output, by file name: a check of the file (path -> None).
def _suggestions(path: Path) -> None:
    frame = pd.read_csv(path)
    assert len(frame) > 0 and set(frame.origin) == {"model"}


def _merged(path: Path) -> None:
    assert {"rule", "human", "model"} <= set(pd.read_csv(path).origin)


def _codings(path: Path) -> None:
    frame = pd.read_csv(path)
    assert len(frame) > 500 and frame.participant_id.notna().all()


def _run(path: Path) -> None:
    _codings(path / "codings.csv")
    for name in ("theme_table.docx", "excerpts_by_group.docx", "analysis.xlsx", "report.html"):
        assert (path / name).stat().st_size > 0, name


def _candidates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "status: candidate" in text and "id: cand-1" in text


CHECKS = {"suggestions.csv": _suggestions, "all.csv": _merged, "codings.csv": _codings, "out/": _run,
          "candidates.yaml": _candidates, "new.yaml": _candidates}


@pytest.mark.parametrize("line", RUN, ids=[" ".join(shlex.split(line, comments=True)[1:4]) for line in RUN])
def test_readme_example_runs_and_writes_its_outputs(ran, line):
    folder, results = ran
    args, result = results[line]
    expected, shown = next((v for k, v in EXIT.items() if args[: len(k.split())] == k.split()), (0, ""))
    assert result.exit_code == expected, f"{line}\n{result.output}"
    assert shown in result.output
    assert "Traceback" not in result.output
    for output in _outputs(args):
        path = folder / output
        assert path.exists(), f"{line} wrote no {output}"
        if path.is_dir():
            assert any(p.stat().st_size > 0 for p in path.rglob("*") if p.is_file()), f"{output} is empty"
        else:
            assert path.stat().st_size > 0, f"{line} wrote an empty {output}"
        if output in CHECKS:
            CHECKS[output](path)
    if not _outputs(args):  # a command that prints: it printed something
        assert result.output.strip(), line

"""The project commands: ``init``, ``status``, ``accept``, ``reject``, ``memo``, ``undo``, ``redo``, ``history``,
``import-codings``, ``project export`` and ``project backup`` (each one call into :class:`qualcode.Project`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app, sub_app
from .common import Force, MaxFileSize, Strict, console, err_console, load, print_frame, wrote

project_app = sub_app("Export or back up a project (the SQLite file that keeps people's codings, decisions, memos "
                      "and history).")
app.add_typer(project_app, name="project")

Folder = Annotated[Path, typer.Argument(help="The transcripts folder that holds the project.")]
Coder = Annotated[str, typer.Option("--coder", help="Who is making the change (a person's name).")]


def _open(folder: Path):
    from ..project import Project

    return Project(folder)


@app.command(epilog="Example: qualcode init transcripts_sample/ -c codebooks/social_prescribing.yaml")
def init(
    folder: Annotated[Path, typer.Argument(help="Folder of transcripts; the project file is made inside it.")],
    codebook: Annotated[Path, typer.Option("--codebook", "-c", help="Codebook YAML file.")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes for the first coding.", min=1)] = 1,
    force: Annotated[bool, typer.Option("--force", help="On an existing project: switch to a codebook that lacks "
                                                        "codes people decided on (their work is kept aside).")] = False,
    strict: Strict = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Make a project for a transcripts folder (or give an existing one a new codebook): one SQLite file next to the
    sources that keeps decisions on machine codings, hand codings, memos and their history."""
    from ..project import Project

    corpus = load(folder, strict, max_file_size)
    project = Project.init(folder, codebook, force=force, corpus=corpus, jobs=jobs)
    console.print(f"Project: {project.path}", highlight=False, soft_wrap=True)
    for line in project.status().lines()[1:2]:
        console.print(line, highlight=False, soft_wrap=True)


@app.command(epilog="Example: qualcode status transcripts_sample/")
def status(folder: Folder, all_codes: Annotated[bool, typer.Option("--all", help="List every code, not the 15 with "
                                                                                  "most pending.")] = False):
    """Show a project: sources, codings by origin, pending review per code, decisions per coder, and codings kept
    aside after a source changed."""
    report = _open(folder).status()
    for line in report.lines():
        console.print(line, highlight=False, soft_wrap=True)
    per_code = report.per_code if all_codes else report.per_code.head(15)
    if len(per_code):
        print_frame(per_code, title="Pending review per code")
    if len(report.per_coder):
        print_frame(report.per_coder, title="Decisions and hand codings per coder")


def _decide(status: str, folder: Path, coder: str, coding: list[str] | None, code: str | None, source: str | None,
            min_score: float | None, memo: str | None) -> None:
    project = _open(folder)
    if coding and len(coding) == 1 and code is None and source is None and min_score is None:
        decision = (project.accept if status == "accepted" else project.reject)(coding[0], coder=coder, memo=memo)
        console.print(f"{coder} {status} {decision['code_id']} on {decision['source_id']} "
                      f"{decision['start']}-{decision['end']}: {decision['quote'][:80]!r}", highlight=False, soft_wrap=True)
        return
    if not (coding or code or source or min_score is not None):
        raise typer.BadParameter("say which codings: --coding ID, or --code / --source / --min-score.")
    made = project.decide_many(status, coder=coder, code=code, source=source, min_score=min_score,
                               coding_ids=coding, memo=memo)
    console.print(f"{coder} {status} {made:,} coding(s) (one change; `qualcode undo --coder {coder}` takes it back).",
                  highlight=False, soft_wrap=True)


CodingOpt = Annotated[Optional[list[str]], typer.Option("--coding", help="A coding id (repeatable); ids are in "
                                                                         "`qualcode project export`'s codings.csv.")]
CodeOpt = Annotated[Optional[str], typer.Option("--code", help="Every suggestion of this code (id or label).")]
SourceOpt = Annotated[Optional[str], typer.Option("--source", help="Only suggestions in this source.")]
MinScore = Annotated[Optional[float], typer.Option("--min-score", help="Only suggestions scoring at least this.")]
MemoOpt = Annotated[Optional[str], typer.Option("--memo", help="Why (kept with the decision).")]


@app.command(epilog="Example: qualcode accept transcripts_sample/ --code buddying --min-score 0.8 --coder alice")
def accept(folder: Folder, coder: Coder, coding: CodingOpt = None, code: CodeOpt = None, source: SourceOpt = None,
           min_score: MinScore = None, memo: MemoOpt = None):
    """Accept machine codings (one by --coding, or in bulk by --code/--source/--min-score): they become the coder's
    codings and stay through later runs and codebook changes."""
    _decide("accepted", folder, coder, coding, code, source, min_score, memo)


@app.command(epilog='Example: qualcode reject transcripts_sample/ --coding c1a2b3c4d5e6f7a8 --coder alice '
                    '--memo "about a buddy scheme, not buddying"')
def reject(folder: Folder, coder: Coder, coding: CodingOpt = None, code: CodeOpt = None, source: SourceOpt = None,
           min_score: MinScore = None, memo: MemoOpt = None):
    """Reject machine codings (one by --coding, or in bulk): they stay rejected when the rules run again."""
    _decide("rejected", folder, coder, coding, code, source, min_score, memo)


@app.command(epilog='Example: qualcode memo transcripts_sample/ --source C2 --coder alice "Client unsure who referred her"')
def memo(
    folder: Folder,
    text: Annotated[str, typer.Argument(help="The memo.")],
    coder: Coder,
    source: Annotated[Optional[str], typer.Option("--source", help="A memo on this source.")] = None,
    participant: Annotated[Optional[str], typer.Option("--participant", help="A memo on this participant.")] = None,
    code: Annotated[Optional[str], typer.Option("--code", help="A memo on this code.")] = None,
    coding: Annotated[Optional[str], typer.Option("--coding", help="A memo on this coding (its id).")] = None,
):
    """Write a memo on the project (a journal entry), a source, a participant, a code or a coding."""
    memo_id = _open(folder).memo(text, coder=coder, source=source, participant=participant, code=code, coding=coding)
    console.print(f"Memo {memo_id} saved.", highlight=False)


@app.command(epilog="Example: qualcode undo transcripts_sample/ --coder alice")
def undo(folder: Folder, coder: Coder):
    """Undo the coder's last change (recorded as a new history entry; the history is never rewritten)."""
    entry = _open(folder).undo(coder=coder)
    console.print(f"#{entry['change_id']} {entry['what']}", highlight=False, soft_wrap=True)


@app.command(epilog="Example: qualcode redo transcripts_sample/ --coder alice")
def redo(folder: Folder, coder: Coder):
    """Redo the coder's last undone change."""
    entry = _open(folder).redo(coder=coder)
    console.print(f"#{entry['change_id']} {entry['what']}", highlight=False, soft_wrap=True)


@app.command(epilog="Example: qualcode history transcripts_sample/ --coder alice --since 2026-12-01")
def history(
    folder: Folder,
    coder: Annotated[Optional[str], typer.Option("--coder", help="Only this coder's changes.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Only changes on or after this date/time (UTC).")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write it as .csv (with before/after) "
                                                                          "or .md instead of printing.")] = None,
    force: Force = False,
):
    """Show who changed what, when: every decision, hand coding, memo, undo and redo, oldest first."""
    frame = _open(folder).history(coder=coder, since=since)
    if output is not None:
        from ..writers.tables import write_table

        columns = list(frame.columns) if output.suffix.lower() == ".csv" else ["change_id", "at", "coder", "action", "what"]
        wrote(write_table(frame[columns], output, force=force), f"{len(frame):,} changes")
        return
    print_frame(frame[["change_id", "at", "coder", "action", "what"]], title="History")


@app.command("import-codings", epilog="Example: qualcode import-codings transcripts_sample/ coder_a.csv")
def import_codings(
    folder: Folder,
    path: Annotated[Path, typer.Argument(help="Human codings (.csv/.xlsx), a REFI-QDA project (.qdpx), or a folder "
                                              "written by `qualcode project export`.")],
    coder: Annotated[Optional[str], typer.Option("--coder", help="The coder, when the file has no coder column "
                                                                 "(default: the file name).")] = None,
    strict: Strict = False,
):
    """Bring existing codings into the project: human codings, decisions and memos (one change, undone together)."""
    counts = _open(folder).import_codings(path, coder=coder, strict=strict)
    for problem in counts["skipped"]:
        err_console.print(f"[yellow]skipped:[/] {problem}", highlight=False, soft_wrap=True)
    console.print(f"Imported {counts['human']:,} hand coding(s), {counts['decisions']:,} decision(s), "
                  f"{counts['memos']:,} memo(s) from {path}.", highlight=False, soft_wrap=True)


@project_app.command("export", epilog="Example: qualcode project export transcripts_sample/ -o export/")
def export(folder: Folder, output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the files.")],
           force: Force = False):
    """Write the whole project as plain files: codings with their status, each coder's codings (human-codings CSV),
    decisions, memos, history (CSV and Markdown), what is aside, and the codebook."""
    for path in _open(folder).export(output, force=force):
        wrote(path)


@project_app.command("backup", epilog="Example: qualcode project backup transcripts_sample/ -o project-backup.db")
def backup(folder: Folder, output: Annotated[Optional[Path], typer.Option(
        "-o", "--output", help="The backup file (default: qualcode-backups/ in the folder, named by the time).")] = None):
    """Copy the project with SQLite's online backup: consistent even while others are coding."""
    wrote(_open(folder).backup(output), "a copy of the project; open it by copying it back to qualcode-project.db")

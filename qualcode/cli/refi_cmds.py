"""``qualcode import`` and ``qualcode export qdpx|qdc``: REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app, sub_app
from .common import Force, MaxFileSize, Strict, console, err_console, exit_for, load, report_problems

export_app = sub_app("Export to other qualitative analysis programs: REFI-QDA projects (.qdpx) and codebooks (.qdc).")
app.add_typer(export_app, name="export")

CodebookOption = Annotated[Optional[Path], typer.Option("--codebook", "-c", help="Codebook YAML file.")]


def _print(report, corpus=None) -> None:
    """Print the problems and the summary; exit 3 if anything was not carried over (or a file was skipped)."""
    from .common import EXIT_SKIPPED

    report_problems(report.problems)
    for line in report.lines():
        console.print(line, highlight=False, soft_wrap=True)
    if report.skipped:
        err_console.print(f"[red]{len(report.skipped)} item(s) not carried over[/]; see the messages above.", highlight=False)
        raise typer.Exit(EXIT_SKIPPED)
    if corpus is not None:
        exit_for(corpus)


@app.command("import", epilog="Example: qualcode import project.qdpx -o study/")
def import_(
    path: Annotated[Path, typer.Argument(help="REFI-QDA project (.qdpx, or a bare .qde) or codebook (.qdc).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Study folder (for a project) or codebook YAML (for a .qdc).")],
    codebook: Annotated[Optional[Path], typer.Option(
        "--codebook", "-c", help="An existing codebook: codes with its GUIDs (or labels) keep its ids, rules, origin and status.")] = None,
    group_variable: Annotated[Optional[str], typer.Option(help="Case variable holding the participant group (found by name if not given).")] = None,
    max_members: Annotated[int, typer.Option(help="Refuse archives with more members than this.", min=1)] = 10_000,
    strict: Strict = False,
    force: Force = False,
):
    """Import a REFI-QDA project into a study folder (texts, participants.csv, sources.csv, codebook.yaml,
    codings_<coder>.csv), or a REFI-QDA codebook into codebook YAML, and report what could not be carried over."""
    from ..codebook.model import Codebook
    from ..refi import import_refi
    from ..corpus.safezip import ZipLimits

    base = Codebook.from_yaml(codebook) if codebook else None
    options = {} if path.suffix.lower() == ".qdc" else {
        "group_variable": group_variable, "limits": ZipLimits(max_members=max_members), "strict": strict}
    _print(import_refi(path, output, force=force, base=base, **options))


@export_app.command("qdpx", epilog="Example: qualcode export qdpx transcripts_sample/ -c codebooks/social_prescribing.yaml "
                                   "--codings out/codings.csv -o study.qdpx")
def export_qdpx(
    folder: Annotated[Path, typer.Argument(help="Folder of transcripts.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .qdpx file to write.")],
    codebook: CodebookOption = None,
    codings: Annotated[Optional[list[Path]], typer.Option(
        "--codings", help="Codings to include: a table from `qualcode code` or a human-codings file (repeatable).")] = None,
    name: Annotated[Optional[str], typer.Option(help="Project name shown in the QDA program (default: the folder name).")] = None,
    positions: Annotated[str, typer.Option(
        help="Text positions: 'standard' (code points, for QualCoder, MAXQDA, ATLAS.ti) or 'nvivo' (UTF-16 units over "
             "CRLF text, for NVivo for Windows).")] = "standard",
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Export transcripts, participants, a codebook and codings as a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    from ..codebook.model import Codebook
    from ..output import check_writable
    from ..refi import read_codings_files, read_study_extras, write_qdpx
    from ..refi.writer import POSITIONS

    if positions not in POSITIONS:
        raise typer.BadParameter(f"--positions {positions!r}: choose one of {', '.join(POSITIONS)}.")
    check_writable(output, force)
    if codings and codebook is None:
        raise typer.BadParameter("--codings needs the codebook they use (-c/--codebook).")
    book = Codebook.from_yaml(codebook) if codebook else None
    corpus = load(folder, strict, max_file_size)
    from ..project import find_project

    project = None if codings else find_project(folder)
    memos, users = read_study_extras(folder)  # memos.csv and users.csv of an imported project, if any
    if project is not None:  # the project's codings per coder (accepted and hand codings are the person's), its memos
        with project:
            book = book or project.codebook
            table, problems, memos = project.analysis_codings(), [], project.memos()
        # the project's journal entries go out as journal Notes, titled with their coder and date (REFI-QDA keeps
        # a project memo with no title as the project's one description, which would merge the entries)
        journal = (memos["kind"] == "project") & (memos["target"].fillna("") == "")
        memos.loc[journal, "target"] = "Journal: " + memos.loc[journal, "coder"] + ", " + memos.loc[journal, "created"]
    else:
        table, problems = read_codings_files(codings, corpus, book)
    report = write_qdpx(corpus, book, table, output, force=force, name=name, memos=memos, users=users, positions=positions)
    report.problems[:0] = problems
    _print(report, corpus)


@export_app.command("qdc", epilog="Example: qualcode export qdc codebooks/social_prescribing.yaml -o codebook.qdc")
def export_qdc(
    codebook: Annotated[Path, typer.Argument(help="Codebook YAML file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .qdc file to write.")],
    force: Force = False,
):
    """Export a codebook as a REFI-QDA codebook (.qdc): nested codes with GUIDs, colours and descriptions."""
    from ..codebook.model import Codebook
    from ..refi import write_qdc

    _print(write_qdc(Codebook.from_yaml(codebook), output, force=force))


@export_app.command("taguette", epilog="Example: qualcode export taguette codebooks/social_prescribing.yaml -o taguette-codebook.csv")
def export_taguette(
    codebook: Annotated[Path, typer.Argument(help="Codebook YAML file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .csv file to write (tag, description).")],
    force: Force = False,
):
    """Export a codebook as the CSV Taguette imports as a codebook (tag, description)."""
    from ..codebook.model import Codebook
    from ..refi import write_taguette_codebook

    _print(write_taguette_codebook(Codebook.from_yaml(codebook), output, force=force))

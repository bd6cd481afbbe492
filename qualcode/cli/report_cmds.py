"""``qualcode run``, ``themes``, ``matrix`` and ``excerpts``: the reports evaluation teams hand on."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from .app import app
from .common import (
    Force,
    MaxFileSize,
    Strict,
    console,
    err_console,
    exit_for,
    print_frame,
    progress_bar,
    report_problems,
    wrote,
)

CodingsFile = Annotated[Path, typer.Argument(help="Codings table (.csv, .parquet, .xlsx or .json) from `qualcode code` or "
                                                  "`run`, or a project folder (`qualcode init`): its codings with every "
                                                  "decision applied.")]
CodebookOpt = Annotated[Optional[Path], typer.Option("--codebook", "-c", help="Codebook YAML: theme order, definitions, retired codes.")]
CorpusOpt = Annotated[Optional[Path], typer.Option("--corpus", help="Transcripts folder: group sizes for the percentages (and the study summary).")]
SummaryOpt = Annotated[Optional[Path], typer.Option("--summary", help="Study summary file (from `qualcode summary`) for the group sizes.")]
CoderOpt = Annotated[Optional[List[str]], typer.Option("--coder", help="Only these coders (repeat the option for several).")]
OriginOpt = Annotated[Optional[List[str]], typer.Option("--origin", help="Only these origins: rule, human, model.")]
FormatOpt = Annotated[Optional[str], typer.Option("--format", "-f", help="docx, xlsx, csv, json, md or html (default: from -o).")]
OutputOpt = Annotated[Optional[Path], typer.Option("-o", "--output", help="Output file.")]
TitleOpt = Annotated[Optional[str], typer.Option("--title", help="Document title.")]
ByOpt = Annotated[Optional[List[str]], typer.Option("--by", help="A participant or source attribute (group, role, wave, ...) "
                                                    "in place of the participant group; repeat for several.")]
#: ``--by`` values of ``run`` that choose the coding method (issue 15) rather than a report attribute.
CODING_METHODS = ("rules", "meaning", "both")
MaxValuesOpt = Annotated[int, typer.Option("--max-values", help="Refuse an attribute with more values than this.", min=1)]


@contextmanager
def _warnings_printed(strict: bool = False):
    """Print library warnings (version mismatch, retired codes, ...) once each, in yellow; with ``strict``
    the first one is an error instead, before anything is written."""
    from ..errors import QualcodeError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if strict:
            warnings.simplefilter("error", UserWarning)
        try:
            yield
        except UserWarning as problem:
            raise QualcodeError(f"{problem} (--strict makes this an error; leave it out to go on with a "
                                "warning.)") from None
        finally:
            for message in dict.fromkeys(str(w.message) for w in caught):
                err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def _codings(codings: Path, codebook: Path | None):
    """The codings table and codebook: from a file (and -c), or from a project folder (its codings with every
    decision applied, and its codebook unless -c is given)."""
    from ..codebook.model import Codebook
    from ..coding.table import read_codings_table

    book = Codebook.from_yaml(codebook) if codebook else None
    if not codings.is_dir():
        return read_codings_table(codings), book
    from ..project import Project

    with Project(codings) as project:
        return project.analysis_codings(), book or project.codebook


def _inputs(codings: Path, codebook: Path | None, corpus: Path | None, summary: Path | None, max_file_size: float,
            by=None, strict: bool = False):
    from ..analysis.selection import read_summary

    if corpus is not None and summary is not None:
        raise typer.BadParameter("give --corpus or --summary, not both", param_hint="--summary")
    frame, book = _codings(codings, codebook)
    if codings.is_dir() and corpus is None and summary is None:
        corpus = codings  # a project folder is the transcripts folder too
    participants = None
    if summary is not None:
        participants = read_summary(summary)
    elif corpus is not None:
        from ..corpus.loading import load_corpus

        loaded = load_corpus(corpus, strict=strict, max_file_size=int(max_file_size * 1024 * 1024))
        report_problems(loaded.problems)
        # by an attribute: the corpus gives each value's participants; by group: the study summary
        participants = loaded if by and list(by) != ["group"] else loaded.summary()
    return frame, book, participants


def _notes(table) -> None:
    for note in table.attrs.get("notes", []):
        err_console.print(f"[dim]{note}[/]", highlight=False, soft_wrap=True)


@app.command(epilog="Example: qualcode run transcripts_sample/ -c codebooks/social_prescribing.yaml -o out/\n\n"
                    "Example: qualcode run transcripts_sample/ -c codebooks/social_prescribing.yaml -o out/ --by wave --by role\n\n"
                    "Example: qualcode run big_corpus/ -c codebook.yaml -o out/ --engine dask")
def run(
    folder: Annotated[Path, typer.Argument(help="Folder of transcripts.")],
    codebook: Annotated[Optional[Path], typer.Option("--codebook", "-c", help="Codebook YAML file (default: the "
                                                                            "project's, when the folder has one).")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder (created if missing).")] = ...,
    model: Annotated[Optional[Path], typer.Option("--model", help="A local sentence-transformers model folder to "
                                                                  "code by meaning with.")] = None,
    unit: Annotated[str, typer.Option("--unit", "-u", help="Coding unit: turn, paragraph or sentence.")] = "turn",
    include_researchers: Annotated[bool, typer.Option(help="Code interviewer/facilitator turns too.")] = False,
    include_candidates: Annotated[bool, typer.Option(help="Apply the rules of candidate codes too.")] = False,
    long_turn_words: Annotated[int, typer.Option(help="Turns longer than this are coded sentence by sentence.", min=1)] = 200,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes for coding.", min=1)] = 1,
    engine: Annotated[str, typer.Option("--engine", help="local (this machine, --jobs processes) or dask (a Dask "
                                                         "cluster; codings as a Parquet dataset, excerpts one Word "
                                                         "file per group).")] = "local",
    scheduler: Annotated[Optional[str], typer.Option(help="With --engine dask: the address of a running Dask "
                                                          "scheduler, e.g. tcp://host:8786 (default: a local cluster).")] = None,
    workers: Annotated[Optional[int], typer.Option(help="With --engine dask and no --scheduler: local worker "
                                                        "processes (default: one per core).", min=1)] = None,
    batch_mb: Annotated[float, typer.Option(help="With --engine dask: MB of source files per task.", min=0.001)] = 4.0,
    by: Annotated[Optional[List[str]], typer.Option("--by", help="Repeatable. rules, meaning or both choose the coding "
                                                    "method; any other value is an attribute (group, role, wave, ...) "
                                                    "the run's reports are also broken down by.")] = None,
    title: TitleOpt = None,
    study: Annotated[Optional[str], typer.Option("--study", help="Study name for the title pages (default: the folder name).")] = None,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Do the whole job: read, code, and write the codings, theme table, Word documents, workbook and HTML report."""
    from ..pipeline import run as run_pipeline

    if engine not in ("local", "dask"):
        raise typer.BadParameter(f"unknown engine {engine!r}; use local or dask.", param_hint="--engine")
    methods = [b for b in by or [] if b in CODING_METHODS]
    report_by = [b for b in by or [] if b not in CODING_METHODS] or None
    if len(set(methods)) > 1:
        raise typer.BadParameter(f"choose one coding method, not {' and '.join(dict.fromkeys(methods))}.", param_hint="--by")
    options = {}
    if engine == "dask":
        from ..dask.engine import require_dask

        if jobs != 1:
            raise typer.BadParameter("--jobs sets local processes; with --engine dask, --workers sets the local "
                                     "cluster's size.", param_hint="--jobs")
        require_dask()
        options = {"scheduler": scheduler, "workers": workers, "batch_mb": batch_mb,
                   "log": lambda message: err_console.print(message, highlight=False, soft_wrap=True)}
    elif scheduler or workers:
        raise typer.BadParameter("--scheduler and --workers go with --engine dask.", param_hint="--engine")
    with progress_bar("qualcode run" if engine == "local" else "qualcode run on Dask") as progress, _warnings_printed():
        result = run_pipeline(
            folder, codebook, output, force=force, by=methods[0] if methods else "both", model=str(model) if model else None, unit=unit,
            include_researchers=include_researchers,
            include_candidates=include_candidates, long_turn_words=long_turn_words, jobs=jobs, strict=strict,
            max_file_size=int(max_file_size * 1024 * 1024), title=title, study=study, progress=progress,
            engine=engine, report_by=report_by, **options,
        )
    report_problems(result.problems)
    for line in result.report.lines():
        console.print(line, highlight=False, soft_wrap=True)
    _notes(result.themes)
    for name, path in result.written.items():
        wrote(path, "a Parquet dataset" if name == "codings" and engine == "dask" else
              "one Word document per group" if name == "excerpts" and engine == "dask" else "")
    if result.notes:
        err_console.print("Left out with --engine dask (a local run writes these):", highlight=False)
        for note in result.notes:
            err_console.print(f"  - {note}", highlight=False, soft_wrap=True)
    exit_for(result)


@app.command(epilog="Example: qualcode themes out/codings.csv -c codebooks/social_prescribing.yaml --corpus transcripts_sample/ --format docx -o themes.docx")
def themes(
    codings: CodingsFile,
    output: OutputOpt = None,
    format: FormatOpt = None,
    codebook: CodebookOpt = None,
    corpus: CorpusOpt = None,
    summary: SummaryOpt = None,
    compact: Annotated[bool, typer.Option("--compact", help="Only theme numbers, labels and sub-themes (a paper's 'Table Two').")] = False,
    by: ByOpt = None,
    max_values: MaxValuesOpt = 30,
    coder: CoderOpt = None,
    origin: OriginOpt = None,
    title: TitleOpt = None,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """The theme table: excerpts, sources, participants and % of each group per theme and sub-theme, with exemplars."""
    from ..reports.exports import export_themes
    from ..analysis.themes import theme_table

    with _warnings_printed(strict):
        frame, book, participants = _inputs(codings, codebook, corpus, summary, max_file_size, by, strict)
        if output is None:
            if format not in (None, "table"):
                raise typer.BadParameter("give -o/--output with --format", param_hint="--output")
            table = theme_table(frame, book, participants, coder=coder, origin=origin, compact=compact, by=by,
                                max_values=max_values)
            if compact:
                print_frame(table, title="Themes and sub-themes")
            else:
                from ..reports.docx import theme_display

                print_frame(theme_display(table), title=f"Theme table: {codings}")
            _notes(table)
            return
        path, table = export_themes(frame, output, format, codebook=book, participants=participants, coder=coder,
                                    origin=origin, compact=compact, title=title, force=force, by=by,
                                    max_values=max_values)
    _notes(table)
    wrote(path, f"{len(table)} rows")


@app.command(epilog="Example: qualcode matrix out/codings.csv --rows participant --by wave --format xlsx -o matrix.xlsx")
def matrix(
    codings: CodingsFile,
    output: OutputOpt = None,
    format: FormatOpt = None,
    rows: Annotated[str, typer.Option("--rows", help="participant (grouped by group) or source.")] = "participant",
    columns: Annotated[str, typer.Option("--columns", help="theme or subtheme.")] = "theme",
    cells: Annotated[str, typer.Option("--cells", help="both (count and excerpts), count or text.")] = "both",
    truncate: Annotated[Optional[int], typer.Option("--truncate", help="Cut each excerpt to N characters (default 200; full text in xlsx).", min=10)] = None,
    by: ByOpt = None,
    max_values: MaxValuesOpt = 30,
    codebook: CodebookOpt = None,
    coder: CoderOpt = None,
    origin: OriginOpt = None,
    title: TitleOpt = None,
    strict: Strict = False,
    force: Force = False,
):
    """The framework matrix: participants (or sources) by themes (or sub-themes), cells with the coded excerpts."""
    from ..reports.exports import export_matrix
    from ..analysis.matrix import check_options, framework_matrix

    check_options(rows, columns, cells)
    with _warnings_printed(strict):
        frame, book = _codings(codings, codebook)
        if output is None:
            if format not in (None, "table"):
                raise typer.BadParameter("give -o/--output with --format", param_hint="--output")
            table = framework_matrix(frame, book, rows=rows, columns=columns, cells="count", coder=coder, origin=origin,
                                     by=by, max_values=max_values)
            print_frame(table, title="Framework matrix (excerpt counts; write it with -o for the excerpts)")
            return
        path, table = export_matrix(frame, output, format, codebook=book, rows=rows, columns=columns, cells=cells,
                                    truncate=truncate, coder=coder, origin=origin, title=title, force=force, by=by,
                                    max_values=max_values)
    wrote(path, f"{len(table)} rows")


@app.command(epilog="Example: qualcode excerpts out/codings.csv --by group --format docx -o excerpts.docx")
def excerpts(
    codings: CodingsFile,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output file (a folder with --split).")],
    format: FormatOpt = None,
    by: Annotated[Optional[List[str]], typer.Option("--by", help="group (group > theme > sub-theme), theme (theme > sub-theme > group), or any participant or source attribute (role, wave, ...; repeat for several).")] = None,
    max_values: MaxValuesOpt = 30,
    split: Annotated[bool, typer.Option("--split", help="One file per group (or theme) in the -o folder.")] = False,
    codebook: CodebookOpt = None,
    corpus: CorpusOpt = None,
    summary: SummaryOpt = None,
    coder: CoderOpt = None,
    origin: OriginOpt = None,
    title: TitleOpt = None,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Coded excerpts by participant group (or theme): a Word document of attributed quotes, or the excerpt table."""
    from ..reports.exports import export_excerpts

    with _warnings_printed(strict):
        by = by or ["group"]
        frame, book, participants = _inputs(codings, codebook, corpus, summary, max_file_size,
                                            [b for b in by if b != "theme"] or None, strict)
        paths = export_excerpts(frame, output, format, codebook=book, participants=participants,
                                by=by[0] if len(by) == 1 else by, split=split, coder=coder, origin=origin, title=title,
                                force=force, max_values=max_values)
    for path in paths:
        wrote(path)

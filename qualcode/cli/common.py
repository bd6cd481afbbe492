"""Options, consoles and rendering shared by the CLI commands (no analysis logic here)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

EXIT_ERROR = 1
EXIT_SKIPPED = 3  # finished, but some input files were skipped

console = Console()
err_console = Console(stderr=True)

Strict = Annotated[bool, typer.Option("--strict", help="Treat any problem in the input as fatal.")]
Force = Annotated[bool, typer.Option("--force", help="Replace output files that already exist.")]
MaxFileSize = Annotated[
    float, typer.Option("--max-file-size", help="Largest input file to read, in MB.", min=0.001)
]
Output = Annotated[Optional[Path], typer.Option("-o", "--output", help="Output file.")]


@contextmanager
def progress_bar(description: str):
    """Yield a ``progress(done, total, item)`` callback drawing a rich bar on a terminal (silent otherwise)."""
    if not err_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int, item: str = "") -> None:
            bar.update(task, completed=done, total=total)

        yield update


def report_problems(problems) -> None:
    """Print load problems to stderr, errors first."""
    from rich.markup import escape

    for problem in sorted(problems, key=lambda p: p.severity != "error"):
        colour = "red" if problem.severity == "error" else "yellow"
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        # ``FILE:LINE: error: message``, as compilers print it (the severity once, after the place)
        err_console.print(f"{escape(where)}: [{colour}]{problem.severity}:[/] {escape(problem.message)}",
                          highlight=False, soft_wrap=True)


def exit_for(corpus) -> None:
    """Exit with code 3 when files were skipped (after outputs were written)."""

    skipped = corpus.skipped
    if skipped:
        err_console.print(f"[red]{len(skipped)} file(s) skipped[/]; see the messages above.", highlight=False)
        raise typer.Exit(EXIT_SKIPPED)


def load(path: Path, strict: bool, max_file_size: float):
    """Load a corpus with a progress bar, printing its problems."""
    from ..corpus.loading import load_corpus

    with progress_bar("Reading transcripts") as progress:
        corpus = load_corpus(path, strict=strict, max_file_size=int(max_file_size * 1024 * 1024), progress=progress)
    report_problems(corpus.problems)
    return corpus


def print_frame(frame, title: str | None = None) -> None:
    """Render a DataFrame as a rich table on stdout."""
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "iuf"
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if v is None or v != v else str(v) for v in row])
    console.print(table)


def wrote(path: Path, what: str = "") -> None:
    err_console.print(f"Wrote {path}{' (' + what + ')' if what else ''}", highlight=False)


def print_report(report) -> None:
    for line in report.lines():
        console.print(line, highlight=False, soft_wrap=True)
    print_frame(report.per_theme[["theme", "codings", "segments", "participants"]], title="Codings per theme")


def read_files(paths, corpus, book, strict):
    """Read codings files, printing each file's skipped rows as warnings."""
    import warnings

    from ..human.merge import read_any_codings

    tables = []
    for path in paths:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tables.append(read_any_codings(path, corpus, book, strict=strict))
        for warning in caught:
            err_console.print(f"[yellow]warning:[/] {warning.message}", highlight=False, soft_wrap=True)
    return tables

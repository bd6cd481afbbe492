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


#: Terminal tables: the narrowest a text column is squeezed to before columns are left out instead.
MIN_TEXT_WIDTH = 24


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def column_needs(headers: list[str], cells: list[list[str]], numeric: list[bool]) -> list[int]:
    """The narrowest each column can be without breaking a word or a number.

    A number column needs its widest value, a text column its longest word (at most :data:`MIN_TEXT_WIDTH`;
    longer words fold), and every header its longest word."""
    needs = []
    for i, header in enumerate(headers):
        values = [row[i] for row in cells]
        header_word = max([len(w) for w in header.split()] or [1])
        if numeric[i]:
            needs.append(max([header_word] + [len(v) for v in values]))
        else:
            word = max([len(w) for v in values for w in v.split()] or [1])
            needs.append(max(min(word, MIN_TEXT_WIDTH), min(header_word, MIN_TEXT_WIDTH)))
    return needs


def fit_columns(needs: list[int], width: int) -> list[int]:
    """The indexes of the columns that fit ``width`` terminal columns, from the left (each costs 3 more
    for its border and padding); the first column is always kept."""
    kept, used = [], 1
    for i, need in enumerate(needs):
        if used + need + 3 <= width or not kept:
            kept.append(i)
            used += need + 3
    return kept


def print_frame(frame, title: str | None = None) -> None:
    """Render a DataFrame as a rich table on stdout that fits the terminal.

    Headers are in words (``participant_id`` -> ``Participant``), numbers have thousands separators, and
    columns that cannot fit (numbers are never cut, words are not broken) are left out with a note."""
    from rich.table import Table

    from ..display import field_label

    headers = [field_label(c) for c in frame.columns]
    numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]
    cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    needs = column_needs(headers, cells, numeric)
    kept = fit_columns(needs, console.width)
    widths = {i: needs[i] for i in kept}
    spare = console.width - 1 - sum(w + 3 for w in widths.values())
    for i in kept:  # what is left widens the text columns, up to their longest value
        if spare <= 0:
            break
        longest = max([len(row[i]) for row in cells] + [len(headers[i])])
        extra = min(spare, max(longest - widths[i], 0))
        widths[i] += extra
        spare -= extra
    table = Table(title=title, show_lines=False, header_style="bold")
    for i in kept:
        table.add_column(headers[i], justify="right" if numeric[i] else "left", width=widths[i], overflow="fold")
    for row in cells:
        table.add_row(*[row[i] for i in kept])
    console.print(table)
    left_out = [headers[i] for i in range(len(headers)) if i not in kept]
    if left_out:
        err_console.print(f"[dim]Left out to fit {console.width} columns: {', '.join(left_out)} (widen the terminal "
                          "or write the table with -o).[/]", highlight=False, soft_wrap=True)


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

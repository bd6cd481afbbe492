"""``qualcode summary`` and ``qualcode segments``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app
from .common import Force, MaxFileSize, Output, Strict, exit_for, load, print_frame, wrote

Folder = Annotated[Path, typer.Argument(help="Folder of transcripts (searched recursively).")]
Format = Annotated[Optional[str], typer.Option("--format", "-f", help="csv, json, md, xlsx, docx or html (default: from -o).")]


@app.command(epilog="Example: qualcode summary transcripts_sample/ --format csv -o summary.csv")
def summary(
    folder: Folder,
    output: Output = None,
    format: Format = None,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Print or write the study summary: participants and activities per participant group."""
    from ..writers.tables import write_table

    corpus = load(folder, strict, max_file_size)
    table = corpus.summary()
    if output is None and format in (None, "table"):
        print_frame(table, title=f"Study summary: {folder}")
    else:
        if output is None:
            raise typer.BadParameter("give -o/--output with --format", param_hint="--output")
        wrote(write_table(table, output, format, title="Study summary", force=force))
    exit_for(corpus)


@app.command(epilog="Example: qualcode segments transcripts_sample/ --unit sentence -o segments.csv")
def segments(
    folder: Folder,
    output: Output = None,
    unit: Annotated[str, typer.Option("--unit", "-u", help="turn, paragraph, sentence or answer.")] = "turn",
    format: Format = None,
    include_researchers: Annotated[bool, typer.Option(help="Keep researcher turns in the table.")] = True,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Write the segments table (one row per turn, paragraph, sentence or survey answer)."""
    from ..corpus.segments import check_unit
    from ..writers.tables import write_table

    check_unit(unit)
    corpus = load(folder, strict, max_file_size)
    table = corpus.segments(unit, include_researchers=include_researchers)
    if output is None:
        print_frame(table[["segment_id", "label", "words", "text"]].head(20), title=f"First 20 of {len(table)} segments")
    else:
        wrote(write_table(table, output, format, title="Segments", force=force), f"{len(table)} segments")
    exit_for(corpus)

"""``qualcode discover`` and ``qualcode saturation``: inductive candidate codes and saturation curves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app
from .common import Force, MaxFileSize, Strict, console, err_console, exit_for, load, print_frame, progress_bar, wrote

Folder = Annotated[Path, typer.Argument(help="Folder of transcripts.")]
CodebookOpt = Annotated[Optional[Path], typer.Option("--codebook", "-c", help="Codebook YAML file.")]
Order = Annotated[str, typer.Option("--order", help="Order of sources: date, wave or listed (as in sources.csv).")]
Unit = Annotated[str, typer.Option("--unit", "-u", help="Segment unit: turn (answers for surveys), paragraph or sentence.")]


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _candidates_count(value: str) -> str | int:
    if value == "auto":
        return value
    try:
        number = int(value)
    except ValueError:
        raise typer.BadParameter(f"use 'auto' or a whole number, not {value!r}", param_hint="--candidates") from None
    if number < 1:
        raise typer.BadParameter(f"must be at least 1, not {number}", param_hint="--candidates")
    return number


@app.command(epilog="Example: qualcode discover transcripts_sample/ --sources LW1-w1,GP-FG1,C2 -o candidates.yaml")
def discover(
    folder: Folder,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Candidates codebook to write (.yaml).")] = None,
    codebook: CodebookOpt = None,
    sources: Annotated[Optional[str], typer.Option("--sources", help="Only these source ids, comma-separated.")] = None,
    first: Annotated[Optional[int], typer.Option("--first", help="Only the first N sources (in --order).", min=1)] = None,
    group: Annotated[Optional[str], typer.Option("--group", help="Only this participant group's segments.")] = None,
    uncoded: Annotated[bool, typer.Option("--uncoded", help="Leave out segments the codebook's rules already code.")] = False,
    order: Order = "date",
    unit: Unit = "turn",
    candidates: Annotated[str, typer.Option("--candidates", "-k", help="Number of candidates, or 'auto'.")] = "auto",
    max_candidates: Annotated[int, typer.Option(help="Largest number of candidates 'auto' tries.", min=2)] = 30,
    random_state: Annotated[int, typer.Option(help="Seed; same input and seed, same candidates.")] = 0,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Processes for reading terms (same result).", min=1)] = 1,
    table: Annotated[Optional[Path], typer.Option("--table", help="Also write the candidates table (csv, json, md, xlsx, docx, html).")] = None,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Find candidate codes in early or uncoded transcripts; write them as a codebook of candidates."""
    from ..codebook.model import Codebook
    from ..discovery.discoverer import discover as run_discovery
    from ..discovery.candidates import flat_candidates
    from ..output import check_writable
    from ..writers.tables import table_format, write_table

    count = _candidates_count(candidates)
    if output is not None:
        if output.suffix.lower() not in (".yaml", ".yml"):
            raise typer.BadParameter(f"the candidates file is a codebook: give a .yaml name, not {output.name!r}",
                                     param_hint="--output")
        check_writable(output, force)
    if table is not None:
        table_format(table, None)
        check_writable(table, force)
    book = Codebook.from_yaml(codebook) if codebook is not None else None
    corpus = load(folder, strict, max_file_size)
    with progress_bar("Discovering") as progress:
        run = run_discovery(
            corpus, book, sources=_split(sources), first=first, group=group, order=order, unit=unit, uncoded=uncoded,
            progress=progress, n_candidates=count, max_candidates=max_candidates, random_state=random_state, n_jobs=jobs,
        )
    for message in run.warnings:
        kind = "[dim]note:[/]" if "small talk" in message else "[yellow]warning:[/]"
        err_console.print(f"{kind} {message}", highlight=False, soft_wrap=True)
    disc = run.discoverer
    left = f"; left out {run.left_out:,} segments the codebook already codes" if uncoded else ""
    console.print(
        f"{len(disc.candidates_)} candidate(s) from {disc.n_segments_:,} segments of "
        f"{run.segments.source_id.nunique()} source(s) (k={disc.n_candidates_}){left}.", highlight=False,
        soft_wrap=True,
    )
    shown = disc.candidates_[["id", "label", "size", "participants", "similar_to"]].copy()
    shown.columns = ["id", "label", "segments", "people", "resembles"]
    shown["resembles"] = shown.resembles.fillna("")
    print_frame(shown, title="Candidate codes, best first")
    from rich.markup import escape

    for row in disc.candidates_.itertuples(index=False):  # what each candidate is about, in people's words
        console.print(f"[bold]{escape(row.id)}[/] {escape(row.label)}", highlight=False, soft_wrap=True)
        for example in row.exemplars[:3]:
            text = " ".join(str(example["text"]).split())
            text = text if len(text) <= 200 else text[:199].rsplit(" ", 1)[0] + " ..."
            console.print(f"  “{escape(text)}” ({escape(str(example['label']))}, "
                          f"{escape(str(example['source_id']))})", highlight=False, soft_wrap=True)
    if output is not None:
        wrote(disc.to_codebook(f"Candidate codes from {folder.name or folder}").to_yaml(output, force=force),
              f"{len(disc.candidates_)} candidates")
    if table is not None:
        wrote(write_table(flat_candidates(disc.candidates_), table, title="Candidate codes", force=force))
    exit_for(corpus)


@app.command(epilog="Example: qualcode saturation transcripts_sample/ -c codebooks/social_prescribing.yaml --order date -o saturation.png -o saturation.csv")
def saturation(
    folder: Folder,
    output: Annotated[Optional[list[Path]], typer.Option("-o", "--output", help="Plot (.png, .svg, .pdf) or table (.csv, .xlsx, .json, .md, .html, .docx); repeatable.")] = None,
    codebook: CodebookOpt = None,
    order: Order = "date",
    unit: Unit = "turn",
    candidates: Annotated[bool, typer.Option("--candidates/--no-candidates", help="Also count inductive candidates in the uncoded segments.")] = True,
    min_segments: Annotated[int, typer.Option(help="Segments a code needs (counted from the first source) to count as observed.", min=1)] = 1,
    random_state: Annotated[int, typer.Option(help="Seed for discovery.")] = 0,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Cumulative new codes, sub-themes and inductive candidates per source and per group: a table and a plot."""
    from ..codebook.model import Codebook
    from ..output import check_writable
    from ..analysis.saturation import PLOT_FORMATS, saturation as run_saturation, write_plot
    from ..writers.tables import table_format, write_table

    outputs = list(output or [])
    for path in outputs:
        if path.suffix.lower().lstrip(".") not in PLOT_FORMATS:
            table_format(path, None)
        check_writable(path, force)
    book = Codebook.from_yaml(codebook) if codebook is not None else None
    corpus = load(folder, strict, max_file_size)
    result = run_saturation(corpus, book, order=order, unit=unit, candidates=candidates, min_segments=min_segments,
                            random_state=random_state)
    for message in result.warnings:
        err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
    for line in result.lines():
        console.print(line, highlight=False, soft_wrap=True)
    print_frame(result.summary, title="When the last new one appeared")
    figure = None
    for path in outputs:
        if path.suffix.lower().lstrip(".") in PLOT_FORMATS:
            figure = figure or result.plot(f"Saturation: {folder.name or folder}, sources by {order}")
            wrote(write_plot(figure, path, force=force))
        else:
            wrote(write_table(result.table, path, title="Saturation", force=force))
    exit_for(corpus)

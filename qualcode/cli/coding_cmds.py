"""``qualcode code``: apply a codebook (its rules, its meaning or both) to a transcripts folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app
from .common import (
    Force,
    MaxFileSize,
    Strict,
    console,
    err_console,
    exit_for,
    load,
    print_report,
    progress_bar,
    read_files,
    wrote,
)

CodebookOption = Annotated[Path, typer.Option("--codebook", "-c", help="Codebook YAML file.")]
Unit = Annotated[str, typer.Option("--unit", "-u", help="Coding unit: turn (answers for surveys), paragraph or sentence.")]


By = Annotated[str, typer.Option("--by", help="How to code: rules (the codebook's rules), meaning (its definitions "
                                            "and examples, offline) or both (rules, plus what meaning adds).")]
Model = Annotated[Optional[Path], typer.Option("--model", help="A local sentence-transformers model folder to code "
                                                              "by meaning with (default: the built-in model).")]

Engine = Annotated[str, typer.Option("--engine", help="local (this machine, --jobs processes) or dask (a Dask cluster; "
                                                   "writes a partitioned Parquet dataset).")]


@app.command(epilog="Example: qualcode code transcripts_sample/ -c codebooks/social_prescribing.yaml -o out/codings.csv "
                    "(merge others' codings with --with suggestions.csv --with coder_a.csv)\n\n"
                    "Example: qualcode code big_corpus/ -c codebook.yaml -o out/codings.parquet --engine dask")
def code(
    folder: Annotated[Path, typer.Argument(help="Folder of transcripts.")],
    codebook: CodebookOption,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Codings file: .csv, .parquet, .xlsx or .json.")] = None,
    by: By = "both",
    model: Model = None,
    unit: Unit = "turn",
    include_researchers: Annotated[bool, typer.Option(help="Code interviewer/facilitator turns too.")] = False,
    include_candidates: Annotated[bool, typer.Option(help="Apply the rules of candidate (not yet accepted) codes too.")] = False,
    long_turn_words: Annotated[int, typer.Option(help="Turns longer than this are matched sentence by sentence.", min=1)] = 200,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.", min=1)] = 1,
    engine: Engine = "local",
    scheduler: Annotated[Optional[str], typer.Option(help="With --engine dask: the address of a running Dask "
                                                          "scheduler, e.g. tcp://host:8786 (default: a local cluster).")] = None,
    workers: Annotated[Optional[int], typer.Option(help="With --engine dask and no --scheduler: local worker "
                                                        "processes (default: one per core).", min=1)] = None,
    batch_mb: Annotated[float, typer.Option(help="With --engine dask: MB of source files per task.", min=0.001)] = 4.0,
    with_: Annotated[Optional[list[Path]], typer.Option(
        "--with", help="Merge these codings too (repeatable): a human-codings file or a codings table such as "
                       "suggestions.csv. Every row keeps its coder and origin.")] = None,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Code every segment with the codebook (by its rules, its meaning or both); write the codings table and
    print a short report."""
    import warnings

    from ..codebook.model import Codebook
    from ..coding.coder import apply_codebook
    from ..coding.table import codings_format, write_codings
    from ..output import check_writable

    if by not in ("rules", "meaning", "both"):
        raise typer.BadParameter(f"{by!r}: use rules, meaning or both.", param_hint="--by")
    if engine not in ("local", "dask"):
        raise typer.BadParameter(f"unknown engine {engine!r}; use local or dask.", param_hint="--engine")
    if engine == "dask":
        from .dask_cmds import code_on_dask

        if with_:
            raise typer.BadParameter("--with merges codings in memory; use it with the local engine.", param_hint="--with")
        return code_on_dask(
            folder, Codebook.from_yaml(codebook), output, scheduler=scheduler, workers=workers, batch_mb=batch_mb,
            force=force, strict=strict, max_file_size=max_file_size, unit=unit, include_researchers=include_researchers,
            include_candidates=include_candidates, long_turn_words=long_turn_words, by=by,
            model=str(model) if model else None,
        )
    if output is not None:
        codings_format(output)
        check_writable(output, force)
    book = Codebook.from_yaml(codebook)
    corpus = load(folder, strict, max_file_size)
    with progress_bar("Coding") as progress, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = apply_codebook(
            corpus, book, by=by, model=str(model) if model else None, unit=unit,
            include_researchers=include_researchers, include_candidates=include_candidates,
            long_turn_words=long_turn_words, jobs=jobs, progress=progress,
        )
    for message in run.warnings:
        err_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
    codings = run.codings
    if with_:
        from ..human.merge import merge_codings

        codings = merge_codings(codings, *read_files(with_, corpus, book, strict), corpus=corpus)
        counts = codings.groupby(["origin", "coder"], sort=False).size()
        console.print("Merged: " + "; ".join(f"{coder} ({origin}) {n:,}" for (origin, coder), n in counts.items()),
                      highlight=False, soft_wrap=True)
        if codings.attrs.get("duplicates"):
            console.print(f"{codings.attrs['duplicates']:,} exact repeats were kept once.", highlight=False)
    if output is not None:
        wrote(write_codings(codings, output, force=force), f"{len(codings):,} codings")
    if with_:
        from ..coding.report import coding_report

        # the report counts what was written: every origin, not the rule codings alone
        print_report(coding_report(codings, run.segments, book))
    else:
        print_report(run.report())
    exit_for(corpus)

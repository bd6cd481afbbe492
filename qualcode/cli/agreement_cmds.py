"""``qualcode agreement`` (inter-coder agreement) and ``qualcode suggest`` (codes learned from human coding)."""

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
    print_frame,
    progress_bar,
    read_files,
    wrote,
)

OptionalCodebook = Annotated[Optional[Path], typer.Option(
    "--codebook", "-c", help="Codebook YAML file (needed to read human-codings files).")]
Level = Annotated[str, typer.Option("--level", help="Compare or learn code ids as coded (code), or roll up to subtheme or theme.")]
Unit = Annotated[str, typer.Option("--unit", "-u", help="Unit: turn (answers for surveys), paragraph or sentence.")]
IncludeResearchers = Annotated[bool, typer.Option(help="Count interviewer/facilitator turns as units too.")]


@app.command(epilog="Example: qualcode agreement coder_a.csv coder_b.csv --corpus transcripts_sample/ "
                    "-c codebooks/social_prescribing.yaml -o agreement.docx")
def agreement(
    files: Annotated[Optional[list[Path]], typer.Argument(help="One codings file per coder (human-codings or codings "
                                                                "tables); none when --corpus holds a project.")] = None,
    corpus_folder: Annotated[Path, typer.Option("--corpus", help="Folder of the transcripts that were coded (with a "
                                                                 "project and no files: each coder's accepted and "
                                                                 "hand codings there).")] = ...,
    codebook: OptionalCodebook = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Report: .docx, .xlsx, .csv or .md.")] = None,
    format: Annotated[Optional[str], typer.Option("--format", "-f", help="docx, xlsx, csv or md (default: from -o).")] = None,
    unit: Unit = "turn",
    level: Level = "code",
    include_researchers: IncludeResearchers = False,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Inter-coder agreement per code and overall (% agreement, Cohen's kappa, Krippendorff's alpha, characters)."""
    from ..human.agreement import agreement as compute
    from ..codebook.model import Codebook
    from ..output import check_writable

    if output is None and format is not None:
        raise typer.BadParameter("give -o/--output with --format", param_hint="--output")
    if output is not None:
        from ..human.agreement_report import disagreements_path

        check_writable(output, force)
        if (format or output.suffix.lstrip(".")).lower() == "csv":
            check_writable(disagreements_path(output), force)
    book = Codebook.from_yaml(codebook) if codebook else None
    corpus = load(corpus_folder, strict, max_file_size)
    if files:
        tables = read_files(files, corpus, book, strict)
    else:
        from ..project import Project

        with Project(corpus_folder) as project:  # each coder's accepted and hand codings are their codings
            book = book or project.codebook
            tables = [project.analysis_codings(coder=name) for name in project.coders()]
    report = compute(tables, corpus, unit, level=level, codebook=book, include_researchers=include_researchers)
    for note in report.notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    from ..human.agreement_report import summary_lines, table

    shown = table(report, percent=True).drop(columns=["code", "theme", "alpha band (Krippendorff)"], errors="ignore")
    shown.insert(0, "code_id", report.per_code.code_id)
    print_frame(shown.rename(columns={"band (Landis & Koch)": "band", "% agreement (characters)": "% chars",
                                      "kappa (characters)": "kappa chars"}),
                title=f"Agreement per {level} ({unit} units)")
    for line in summary_lines(report)[:3]:
        console.print(line, highlight=False, soft_wrap=True)
    if output is not None:
        for path in report.write(output, format, force=force):
            wrote(path)
    exit_for(corpus)


@app.command(epilog="Example: qualcode suggest transcripts_sample/ --train coder_a.csv "
                    "-c codebooks/social_prescribing.yaml -o suggestions.csv --order uncertainty")
def suggest(
    folder: Annotated[Path, typer.Argument(help="Folder of transcripts.")],
    train: Annotated[Optional[list[Path]], typer.Option("--train", help="Human codings to learn from (repeatable; "
                                                                        "default: the project's decisions).")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", "-c", help="Codebook YAML file (default: the "
                                                                              "project's).")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Suggestions: .csv, .parquet, .xlsx or .json.")] = None,
    scores: Annotated[Optional[Path], typer.Option("--scores", help="Also write the cross-validated scores per code (csv, xlsx, md, ...).")] = None,
    unit: Unit = "turn",
    level: Level = "code",
    threshold: Annotated[str, typer.Option(help="Smallest calibrated score to suggest a code: auto (each code's "
                                                "own, where its cross-validated suggestions agree best with the "
                                                "people's coding) or a number from 0 to 1.")] = "auto",
    min_examples: Annotated[int, typer.Option(help="Fewest coded units a code needs to be learned.", min=2)] = 8,
    folds: Annotated[int, typer.Option(help="Cross-validation folds (grouped by source).", min=2)] = 3,
    all_sources: Annotated[bool, typer.Option("--all-sources", help="Suggest in the human-coded sources too.")] = False,
    rule_features: Annotated[bool, typer.Option(help="Use whether the codebook's rules match as features.")] = True,
    meaning_features: Annotated[bool, typer.Option(help="Use each unit's similarity to the codebook's nodes (their "
                                                        "definitions, examples and include text) as features.")] = True,
    embeddings: Annotated[bool, typer.Option(help="Use the sentence embeddings (the model that codes by meaning) "
                                                  "as features.")] = True,
    model_path: Annotated[Optional[Path], typer.Option("--model", help="A local sentence-transformers model folder "
                                                                       "for the embeddings and similarities.")] = None,
    order: Annotated[str, typer.Option("--order", help="source (transcript order) or uncertainty (most informative "
                                                       "first: scores nearest their code's threshold, to review first).")] = "source",
    include_researchers: IncludeResearchers = False,
    random_state: Annotated[int, typer.Option(help="Seed (results are the same for the same seed).")] = 0,
    strict: Strict = False,
    force: Force = False,
    max_file_size: MaxFileSize = 50.0,
):
    """Learn codes from human coding; report cross-validated scores per code and write suggested codings."""
    from ..codebook.model import Codebook
    from ..coding.table import codings_format, write_codings
    from ..human.merge import merge_codings
    from ..output import check_writable
    from ..errors import CodingsError
    from ..human.suggest import check_threshold
    from ..human.suggest import suggest as run
    from ..writers.tables import table_format, write_table

    if order not in ("source", "uncertainty"):
        raise typer.BadParameter(f"{order!r}: use source or uncertainty.", param_hint="--order")
    try:
        check_threshold(threshold)
    except CodingsError as exc:
        raise typer.BadParameter(str(exc), param_hint="--threshold") from None
    threshold = threshold if threshold == "auto" else float(threshold)
    if output is not None:
        codings_format(output)
        check_writable(output, force)
    if scores is not None:
        table_format(scores, None)
        check_writable(scores, force)
    corpus = load(folder, strict, max_file_size)
    negatives = None
    if train:
        if codebook is None:
            raise typer.BadParameter("give the codebook (-c) the training codings were made with.", param_hint="-c")
        book = Codebook.from_yaml(codebook)
        training = merge_codings(*read_files(train, corpus, book, strict), corpus=corpus)
    else:
        from ..project import Project

        with Project(folder) as project:  # trains on decisions: accepted (and hand) codings positive, rejected negative
            book = Codebook.from_yaml(codebook) if codebook else project.codebook
            training, negatives = project.training_codings()
    with progress_bar("Learning codes") as progress:
        model, suggestions = run(
            corpus, training, book, all_sources=all_sources, progress=progress, negatives=negatives, random_state=random_state, unit=unit,
            level=level, threshold=threshold, min_examples=min_examples, n_splits=folds, rule_features=rule_features,
            include_researchers=include_researchers, embeddings=embeddings, meaning_features=meaning_features,
            model=str(model_path) if model_path else None, order=order,
        )
    shown = model.cv_scores_.drop(columns=["code_id", "theme_id"]).round(3)
    print_frame(shown, title=f"Cross-validated scores per {level} ({model.n_units_:,} units, {model.n_sources_} "
                             "sources, folds grouped by source)")
    for row in model.skipped_.itertuples():
        err_console.print(f"[yellow]skipped:[/] {row.code_id}: {row.reason}", highlight=False, soft_wrap=True)
    console.print(f"{len(suggestions):,} suggestions by {model.coder_}.", highlight=False)
    coded = set(training.source_id.astype(str))
    if not all_sources and all(s in coded for s in corpus.source_ids):
        console.print("Every source was coded by people, so nothing was left to suggest; pass --all-sources to "
                      "suggest codes in those sources too.", highlight=False)
    if output is not None:
        wrote(write_codings(suggestions, output, force=force), f"{len(suggestions):,} suggestions")
    if scores is not None:
        wrote(write_table(model.cv_scores_, scores, title="Cross-validated scores per code", force=force))
    exit_for(corpus)

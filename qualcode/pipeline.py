"""The whole job: ingest a transcripts folder, code it with a codebook, and write every output.

>>> result = qualcode.run("transcripts_sample/", "codebooks/social_prescribing.yaml", "out/")   # doctest: +SKIP
>>> result.written            # {"codings": Path("out/codings.csv"), ...}                        # doctest: +SKIP

The outputs (:data:`OUTPUTS`) go into one folder, which is created if missing. If any of them
already exists, nothing is done unless ``force=True``. Every table and document is built in memory
first and each file is then written atomically, so an error while building leaves no half-written
outputs behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputExistsError, QualcodeError

#: Output name -> file name inside the output folder.
OUTPUTS = {
    "codings": "codings.csv",
    "summary": "summary.csv",
    "theme_table": "theme_table.csv",
    "theme_table_docx": "theme_table.docx",
    "excerpts": "excerpts_by_group.docx",
    "workbook": "analysis.xlsx",
    "report": "report.html",
    "heatmap": "theme_heatmap.png",
}
STEPS = ("read", "code", "tables", "figure", "documents", "write")


@dataclass
class RunResult:
    """What :func:`run` produced: the files written (by output name) and the tables behind them."""

    written: dict[str, Path]
    corpus: object
    codings: object
    themes: object
    report: object  # the coding report (coverage, codes that matched nothing)
    warnings: list[str] = field(default_factory=list)


def planned_outputs(out_dir: str | Path) -> dict[str, Path]:
    """The files :func:`run` would write into ``out_dir``."""
    return {name: Path(out_dir) / filename for name, filename in OUTPUTS.items()}


def check_outputs(out_dir: str | Path, force: bool = False) -> dict[str, Path]:
    """Refuse (naming every file) if an output exists and ``force`` is false; refuse a file as folder."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise QualcodeError(f"{out_dir} is a file; -o/--output must be a folder for the outputs.")
    planned = planned_outputs(out_dir)
    existing = [str(p) for p in planned.values() if p.exists()]
    if existing and not force:
        raise OutputExistsError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; pass --force (force=True) to "
            "replace them, or choose another output folder."
        )
    return planned


def _make_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QualcodeError(f"{out_dir}: cannot create the output folder ({exc.strerror}); choose another path.") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise QualcodeError(f"{out_dir}: the output folder is not writable; choose another path.")


def workbook_sheets(summary, themes, codings, matrix, counts, info) -> dict:
    """The sheets of analysis.xlsx: summary, theme table, codings, matrix (full excerpts), matrix counts, notes."""
    import pandas as pd

    notes = pd.DataFrame(
        [*info.lines(), *(("Note", n) for n in themes.attrs.get("notes", []))], columns=["item", "value"])
    sheets = {"summary": summary, "theme table": themes, "codings": codings, "matrix": matrix,
              "matrix counts": counts, "notes": notes}
    return {name: frame for name, frame in sheets.items() if frame is not None}


def run(folder, codebook, out_dir, *, force: bool = False, unit: str = "turn", include_researchers: bool = False,
        include_candidates: bool = False, long_turn_words: int = 200, jobs: int = 1, strict: bool = False,
        max_file_size: int = 50 * 1024 * 1024, title: str | None = None, study: str | None = None,
        progress=None) -> RunResult:
    """Ingest ``folder``, code it with ``codebook`` (a path or :class:`~qualcode.Codebook`), write
    every output (:data:`OUTPUTS`) into ``out_dir``; return a :class:`RunResult`.

    ``progress(done, total, step)`` is called as each step (:data:`STEPS`) starts.
    """
    from .codebook import Codebook
    from .coding import apply_codebook
    from .loading import load_corpus
    from .segments import check_unit

    def step(name: str) -> None:
        if progress:
            progress(STEPS.index(name), len(STEPS), name)

    out_dir = Path(out_dir)
    check_unit(unit)
    planned = check_outputs(out_dir, force)
    book = codebook if isinstance(codebook, Codebook) else Codebook.from_yaml(codebook)
    _make_folder(out_dir)
    step("read")
    corpus = load_corpus(folder, strict=strict, max_file_size=max_file_size)
    step("code")
    coded = apply_codebook(corpus, book, unit=unit, include_researchers=include_researchers,
                           include_candidates=include_candidates, long_turn_words=long_turn_words, jobs=jobs)
    rendered = render(coded.codings, book, corpus.summary(), step=step, title=title,
                      study=study or Path(folder).resolve().name)
    step("write")
    written = write_outputs(rendered, planned, force=force)
    return RunResult(written, corpus, coded.codings, rendered["themes"], coded.report(), list(coded.warnings))


def render(codings, codebook=None, summary=None, *, by: str = "group", title: str | None = None,
           study: str | None = None, date: str | None = None, step=None) -> dict:
    """Every table, figure and document of a run, in memory (nothing is written)."""
    from .excerpts import excerpts_of
    from .matrix import matrix_of
    from .plots import figure_png, prevalence_heatmap
    from .report_docx import excerpts_document, theme_table_document
    from .report_html import html_report
    from .reports import report_info
    from .selection import NO_GROUP, group_sizes, outline, select_codings
    from .themes import table_of

    step = step or (lambda name: None)
    step("tables")
    selected = select_codings(codings, codebook)
    order = outline(selected, codebook)
    sizes = group_sizes(selected, summary)
    excerpts = excerpts_of(selected, order)
    themes = table_of(excerpts, order, sizes)
    groups = sizes.groups + [NO_GROUP]
    matrix = matrix_of(excerpts, order, groups, truncate=None)
    counts = matrix_of(excerpts, order, groups, cells="count")
    step("figure")
    heatmap = figure_png(prevalence_heatmap(themes))
    step("documents")
    info = report_info(selected, codebook, title=title, study=study, date=date)
    theme_info = report_info(selected, codebook, title="Theme table", study=study, date=date)
    return {
        "codings": codings, "summary": summary, "themes": themes, "excerpts": excerpts, "heatmap": heatmap,
        "excerpts_docx": excerpts_document(excerpts, themes, by=by, summary=summary, heatmap=heatmap, info=info),
        "theme_docx": theme_table_document(themes, info=theme_info, heatmap=heatmap, summary=summary),
        "html": html_report(themes, excerpts, summary=summary, heatmap=heatmap, info=info, by=by),
        "sheets": workbook_sheets(summary, themes, codings, matrix, counts, info),
    }


def write_outputs(rendered: dict, planned: dict[str, Path], *, force: bool = False) -> dict[str, Path]:
    """Write what :func:`render` built to the ``planned`` paths, each atomically."""
    from .codings import write_codings
    from .output import atomic_write
    from .report_docx import save_document
    from .report_html import save_html
    from .tables import write_sheets, write_table

    writers = {
        "codings": lambda p: write_codings(rendered["codings"], p, force=force),
        "summary": lambda p: write_table(rendered["summary"], p, "csv", force=force),
        "theme_table": lambda p: write_table(rendered["themes"], p, "csv", force=force),
        "theme_table_docx": lambda p: save_document(rendered["theme_docx"], p, force=force),
        "excerpts": lambda p: save_document(rendered["excerpts_docx"], p, force=force),
        "workbook": lambda p: atomic_write(p, lambda tmp: write_sheets(rendered["sheets"], tmp), force=force),
        "report": lambda p: save_html(rendered["html"], p, force=force),
        "heatmap": lambda p: atomic_write(p, lambda tmp: tmp.write_bytes(rendered["heatmap"]), force=force),
    }
    return {name: writers[name](path) for name, path in planned.items()}

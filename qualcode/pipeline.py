"""The whole job: ingest a transcripts folder, code it with a codebook, and write every output.

>>> result = qualcode.run("transcripts_sample/", "codebooks/social_prescribing.yaml", "out/")   # doctest: +SKIP
>>> result.written            # {"codings": Path("out/codings.csv"), ...}                        # doctest: +SKIP

The outputs (:data:`OUTPUTS`) go into one folder, which is created if missing. If any of them
already exists, nothing is done unless ``force=True``. The tables are computed once; then each
document is built and written atomically in turn (never a half-written file), so only one large
document is in memory at a time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputExistsError, QualcodeError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from .codebook import Codebook

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
STEPS = ("read", "code", "tables", "write")  # progress reports "write:<output>" for each output


@dataclass
class RunResult:
    """What :func:`run` produced: the files written (by output name) and the tables behind them.

    With ``engine="dask"``, ``corpus`` is ``None`` (no driver ever holds it), ``codings`` is a Dask DataFrame
    over the Parquet dataset, and ``notes`` says which outputs of a local run were left out and why.
    """

    written: dict[str, Path]
    corpus: object
    codings: object
    themes: object
    report: object  # the coding report (coverage, codes that matched nothing)
    warnings: list[str] = field(default_factory=list)
    problems: list = field(default_factory=list)  # load problems (file, line, reason, fix)
    notes: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> list:
        """Problems that made a file be skipped."""
        return [p for p in self.problems if p.severity == "error"]


def planned_outputs(out_dir: str | Path, outputs: dict | None = None) -> dict[str, Path]:
    """The files :func:`run` would write into ``out_dir`` (``outputs``: another engine's :data:`OUTPUTS`)."""
    return {name: Path(out_dir) / filename for name, filename in (outputs or OUTPUTS).items()}


def check_outputs(out_dir: str | Path, force: bool = False, outputs: dict | None = None) -> dict[str, Path]:
    """Refuse (naming every file) if an output exists and ``force`` is false; refuse a file as folder."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise QualcodeError(f"{out_dir} is a file; -o/--output must be a folder for the outputs.")
    planned = planned_outputs(out_dir, outputs)
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


def run(folder: str | Path, codebook: "str | Path | Codebook", out_dir: str | Path, *, force: bool = False, unit: str = "turn", include_researchers: bool = False,
        include_candidates: bool = False, long_turn_words: int = 200, jobs: int = 1, strict: bool = False,
        max_file_size: int = 50 * 1024 * 1024, title: str | None = None, study: str | None = None,
        progress: "Callable[[int, int, str], None] | None" = None, engine: str = "local",
        **dask_options) -> RunResult:
    """Ingest ``folder``, code it with ``codebook`` (a path or :class:`~qualcode.Codebook`), write
    every output (:data:`OUTPUTS`) into ``out_dir``; return a :class:`RunResult`.

    ``progress(done, total, step)`` is called as each step (:data:`STEPS`) starts; the write step
    reports each output as ``write:<name>``. ``jobs`` processes code the segments and write the outputs.

    ``engine="dask"`` runs the job on a Dask cluster (:func:`qualcode.dask_run.run_dask`, which takes
    ``scheduler``, ``client``, ``workers``, ``batch_mb`` and ``log``) and writes :data:`qualcode.dask_run.OUTPUTS`.

    >>> result = qualcode.run("transcripts_sample/", "codebooks/social_prescribing.yaml", tmp / "out")
    >>> sorted(p.name for p in (tmp / "out").iterdir())[:3]
    ['analysis.xlsx', 'codings.csv', 'excerpts_by_group.docx']
    """
    if engine == "dask":
        from .dask_run import run_dask

        return run_dask(folder, codebook, out_dir, force=force, unit=unit, include_researchers=include_researchers,
                        include_candidates=include_candidates, long_turn_words=long_turn_words, strict=strict,
                        max_file_size=max_file_size, title=title, study=study, progress=progress, **dask_options)
    if engine != "local":
        raise QualcodeError(f"unknown engine {engine!r}; use 'local' or 'dask'.")
    if dask_options:
        raise QualcodeError(f"{', '.join(sorted(dask_options))}: only with engine='dask'.")
    from .codebook import Codebook
    from .coding import apply_codebook
    from .loading import load_corpus
    from .segments import check_unit

    def step(name: str) -> None:
        if progress:
            progress(STEPS.index(name.split(":")[0]), len(STEPS), name)

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
    step("tables")
    tables = prepare(coded.codings, book, corpus.summary(), title=title, study=study or Path(folder).resolve().name)
    written = write_outputs(tables, planned, force=force, step=step, jobs=jobs)
    return RunResult(written, corpus, coded.codings, tables["themes"], coded.report(), list(coded.warnings),
                     list(corpus.problems))


def prepare(codings, codebook=None, summary=None, *, by: str = "group", title: str | None = None,
            study: str | None = None, date: str | None = None) -> dict:
    """The tables, heatmap and title-page facts every output of a run is made from (nothing is written)."""
    from .excerpts import excerpts_of
    from .matrix import matrix_of
    from .plots import figure_png, prevalence_heatmap
    from .reports import report_info
    from .selection import NO_GROUP, group_sizes, outline, select_codings
    from .themes import table_of

    selected = select_codings(codings, codebook)
    order = outline(selected, codebook)
    sizes = group_sizes(selected, summary)
    excerpts = excerpts_of(selected, order)
    themes = table_of(excerpts, order, sizes)
    return {
        "codings": codings, "summary": summary, "themes": themes, "excerpts": excerpts, "order": order,
        "groups": sizes.groups + [NO_GROUP], "by": by, "heatmap": figure_png(prevalence_heatmap(themes)),
        "info": report_info(selected, codebook, title=title, study=study, date=date),
        "theme_info": report_info(selected, codebook, title="Theme table", study=study, date=date),
    }


def _writers(tables: dict, force: bool) -> dict:
    """Output name -> ``write(path)``: builds that output from :func:`prepare`'s tables and writes it."""
    from .codings import write_codings
    from .matrix import matrix_of
    from .output import atomic_write
    from .report_docx import excerpts_document, save_document, theme_table_document
    from .report_html import html_report, save_html
    from .tables import write_sheets, write_table

    t = tables
    png, summary, themes, excerpts = t["heatmap"], t["summary"], t["themes"], t["excerpts"]

    def workbook(tmp: Path) -> None:
        matrix = matrix_of(excerpts, t["order"], t["groups"], truncate=None)
        counts = matrix_of(excerpts, t["order"], t["groups"], cells="count")
        write_sheets(workbook_sheets(summary, themes, t["codings"], matrix, counts, t["info"]), tmp)

    return {
        "codings": lambda p: write_codings(t["codings"], p, force=force),
        "summary": lambda p: write_table(summary, p, "csv", force=force),
        "theme_table": lambda p: write_table(themes, p, "csv", force=force),
        "theme_table_docx": lambda p: save_document(
            theme_table_document(themes, info=t["theme_info"], heatmap=png, summary=summary), p, force=force),
        "excerpts": lambda p: save_document(
            excerpts_document(excerpts, themes, by=t["by"], summary=summary, heatmap=png, info=t["info"],
                              deferred=True), p,
            force=force),
        "workbook": lambda p: atomic_write(p, workbook, force=force),
        "report": lambda p: save_html(
            html_report(themes, excerpts, summary=summary, heatmap=png, info=t["info"], by=t["by"]), p, force=force),
        "heatmap": lambda p: atomic_write(p, lambda tmp: tmp.write_bytes(png), force=force),
    }


_FORKED: dict = {}  # the job a forked worker inherits: writers and paths (nothing is pickled)
_LARGEST_FIRST = ("excerpts", "workbook", "report", "codings")


def _write_forked(name: str):
    return name, _FORKED["writers"][name](_FORKED["planned"][name])


def write_outputs(tables: dict, planned: dict[str, Path], *, force: bool = False, step=None,
                  jobs: int = 1) -> dict[str, Path]:
    """Build each output from :func:`prepare`'s tables and write it to its ``planned`` path atomically.

    With ``jobs`` > 1 (and where processes can fork) the outputs are written by that many worker
    processes, the largest first; otherwise one after another, so that only one large document is
    in memory at a time. ``step(name)`` is called with ``"write:<output>"`` for each.
    """
    import multiprocessing

    writers = _writers(tables, force)
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        order = sorted(planned, key=lambda n: _LARGEST_FIRST.index(n) if n in _LARGEST_FIRST else len(_LARGEST_FIRST))
        _FORKED.update(writers=writers, planned=planned)
        if step:
            step("write")  # then each output as it is finished
        done = {}
        try:
            with multiprocessing.get_context("fork").Pool(min(jobs, len(order))) as pool:
                for name, path in pool.imap_unordered(_write_forked, order):
                    if step:
                        step(f"write:{name}")
                    done[name] = path
        finally:
            _FORKED.clear()
        return {name: done[name] for name in planned}
    written = {}
    for name, path in planned.items():
        if step:
            step(f"write:{name}")
        written[name] = writers[name](path)
    return written

"""The set of files a whole run writes: their names, the tables behind them, and writing them.

:data:`OUTPUTS` names the files; :func:`prepare` computes the tables, heatmap and title-page facts once;
:func:`write_outputs` builds each document and writes it atomically in turn (never a half-written file),
so only one large document is in memory at a time. :func:`qualcode.run` (:mod:`qualcode.pipeline`) and the
Dask run (:mod:`qualcode.dask.run`) share these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OutputExistsError, QualcodeError

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
STEPS = ("read", "code", "tables", "write")


def by_outputs(report_by) -> dict[str, str]:
    """The extra files of a run broken down by attributes (``report_by``): for each attribute (or ``a+b`` for
    a list given as one item), its theme table (csv and Word, with its heatmap) and its comparison (xlsx)."""
    from .exports import slug

    out = {}
    for item in report_by or []:
        names = [item] if isinstance(item, str) else list(item)
        key = "+".join(names)
        stem = "-".join(slug(n) for n in names)
        out[f"theme_table_by:{key}"] = f"theme_table_by_{stem}.csv"
        out[f"theme_table_docx_by:{key}"] = f"theme_table_by_{stem}.docx"
        out[f"compare_by:{key}"] = f"compare_by_{stem}.xlsx"
    return out  # progress reports "write:<output>" for each output


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
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; pass --force to "
            "replace them, or choose another output folder."
        )
    return planned


def make_output_folder(out_dir: Path) -> None:
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


def prepare(codings, codebook=None, summary=None, *, by: str = "group", title: str | None = None,
            study: str | None = None, date: str | None = None, report_by=None, participants=None) -> dict:
    """The tables, heatmap and title-page facts every output of a run is made from (nothing is written).

    ``report_by``: attributes (each a name or a list) to break the theme table and a comparison down by;
    ``participants`` (the corpus, or its attribute table) gives each value's participants."""
    from ..analysis.excerpts import excerpts_of
    from ..analysis.matrix import matrix_of
    from .plots import figure_png, prevalence_heatmap
    from .info import report_info
    from ..analysis.selection import NO_GROUP, group_sizes, outline, select_codings
    from ..analysis.themes import table_of

    selected = select_codings(codings, codebook)
    order = outline(selected, codebook)
    sizes = group_sizes(selected, summary)
    excerpts = excerpts_of(selected, order)
    themes = table_of(excerpts, order, sizes)
    broken = {}
    if report_by:
        from ..analysis.attributes import prepare_by
        from ..analysis.compare import compare

        for item in report_by:
            names = [item] if isinstance(item, str) else list(item)
            regrouped, study_sizes, notes = prepare_by(selected, names, participants)
            table = table_of(excerpts_of(regrouped, order), order, group_sizes(regrouped, study_sizes), notes=notes,
                             by=names, study=study_sizes)
            broken["+".join(names)] = (table, figure_png(prevalence_heatmap(table)),
                                       compare(codings, codebook, by=names, participants=participants))
    return {
        "broken": broken,
        "codings": codings, "summary": summary, "themes": themes, "excerpts": excerpts, "order": order,
        "groups": sizes.groups + [NO_GROUP], "by": by, "heatmap": figure_png(prevalence_heatmap(themes)),
        "info": report_info(selected, codebook, title=title, study=study, date=date),
        "theme_info": report_info(selected, codebook, title="Theme table", study=study, date=date),
    }


def _writers(tables: dict, force: bool) -> dict:
    """Output name -> ``write(path)``: builds that output from :func:`prepare`'s tables and writes it."""
    from ..coding.table import write_codings
    from ..analysis.matrix import matrix_of
    from ..output import atomic_write
    from .docx import excerpts_document, save_document, theme_table_document
    from .html import html_report, save_html
    from .info import report_info
    from .queries import export_compare
    from ..writers.tables import write_sheets, write_table

    t = tables
    png, summary, themes, excerpts = t["heatmap"], t["summary"], t["themes"], t["excerpts"]

    def workbook(tmp: Path) -> None:
        matrix = matrix_of(excerpts, t["order"], t["groups"], truncate=None)
        counts = matrix_of(excerpts, t["order"], t["groups"], cells="count")
        write_sheets(workbook_sheets(summary, themes, t["codings"], matrix, counts, t["info"]), tmp)

    by_writers = {}
    for key, (table, heatmap, compared) in t.get("broken", {}).items():
        info = report_info(t["codings"], None, title=f"Theme table by {key.replace('+', ' and ')}")
        by_writers[f"theme_table_by:{key}"] = lambda p, table=table: write_table(table, p, "csv", force=force)
        by_writers[f"theme_table_docx_by:{key}"] = lambda p, table=table, heatmap=heatmap, info=info: save_document(
            theme_table_document(table, info=info, heatmap=heatmap), p, force=force)
        by_writers[f"compare_by:{key}"] = lambda p, compared=compared: export_compare(compared, p, "xlsx", force=force)
    return {
        **by_writers,
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

"""``qualcode run --engine dask``: the whole job on a Dask cluster, without the codings in the driver.

>>> result = qualcode.run("big_corpus/", "codebook.yaml", "out/", engine="dask")      # doctest: +SKIP
>>> result.written["excerpts"]      # out/excerpts_by_group/, one Word document per group  # doctest: +SKIP
>>> result.notes                    # what a local run writes that this one leaves out, and why   # doctest: +SKIP

The workers read, segment and code the corpus (:func:`~qualcode.dask.engine.apply_codebook_dask`) into the
Parquet dataset ``codings.parquet/``. The study summary comes from per-batch counts, and the theme table and
the matrix counts from aggregations on the cluster (:mod:`qualcode.dask.tables`): they equal a local run's.
Each group's Word document of excerpts is written by a worker, which streams that group's codings from
the dataset (:func:`~qualcode.coding.dataset.iter_excerpts`). The driver writes the small outputs: the summary,
the theme table (csv and docx), the heatmap, the workbook and the HTML report.

What a local run writes and this one does not (:data:`LEFT_OUT`, printed by ``qualcode run``): the codings
as csv (billions of rows; the dataset holds them), one Word document of every excerpt (one per group
instead), the workbook's ``codings`` sheet and full-excerpt ``matrix`` sheet (an Excel sheet holds about
a million rows; the counts matrix stays), and the excerpts section of the HTML page (it would have to
hold every excerpt; it points to the Word documents).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path


#: Output name -> file (or folder) name inside the output folder, with ``engine="dask"``.
OUTPUTS = {
    "codings": "codings.parquet",
    "summary": "summary.csv",
    "theme_table": "theme_table.csv",
    "theme_table_docx": "theme_table.docx",
    "excerpts": "excerpts_by_group",
    "workbook": "analysis.xlsx",
    "report": "report.html",
    "heatmap": "theme_heatmap.png",
}
#: What the local run writes that a Dask run leaves out, and why (``qualcode run`` prints these).
LEFT_OUT = [
    "codings.csv: the codings are the Parquet dataset codings.parquet/ (read it with pandas, Dask, DuckDB or "
    "Spark; `qualcode.coding.dataset.iter_excerpts` streams it)",
    "excerpts_by_group.docx: one Word document per group in excerpts_by_group/ instead, each written by a worker",
    "analysis.xlsx sheets 'codings' and 'matrix' (full excerpts): an Excel sheet holds about a million rows; the "
    "workbook has the summary, the theme table and the matrix counts",
    "the excerpts section of report.html: it points to excerpts_by_group/ instead",
]
STEPS = ("code", "tables", "write")


def run_dask(folder, codebook, out_dir, *, force: bool = False, by: str = "both", model: str | None = None,
             unit: str = "turn", include_researchers: bool = False,
             include_candidates: bool = False, long_turn_words: int = 200, strict: bool = False,
             max_file_size: int = 50 * 1024 * 1024, title: str | None = None, study: str | None = None,
             progress=None, scheduler: str | None = None, client=None, workers: int | None = None,
             batch_mb: float = 4.0, log=None):
    """:func:`qualcode.run` on Dask (see the module doc); returns a :class:`~qualcode.reports.run_outputs.RunResult`.

    ``progress(done, total, step)`` is called as each step of :data:`STEPS` starts (``write:<output>`` for
    each output) and, while coding, as batches finish (``code:<file>``, counting batches).
    """
    from ..codebook.model import Codebook
    from .engine import apply_codebook_dask, dask_client, require_dask
    from ..coding.dataset import check_dataset_path
    from ..reports.run_outputs import RunResult, check_outputs, make_output_folder
    from ..corpus.segments import check_unit

    require_dask()
    out_dir = Path(out_dir)
    check_unit(unit)
    planned = check_outputs(out_dir, force, OUTPUTS)
    book = codebook if isinstance(codebook, Codebook) else Codebook.from_yaml(codebook)
    make_output_folder(out_dir)
    check_dataset_path(planned["codings"], force)

    def step(name: str, done: int | None = None, total: int | None = None) -> None:
        if progress:
            progress(STEPS.index(name.split(":")[0]) if done is None else done, len(STEPS) if total is None else total,
                     name)

    with dask_client(scheduler, client, workers, log) as dask:
        step("code")
        coded = apply_codebook_dask(
            folder, book, output=planned["codings"], force=force, client=dask, by=by, model=model, unit=unit,
            include_researchers=include_researchers, include_candidates=include_candidates,
            long_turn_words=long_turn_words, strict=strict, max_file_size=max_file_size, batch_mb=batch_mb,
            progress=(lambda done, total, item: step(f"code:{item}", done, total)) if progress else None, log=log,
        )
        step("tables")
        tables = _tables(coded, book, title=title, study=study or Path(folder).resolve().name)
        written = _write(dask, coded, tables, planned, force, step)
    return RunResult(written, None, coded.codings, tables["themes"], coded.report(), list(coded.warnings),
                     list(coded.problems), list(LEFT_OUT) + tables["notes"])


def _tables(coded, book, *, title, study) -> dict:
    """The theme table, matrix counts and title-page facts, computed on the cluster."""
    import warnings

    from .tables import distributed_tables
    from ..reports.plots import figure_png, prevalence_heatmap
    from ..analysis.selection import retired_ids
    from ..writers.xlsx import MAX_ROWS

    with warnings.catch_warnings():  # the codings were just made with this codebook: nothing to warn about
        warnings.simplefilter("ignore")
        made = distributed_tables(coded.codings, book, coded.summary, matrix=("participant", "theme"))
    notes = []
    counts = made.matrix
    if len(counts) + 1 > MAX_ROWS:
        notes.append(f"analysis.xlsx has no 'matrix counts' sheet: its {len(counts):,} participants do not fit in "
                     "an Excel sheet; qualcode.framework_matrix(codings, cells='count') gives it as a table.")
        counts = None
    return {
        "made": made, "themes": made.themes, "summary": coded.summary, "counts": counts, "notes": notes,
        "heatmap": figure_png(prevalence_heatmap(made.themes)), "study": study, "title": title,
        "info": made.info(book, title=title, study=study),
        "theme_info": made.info(book, title="Theme table", study=study),
        "retired": retired_ids(book), "book": book,
    }


def _write(dask, coded, tables: dict, planned: dict[str, Path], force: bool, step) -> dict[str, Path]:
    """The excerpt documents on the workers, meanwhile the small outputs here; then the folder into place."""
    from ..reports.exports import split_targets
    from ..output import atomic_write, move_folder_into_place
    from ..reports.run_outputs import workbook_sheets
    from ..reports.docx import save_document, theme_table_document
    from ..reports.html import html_report, save_html
    from ..writers.tables import write_sheets, write_table

    made, themes, summary, png = tables["made"], tables["themes"], tables["summary"], tables["heatmap"]
    folder = planned["excerpts"]
    work = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:12]}.tmp"
    work.mkdir()
    try:
        targets = split_targets(made.groups, work, "docx")
        heading = tables["title"] or "Coded excerpts by participant group"
        run_id = uuid.uuid4().hex[:8]
        futures = []
        for i, (group, target) in enumerate(targets.items()):
            info = made.info(tables["book"], title=f"{heading}: {group}", study=tables["study"])
            futures.append(dask.submit(
                write_group_excerpts, str(coded.path), group, str(target), made.order, themes, made.groups, info,
                summary, png, tables["retired"], key=f"qualcode-excerpts-{run_id}-{i}", retries=2))
        small = {
            "summary": lambda p: write_table(summary, p, "csv", force=force),
            "theme_table": lambda p: write_table(themes, p, "csv", force=force),
            "theme_table_docx": lambda p: save_document(
                theme_table_document(themes, info=tables["theme_info"], heatmap=png, summary=summary), p, force=force),
            "workbook": lambda p: atomic_write(p, lambda tmp: write_sheets(
                workbook_sheets(summary, themes, None, None, tables["counts"], tables["info"]), tmp), force=force),
            "report": lambda p: save_html(html_report(
                themes, None, summary=summary, heatmap=png, info=tables["info"], by="group", groups=made.groups,
                excerpts_elsewhere=f"The coded excerpts are in {folder.name}/: one Word document per participant "
                                   "group."), p, force=force),
            "heatmap": lambda p: atomic_write(p, lambda tmp: tmp.write_bytes(png), force=force),
        }
        written = {"codings": coded.path}
        for name, write in small.items():
            step(f"write:{name}")
            written[name] = write(planned[name])
        step("write:excerpts")
        dask.gather(futures)
        written["excerpts"] = move_folder_into_place(work, folder, force)
        work = None
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return {name: written[name] for name in OUTPUTS}


def write_group_excerpts(dataset: str, group: str, target: str, order, themes, groups: list[str], info, summary,
                         heatmap: bytes | None, retired: frozenset) -> str:
    """On a worker: the Word document of one group's excerpts, from that group's codings streamed from the
    dataset; the same document as ``qualcode excerpts ... --split`` writes for the group."""
    import pandas as pd

    from ..coding.table import check_codings, empty_codings
    from .tables import _select_rows, _Spec
    from ..coding.dataset import iter_excerpts
    from ..analysis.excerpts import excerpts_of
    from ..reports.docx import excerpts_document, save_document

    parts = list(iter_excerpts(dataset, group=group))
    codings = check_codings(pd.concat(parts, ignore_index=True) if parts else empty_codings())
    selected = _select_rows(codings, _Spec(None, None, retired, {}, {}, False)).reset_index(drop=True)
    document = excerpts_document(excerpts_of(selected, order), themes, by="group", summary=summary, heatmap=heatmap,
                                 info=info, groups=groups, only=[group], deferred=True)
    return str(save_document(document, target, force=True))

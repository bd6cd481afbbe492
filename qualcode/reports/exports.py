"""Writing the theme table, the framework matrix and the coded excerpts to a file in any format.

Each function builds its table from the codings table and writes it atomically; ``fmt`` defaults to
the suffix of ``path``. Word (docx) output is a formatted document; csv, json, md, xlsx and html are
the DataFrame itself (:mod:`qualcode.writers.tables`). Nothing is overwritten unless ``force=True``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import OutputExistsError, QualcodeError
from ..output import check_writable
from ..writers.tables import table_format, write_table

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook


def _prepare(codings, codebook, coder, origin):
    from ..analysis.selection import outline, select_codings

    selected = select_codings(codings, codebook, coder=coder, origin=origin)
    return selected, outline(selected, codebook)


def export_themes(codings: "pd.DataFrame", path: str | Path, fmt: str | None = None, *,
                  codebook: "Codebook | None" = None, participants: "pd.DataFrame | dict | None" = None,
                  coder: "str | list[str] | None" = None, origin: "str | list[str] | None" = None, compact: bool = False,
                  title: str | None = None, study: str | None = None, force: bool = False,
                  by: "str | list[str] | None" = None, max_values: int | None = 30
                  ) -> "tuple[Path, pd.DataFrame]":
    """Write the theme table (``compact``: the "Table Two" variant); return ``(path, table)``. ``by``: any
    attribute or a list, in place of the participant group (see :func:`qualcode.theme_table`).

    >>> path, table = qualcode.export_themes(codings, tmp / "themes.docx", codebook=codebook,
    ...                                      participants=corpus.summary())
    >>> path.name, table.level.iloc[0]
    ('themes.docx', 'theme')
    """
    from ..analysis.excerpts import excerpts_of
    from ..analysis.selection import group_sizes
    from ..analysis.themes import compact_table, table_of

    fmt = table_format(path, fmt)
    check_writable(path, force)
    from ..analysis.attributes import prepare_by

    selected, order = _prepare(codings, codebook, coder, origin)
    selected, study_sizes, notes = prepare_by(selected, by, participants, max_values=max_values)
    table = table_of(excerpts_of(selected, order), order, group_sizes(selected, study_sizes), notes=notes, by=by,
                     study=study_sizes)
    if compact:
        table = compact_table(table)
    if fmt != "docx":
        return write_table(table, path, fmt, title=title or "Theme table", force=force), table
    from .plots import figure_png, prevalence_heatmap
    from .docx import compact_document, save_document, theme_table_document
    from .info import report_info

    info = report_info(selected, codebook, title=title or ("Themes and sub-themes" if compact else "Theme table"),
                       study=study)
    if compact:
        document = compact_document(table, info=info)
    else:
        document = theme_table_document(table, info=info, heatmap=figure_png(prevalence_heatmap(table)),
                                        summary=_summary(participants))
    return save_document(document, path, force=force), table


def export_matrix(codings: "pd.DataFrame", path: str | Path, fmt: str | None = None, *,
                  codebook: "Codebook | None" = None, participants: "pd.DataFrame | dict | None" = None,
                  rows: str = "participant", columns: str = "theme", cells: str = "both", truncate: int | None = None,
                  coder: "str | list[str] | None" = None, origin: "str | list[str] | None" = None, title: str | None = None,
                  force: bool = False, by: "str | list[str] | None" = None, max_values: int | None = 30
                  ) -> "tuple[Path, pd.DataFrame]":
    """Write the framework matrix; return ``(path, matrix)``. Excerpts are cut to ``truncate``
    characters, except in xlsx, where they are full unless ``truncate`` is given (default 200 elsewhere).

    >>> path, matrix = qualcode.export_matrix(codings, tmp / "matrix.xlsx", codebook=codebook, cells="count")
    >>> path.name, matrix.columns[:3].tolist()
    ('matrix.xlsx', ['group', 'participant', 'participant_id'])
    """
    from ..analysis.excerpts import excerpts_of
    from ..analysis.matrix import check_options, matrix_of
    from ..analysis.selection import NO_GROUP, group_sizes

    check_options(rows, columns, cells)
    fmt = table_format(path, fmt)
    check_writable(path, force)
    if truncate is None and fmt != "xlsx":
        truncate = 200
    from ..analysis.attributes import prepare_by

    selected, order = _prepare(codings, codebook, coder, origin)
    selected, participants, _ = prepare_by(selected, by, participants, max_values=max_values)
    groups = group_sizes(selected, participants).groups + [NO_GROUP]
    matrix = matrix_of(excerpts_of(selected, order), order, groups, rows=rows, columns=columns, cells=cells,
                       truncate=truncate)
    title = title or "Framework matrix"
    if fmt != "docx":
        return write_table(matrix, path, fmt, title=title, force=force), matrix
    from .docx import matrix_document, save_document
    from .info import report_info

    document = matrix_document(matrix, info=report_info(selected, codebook, title=title))
    return save_document(document, path, force=force), matrix


def slug(text: str) -> str:
    """A file-name-safe form of a group or theme name: ``Link Workers`` -> ``link-workers``."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).casefold()).strip("-")[:60] or "unnamed"


def split_targets(names: list[str], folder: Path, fmt: str, labels: dict | None = None) -> dict:
    """``{name: folder/excerpts_<slug>.<fmt>}``: one file per group (or theme id, named by ``labels``),
    with distinct file names even where two names give the same slug."""
    targets, seen = {}, set()
    for name in names:
        stem = slug(labels.get(name, name) if labels is not None else name)
        while stem in seen:
            stem += "-2"
        seen.add(stem)
        targets[name] = Path(folder) / f"excerpts_{stem}.{fmt}"
    return targets


def export_excerpts(codings: "pd.DataFrame", path: str | Path, fmt: str | None = None, *,
                    codebook: "Codebook | None" = None, participants: "pd.DataFrame | dict | None" = None,
                    by: str = "group", split: bool = False, coder: "str | list[str] | None" = None, origin: "str | list[str] | None" = None,
                    title: str | None = None, study: str | None = None, force: bool = False,
                    max_values: int | None = 30) -> list[Path]:
    """Write the coded excerpts (docx: the Word document; other formats: the excerpt table).

    ``by``: ``group`` (group > theme > sub-theme), ``theme`` (theme > sub-theme > group), or any other
    attribute or a list of them (its values in place of the groups: ``by="wave"``, ``by=["group", "role"]``).

    ``split=True`` writes one file per group (``by="group"``) or theme into the folder ``path``
    (created if missing): ``excerpts_<name>.<fmt>``. Returns the paths written.

    >>> [p.name for p in qualcode.export_excerpts(codings, tmp / "excerpts.docx", codebook=codebook)]
    ['excerpts.docx']
    """
    from ..analysis.excerpts import excerpts_of
    from .plots import figure_png, prevalence_heatmap
    from ..analysis.selection import NO_GROUP, group_sizes
    from ..analysis.themes import table_of

    from ..analysis.attributes import as_list, prepare_by

    names = as_list(by)
    attribute = None
    if names not in (["group"], ["theme"]):
        if "theme" in names:
            raise QualcodeError("--by theme orders the excerpts by theme; it cannot be combined with attributes.")
        attribute, by = names, "group"
    path = Path(path)
    fmt = fmt or ("docx" if split or not path.suffix else None)
    fmt = table_format(None if split else path, fmt)
    selected, order = _prepare(codings, codebook, coder, origin)
    notes = []
    if attribute is not None:
        selected, participants, notes = prepare_by(selected, attribute, participants, max_values=max_values)
    sizes = group_sizes(selected, participants)
    excerpts = excerpts_of(selected, order)
    themes = table_of(excerpts, order, sizes, notes=notes, by=attribute, study=participants)
    groups = sizes.groups + ([NO_GROUP] if (excerpts.group == NO_GROUP).any() else [])
    if split:
        names = groups if by == "group" else list(order.loc[order.level == "theme", "theme_id"])
        theme_rows = order[order.level == "theme"]  # a theme's own number, not its last sub-theme's
        labels = {t: f"{n} {lbl}" for t, n, lbl in zip(theme_rows.theme_id, theme_rows.number, theme_rows.theme)}
        targets = split_targets(names, path, fmt, labels if by == "theme" else None)
        existing = [str(p) for p in targets.values() if p.exists()]
        if existing and not force:
            raise OutputExistsError(f"{', '.join(existing)} already exist; pass --force to replace them.")
        if path.exists() and not path.is_dir():
            raise QualcodeError(f"{path} is a file; with --split, -o/--output is a folder for one file per {by}.")
        path.mkdir(parents=True, exist_ok=True)
        parts = {name: excerpts[(excerpts.group if by == "group" else excerpts.theme_id) == name] for name in names}
    else:
        check_writable(path, force)
        targets, parts = {None: path}, {None: excerpts}
    heatmap = figure_png(prevalence_heatmap(themes)) if fmt in ("docx",) else None
    written = []
    for name, target in targets.items():
        part = parts[name]
        heading = title or (f"Coded excerpts by {' and '.join(attribute)}" if attribute else
                            "Coded excerpts by participant group" if by == "group" else "Coded excerpts by theme")
        if name is not None:
            heading = f"{heading}: {name if by == 'group' else labels.get(name, name)}"
        if fmt == "docx":
            from .docx import excerpts_document, save_document
            from .info import report_info

            info = report_info(selected, codebook, title=heading, study=study)
            document = excerpts_document(part.reset_index(drop=True), themes, by=by, heatmap=heatmap, info=info,
                                         groups=groups, only=None if name is None else [name],
                                         summary=_summary(participants), deferred=True)
            written.append(save_document(document, target, force=force))
        else:
            written.append(write_table(part.reset_index(drop=True), target, fmt, title=heading, force=force))
    return written


def _summary(participants):
    """The study summary, if ``participants`` is one (it has the summary's columns)."""
    if participants is not None and hasattr(participants, "columns") and {"group", "participants"} <= set(participants.columns):
        return participants
    return None

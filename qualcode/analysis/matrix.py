"""The framework matrix: participants (by group) or sources down, themes or sub-themes across.

>>> qualcode.framework_matrix(codings, codebook, rows="participant", columns="theme")   # doctest: +SKIP

Each cell holds the passages coded there (counted as in the theme table: distinct passages). With
``cells="both"`` (default) a cell reads ``2 excerpts:`` followed by one ``- excerpt [SW-FG1, turn 54]`` line
each (the excerpt, then where it is);
``cells="count"`` gives numbers (a pivot table) and ``cells="text"`` the excerpts only. ``truncate``
cuts each excerpt to that many characters for display (``None``: full text, as in the xlsx, where
a cell is still capped at Excel's 32,767 characters). Rows are participants grouped by group (in the
order of :func:`~qualcode.analysis.selection.group_sizes`) or sources; columns are numbered like the theme
table: ``1 Accessing ...`` or ``1.1 Awareness ...``.
"""

from __future__ import annotations

from ..errors import QualcodeError
from .attributes import MAX_VALUES, prepare_by
from .excerpts import excerpts_of
from .selection import NO_GROUP, group_sizes, outline, select_codings

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook

ROWS = ("participant", "source")
COLUMNS = ("theme", "subtheme")
CELLS = ("both", "count", "text")
EXCEL_CELL_LIMIT = 32_767


def _clip(text: str, limit: int | None) -> str:
    text = " ".join(str(text).split())
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 1)].rstrip() + "\u2026"


def _cell(texts: list[str] | int, cells: str, truncate: int | None) -> str | int:
    if cells == "count":
        return texts if isinstance(texts, int) else len(texts)
    # each excerpt ends with where it is, ``[SW-FG1, turn 54]``, so a cell can be traced to its source
    lines = [f"- {_clip(t[0], truncate)} [{t[1]}]" if isinstance(t, tuple) else f"- {_clip(t, truncate)}"
             for t in texts]
    if cells == "both":
        lines.insert(0, f"{len(texts)} excerpt{'s' if len(texts) != 1 else ''}:")
    cell = "\n".join(lines)
    if len(cell) > EXCEL_CELL_LIMIT:
        cell = cell[: EXCEL_CELL_LIMIT - 60].rstrip() + "\n[... cut at Excel's cell limit; see the codings sheet]"
    return cell


def check_options(rows: str, columns: str, cells: str) -> None:
    for name, value, allowed in (("rows", rows, ROWS), ("columns", columns, COLUMNS), ("cells", cells, CELLS)):
        if value not in allowed:
            raise QualcodeError(f"matrix {name} must be one of {', '.join(allowed)}, not {value!r}.")


def matrix_columns(order, direct: set, columns: str = "theme") -> dict:
    """``{(theme_id, subtheme_id): column name}`` of the matrix, in outline order. ``direct``: the themes
    with passages coded at the theme itself (they get a column of their own beside their sub-themes)."""
    if columns == "theme":
        nodes = order[order.level == "theme"]
        return {(r.theme_id, ""): f"{r.number} {r.theme}" for r in nodes.itertuples(index=False)}
    # sub-themes; a theme's own column where it has none, or where passages are coded at the theme itself
    has_subs = set(order.loc[order.level == "sub-theme", "theme_id"])
    is_theme = order.level == "theme"
    nodes = order[~is_theme | ~order.theme_id.isin(has_subs) | order.theme_id.isin(direct)]
    return {(r.theme_id, r.subtheme_id): f"{r.number} {r.subtheme}" if r.subtheme_id else
            f"{r.number} {r.theme}{' (theme itself)' if r.theme_id in has_subs else ''}"
            for r in nodes.itertuples(index=False)}


def matrix_of(excerpts, order, groups: list[str], *, rows: str = "participant", columns: str = "theme",
              cells: str = "both", truncate: int | None = 200):
    """The framework matrix from an excerpt table and its outline (see :func:`framework_matrix`)."""
    check_options(rows, columns, cells)
    names = matrix_columns(order, set(excerpts.loc[excerpts.subtheme_id == "", "theme_id"]), columns)
    if columns == "theme":
        passages = excerpts.drop_duplicates(["theme_id", "source_id", "start", "end"]).assign(subtheme_id="")
    else:
        passages = excerpts
    if rows == "participant":
        keys = ["group", "label", "participant_id"]
        passages = passages[passages.participant_id.notna()]
        rank = {g: i for i, g in enumerate(groups)}
        people = passages[keys].drop_duplicates().assign(
            _g=lambda f: f.group.map(lambda g: rank.get(g, len(rank))),
            _p=lambda f: f.participant_id.map({p: i for i, p in enumerate(dict.fromkeys(passages.participant_id))}),
        ).sort_values(["_g", "_p"], kind="stable")
        index = people[keys]
    else:
        keys = ["source_id"]
        index = passages[keys].drop_duplicates()
        who = passages.groupby("source_id", sort=False)["attribution"].agg(lambda v: "; ".join(dict.fromkeys(v)))
        index = index.assign(participants=index.source_id.map(who))
    cell_of: dict = {}
    columns_of = [passages[c].tolist() for c in (*keys, "theme_id", "subtheme_id")]
    for key, text, where in zip(zip(*columns_of), passages.text.tolist(), passages.location.tolist()):
        cell_of.setdefault(key, []).append((text, where))
    return matrix_frame(index, keys, names, cell_of, rows=rows, cells=cells, truncate=truncate)


def matrix_frame(index, keys: list[str], names: dict, cell_of: dict, *, rows: str, cells: str,
                 truncate: int | None):
    """The matrix: ``index`` (the row keys, in order), one column per node of ``names``; ``cell_of`` maps
    ``(*row key, theme_id, subtheme_id)`` to the excerpts there (or, for ``cells="count"``, their number)."""
    import pandas as pd

    frame = index.reset_index(drop=True).copy()
    empty = 0 if cells == "count" else ""
    for node, name in names.items():
        frame[name] = [
            _cell(cell_of[k], cells, truncate) if (k := (*row, *node)) in cell_of else empty
            for row in index[keys].itertuples(index=False, name=None)
        ]
    if rows == "participant":
        frame = frame.rename(columns={"label": "participant"})
    if frame.empty and not len(names):
        frame = pd.DataFrame(columns=frame.columns)
    # in a workbook the row keys stay in view while the themes scroll, under headers in words
    frame.attrs["freeze_columns"] = len(keys) if rows == "participant" else len(keys) + 1
    frame.attrs["header_words"] = True
    return frame


def framework_matrix(codings: "pd.DataFrame", codebook: "Codebook | None" = None, *, rows: str = "participant",
                     columns: str = "theme", cells: str = "both", truncate: int | None = 200,
                     participants: "pd.DataFrame | dict | None" = None, coder: "str | list[str] | None" = None, origin: "str | list[str] | None" = None,
                     by: "str | list[str] | None" = None, max_values: int | None = MAX_VALUES) -> "pd.DataFrame":
    """The framework matrix of ``codings`` as a DataFrame (see the module doc).

    ``rows``: ``participant`` (columns ``group, participant, participant_id`` first) or ``source``
    (``source_id, participants``); ``columns``: ``theme`` or ``subtheme``; ``cells``: ``both``,
    ``count`` or ``text``. ``participants`` (the study summary) only orders the groups. ``by`` (any
    attribute or a list) groups the rows by its values instead of the participant group: the first column
    then holds them (a participant coded in two waves has a row in each).

    ``codings`` is a pandas DataFrame; ``qualcode.framework_matrix`` (:mod:`qualcode.engines`) also takes a
    Dask one for ``cells="count"``, whose counts are computed on the cluster with the same result.

    >>> matrix = qualcode.framework_matrix(codings, codebook, rows="source", cells="count")
    >>> sorted(matrix.source_id) == sorted(codings.source_id.unique())
    True
    """
    check_options(rows, columns, cells)
    selected = select_codings(codings, codebook, coder=coder, origin=origin)
    order = outline(selected, codebook)
    selected, participants, _ = prepare_by(selected, by, participants, max_values=max_values)
    groups = group_sizes(selected, participants).groups
    return matrix_of(excerpts_of(selected, order), order, groups + [NO_GROUP], rows=rows, columns=columns,
                     cells=cells, truncate=truncate)

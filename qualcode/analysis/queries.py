"""Questions analysts ask of the codings table, answered with DataFrame operations.

>>> clients = queries.excerpts(codings, "buddying", group="Clients")   # a code's excerpts from one group
>>> clients[["label", "text"]].shape[1]
2
>>> queries.cooccurring(codings, "buddying").columns.tolist()          # what else is coded where it is
['id', 'label', 'theme', 'units', 'share']
>>> who = queries.participants(codings, mention="buddying", without="Tapering support and endings")  # X, not Y
>>> queries.counts(codings, by="group").columns[-1]                    # themes x groups, distinct excerpts
'Total'

Every function takes the codings table (any frame with its columns: the output of
:func:`qualcode.code`, :func:`qualcode.read_codings`, :func:`qualcode.read_codings_table`, ...) and the
same is available on the frame itself as ``codings.qc.excerpts(...)`` (:mod:`qualcode.notebook.accessor`).

A theme, sub-theme or code is named by its id or its label, in any case. A coding belongs to a node when
the node is its code, its sub-theme or its theme, so asking for a theme gives the codings of everything
under it. A name the codings do not hold raises :class:`~qualcode.errors.CodingsError` with the closest
name and what there is; so does an unknown group, participant, source, coder, column or option.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Iterable

from ..coding.table import REQUIRED_COLUMNS
from ..errors import CodingsError, NotCodingsTableError, did_you_mean, listing
from .attributes import MAX_VALUES, SEPARATOR, check_by, values_of

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook

#: Levels of the tree a question can be asked at, with their id and label columns.
LEVELS = {"theme": ("theme_id", "theme"), "subtheme": ("subtheme_id", "subtheme"), "code": ("code_id", "code")}
#: What "together" means for co-occurrence: in one segment (turn), by one participant, or in one source.
WITHIN = ("segment", "participant", "source")
#: What :func:`counts` counts.
MEASURES = ("excerpts", "participants", "sources", "codings")
_KIND = {"theme": "theme", "subtheme": "sub-theme", "code": "code"}


# -- checking inputs ------------------------------------------------------------------------------
def require(codings, name: str = "codings") -> "pd.DataFrame":
    """``codings`` if it is a codings table; else :class:`~qualcode.errors.NotCodingsTableError` naming the
    missing columns and the ones it has."""
    columns = getattr(codings, "columns", None)
    if columns is None:
        raise NotCodingsTableError(f"{name}: expected a codings table (a pandas DataFrame), not {type(codings).__name__}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise NotCodingsTableError(
            f"{name}: not a codings table: missing column(s) {', '.join(missing)} (it has: "
            f"{', '.join(map(str, columns)) or 'no columns'}). Codings come from qualcode.code(), "
            "qualcode.read_codings() or qualcode.read_codings_table()."
        )
    return codings


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def check_choice(value: str, choices: Iterable[str], what: str) -> str:
    """``value`` if it is one of ``choices``; else a CodingsError naming them (and the closest)."""
    choices = list(choices)
    if value not in choices:
        raise CodingsError(f"{what} must be one of {', '.join(choices)}, not {value!r}{did_you_mean(value, choices)}")
    return value


def column(codings, name: str) -> str:
    """``name`` if the codings table has that column; else an error naming the columns it has."""
    if name not in codings.columns:
        columns = list(map(str, codings.columns))
        raise CodingsError(f"no column {name!r} in the codings table{did_you_mean(name, columns) or '.'} Its columns are: "
                           f"{', '.join(columns)}.")
    return name


def _ids(codings, level: str):
    id_col = LEVELS[level][0]
    if id_col not in codings.columns:
        import pandas as pd

        return pd.Series([None] * len(codings), index=codings.index, dtype="object")
    return codings[id_col]


def nodes(codings, level: str | None = None) -> "pd.DataFrame":
    """The themes, sub-themes and codes the codings name: ``level, id, label, codings``.

    ``level`` (``theme``, ``subtheme`` or ``code``) keeps one level. A theme or sub-theme coded directly
    also appears as a code (it is that coding's most specific node).
    """
    import pandas as pd

    frame = require(codings)
    levels = list(LEVELS) if level is None else [check_choice(level, LEVELS, "level")]
    parts = []
    for lv in levels:
        id_col, label_col = LEVELS[lv]
        ids = _ids(frame, lv)
        labels = frame[label_col] if label_col in frame.columns else ids
        part = pd.DataFrame({"id": ids, "label": labels}).dropna(subset=["id"])
        part = part.assign(id=part["id"].astype(str), label=part["label"].fillna(part["id"]).astype(str))
        counted = part.groupby("id", sort=False).agg(label=("label", "first"), codings=("label", "size")).reset_index()
        parts.append(counted.assign(level=lv))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["level", "id", "label", "codings"])
    return out[["level", "id", "label", "codings"]]


def resolve(codings, name: str) -> str:
    """The node id for ``name`` (an id or a label of a theme, sub-theme or code, in any case)."""
    known = nodes(codings)
    by_id = {i.casefold(): i for i in known["id"]}
    by_label = {}
    for node_id, label in zip(known["id"], known["label"]):
        by_label.setdefault(label.casefold(), node_id)
    key = str(name).strip().casefold()
    if key in by_id:
        return by_id[key]
    if key in by_label:
        return by_label[key]
    if known.empty:
        raise CodingsError(f"no theme, sub-theme or code {name!r}: the codings table is empty.")
    themes = sorted(known.loc[known.level == "theme", "label"], key=str.casefold)
    close = difflib.get_close_matches(key, [*by_id, *by_label], n=1, cutoff=0.5)
    hint = "."
    if close:
        node_id = by_id.get(close[0]) or by_label[close[0]]
        label = known.loc[known["id"] == node_id, "label"].iloc[0]
        hint = f"; did you mean {label!r} ({node_id})?" if label != node_id else f"; did you mean {node_id!r}?"
    raise CodingsError(
        f"no theme, sub-theme or code {name!r} in these codings{hint} Give an id or a label; the themes are: "
        f"{listing(themes)}. codings.qc.nodes() lists every name."
    )


def node_mask(codings, names) -> "pd.Series":
    """True for the codings that belong to any of ``names`` (the node is its code, sub-theme or theme)."""
    frame = require(codings)
    wanted = {resolve(frame, n) for n in _as_list(names)}
    mask = frame["code_id"].isin(wanted) | frame["theme_id"].isin(wanted)
    if "subtheme_id" in frame.columns:
        mask |= frame["subtheme_id"].isin(wanted)
    return mask


def _value_mask(frame, columns: tuple[str, ...], wanted, what: str):
    """Rows whose value in any of ``columns`` equals one of ``wanted`` (case-insensitive); unknown values
    raise an error naming the closest and what there is."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        raise CodingsError(f"the codings table has no {' or '.join(columns)} column, so it cannot be filtered by "
                           f"{what}; its columns are: {', '.join(map(str, frame.columns))}.")
    known: dict[str, str] = {}
    for c in present:
        for value in frame[c].dropna().astype(str).unique():
            known.setdefault(value.casefold(), value)
    keys = set()
    for value in _as_list(wanted):
        key = value.strip().casefold()
        if key not in known:
            options = sorted(set(known.values()), key=str.casefold)
            raise CodingsError(f"no {what} {value!r} in these codings{did_you_mean(value, options) or '.'} The {what}s "
                               f"there are: {listing(options)}.")
        keys.add(key)
    mask = None
    for c in present:
        hit = frame[c].astype("string").str.casefold().isin(keys).fillna(False).astype(bool)
        mask = hit if mask is None else mask | hit
    return mask


# -- the questions ---------------------------------------------------------------------------------
def excerpts(codings, about=None, *, group=None, participant=None, source=None, coder=None, origin=None,
             distinct: bool = True) -> "pd.DataFrame":
    """The codings of ``about`` (a theme, sub-theme or code, or a list: any of them) from ``group``,
    ``participant`` (id or label), ``source``, ``coder`` or ``origin``; each a value or a list.

    ``distinct`` (default) lists a passage once even when several of its codings match (two codes of one
    theme, or two coders). Returns rows of the codings table, keeping their index.

    >>> queries.excerpts(codings, "buddying", group=["Clients", "Link Workers"]).group.unique().tolist()
    ['Link Workers', 'Clients']
    """
    frame = require(codings)
    mask = None
    if about is not None:
        mask = node_mask(frame, about)
    for value, columns, what in ((group, ("group",), "group"), (participant, ("participant_id", "label"), "participant"),
                                 (source, ("source_id",), "source"), (coder, ("coder",), "coder"),
                                 (origin, ("origin",), "origin")):
        if value is not None:
            hit = _value_mask(frame, columns, value, what)
            mask = hit if mask is None else mask & hit
    out = frame if mask is None else frame[mask]
    return out.drop_duplicates(["source_id", "start", "end"]) if distinct else out


def units(codings, within: str = "segment") -> "pd.Series":
    """The unit each coding is in: its ``segment`` (``segment_id``, else ``source:start-end``),
    ``participant`` or ``source``."""
    frame = require(codings)
    check_choice(within, WITHIN, "within")
    if within == "participant":
        return frame["participant_id"]
    if within == "source":
        return frame["source_id"]
    spans = frame["source_id"].astype(str) + ":" + frame["start"].astype(str) + "-" + frame["end"].astype(str)
    if "segment_id" not in frame.columns:
        return spans
    return frame["segment_id"].where(frame["segment_id"].notna(), spans)


def _order(frame, level: str, ids: list[str], codebook=None) -> list[str]:
    """``ids`` in codebook order (with a codebook), else by theme, sub-theme and label."""
    if codebook is not None:
        rank = {node_id: i for i, node_id in enumerate(codebook.nodes)}
        return sorted(ids, key=lambda i: (rank.get(i, len(rank)), i))
    first = _first_rows(frame, level)
    id_col = LEVELS[level][0]
    texts = [first[c].tolist() if c in first.columns else [None] * len(first)
             for c in ("theme", "subtheme", LEVELS[level][1])]
    key = {str(i): tuple(_text(v).casefold() for v in values) for i, *values in zip(first[id_col], *texts)}
    return sorted(ids, key=lambda i: (*key.get(i, ()), i))


def _text(value) -> str:
    return "" if value is None or value != value else str(value)


def _first_rows(frame, level: str):
    """The first row of each node of ``level``, with only the id and label columns (cheap on big tables)."""
    id_col = LEVELS[level][0]
    if id_col not in frame.columns:  # e.g. hand-made codings without sub-themes
        return frame.iloc[:0][[]].assign(**{id_col: []})
    columns = [c for c in dict.fromkeys((id_col, "theme", "subtheme", LEVELS[level][1])) if c in frame.columns]
    return frame[columns].dropna(subset=[id_col]).drop_duplicates(id_col)


def _labels(frame, level: str, ids: list[str]) -> list[str]:
    """Display labels for ``ids``; an id whose label another node shares gets its id added."""
    id_col, label_col = LEVELS[level]
    first = _first_rows(frame, level)
    label_of = dict(zip(first[id_col].astype(str),
                        (first[label_col] if label_col in first.columns else first[id_col]).astype(str)))
    labels = [label_of.get(i) or i for i in ids]
    seen = {label: labels.count(label) for label in labels}
    return [f"{label} ({i})" if seen[label] > 1 else label for label, i in zip(labels, ids)]


def cooccurrence(codings, level: str = "subtheme", within: str = "segment", *, codebook: "Codebook | None" = None
                 ) -> "pd.DataFrame":
    """Square table of how many units (``within``: segment, participant or source) have both nodes.

    Rows and columns are the labels of the ``level``'s nodes (``theme``, ``subtheme`` or ``code``), in
    codebook order with a ``codebook``; the diagonal is the number of units with that node. ``attrs``
    holds the ``ids``, ``level`` and ``within``.

    >>> table = queries.cooccurrence(codings, "theme", within="participant")
    >>> bool((table.to_numpy() == table.to_numpy().T).all())
    True
    """
    import numpy as np
    import pandas as pd
    from scipy import sparse

    frame = require(codings)
    check_choice(level, LEVELS, "level")
    pairs = pd.DataFrame({"unit": units(frame, within), "node": _ids(frame, level)}).dropna().drop_duplicates()
    ids = _order(frame, level, sorted(pairs["node"].astype(str).unique()), codebook)
    if not ids:
        table = pd.DataFrame(np.zeros((0, 0), dtype="int64"))
    else:
        unit_codes, _ = pd.factorize(pairs["unit"])
        position = {node_id: k for k, node_id in enumerate(ids)}
        node_codes = pairs["node"].astype(str).map(position).to_numpy()
        incidence = sparse.csr_matrix((np.ones(len(pairs), dtype=np.int64), (unit_codes, node_codes)),
                                      shape=(int(unit_codes.max()) + 1, len(ids)))
        labels = _labels(frame, level, ids)
        table = pd.DataFrame((incidence.T @ incidence).toarray().astype("int64"), index=labels, columns=labels)
    table.index.name = _KIND[level]
    table.attrs.update(ids=ids, level=level, within=within)
    return table


def cooccurring(codings, about, *, level: str = "code", within: str = "segment") -> "pd.DataFrame":
    """What else is coded in the units (``within``) where ``about`` is coded, most often first.

    Columns: ``id``, ``label`` and ``theme`` of the other node at ``level``; ``units`` (how many of
    ``about``'s units it is in) and ``share`` (of ``about``'s units, 0-1). Codings of ``about`` itself
    (and, for a theme, of everything under it) are not counted.
    """
    import pandas as pd

    frame = require(codings)
    check_choice(level, LEVELS, "level")
    unit = units(frame, within)
    mask = node_mask(frame, about)
    target = set(unit[mask].dropna())
    others = frame[~mask & unit.isin(target)]
    id_col = LEVELS[level][0]
    pairs = pd.DataFrame({"unit": unit[others.index], "id": _ids(others, level)}).dropna().drop_duplicates()
    counted = pairs.groupby("id").size()
    ids = list(counted.index.astype(str))
    first = _first_rows(others, level)
    theme_of = dict(zip(first[id_col].astype(str), first["theme"].map(_text))) if "theme" in first.columns else {}
    out = pd.DataFrame({
        "id": ids,
        "label": _labels(frame, level, ids),
        "theme": [theme_of.get(i, "") for i in ids],
        "units": [int(counted[i]) for i in ids],
    }, columns=["id", "label", "theme", "units"])
    out["share"] = (out["units"] / len(target)).round(3) if target else 0.0
    out = out.sort_values(["units", "label"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.attrs.update(about=str(about), units=len(target), within=within)
    return out


def participants(codings, mention=None, without=None, *, how: str = "all", by=None) -> "pd.DataFrame":
    """Participants who mention ``mention`` (``how="all"`` of a list, or ``"any"``) and none of ``without``.

    Columns: ``participant_id``, ``label``, ``group``, ``excerpts`` (their distinct passages of
    ``mention``, or of anything without it) and ``sources``. Only participants in the codings are
    considered, so "not Y" means "coded, but never with Y"; researchers' codings are left out. ``by`` (any
    attribute or a list, e.g. ``["group", "role"]``) adds those columns (a participant whose value differs
    between sources, like a wave, gets one row per value) and orders the rows by them.

    >>> who = queries.participants(codings, mention="buddying", without="tapering-support")
    >>> who.columns.tolist()
    ['participant_id', 'label', 'group', 'excerpts', 'sources']
    """
    import pandas as pd

    frame = require(codings)
    check_choice(how, ("all", "any"), "how")
    people = frame[frame["participant_id"].notna()]
    chosen = set(people["participant_id"])
    masks = [node_mask(people, name) for name in _as_list(mention)]
    mentioned = None
    for mask in masks:
        mentioned = mask if mentioned is None else mentioned | mask
        if how == "all":
            chosen &= set(people.loc[mask, "participant_id"])
    if mentioned is not None and how == "any":
        chosen = set(people.loc[mentioned, "participant_id"])
    for name in _as_list(without):
        chosen -= set(people.loc[node_mask(people, name), "participant_id"])
    keep = people["participant_id"].isin(chosen)
    rows = people[keep if mentioned is None else keep & mentioned]
    rows = rows.drop_duplicates(["participant_id", "source_id", "start", "end"])
    groups = list(dict.fromkeys(frame["group"].dropna().astype(str)))
    out = (rows.groupby("participant_id", sort=False)
           .agg(label=("label", "first"), group=("group", "first"), excerpts=("start", "size"),
                sources=("source_id", "nunique"))
           .reset_index())
    out["_g"] = out["group"].map(lambda g: groups.index(str(g)) if str(g) in groups else len(groups))
    out = out.sort_values(["_g", "participant_id"], kind="stable").drop(columns="_g").reset_index(drop=True)
    out = out[["participant_id", "label", "group", "excerpts", "sources"]]
    names = [n for n in check_by(frame, by, max_values=None) if n != "group"] if by is not None else []
    if names:
        keys = ["participant_id", *names]
        per = (rows.assign(**{n: values_of(rows, n) for n in names})
               .groupby(keys, sort=False, dropna=False)
               .agg(excerpts=("start", "size"), sources=("source_id", "nunique")).reset_index())
        out = out.drop(columns=["excerpts", "sources"]).merge(per, on="participant_id", how="left")
        out = out.sort_values(names, kind="stable").reset_index(drop=True)
        out = out[["participant_id", "label", "group", *names, "excerpts", "sources"]]
    return out


def counts(codings, by="group", level: str = "theme", *, measure: str = "excerpts",
           codebook: "Codebook | None" = None, max_values: int | None = MAX_VALUES) -> "pd.DataFrame":
    """A cross-table: the ``level``'s nodes as rows, the values of column ``by`` as columns, and a Total.

    ``measure``: ``excerpts`` (distinct passages), ``participants``, ``sources`` or ``codings`` (rows).
    ``by`` is any attribute of the codings table (``group``, ``method``, ``coder``, ``role``, ``wave``, ...) or
    a list of them (``["group", "role"]``: one column per combination). The Total counts each passage
    (participant, source) once, so for participants it is not the row sum. An attribute with more than
    ``max_values`` values is refused (raise it, or pass ``None``).

    >>> queries.counts(codings, by="method", level="theme", measure="participants").index.name
    'theme'
    """
    import pandas as pd

    frame = require(codings)
    check_choice(level, LEVELS, "level")
    check_choice(measure, MEASURES, "measure")
    names = check_by(frame, by, max_values=max_values)
    narrow = frame[list(dict.fromkeys(["source_id", "start", "end", "participant_id", *names]))]
    values = values_of(frame, names) if names != ["group"] else frame["group"]
    if len(names) == 1 and names[0] in ("source_id", "coder", "origin", "method"):
        values = frame[names[0]]
    by = names[0] if len(names) == 1 else SEPARATOR.join(names)
    rows = narrow.assign(_node=_ids(frame, level)).dropna(subset=["_node"])
    rows = rows.assign(_node=rows["_node"].astype(str),
                       _by=values[rows.index].astype("string").fillna("(none)").astype(str))
    key = {"excerpts": ["source_id", "start", "end"], "participants": ["participant_id"], "sources": ["source_id"],
           "codings": []}[measure]
    if key:
        rows = rows.dropna(subset=key)
    cells = (rows.drop_duplicates(["_node", "_by", *key]) if key else rows).groupby(["_node", "_by"], sort=False).size()
    totals = (rows.drop_duplicates(["_node", *key]) if key else rows).groupby("_node", sort=False).size()
    ids = _order(frame, level, list(dict.fromkeys(rows["_node"])), codebook)
    columns = sorted(set(rows["_by"]), key=lambda c: (c == "(none)", c.casefold()))
    if by == "group":  # participant groups in the order the codings first name them
        columns = list(dict.fromkeys(frame["group"].dropna().astype(str))) + [c for c in columns if c == "(none)"]
    table = cells.unstack("_by", fill_value=0).reindex(index=ids, columns=columns, fill_value=0).astype("int64")
    table["Total"] = totals.reindex(ids, fill_value=0).astype("int64")
    table.index = _labels(frame, level, ids)
    table.index.name = _KIND[level]
    table.columns.name = by
    table.attrs.update(ids=ids, level=level, by=by, measure=measure)
    return table

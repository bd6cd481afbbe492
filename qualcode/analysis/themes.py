"""The theme table: themes and sub-themes with counts, prevalence by participant group and exemplars.

>>> table = qualcode.theme_table(codings, codebook, corpus.summary())   # doctest: +SKIP
>>> qualcode.theme_table(codings, codebook, compact=True)               # the paper's "Table Two"  # doctest: +SKIP

One row per theme followed by its sub-themes, in codebook order (retired nodes hidden; nodes with no
codings show zeros). Columns:

``number`` (``1``, ``1.1``), ``level`` (``theme``/``sub-theme``), ``theme_id``, ``subtheme_id``,
``theme``, ``subtheme``, ``definition``; ``excerpts`` (distinct passages coded at the node or below:
a passage coded twice there counts once), ``sources``, ``participants``; for each participant group
``<group> n`` (its participants coded there) and ``<group> %`` (of the group's size); and ``exemplar``,
``exemplar_by`` (the attribution, e.g. ``Social Worker 2``) and ``exemplar_source`` (source and place).

``table.attrs["notes"]`` says what the percentages are of (the study's group sizes, or only the coded
participants when no summary was given) and anything left out; ``table.attrs["group_sizes"]`` holds
the denominators. The exporters print the notes under the table.
"""

from __future__ import annotations

from .attributes import MAX_VALUES, as_list, join_flags, mixed_notes, prepare_by, small_notes
from .excerpts import excerpts_of
from .exemplars import choose_exemplars, shorten
from .selection import group_sizes, outline, select_codings

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook

COMPACT_COLUMNS = ["number", "theme", "subthemes"]


def _g(group: str) -> str:
    return f"\0{group}"  # internal column name that no real column can clash with


def _counts(passages, keys: list[str], groups: list[str]):
    """excerpts, sources, participants and per-group participants for each key of ``passages``."""
    import pandas as pd

    if passages.empty:
        return pd.DataFrame(columns=[*keys, "excerpts", "sources", "participants", *map(_g, groups)])
    grouped = passages.groupby(keys, sort=False)
    counts = pd.DataFrame({
        "excerpts": grouped.size(),
        "sources": grouped["source_id"].nunique(),
        "participants": grouped["participant_id"].nunique(),
    })
    per_group = passages.groupby([*keys, "group"], sort=False)["participant_id"].nunique().unstack("group")
    for group in groups:
        counts[_g(group)] = per_group[group] if group in per_group.columns else 0
    return counts.fillna(0).astype("int64").reset_index()


def table_of(excerpts, order, sizes, *, notes=(), by=None, study=None) -> "object":
    """The theme table from an excerpt table, its outline and :class:`~qualcode.analysis.selection.GroupSizes`;
    ``notes`` (from :func:`~qualcode.analysis.attributes.prepare_by`) go first under it, then those on small
    groups and mixed methods."""
    table = assemble(order, node_counts(excerpts, sizes.groups), sizes, choose_exemplars(excerpts, order),
                     nothing_coded=excerpts.empty)
    source = study if study is not None and "method" in getattr(study, "columns", ()) else excerpts
    return with_mixed_methods(table, source, notes=notes, by=by)


def with_mixed_methods(table, frame, *, notes=(), by=None):
    """``table`` (from :func:`assemble`) with the notes and flags on values whose sources mix methods (from
    ``frame``: who said what by which method), the breakdown's ``notes`` first, and ``attrs["by"]``."""
    mixed, flags = mixed_notes(frame, list(table.attrs["group_sizes"]))
    table.attrs["notes"] = [*notes, *table.attrs["notes"], *mixed]
    table.attrs["flags"] = join_flags(table.attrs.get("flags", {}), flags)
    table.attrs["by"] = as_list(by) or ["group"]
    return table


def node_counts(excerpts, groups: list[str]):
    """Per theme (``subtheme_id`` empty) and sub-theme: ``excerpts``, ``sources``, ``participants`` and each
    group's participants (internal column names, see :func:`assemble`)."""
    import pandas as pd

    subs = _counts(excerpts, ["theme_id", "subtheme_id"], groups)
    theme_passages = excerpts.drop_duplicates(["theme_id", "source_id", "start", "end"])
    themes = _counts(theme_passages, ["theme_id"], groups).assign(subtheme_id="")
    return pd.concat([themes, subs], ignore_index=True).drop_duplicates(["theme_id", "subtheme_id"])


def assemble(order, counts, sizes, exemplars: dict, *, nothing_coded: bool):
    """The theme table from the outline, :func:`node_counts` (however they were computed), the group sizes
    and the chosen exemplars (``{(theme_id, subtheme_id): row with text, attribution, location}``)."""
    groups = sizes.groups
    table = order.merge(counts, on=["theme_id", "subtheme_id"], how="left")
    number_columns = ["excerpts", "sources", "participants", *map(_g, groups)]
    for column in number_columns:
        if column not in table.columns:
            table[column] = 0
    table[number_columns] = table[number_columns].fillna(0).astype("int64")
    renamed = {}
    for group in groups:
        size = sizes.sizes.get(group) or 0
        renamed[_g(group)] = f"{group} n"
        table[f"{group} %"] = (table[_g(group)] / size * 100).round(1) if size else 0.0
    table = table.rename(columns=renamed)
    keys = list(zip(table.theme_id, table.subtheme_id))
    table["exemplar"] = [shorten(exemplars[k].text) if k in exemplars else "" for k in keys]
    table["exemplar_by"] = [exemplars[k].attribution if k in exemplars else "" for k in keys]
    table["exemplar_source"] = [exemplars[k].location if k in exemplars else "" for k in keys]
    columns = ["number", "level", "theme_id", "subtheme_id", "theme", "subtheme", "definition", "excerpts", "sources",
               "participants"]
    for group in groups:
        columns += [f"{group} n", f"{group} %"]
    table = table[columns + ["exemplar", "exemplar_by", "exemplar_source"]]
    notes = list(sizes.notes)
    if nothing_coded:
        notes.insert(0, "Nothing was coded: every count is zero.")
    small, flags = small_notes(sizes.sizes)
    table.attrs["notes"] = notes + small
    table.attrs["flags"] = flags
    table.attrs["group_sizes"] = dict(sizes.sizes)
    table.attrs["basis"] = sizes.basis
    return table


def compact_table(table):
    """The paper's "Table Two": one row per theme with its number, label and sub-themes."""
    import pandas as pd

    rows = []
    for theme_id, part in table.groupby("theme_id", sort=False):
        head = part[part.level == "theme"].iloc[0]
        subs = part[part.level == "sub-theme"]
        rows.append({"number": int(head.number), "theme": head.theme,
                     "subthemes": "; ".join(f"{n} {s}" for n, s in zip(subs.number, subs.subtheme))})
    compact = pd.DataFrame(rows, columns=COMPACT_COLUMNS)
    compact.attrs["notes"] = [n for n in table.attrs.get("notes", []) if n.startswith("Nothing")]
    return compact


def theme_table(codings: "pd.DataFrame", codebook: "Codebook | None" = None,
                participants: "pd.DataFrame | dict | None" = None, *, coder: "str | list[str] | None" = None, origin: "str | list[str] | None" = None,
                compact: bool = False, by: "str | list[str] | None" = None, max_values: int | None = MAX_VALUES
                ) -> "pd.DataFrame":
    """The theme table of ``codings`` (see the module doc) as a DataFrame.

    ``codebook`` gives the order, definitions and retired nodes; ``participants`` (the study summary,
    the participants table or ``{group: size}``) gives the group sizes for the percentages; ``coder``
    and ``origin`` keep only those codings; ``compact=True`` gives the paper's "Table Two". ``by`` (any
    attribute or a list, e.g. ``"wave"`` or ``["group", "role"]``) puts its values where the groups are:
    ``<value> n`` and ``<value> %``; give ``participants=qualcode.attribute_table(corpus)`` (or the corpus)
    for percentages of all the study's participants with that value.

    ``codings`` is a pandas DataFrame; ``qualcode.theme_table`` (:mod:`qualcode.engines`) also takes a Dask
    one, whose counts and exemplar candidates are computed on the cluster with the same result.

    >>> table = qualcode.theme_table(codings, codebook, corpus.summary())
    >>> table.number.iloc[:2].tolist(), table.attrs["basis"]
    (['1', '1.1'], 'study')
    """
    selected = select_codings(codings, codebook, coder=coder, origin=origin)
    order = outline(selected, codebook)
    selected, participants, notes = prepare_by(selected, by, participants, max_values=max_values)
    table = table_of(excerpts_of(selected, order), order, group_sizes(selected, participants), notes=notes,
                     by=by, study=participants)
    return compact_table(table) if compact else table

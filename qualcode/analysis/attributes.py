"""Breaking a table or report down by any participant or source attribute (``by="wave"``,
``by=["group", "role"]``).

The codings table carries the attributes as columns (see :mod:`qualcode.corpus.attributes` and
``docs/codings-table.md``). Every report is written by participant group; :func:`regroup` gives a copy of
the codings whose ``group`` column holds the values of the chosen attributes instead (two attributes
read ``Referrers / Social worker``), so theme tables, matrices, excerpts, plots and documents break down
by them without a second implementation. A participant whose value differs between sources (a wave is
an attribute of the source) counts under each value they were coded in.

:func:`check_by` refuses an attribute the codings do not have (naming the closest and listing those
there are) and one with more values than a report can show (``max_values``, default
:data:`MAX_VALUES`). :func:`honesty_notes` says which values have fewer than :data:`SMALL_N`
participants and which mix survey answers with spoken data.
"""

from __future__ import annotations

from ..coding.table import CODING_COLUMNS
from ..errors import CodingsError, did_you_mean, listing

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Most values an attribute may have in a report, unless the caller raises it (``max_values=``, ``--max-values``).
MAX_VALUES = 30
#: Percentages of fewer participants than this are flagged.
SMALL_N = 5
#: Columns of the codings table that are not attributes of a participant or source.
NOT_ATTRIBUTES = frozenset({"segment_id", "start", "end", "text", "code_id", "code", "theme_id", "theme",
                            "subtheme_id", "subtheme", "score", "evidence", "codebook_version", "label",
                            "participant_id", "_rows"})
SEPARATOR = " / "


def as_list(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return [str(b) for b in by]


def attributes(frame) -> list[str]:
    """The columns of ``frame`` a table can be broken down by: ``group``, ``method``, ``source_id``,
    ``coder``, ``origin`` and every participant and source attribute."""
    return [str(c) for c in frame.columns if str(c) not in NOT_ATTRIBUTES and not str(c).startswith("_")]


def check_by(frame, by, *, max_values: int | None = MAX_VALUES, what: str = "the codings") -> list[str]:
    """``by`` as a list of attribute names, checked against ``frame``'s columns and ``max_values``."""
    names = as_list(by)
    if not names:
        raise CodingsError("by: name at least one attribute, e.g. by='group' or by=['group', 'role'].")
    known = attributes(frame)
    for name in names:
        if name not in frame.columns or name not in known:
            folded = {k.casefold(): k for k in known}
            if name.casefold() in folded:
                raise CodingsError(f"no attribute {name!r} in {what}; did you mean {folded[name.casefold()]!r}? "
                                   "Attribute names are case-sensitive.")
            extra = [k for k in known if k not in CODING_COLUMNS]
            hint = ("" if extra else " These codings carry no participant or source attributes: code them again "
                    "with this version (`qualcode code` adds the columns of participants.csv and sources.csv), or "
                    "join them with qualcode.with_attributes(codings, corpus).")
            raise CodingsError(f"no attribute {name!r} in {what}{did_you_mean(name, known) or '.'} The attributes "
                               f"there are: {listing(known, 40)}.{hint}")
    if max_values is not None:
        for name in names:
            count = frame[name].dropna().astype(str).nunique()
            if count > max_values:
                raise CodingsError(
                    f"attribute {name!r} has {count:,} values, more than a report can show clearly (limit "
                    f"{max_values}). Choose an attribute with fewer values, or raise the limit with "
                    f"--max-values {count} (Python: max_values={count}).")
    return names


def _missing(name: str) -> str:
    return f"(no {name})"


def _numeric(value: str) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def values_of(frame, by) -> "pd.Series":
    """The combined value of the ``by`` attributes for each row (``(no role)`` where a participant has none;
    missing where the row has no participant)."""
    names = as_list(by)
    parts = []
    for name in names:
        column = frame[name].astype(object)
        distinct = {v: (None if v is None or v != v or v == "" else
                        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                    for v in column.dropna().unique()}
        text = column.map(distinct)  # each distinct value's text worked out once (fast on large tables)
        if all(_numeric(v) for v in distinct.values() if v is not None):  # a bare number reads as "wave 2"
            text = text.map({v: f"{name} {v}" for v in distinct.values() if v is not None})
        parts.append(text.fillna(_missing(name)))
    value = parts[0]
    for part in parts[1:]:
        value = value + SEPARATOR + part
    if "participant_id" in frame.columns:
        value = value.where(frame["participant_id"].notna(), None)
    return value.astype(object)


def regroup(frame, by, *, max_values: int | None = MAX_VALUES, what: str = "the codings") -> "pd.DataFrame":
    """A copy of ``frame`` whose ``group`` column holds the values of the ``by`` attributes
    (``frame.attrs["by"]`` names them). ``by="group"`` returns ``frame`` unchanged."""
    names = check_by(frame, by, max_values=max_values, what=what)
    if names == ["group"]:
        return frame
    out = frame.assign(group=values_of(frame, names))
    out.attrs = {**frame.attrs, "by": names}
    return out


def study_participants(participants, by):
    """The denominators' table for ``by``: ``participants`` (a participant table with ``participant_id``
    and the ``by`` columns, e.g. ``qualcode.attribute_table(corpus)``, or a Corpus) regrouped; ``None``
    when it cannot give them (then percentages are of coded participants, and the notes say so)."""
    names = as_list(by)
    if participants is None or names == ["group"]:
        return participants
    if hasattr(participants, "segments"):  # a Corpus
        from ..corpus.attributes import participant_table

        participants = participant_table(participants)
    columns = getattr(participants, "columns", None)
    if columns is None or "participant_id" not in columns or any(n not in columns for n in names):
        return None
    return regroup(participants, names, max_values=None, what="the participants table")


def prepare_by(selected, by, participants=None, *, max_values: int | None = MAX_VALUES):
    """``(codings regrouped, participants for the sizes, notes)`` for a report broken down by ``by``."""
    names = as_list(by) or ["group"]
    frame = regroup(selected, names, max_values=max_values)
    study = study_participants(participants, names)
    notes = []
    if names != ["group"]:
        label = " and ".join(names)
        notes.append(f"Broken down by {label}: its values stand where the participant groups usually are.")
        if participants is not None and study is None:
            notes.append(f"The study summary gives no sizes by {label}; percentages are of coded participants.")
    return frame, study, notes


def small_notes(sizes: dict) -> "tuple[list[str], dict]":
    """The note on values with fewer than :data:`SMALL_N` participants, and ``{value: "n=3 < 5"}``."""
    small = {v: n for v, n in sizes.items() if 0 < n < SMALL_N}
    notes = []
    if small:
        shown = ", ".join(f"{v} (n={n})" for v, n in small.items())
        notes.append(f"Fewer than {SMALL_N} participants, so each percentage moves in large steps: {shown}. "
                     "Read them as counts.")
    return notes, {v: f"n={n} < {SMALL_N}" for v, n in small.items()}


def mixed_notes(frame, order=None) -> "tuple[list[str], dict]":
    """Notes for values whose sources mix survey answers with interviews or focus groups (columns ``group``,
    ``source_id``, ``participant_id``, ``method``), in the ``order`` of the values; and ``{value: "mixed methods"}``."""
    notes, flags = [], {}
    if frame is None or not {"method", "group", "source_id", "participant_id"} <= set(frame.columns):
        return notes, flags
    rows = frame[["group", "source_id", "participant_id", "method"]].dropna(subset=["participant_id"])
    rows = rows.drop_duplicates(["group", "source_id", "participant_id"])
    parts = dict(tuple(rows.groupby("group", sort=False)))
    keys = [v for v in (order or []) if v in parts] + [v for v in parts if v not in (order or [])]
    for value in keys:
        part = parts[value]
        methods = part.drop_duplicates("source_id")["method"].astype(str).value_counts()
        if "survey" in methods.index and len(methods) > 1:
            people = part.groupby(part["method"].astype(str) == "survey")["participant_id"].nunique()
            spoken = ", ".join(f"{n} {m.replace('_', ' ')}{'s' if n != 1 else ''}"
                               for m, n in methods.items() if m != "survey")
            notes.append(f"{value}: its figures mix methods: {spoken} ({int(people.get(False, 0))} participants) "
                         f"and {int(methods['survey'])} survey ({int(people.get(True, 0))} respondents' short "
                         "answers).")
            flags[str(value)] = "mixed methods"
    return notes, flags


def join_flags(*flag_dicts) -> dict:
    out: dict[str, list[str]] = {}
    for flags in flag_dicts:
        for value, flag in flags.items():
            out.setdefault(value, []).append(flag)
    return {k: "; ".join(v) for k, v in out.items()}


def honesty_notes(frame, sizes: dict, study=None) -> "tuple[list[str], dict]":
    """:func:`small_notes` and :func:`mixed_notes` together (the methods from ``study`` when it has them)."""
    source = study if study is not None and "method" in getattr(study, "columns", ()) else frame
    small, small_flags = small_notes(sizes)
    mixed, mixed_flags = mixed_notes(source, list(sizes))
    return [*small, *mixed], join_flags(small_flags, mixed_flags)

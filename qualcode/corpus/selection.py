"""Choosing and ordering sources: "the first five Link Worker interviews", "these three transcripts".

Used by discovery (which segments to learn from) and saturation (the order in which sources arrive).

>>> ordered_sources(corpus, "date")                                          # doctest: +SKIP
>>> select_segments(corpus, first=5, group="Link Workers")                  # doctest: +SKIP
"""

from __future__ import annotations

import difflib

from ..errors import QualcodeError

#: Orders of sources: by ``date`` (then as listed), by ``wave`` (then date), or as ``listed`` in sources.csv.
ORDERS = ("date", "wave", "listed")


def check_order(order: str) -> str:
    if order not in ORDERS:
        raise QualcodeError(f"unknown source order {order!r}; use one of {', '.join(ORDERS)}.")
    return order


def ordered_sources(corpus, order: str = "date") -> list[str]:
    """Source ids in ``order``. Sources without a date (or wave) come last, in the order they are listed."""
    import pandas as pd

    check_order(order)
    table = corpus.sources[["source_id", "date", "wave"]].reset_index(drop=True)
    if order == "listed" or table.empty:
        return table.source_id.tolist()
    table["listed"] = range(len(table))
    table["date_key"] = pd.to_datetime(table.date, errors="coerce", format="mixed")
    table["wave_key"] = pd.to_numeric(table.wave, errors="coerce")
    keys = ["date_key", "listed"] if order == "date" else ["wave_key", "date_key", "listed"]
    return table.sort_values(keys, kind="stable", na_position="last").source_id.tolist()


def resolve_group(corpus, group: str) -> str:
    """The corpus's spelling of participant group ``group`` (case-insensitive), or a clear error."""
    for known in corpus.groups:
        if str(known).casefold() == str(group).strip().casefold():
            return known
    close = difflib.get_close_matches(str(group), [str(g) for g in corpus.groups], n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise QualcodeError(f"no participant group {group!r} in this corpus; its groups are: {', '.join(map(str, corpus.groups))}.{hint}")


def check_sources(corpus, sources) -> list[str]:
    """``sources`` as a list of known source ids; an unknown id is an error that names the close ones."""
    ids = [str(s).strip() for s in sources if str(s).strip()]
    if not ids:
        raise QualcodeError("no source ids given; list them separated by commas, e.g. --sources LW1-w1,GP-FG1.")
    unknown = [s for s in ids if s not in corpus]
    if unknown:
        hints = []
        for s in unknown:
            close = difflib.get_close_matches(s, corpus.source_ids, n=1, cutoff=0.6)
            hints.append(f"{s!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise QualcodeError(
            f"unknown source id(s) {', '.join(hints)}; this corpus has: {', '.join(corpus.source_ids)}."
        )
    return list(dict.fromkeys(ids))


def select_segments(corpus, *, sources=None, first: int | None = None, group: str | None = None,
                    order: str = "date", unit: str = "turn"):
    """Participant segments of the chosen sources (researcher turns left out).

    ``sources``: these source ids (in this order). ``group``: only that group's segments (and, with
    ``first``, only sources where that group speaks). ``first``: the first N sources in ``order``.
    """
    from .segments import check_unit

    check_unit(unit)
    check_order(order)
    ids = check_sources(corpus, sources) if sources is not None else ordered_sources(corpus, order)
    segments = corpus.segments(unit, include_researchers=False)
    segments = segments[~segments.is_researcher]
    if group is not None:
        group = resolve_group(corpus, group)
        segments = segments[segments.group == group]
        present = set(segments.source_id)
        ids = [s for s in ids if s in present]
        if not ids:
            raise QualcodeError(f"no participant of group {group!r} speaks in the chosen sources.")
    if first is not None:
        if isinstance(first, bool) or not isinstance(first, int) or first < 1:
            raise QualcodeError(f"--first must be a whole number of at least 1, not {first!r}.")
        ids = ids[:first]
    position = {s: i for i, s in enumerate(ids)}
    chosen = segments[segments.source_id.isin(position)]
    chosen = chosen.assign(_order=chosen.source_id.map(position)).sort_values(["_order", "start"], kind="stable")
    return chosen.drop(columns="_order").reset_index(drop=True)

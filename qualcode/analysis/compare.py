"""Comparisons across the values of an attribute (waves, groups, roles): per theme and sub-theme, the
excerpts, the participants and the % of participants of each value, and what changed.

>>> table = qualcode.compare(codings, codebook, by="wave", participants=qualcode.attribute_table(corpus))  # doctest: +SKIP

One row per theme followed by its sub-themes (the theme table's outline and numbers). For each value
``v``: ``v excerpts`` (distinct passages), ``v participants`` (participants coded there with that
value) and ``v %`` (of the value's participants: all of the study's with ``participants=``, else those
coded at least once). Then:

- ``change``: with two values, the second's % minus the first's, in percentage points (``wave 2``
  minus ``wave 1``, in the order the values sort); with more, the highest % minus the lowest;
- ``what changed``: ``new in wave 2``, ``not in wave 2``, ``up 25 points``, ``down 10 points``, ``no change``;
  with more values, ``highest: Clients (60%); lowest: Referrers (10%)``;
- ``caution``: the values in the comparison with fewer than 5 participants or whose sources mix
  survey answers with spoken data (then the percentages and the change mislead more easily).

``table.attrs``: ``sizes`` (each value's participants), ``flags``, ``notes`` (printed under the
table by every writer), ``by``.
"""

from __future__ import annotations

from .attributes import MAX_VALUES, as_list, honesty_notes, prepare_by
from .selection import group_sizes, outline, select_codings

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook


def _sorted_values(values) -> list[str]:
    import re

    def key(v: str):
        return [int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", str(v))]

    return sorted(values, key=key)


def compare(codings: "pd.DataFrame", codebook: "Codebook | None" = None, *, by: "str | list[str]" = "wave",
            participants: "object | None" = None, coder: "str | list[str] | None" = None,
            origin: "str | list[str] | None" = None, max_values: int | None = MAX_VALUES,
            values: "list[str] | None" = None) -> "pd.DataFrame":
    """Themes and sub-themes side by side for each value of ``by`` (see the module doc).

    ``participants``: the corpus, or ``qualcode.attribute_table(corpus)``, for percentages of all the
    study's participants; ``values`` keeps those values, in that order (the first is the baseline).

    >>> table = qualcode.compare(codings, codebook, by="group")
    >>> table.columns[:3].tolist()
    ['number', 'level', 'theme']
    """
    import pandas as pd

    from ..errors import CodingsError, did_you_mean

    selected = select_codings(codings, codebook, coder=coder, origin=origin)
    order = outline(selected, codebook)
    frame, study, notes = prepare_by(selected, by, participants, max_values=max_values)
    needed = ["theme_id", "subtheme_id", "source_id", "start", "end", "participant_id", "group", "method"]
    frame = frame[needed]  # only what is counted: filtering 250,000 rows of excerpts would cost more than counting
    frame = frame[frame["participant_id"].notna() & frame["theme_id"].notna()]
    sizes = group_sizes(frame, study)
    present = [v for v in sizes.sizes if v in set(frame["group"].dropna())] if study is None else list(sizes.sizes)
    ordered = _sorted_values(present) if as_list(by) != ["group"] else present
    if values is not None:
        wanted = [str(v) for v in values]
        for v in wanted:
            if v not in sizes.sizes:
                raise CodingsError(f"no value {v!r} of {' / '.join(as_list(by))}{did_you_mean(v, ordered) or '.'} "
                                   f"The values are: {', '.join(ordered)}.")
        ordered = wanted
    keys = ["theme_id", "subtheme_id", "source_id", "start", "end"]
    narrow = frame[[*keys, "participant_id", "group"]].assign(subtheme_id=frame["subtheme_id"].fillna(""))
    subs = narrow.drop_duplicates(keys)
    themes = narrow.drop_duplicates(["theme_id", "source_id", "start", "end"]).assign(subtheme_id="")
    counted = []
    for part in (themes, subs[subs.subtheme_id != ""]):
        grouped = part.groupby(["theme_id", "subtheme_id", "group"], sort=False)
        counted.append(pd.DataFrame({"excerpts": grouped.size(), "participants": grouped["participant_id"].nunique()}))
    counts = pd.concat(counted)
    table = order[["number", "level", "theme", "subtheme", "theme_id", "subtheme_id"]].copy()
    index = list(zip(table.theme_id, table.subtheme_id))
    for v in ordered:
        size = sizes.sizes.get(v, 0)
        ex = [int(counts["excerpts"].get((t, s, v), 0)) for t, s in index]
        pp = [int(counts["participants"].get((t, s, v), 0)) for t, s in index]
        table[f"{v} excerpts"] = ex
        table[f"{v} participants"] = pp
        table[f"{v} %"] = [round(p / size * 100, 1) if size else 0.0 for p in pp]
    honest, flags = honesty_notes(frame, {v: sizes.sizes.get(v, 0) for v in ordered}, study)
    changes, words = [], []
    for i in range(len(table)):
        pct = {v: float(table[f"{v} %"].iloc[i]) for v in ordered}
        cnt = {v: int(table[f"{v} participants"].iloc[i]) for v in ordered}
        if len(ordered) == 2:
            a, b = ordered
            delta = round(pct[b] - pct[a], 1)
            changes.append(delta)
            if cnt[a] == 0 and cnt[b] > 0:
                words.append(f"new in {b}")
            elif cnt[b] == 0 and cnt[a] > 0:
                words.append(f"not in {b}")
            elif abs(delta) < 0.05:
                words.append("no change")
            else:
                words.append(f"{'up' if delta > 0 else 'down'} {abs(delta):g} points")
        elif len(ordered) > 2:
            high = max(ordered, key=lambda v: pct[v])
            low = min(ordered, key=lambda v: pct[v])
            changes.append(round(pct[high] - pct[low], 1))
            words.append(f"highest: {high} ({pct[high]:g}%); lowest: {low} ({pct[low]:g}%)")
        else:
            changes.append(0.0)
            words.append("only one value: nothing to compare")
    table["change"] = changes
    table["what changed"] = words
    table["caution"] = "; ".join(f"{v}: {flags[v]}" for v in ordered if v in flags)
    table = table.drop(columns=["theme_id", "subtheme_id"]).reset_index(drop=True)
    name = " / ".join(as_list(by))
    size_line = ", ".join(f"{v} n={sizes.sizes.get(v, 0)}" for v in ordered)
    table.attrs.update(
        by=as_list(by), values=ordered, sizes={v: int(sizes.sizes.get(v, 0)) for v in ordered}, flags=flags,
        notes=[*notes, f"Participants per value of {name}: {size_line}.", *sizes.notes, *honest,
               "change: percentage points, " + (f"{ordered[1]} minus {ordered[0]}." if len(ordered) == 2 else
                                                 "the highest value's % minus the lowest's.")],
    )
    return table

"""Which segments a coding touches: a unit is "coded with X" when any coding of X overlaps it.

Used by inter-coder agreement and by code suggestion, so both count units the same way.
"""

from __future__ import annotations

from ..errors import CodingsError

#: The node a coding is counted under, by level: the code as coded, its sub-theme or its theme.
LEVEL_COLUMNS = {"code": ("code_id", "code"), "subtheme": ("subtheme_id", "subtheme"), "theme": ("theme_id", "theme")}


def check_level(level: str) -> tuple[str, str]:
    if level not in LEVEL_COLUMNS:
        raise CodingsError(f"unknown level {level!r}; use one of {', '.join(LEVEL_COLUMNS)}.")
    return LEVEL_COLUMNS[level]


def overlaps(units, codings):
    """Pairs ``(coding row, unit row)`` (positions) where coding ``[start, end)`` overlaps a unit.

    ``units`` must not overlap each other within a source (turns, paragraphs, sentences do not).
    Returns two int arrays of equal length, sorted by coding row then unit row.
    """
    import numpy as np

    unit_pos, coding_pos = [], []
    unit_groups = {s: idx for s, idx in units.groupby("source_id", sort=False).indices.items()}
    starts_all, ends_all = units["start"].to_numpy(), units["end"].to_numpy()
    c_start, c_end = codings["start"].to_numpy(), codings["end"].to_numpy()
    for source_id, rows in codings.groupby("source_id", sort=False).indices.items():
        idx = unit_groups.get(source_id)
        if idx is None:
            continue
        order = idx[np.argsort(starts_all[idx], kind="stable")]
        starts, ends = starts_all[order], ends_all[order]
        lo = np.searchsorted(ends, c_start[rows], side="right")  # first unit ending after the coding starts
        hi = np.searchsorted(starts, c_end[rows], side="left")  # units starting before the coding ends
        counts = np.maximum(hi - lo, 0)
        if not counts.any():
            continue
        repeated = np.repeat(rows, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        unit_pos.append(order[np.repeat(lo, counts) + offsets])
        coding_pos.append(repeated)
    if not unit_pos:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    coding_pos, unit_pos = np.concatenate(coding_pos), np.concatenate(unit_pos)
    order = np.lexsort((unit_pos, coding_pos))
    return coding_pos[order], unit_pos[order]

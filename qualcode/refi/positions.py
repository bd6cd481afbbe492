"""Text positions in REFI-QDA files: the standard's, the vendors', and qualcode's.

The standard counts Unicode code points of the plain-text file from 0, and in practice the end is
exclusive (``end - start`` is the length of the selection). Vendors differ: NVivo for Windows counts
UTF-16 code units (an emoji is two) over the raw text with CRLF as two; ATLAS.ti counts CRLF as one.
qualcode's offsets are code points in the normalised text (``\\n`` newlines, no BOM).

A :class:`PositionMap` converts a position in one :data:`CONVENTIONS` entry to a qualcode offset.
:func:`detect` picks the convention of a whole project by scoring each candidate: a human selection
nearly always starts and ends on a word boundary and lies inside the text, and ATLAS.ti names a
selection after its quoted text. Where the candidates agree (no CRLF, no characters beyond the Basic
Multilingual Plane) they give the same offsets, so nothing needs deciding.

>>> pm = PositionMap("caf\\u00e9 \\U0001F600 ok")
>>> pm.offset(8, CONVENTIONS["nvivo"]), pm.offset(7, CONVENTIONS["standard"])
((7, True), (7, True))
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..textio import normalise_newlines


@dataclass(frozen=True)
class Convention:
    name: str
    description: str
    utf16: bool  # astral characters count as two units
    crlf_two: bool  # CRLF counts as two units
    inclusive_end: bool = False  # endPosition is the last character rather than one past it


_BASE = [
    Convention("standard", "Unicode code points, CRLF as two (the REFI-QDA standard)", False, True),
    Convention("atlas", "Unicode code points, CRLF as one (ATLAS.ti)", False, False),
    Convention("nvivo", "UTF-16 code units, CRLF as two (NVivo for Windows)", True, True),
    Convention("utf16-lf", "UTF-16 code units, CRLF as one", True, False),
]
#: Candidate conventions in order of preference (ties go to the earlier one).
CONVENTIONS: dict[str, Convention] = {c.name: c for c in _BASE}
CONVENTIONS.update({
    f"{c.name}-inclusive": Convention(f"{c.name}-inclusive", c.description + ", inclusive end", c.utf16, c.crlf_two, True)
    for c in _BASE
})
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class PositionMap:
    """Maps positions in the raw text ``raw`` (BOM already removed) to offsets in its normalised text."""

    def __init__(self, raw: str):
        self.text = normalise_newlines(raw)
        crlf, seen = [], 0
        for match in re.finditer("\r\n", raw):
            crlf.append(match.start() - seen)  # the normalised index of that newline
            seen += 1
        self.crlf = crlf
        self.astral = [m.start() for m in _ASTRAL.finditer(self.text)] if not self.text.isascii() else []
        self._second_halves: dict[tuple[bool, bool], list[int]] = {}

    def relevant(self, convention: Convention) -> bool:
        """Whether ``convention`` differs from plain normalised offsets for this text."""
        return bool((convention.crlf_two and self.crlf) or (convention.utf16 and self.astral))

    def _halves(self, convention: Convention) -> list[int]:
        key = (convention.utf16, convention.crlf_two)
        if key not in self._second_halves:
            wide = sorted((self.crlf if convention.crlf_two else []) + (self.astral if convention.utf16 else []))
            # A wide character at normalised index e, after k earlier wide ones, covers units e+k and e+k+1.
            self._second_halves[key] = [e + k + 1 for k, e in enumerate(wide)]
        return self._second_halves[key]

    def length(self, convention: Convention) -> int:
        return len(self.text) + len(self._halves(convention))

    def offset(self, position: int, convention: Convention) -> tuple[int, bool] | None:
        """``(offset, exact)`` for unit ``position``, or ``None`` outside the text.

        ``exact`` is False when the position falls inside a CRLF pair or a surrogate pair; the offset is
        then the one just after that character.
        """
        halves = self._halves(convention)
        if position < 0 or position > len(self.text) + len(halves):
            return None
        k = bisect.bisect_left(halves, position)
        inside = k < len(halves) and halves[k] == position
        return position - k, not inside

    def span(self, start: int, end: int, convention: Convention) -> tuple[int, int, bool] | None:
        """``(start, end, exact)`` in normalised offsets, or ``None`` when outside the text or reversed."""
        if convention.inclusive_end:
            end += 1
        a = self.offset(start, convention)
        b = self.offset(end, convention)
        if a is None or b is None or a[0] > b[0]:
            return None
        return a[0], b[0], a[1] and b[1]


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def boundary_score(text: str, start: int, end: int) -> int:
    """0-4: 2 per end that sits on a word boundary next to non-space text, 1 if next to white space."""
    score = 0
    n = len(text)
    if start == 0 or start >= n or not (_is_word(text[start - 1]) and _is_word(text[start])):
        score += 1 + (start < n and not text[start].isspace())
    if end >= n or end == 0 or not (_is_word(text[end - 1]) and _is_word(text[end])):
        score += 1 + (end > 0 and not text[end - 1].isspace())
    return score


def _fold(text: str) -> str:
    return " ".join(text.replace("\u2026", " ").split()).casefold()


def name_matches(text: str, name: str | None) -> bool:
    """ATLAS.ti names a quotation after its text (cut short with an ellipsis); does ``name`` start ``text``?"""
    if not name or len(name) < 8:
        return False
    wanted = _fold(name.rstrip(".\u2026 "))
    return len(wanted) >= 8 and _fold(text[: len(name) + 40]).startswith(wanted)


@dataclass
class Detection:
    convention: Convention
    scores: dict[str, int]
    checked: int  # selections scored
    boundary_share: float  # share of endpoints of the chosen convention on word boundaries
    ambiguous: bool  # the exclusive-end candidates disagreed on at least one checked selection


def detect(samples, limit: int = 5000) -> Detection:
    """Choose the convention for ``samples``: ``[(PositionMap, start, end, name), ...]`` (up to ``limit`` used)."""
    if len(samples) > limit:
        step = len(samples) / limit
        samples = [samples[int(i * step)] for i in range(limit)]
    scores = {name: 0 for name in CONVENTIONS}
    good_ends = {name: 0 for name in CONVENTIONS}
    ambiguous = False
    for pmap, start, end, name in samples:
        seen_spans = set()
        for conv in CONVENTIONS.values():
            span = pmap.span(start, end, conv)
            if not conv.inclusive_end:
                seen_spans.add(span[:2] if span else None)
            if span is None:
                scores[conv.name] -= 4
                continue
            s, e, exact = span
            points = boundary_score(pmap.text, s, e) if exact else 0
            good_ends[conv.name] += points >= 3
            if name_matches(pmap.text[s:e], name):
                points += 4
            scores[conv.name] += points
        ambiguous = ambiguous or len(seen_spans) > 1
    # max keeps the first of equals. An inclusive end must win clearly: with a handful of selections a
    # one-character shift can look as good by chance, while a real inclusive-end file loses ~2 points a selection.
    best = max((c for c in CONVENTIONS.values() if not c.inclusive_end), key=lambda c: scores[c.name])
    inclusive = max((c for c in CONVENTIONS.values() if c.inclusive_end), key=lambda c: scores[c.name])
    if scores[inclusive.name] - scores[best.name] >= max(4, 0.4 * len(samples)):
        best = inclusive
    share = good_ends[best.name] / len(samples) if samples else 1.0
    return Detection(best, scores, len(samples), share, ambiguous)

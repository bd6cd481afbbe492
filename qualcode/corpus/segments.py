"""The segments table: one row per turn, paragraph, sentence or survey answer.

Columns (the contract later stages rely on, documented in the README)::

    source_id, segment_id, unit, participant_id, group, label, method, speaker, is_researcher,
    start, end, text, words, turn, line, time_start, time_end, question, <participant attributes>

``start``/``end`` are code-point offsets into the source's normalised text, so
``corpus.text(source_id)[start:end] == text``. Sentences and paragraphs never cross turn boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .model import Source, Turn
from .turns import trim_span

UNITS = ("turn", "paragraph", "sentence", "answer")
SEGMENT_COLUMNS = [
    "source_id", "segment_id", "unit", "participant_id", "group", "label", "method", "speaker",
    "is_researcher", "start", "end", "text", "words", "turn", "line", "time_start", "time_end", "question",
]
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")

# Every turn of the sources, in order, as (source, turn number from 1, turn).
Job = tuple[Source, int, Turn]
# A span is (index into the jobs, unit, start, end, segment id suffix).
Span = tuple[int, str, int, int, str]


def check_unit(unit: str) -> str:
    from ..errors import QualcodeError

    if unit not in UNITS:
        raise QualcodeError(f"unknown segment unit {unit!r}; use one of {', '.join(UNITS)}.")
    return unit


def turn_unit(source: Source) -> str:
    return "answer" if source.method == "survey" else "turn"


def iter_paragraph_spans(jobs: list[Job]) -> Iterator[Span]:
    """Spans of the ``paragraph`` unit: turns split at blank lines."""
    for i, (source, _, turn) in enumerate(jobs):
        text, pos, k = source.text, turn.start, 0
        for brk in [*_PARAGRAPH_BREAK.finditer(text, turn.start, turn.end), None]:
            start, end = trim_span(text, pos, brk.start() if brk else turn.end)
            if end > start:
                k += 1
                yield i, "paragraph", start, end, f".p{k}"
            if brk:
                pos = brk.end()


def iter_sentence_spans(jobs: list[Job], batch_size: int = 256) -> Iterator[Span]:
    """Spans of the ``sentence`` unit: spaCy sentences inside each turn, streamed (no Doc is kept)."""
    from ..language import sentence_starts

    texts = (source.text[turn.start : turn.end] for source, _, turn in jobs)
    for i, bounds in enumerate(sentence_starts(texts, batch_size)):
        source, _, turn = jobs[i]
        k = 0
        for left, right in zip(bounds, [*bounds[1:], turn.end - turn.start]):
            start, end = trim_span(source.text, turn.start + left, turn.start + right)
            if end > start:
                k += 1
                yield i, "sentence", start, end, f".s{k}"


_SPANS = {"paragraph": iter_paragraph_spans, "sentence": iter_sentence_spans}  # the turn unit is built directly


def _turn_columns(jobs: list[Job], groups: dict, labels: dict) -> dict[str, list]:
    """Per-turn columns, one entry per job; smaller units repeat their turn's values."""
    turns = [turn for _, _, turn in jobs]
    pids = [turn.participant_id for turn in turns]
    return {
        "source_id": [source.source_id for source, _, _ in jobs],
        "participant_id": pids,
        "group": [groups.get(pid) for pid in pids],
        "label": [labels.get(pid, t.speaker) if pid else t.speaker for pid, t in zip(pids, turns)],
        "method": [source.method for source, _, _ in jobs],
        "speaker": [t.speaker for t in turns],
        "is_researcher": [t.is_researcher for t in turns],
        "turn": [number for _, number, _ in jobs],
        "line": [t.line for t in turns],
        "time_start": [t.time_start for t in turns],
        "time_end": [t.time_end for t in turns],
        "question": [t.question for t in turns],
    }


def segments_frame(sources: Iterable[Source], participants, unit: str = "turn", include_researchers: bool = True):
    """Build the segments DataFrame of ``sources`` for ``unit`` (see the module docstring)."""
    import numpy as np
    import pandas as pd

    check_unit(unit)
    jobs = [
        (source, number, turn)
        for source in sources
        for number, turn in enumerate(source.turns, 1)
        if include_researchers or not turn.is_researcher
    ]
    groups = dict(zip(participants["participant_id"], participants["group"]))
    labels = dict(zip(participants["participant_id"], participants["label"]))
    per_turn = pd.DataFrame(_turn_columns(jobs, groups, labels))
    if unit in ("turn", "answer"):  # one span per turn, the turn itself: columns straight from the jobs
        kinds = [turn_unit(source) for source, _, _ in jobs]
        starts = [turn.start for _, _, turn in jobs]
        ends = [turn.end for _, _, turn in jobs]
        texts = [source.text[turn.start : turn.end] for source, _, turn in jobs]
        frame = per_turn
        frame["segment_id"] = [f"{source.source_id}:t{number}" for source, number, _ in jobs]
    else:
        rows, kinds, starts, ends, suffixes = [], [], [], [], []
        for row, kind, start, end, suffix in _SPANS[unit](jobs):
            rows.append(row)
            kinds.append(kind)
            starts.append(start)
            ends.append(end)
            suffixes.append(suffix)
        frame = per_turn.take(np.asarray(rows, dtype=np.int64)).reset_index(drop=True)
        texts = [jobs[row][0].text[start:end] for row, start, end in zip(rows, starts, ends)]
        frame["segment_id"] = [f"{jobs[row][0].source_id}:t{jobs[row][1]}{sfx}" for row, sfx in zip(rows, suffixes)]
    frame["unit"] = kinds
    frame["start"] = np.asarray(starts, dtype=np.int64)
    frame["end"] = np.asarray(ends, dtype=np.int64)
    frame["words"] = np.fromiter((len(t.split()) for t in texts), dtype=np.int64, count=len(texts))
    frame["text"] = texts
    frame = frame.astype({"turn": "int64", "is_researcher": "bool"})
    frame["line"] = frame["line"].astype("Int64")
    frame = frame[SEGMENT_COLUMNS]
    attributes = [c for c in participants.columns if c not in ("participant_id", "group", "label")]
    if attributes:
        extra = participants[["participant_id", *attributes]].rename(
            columns={c: f"participant_{c}" for c in attributes if c in SEGMENT_COLUMNS}
        )
        frame = frame.merge(extra, on="participant_id", how="left")
    return frame

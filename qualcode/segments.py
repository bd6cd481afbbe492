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

UNITS = ("turn", "paragraph", "sentence", "answer")
SEGMENT_COLUMNS = [
    "source_id", "segment_id", "unit", "participant_id", "group", "label", "method", "speaker",
    "is_researcher", "start", "end", "text", "words", "turn", "line", "time_start", "time_end", "question",
]
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def check_unit(unit: str) -> str:
    from .errors import QualcodeError

    if unit not in UNITS:
        raise QualcodeError(f"unknown segment unit {unit!r}; use one of {', '.join(UNITS)}.")
    return unit


def _row(source: Source, turn: Turn, number: int, unit: str, start: int, end: int, suffix: str, people: dict) -> dict:
    text = source.text[start:end]
    person = people.get(turn.participant_id) if turn.participant_id else None
    return {
        "source_id": source.source_id,
        "segment_id": f"{source.source_id}:t{number}{suffix}",
        "unit": unit,
        "participant_id": turn.participant_id,
        "group": person["group"] if person else None,
        "label": person["label"] if person else turn.speaker,
        "method": source.method,
        "speaker": turn.speaker,
        "is_researcher": turn.is_researcher,
        "start": start,
        "end": end,
        "text": text,
        "words": len(text.split()),
        "turn": number,
        "line": turn.line,
        "time_start": turn.time_start,
        "time_end": turn.time_end,
        "question": turn.question,
    }


def turn_unit(source: Source) -> str:
    return "answer" if source.method == "survey" else "turn"


def iter_turn_rows(sources: Iterable[Source], people: dict) -> Iterator[dict]:
    """Rows for the ``turn`` unit (``answer`` for survey sources)."""
    for source in sources:
        unit = turn_unit(source)
        for number, turn in enumerate(source.turns, 1):
            yield _row(source, turn, number, unit, turn.start, turn.end, "", people)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def iter_paragraph_rows(sources: Iterable[Source], people: dict) -> Iterator[dict]:
    """Rows for the ``paragraph`` unit: turns split at blank lines."""
    for source in sources:
        for number, turn in enumerate(source.turns, 1):
            pos, k = turn.start, 0
            for brk in [*_PARAGRAPH_BREAK.finditer(source.text, turn.start, turn.end), None]:
                stop = brk.start() if brk else turn.end
                start, end = _trimmed(source.text, pos, stop)
                if end > start:
                    k += 1
                    yield _row(source, turn, number, "paragraph", start, end, f".p{k}", people)
                if brk:
                    pos = brk.end()


def iter_sentence_rows(sources: Iterable[Source], people: dict, batch_size: int = 256) -> Iterator[dict]:
    """Rows for the ``sentence`` unit: spaCy sentences inside each turn, streamed (no Doc is kept)."""
    from .language import sentence_pipe

    sources = list(sources)
    jobs = [(source, number, turn) for source in sources for number, turn in enumerate(source.turns, 1)]
    texts = (source.text[turn.start : turn.end] for source, _, turn in jobs)
    for (source, number, turn), doc in zip(jobs, sentence_pipe(texts, batch_size)):
        k = 0
        for sent in doc.sents:
            start, end = _trimmed(source.text, turn.start + sent.start_char, turn.start + sent.end_char)
            if end > start:
                k += 1
                yield _row(source, turn, number, "sentence", start, end, f".s{k}", people)


_ITERATORS = {"turn": iter_turn_rows, "answer": iter_turn_rows, "paragraph": iter_paragraph_rows, "sentence": iter_sentence_rows}


def segments_frame(sources: Iterable[Source], participants, unit: str = "turn", include_researchers: bool = True):
    """Build the segments DataFrame of ``sources`` for ``unit`` (see the module docstring)."""
    import pandas as pd

    check_unit(unit)
    people = {row["participant_id"]: row for row in participants.to_dict("records")}
    rows = _ITERATORS[unit](sources, people)
    if not include_researchers:
        rows = (row for row in rows if not row["is_researcher"])
    frame = pd.DataFrame(list(rows), columns=SEGMENT_COLUMNS)
    frame = frame.astype({"start": "int64", "end": "int64", "words": "int64", "turn": "int64", "is_researcher": "bool"})
    frame["line"] = frame["line"].astype("Int64")
    attributes = [c for c in participants.columns if c not in ("participant_id", "group", "label")]
    if attributes:
        extra = participants[["participant_id", *attributes]].rename(
            columns={c: f"participant_{c}" for c in attributes if c in SEGMENT_COLUMNS}
        )
        frame = frame.merge(extra, on="participant_id", how="left")
    return frame

"""Speaker turns: finding ``LABEL:`` lines and resolving labels to participants.

A line that starts with ``LABEL:`` (optionally after a timestamp such as ``[00:12:31]``) starts a turn;
lines without a label continue it. A label resolves to a participant by exact id, by the participant's
display label, or by an alias from the source metadata, case-insensitively. Researcher labels
(``Interviewer``, ``Facilitator``, ``Researcher``, ``I``, ``R``, ``Q``, or those a source lists) mark
researcher turns.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .model import Problem, SourceMeta, Turn

_TIMESTAMP = r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?"
# A label: starts with a letter or '[', at most 40 characters, no sentence punctuation, then ':' and a
# space or the end of the line (so "https://..." and "10:30" never start a turn).
LABEL_LINE = re.compile(
    rf"^[ \t]*(?:(?P<ts>{_TIMESTAMP})[ \t]+)?(?P<label>[A-Za-z\[][^:\n?!;,\"“”]{{0,39}}?)[ \t]*:(?:[ \t]+|(?=\n)|$)",
    re.MULTILINE,
)
# The same, anchored on the newline before the label: a literal first character lets the regex engine
# skip ahead instead of trying every position (about twice as fast on long transcripts).
_NEXT_LABEL = re.compile("\n" + LABEL_LINE.pattern[1:])
_GENERIC_PARTICIPANT = re.compile(r"^(?:p|participant|respondent|interviewee|client|patient|speaker)(?:[ ]?[a-z0-9]{1,3})?$")
_GENERIC_RESEARCHER = re.compile(
    r"^(?:i|r|q|int|interviewer|facilitator|co-?facilitator|moderator|researcher|note ?taker)(?:[ ]?[a-z0-9])?$"
)


def _norm(label: str) -> str:
    return " ".join(label.replace("\u00a0", " ").split()).strip("[]").strip().casefold()


norm_label = _norm  # the form labels and ids are compared in


def looks_like_label(label: str) -> bool:
    """Whether an unresolved ``label`` looks like a speaker label rather than the start of a sentence."""
    words = label.split()
    if not 1 <= len(words) <= 4:
        return False
    return all(w[0].isupper() or w[0].isdigit() or w[0] == "[" for w in words)


@dataclass(slots=True)
class RawTurn:
    """A labelled stretch of text before its label is resolved."""

    label: str | None
    start: int
    end: int
    line: int
    time_start: str | None = None
    time_end: str | None = None
    question: str | None = None


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` moved inwards past white space (slicing is far faster than a Python loop)."""
    span = text[start:end]
    lead = len(span) - len(span.lstrip())
    return start + lead, start + lead + len(span.strip())


def split_labelled(text: str, is_label) -> tuple[list[RawTurn], bool]:
    """Split ``text`` at label lines accepted by ``is_label(label)``; return ``(turns, found_labels)``.

    Text before the first label is not a turn when it is short (a title line, say), but an unlabelled
    turn when it holds more than 30 words, so nothing is lost. Without labels, the whole text is one
    unlabelled turn, minus a short title line at the top.
    """
    turns: list[RawTurn] = []
    line_no, line_pos = 1, 0
    first = LABEL_LINE.match(text)
    matches = _NEXT_LABEL.finditer(text)
    if first is not None:
        matches = itertools.chain([first], matches)
    for match in matches:
        label = match.group("label")
        if not is_label(label):
            continue
        begin = match.start() + (text[match.start()] == "\n")
        line_no += text.count("\n", line_pos, begin)
        line_pos = begin
        if turns:
            turns[-1].end = begin
        turns.append(RawTurn(label, match.end(), len(text), line_no, time_start=match.group("ts")))
    found = bool(turns)
    if turns and len(text[: turns[0].start].split()) > 30:
        first_label = text.rfind("\n", 0, turns[0].start) + 1
        start = _skip_title(text[:first_label])
        turns.insert(0, RawTurn(None, start, first_label, text.count("\n", 0, start) + 1))
    if not turns:
        start = _skip_title(text)
        turns = [RawTurn(None, start, len(text), text.count("\n", 0, start) + 1)]
    result = []
    for turn in turns:
        turn.start, turn.end = trim_span(text, turn.start, turn.end)
        if turn.time_start:
            turn.time_start = turn.time_start.strip("[]()")
        if turn.end > turn.start:
            result.append(turn)
    return result, found


def _skip_title(text: str) -> int:
    """Offset after a short title line followed by a blank line (``"Client account"``), else 0."""
    stripped = len(text) - len(text.lstrip())
    first_break = text.find("\n\n", stripped)
    if first_break < 0:
        return 0
    title = text[stripped:first_break].strip()
    if "\n" in title or len(title.split()) > 12 or title.endswith((".", "?", "!", '"', "”")):
        return 0
    return first_break + 2


def label_lookup(participants: dict[str, dict]) -> dict[str, str]:
    """Normalised id and display label -> participant id, for every participant (ids win)."""
    lookup: dict[str, str] = {}
    for pid, info in participants.items():
        if info.get("label"):
            lookup.setdefault(_norm(str(info["label"])), pid)
    for pid in participants:
        lookup[_norm(pid)] = pid
    return lookup


class LabelResolver:
    """Resolves speaker labels of one source to participant ids, collecting warnings.

    ``base`` is :func:`label_lookup` of all participants; the source's own participants' labels and
    its aliases take precedence over it.
    """

    def __init__(self, meta: SourceMeta, participants: dict[str, dict], base: dict[str, str]):
        self.meta = meta
        self.researchers = {_norm(r) for r in meta.researchers}
        self.base = base
        self.lookup: dict[str, str] = {}
        for pid in meta.participants:
            label = participants.get(pid, {}).get("label")
            if label:
                self.lookup[_norm(str(label))] = pid
            self.lookup[_norm(pid)] = pid
        for alias, pid in meta.aliases.items():
            self.lookup[_norm(alias)] = pid
        self.source_participants = meta.participants
        self.problems: list[Problem] = []
        self._warned: set[str] = set()
        self._is_label: dict[str, bool] = {}
        self._is_researcher: dict[str, bool] = {}
        self._found: dict[str, str | None] = {}

    def find(self, label: str) -> str | None:
        """The participant id ``label`` names, or ``None``."""
        if label not in self._found:
            norm = _norm(label)
            self._found[label] = self.lookup.get(norm) or self.base.get(norm)
        return self._found[label]

    def is_researcher(self, label: str) -> bool:
        known = self._is_researcher.get(label)
        if known is None:
            norm = _norm(label)
            known = self._is_researcher[label] = norm in self.researchers or bool(_GENERIC_RESEARCHER.match(norm))
        return known

    def is_label(self, label: str) -> bool:
        """Whether a candidate label at the start of a line really starts a turn."""
        known = self._is_label.get(label)
        if known is None:
            known = self.find(label) is not None or self.is_researcher(label) or looks_like_label(label)
            self._is_label[label] = known
        return known

    def resolve(self, raw: RawTurn) -> Turn:
        sole = self.source_participants[0] if len(self.source_participants) == 1 else None
        if raw.label is None:
            return Turn(raw.start, raw.end, None, sole, False, raw.line, raw.time_start, raw.time_end, raw.question)
        if self.is_researcher(raw.label):
            return Turn(raw.start, raw.end, raw.label, None, True, raw.line, raw.time_start, raw.time_end, raw.question)
        pid = self.find(raw.label)
        if pid is not None and self.source_participants and pid not in self.source_participants:
            self._warn(
                raw,
                f"speaker {raw.label!r} is participant {pid}, who is not listed for source "
                f"{self.meta.source_id}; add {pid} to its participants in sources.csv or front matter.",
            )
        if pid is None and sole and _GENERIC_PARTICIPANT.match(_norm(raw.label)):
            pid = sole  # "P:", "Participant:", "Respondent:" in a one-participant interview
        elif pid is None:
            pid = sole
            fix = (
                f"attributed to {sole}, the only participant; add an alias '{raw.label}={sole}' to the source's "
                "metadata to silence this"
                if sole
                else "its turns are kept but belong to no participant; add an alias "
                f"'{raw.label}=<participant_id>' to the source's metadata, or list the label in `researchers`"
            )
            self._warn(raw, f"unknown speaker label {raw.label!r}: {fix}.")
        return Turn(raw.start, raw.end, raw.label, pid, False, raw.line, raw.time_start, raw.time_end, raw.question)

    def _warn(self, raw: RawTurn, message: str) -> None:
        if raw.label in self._warned:
            return
        self._warned.add(raw.label)
        self.problems.append(Problem(self.meta.file, message, raw.line, "warning"))

"""The document model: a source owns its text; turns are ``(start, end)`` views into it.

Offsets count Unicode code points in the source's normalised text (decoded, newlines ``\\n``), so
``source.text[turn.start:turn.end]`` is the turn's text. REFI-QDA uses the same convention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: The data-collection methods a source may have.
METHODS = ("interview", "joint_interview", "focus_group", "survey", "document")
#: Methods whose text is a transcript of people speaking: only these have speaker labels to detect.
SPOKEN_METHODS = ("interview", "joint_interview", "focus_group")


@dataclass(slots=True)
class Problem:
    """Something wrong with an input: where it is, what is wrong and how to fix it."""

    file: str
    message: str
    line: int | None = None
    severity: str = "error"  # "error": the file was skipped; "warning": it was loaded anyway

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message}"


@dataclass(slots=True)
class Turn:
    """One speaker's stretch of talk, or one survey answer (``question`` set)."""

    start: int
    end: int
    speaker: str | None  # the label as written in the source; None when the source has no labels
    participant_id: str | None
    is_researcher: bool = False
    line: int | None = None
    time_start: str | None = None
    time_end: str | None = None
    question: str | None = None


@dataclass(slots=True)
class SourceMeta:
    """What the manifest and front matter say about one source file."""

    file: str  # path relative to the corpus folder, with forward slashes
    source_id: str
    method: str | None = None
    participants: list[str] = field(default_factory=list)
    date: str | None = None
    wave: str | None = None
    researchers: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    id_column: str | None = None
    group_column: str | None = None
    question_columns: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)  # other manifest columns / front-matter keys
    manifest_line: int | None = None


@dataclass(slots=True)
class Source:
    """A loaded transcript or survey: its text, turns and metadata."""

    meta: SourceMeta
    text: str
    turns: list[Turn]
    path: Path
    format: str
    encoding: str | None = None

    @property
    def source_id(self) -> str:
        return self.meta.source_id

    @property
    def method(self) -> str:
        return self.meta.method or "interview"

    def turn_text(self, turn: Turn) -> str:
        return self.text[turn.start : turn.end]

    def __repr__(self) -> str:
        return f"<Source {self.source_id!r} {self.method} {len(self.turns)} turns, {len(self.text)} chars>"

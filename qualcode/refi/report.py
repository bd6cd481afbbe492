"""What an import or export did: counts, files written, and what could not be carried over (and why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..corpus.model import Problem


@dataclass
class RefiReport:
    """Returned by the REFI-QDA readers and writers; the CLI prints :meth:`lines` and the problems."""

    action: str  # "imported" or "exported"
    source: Path  # the file read (import) or the folder/codebook read (export)
    target: Path | None  # the folder or file written
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    positions: str | None = None  # the position convention detected on import
    coders: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> list[Problem]:
        """Problems that dropped something (a source, a selection, a coding), as opposed to notes."""
        return [p for p in self.problems if p.severity == "error"]

    def lines(self) -> list[str]:
        order = ("sources", "participants", "codes", "codings", "users", "memos")
        shown = ", ".join(f"{self.counts[k]:,} {k}" for k in order if k in self.counts)
        where = f" -> {self.target}" if self.target else ""
        out = [f"{self.action.capitalize()} {self.source}{where}: {shown}."]
        if self.coders:
            out.append(f"Coders: {', '.join(self.coders)}.")
        if self.positions:
            out.append(f"Text positions: {self.positions}.")
        if self.problems:
            dropped = len(self.skipped)
            out.append(f"{len(self.problems)} thing(s) to know ({dropped} not carried over); see the messages.")
        return out

"""What a report says about itself: title, study, codebook and version, coders, date, and notes.

:func:`report_info` derives it from the codings (and the codebook, if given); the Word and HTML
reports print it on their title page.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ..analysis.selection import _text


@dataclass
class ReportInfo:
    """Facts printed on a report's title page."""

    title: str = "Coded excerpts by participant group"
    study: str = ""
    codebook: str = ""
    codebook_version: str = ""
    coders: str = ""
    date: str = ""
    sources: int = 0
    participants: int = 0
    codings: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[tuple[str, str]]:
        """``(label, value)`` pairs for the title page (empty values left out)."""
        from ..version import __version__

        version = f"version {self.codebook_version}" if self.codebook_version else ""
        book = ", ".join(v for v in (self.codebook, version) if v)
        coded = (f"{self.codings:,} codings of {self.sources:,} sources and {self.participants:,} participants"
                 if self.codings else "Nothing was coded.")
        pairs = [("Study", self.study), ("Codebook", book), ("Coded by", self.coders), ("Coding", coded),
                 ("Date", self.date), ("Produced with", f"qualcode {__version__}")]
        return [(k, v) for k, v in pairs if v]


def today() -> str:
    day = _dt.date.today()
    return f"{day.day} {day:%B %Y}"


def report_info(codings, codebook=None, *, title: str | None = None, study: str | None = None,
                date: str | None = None, notes=None) -> ReportInfo:
    """A :class:`ReportInfo` for ``codings`` (already selected): counts, coders and codebook version."""
    names = codings["codebook"] if "codebook" in codings.columns else ()
    return info_of(codings["codebook_version"], codings["coder"], int(codings["source_id"].nunique()),
                   int(codings["participant_id"].nunique()), len(codings), codebook, title=title, study=study,
                   date=date, notes=notes, codebook_names=names)


def info_of(versions, coders, sources: int, participants: int, codings: int, codebook=None, *,
            title: str | None = None, study: str | None = None, date: str | None = None, notes=None,
            codebook_names=()) -> ReportInfo:
    """A :class:`ReportInfo` from the facts themselves: the codebook versions, names and coders seen (any
    iterables) and the counts (so a distributed run need not hold the codings)."""
    versions = sorted({_text(v) for v in versions} - {""})
    names = sorted({_text(v) for v in codebook_names} - {""})
    info = ReportInfo(
        study=study or "",
        codebook=codebook.name if codebook is not None else ", ".join(names),
        codebook_version=(codebook.version if codebook is not None else ", ".join(versions)),
        coders=", ".join(sorted({_text(c) for c in coders} - {""})),
        date=date or today(),
        sources=sources,
        participants=participants,
        codings=codings,
        notes=list(notes or []),
    )
    if title:
        info.title = title
    return info

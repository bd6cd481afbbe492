"""The short report after coding: coverage, codings per theme, codes that matched nothing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CodingReport:
    segments: int  # segments considered for coding
    participant_segments: int
    coded_segments: int  # participant segments with at least one coding
    codings: int
    per_theme: object  # DataFrame: theme_id, theme, codings, segments, participants
    unmatched: list[str]  # active nodes with rules and no coding

    @property
    def coverage(self) -> float:
        """Share of participant segments with at least one code (0..1)."""
        return self.coded_segments / self.participant_segments if self.participant_segments else 0.0

    def lines(self) -> list[str]:
        out = [
            f"{self.segments:,} segments coded; {self.coded_segments:,} of {self.participant_segments:,} participant "
            f"segments ({self.coverage:.0%}) have at least one code; {self.codings:,} codings.",
        ]
        if self.unmatched:
            out.append(f"Codes with rules that matched nothing ({len(self.unmatched)}): {', '.join(self.unmatched)}")
        return out


def coding_report(codings, segments, codebook) -> CodingReport:
    import pandas as pd

    participant = segments[segments.participant_id.notna() & ~segments.is_researcher]
    coded = set(codings.segment_id)
    themes = [n for n in codebook.themes if n.status != "retired"]
    grouped = codings.groupby("theme_id") if len(codings) else None
    rows = []
    for theme in themes:
        part = grouped.get_group(theme.id) if grouped is not None and theme.id in grouped.groups else codings.iloc[:0]
        rows.append({"theme_id": theme.id, "theme": theme.label, "codings": len(part),
                     "segments": part.segment_id.nunique(), "participants": part.participant_id.nunique()})
    used = set(codings.code_id)
    unmatched = [n.id for n in codebook.active() if n.has_rules and n.id not in used]
    return CodingReport(
        segments=len(segments),
        participant_segments=len(participant),
        coded_segments=len(coded & set(participant.segment_id)),
        codings=len(codings),
        per_theme=pd.DataFrame(rows, columns=["theme_id", "theme", "codings", "segments", "participants"]),
        unmatched=unmatched,
    )

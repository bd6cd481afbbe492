"""The :class:`Corpus`: participants, sources with their text and turns, and load problems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import QualcodeError
from .model import Problem, Source


class Corpus:
    """A loaded study: build one with :func:`qualcode.load_corpus`.

    In Jupyter a corpus shows the study summary, with its sources, participants and problems a click
    away.

    >>> corpus = qualcode.load_corpus("transcripts_sample/")
    >>> corpus.participants.columns[:3].tolist()        # participant_id, group, label, attributes
    ['participant_id', 'group', 'label']
    >>> corpus.segments("sentence").unit.iloc[0], corpus.summary().group.iloc[-1]
    ('sentence', 'Total')
    >>> text = corpus.text("C2")
    """

    def __init__(self, root: Path, participants, sources: dict[str, Source], problems: list[Problem]):
        self.root = Path(root)
        self._participants = participants
        self._sources = dict(sources)
        self.problems = list(problems)
        self._segments: dict[tuple[str, bool], object] = {}

    # -- sources ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._sources)

    def __iter__(self) -> Iterator[Source]:
        return iter(self._sources.values())

    def __contains__(self, source_id: str) -> bool:
        return source_id in self._sources

    def source(self, source_id: str) -> Source:
        """The :class:`~qualcode.corpus.model.Source` called ``source_id``."""
        try:
            return self._sources[source_id]
        except KeyError:
            known = ", ".join(list(self._sources)[:10])
            raise QualcodeError(f"no source {source_id!r} in this corpus; sources include: {known}") from None

    __getitem__ = source

    def text(self, source_id: str) -> str:
        """The normalised text of a source; segment and coding offsets index into it."""
        return self.source(source_id).text

    @property
    def source_ids(self) -> list[str]:
        return list(self._sources)

    @property
    def participants(self):
        """DataFrame: ``participant_id, group, label`` and any attribute columns."""
        return self._participants.copy(deep=False)

    @property
    def groups(self) -> list[str]:
        """Participant groups in the order participants.csv first names them."""
        return list(dict.fromkeys(self._participants["group"]))

    @property
    def sources(self):
        """DataFrame of source metadata: one row per loaded source."""
        import pandas as pd

        rows = []
        for s in self:
            row = {
                "source_id": s.source_id,
                "file": s.meta.file,
                "format": s.format,
                "method": s.method,
                "participants": ";".join(s.meta.participants),
                "date": s.meta.date,
                "wave": s.meta.wave,
                "turns": len(s.turns),
                "words": len(s.text.split()),
                "encoding": s.encoding,
            }
            rows.append(row | {k: v for k, v in s.meta.attributes.items() if k not in row})
        return pd.DataFrame(rows)

    @property
    def problem_table(self):
        """DataFrame of load problems: file, line, severity, message."""
        import pandas as pd

        return pd.DataFrame(
            [{"file": p.file, "line": p.line, "severity": p.severity, "message": p.message} for p in self.problems],
            columns=["file", "line", "severity", "message"],
        )

    @property
    def skipped(self) -> list[Problem]:
        """Problems that made a file be skipped."""
        return [p for p in self.problems if p.severity == "error"]

    # -- tables ----------------------------------------------------------------------------------
    def segments(self, unit: str = "turn", *, include_researchers: bool = True):
        """DataFrame with one row per segment of ``unit`` (turn, paragraph, sentence or answer).

        ``turn`` and ``answer`` both give each source's natural unit: speaker turns for spoken sources,
        answers for surveys (``unit`` column ``answer``). See :mod:`qualcode.corpus.segments` for the columns.
        """
        from .segments import segments_frame

        key = ("turn" if unit == "answer" else unit, include_researchers)
        if key not in self._segments:
            self._segments[key] = segments_frame(self, self._participants, key[0], include_researchers)
        return self._segments[key].copy(deep=False)

    def summary(self):
        """DataFrame: the study summary (participants and activities per group, plus a Total row)."""
        from .summary import study_summary

        return study_summary(self, self._participants)

    def subset(self, source_ids) -> "Corpus":
        """A corpus of just ``source_ids`` (in that order), sharing participants and texts."""
        ids = list(source_ids)
        unknown = [s for s in ids if s not in self._sources]
        if unknown:
            from ..errors import did_you_mean, listing

            raise QualcodeError(
                f"unknown source id(s) {listing(unknown)}{did_you_mean(unknown[0], self._sources)} The sources are: "
                f"{listing(list(self._sources))}."
            )
        return Corpus(self.root, self._participants, {s: self._sources[s] for s in ids}, self.problems)

    def __repr__(self) -> str:
        return f"<Corpus {self.root}: {corpus_facts(self)}>"

    def _repr_html_(self) -> str:
        """Jupyter: the study summary, then sources, participants and problems (collapsible)."""
        from ..display import html

        return html("corpus", self)


def corpus_facts(corpus: Corpus, words: int | None = None) -> str:
    """``26 sources, 52 participants in 5 groups, 39,687 words, 0 problems``: a corpus in one line.

    The figures are the study summary's Total row, the one definition used everywhere: participants are
    the people who took part in at least one source, and words are the words participants spoke
    (researchers' turns are not counted). ``words`` is ignored (kept for callers that passed their own)."""
    from ..display import plural

    total = corpus.summary().iloc[-1]
    people, spoken = int(total["participants"]), int(total["words"])
    listed = len(corpus.participants)
    extra = (f" ({plural(listed - people, 'more person', 'more people')} listed in participants.csv took part in no source)"
             if listed > people else "")
    return (f"{plural(len(corpus), 'source')}, {plural(people, 'participant')}{extra} in "
            f"{plural(len(corpus.groups), 'group')}, {spoken:,} words spoken by participants, "
            f"{plural(len(corpus.problems), 'problem')}")

"""A batch of sources: the unit of work of the distributed engine (no Dask in here).

:func:`run_batch` reads a contiguous slice of a :class:`~qualcode.corpus.loading.CorpusPlan`'s files, segments and
codes them exactly as a local run would (:func:`~qualcode.corpus.loading.load_sources`,
:func:`~qualcode.coding.coder.codings_of`), and returns a :class:`BatchResult`: the codings of those sources, the
problems met, and small aggregates for the study summary and the coding report.

A sequential load carries one piece of state from file to file: participants that earlier files added
(survey respondents missing from participants.csv, or every speaker when there is no participants.csv),
which later files may name, and the source ids already taken. A batch records which participant ids and
label keys it looked up outside participants.csv (:class:`TrackedParticipants`); :func:`conflicts` then tells
the driver which batches would have seen something different after the batches before them, and those
are run again with that state (``BatchSpec.prefix``/``taken``). On ordinary corpora nothing is re-run.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus.loading import CorpusPlan, ParticipantIndex, load_sources
from ..corpus.model import Problem, SourceMeta
from ..corpus.turns import _norm

# Per worker process: compiled codebooks and participants tables, keyed by a digest of their content.
_CACHE: dict[str, object] = {}
_LOCK = threading.Lock()
_CACHE_SIZE = 8


@dataclass(frozen=True)
class CodebookPayload:
    """A codebook as sent to workers: its YAML text and a digest that keys the compiled rules there."""

    key: str
    text: str
    name: str
    include_candidates: bool
    by: str = "rules"
    model: str | None = None

    @classmethod
    def of(cls, codebook, include_candidates: bool = False, by: str = "rules", model: str | None = None) -> "CodebookPayload":
        text = codebook.to_string()
        key = hashlib.sha256(f"{include_candidates}\x00{by}\x00{model}\x00{text}".encode()).hexdigest()[:20]
        return cls(key, text, str(codebook.path or codebook.name), include_candidates, by, model)


@dataclass(frozen=True)
class SharedInputs:
    """What every batch of one run shares: the folder, whether it has sources.csv, participants.csv's rows."""

    root: Path
    has_manifest: bool
    participants: object  # DataFrame, or None without participants.csv
    key: str

    @classmethod
    def of(cls, plan: CorpusPlan) -> "SharedInputs":
        frame = plan.participants
        digest = hashlib.sha256(str(plan.root).encode())
        if frame is not None:
            digest.update(frame.to_csv(index=False).encode())
        return cls(plan.root, plan.has_manifest, frame, digest.hexdigest()[:20])


@dataclass
class Options:
    unit: str = "turn"
    include_researchers: bool = False
    long_turn_words: int = 200
    max_bytes: int = 50 * 1024 * 1024


@dataclass
class BatchSpec:
    """Batch ``index``: the plan items it loads, and (for a re-run) the state of the batches before it."""

    index: int
    items: list[tuple[str, SourceMeta | None]]
    prefix: list[dict] = field(default_factory=list)  # participants added by earlier batches, in order
    taken: dict[str, str] = field(default_factory=dict)  # source id -> file, loaded by earlier batches
    attempt: int = 0


@dataclass
class BatchResult:
    """What a batch sends back. ``codings`` and the two pair tables stay on the worker in a Dask run;
    only :meth:`report` (small) travels to the driver."""

    index: int
    attempt: int
    problems: list[Problem]
    sources: list[tuple[str, str]]  # (source_id, file) of the sources loaded, in order
    added: list[dict]  # participants this batch added, in order
    pids: set | None  # participant ids outside participants.csv that the batch looked up
    norms: set | None  # normalised speaker labels the batch looked up among all participants
    counts: dict  # summary counts per group (additive)
    total: dict  # summary totals (additive)
    segments: int  # segments considered for coding
    participant_segments: int
    coded_segments: int
    codings_count: int
    theme_counts: dict  # theme_id -> [codings, segments]
    codes_used: set
    codings: object = None  # DataFrame (None once written to a dataset)
    took: object = None  # DataFrame group, participant_id: who took part (for distinct counts)
    theme_people: object = None  # DataFrame theme_id, participant_id

    def report(self) -> "BatchResult":
        """This result without its tables and lookup keys (what the driver needs; it fetches the keys
        with :meth:`keys` only when an earlier batch added participants)."""
        from dataclasses import replace

        return replace(self, codings=None, took=None, theme_people=None, pids=None, norms=None)

    def keys(self) -> tuple[set, set]:
        return self.pids, self.norms


class _LoggedRows(dict):
    """The participants dict of a batch, noting every id looked up that participants.csv does not fix."""

    def __init__(self, fixed: set, log: set):
        super().__init__()
        self._fixed, self._log = fixed, log

    def _note(self, pid) -> None:
        if pid not in self._fixed:
            self._log.add(pid)

    def __contains__(self, pid) -> bool:
        self._note(pid)
        return dict.__contains__(self, pid)

    def __getitem__(self, pid):
        self._note(pid)
        return dict.__getitem__(self, pid)

    def get(self, pid, default=None):
        self._note(pid)
        return dict.get(self, pid, default)


class _LoggedLookup(dict):
    """Speaker label key -> participant id over all participants, noting every key looked up."""

    def __init__(self, items: dict, log: set):
        super().__init__(items)
        self._log = log

    def get(self, norm, default=None):
        self._log.add(norm)
        return dict.get(self, norm, default)


class TrackedParticipants(ParticipantIndex):
    """A :class:`~qualcode.corpus.loading.ParticipantIndex` that records what a batch read of the shared state."""

    def __init__(self, frame, prefix: list[dict] = (), base: dict | None = None):
        super().__init__(None if base is not None else frame)
        self.pids: set = set()
        self.norms: set = set()
        self.added: list[dict] = []
        if base is not None:  # cached rows of participants.csv: (rows, columns, listed)
            base_rows, self.columns, self.listed = base
        else:
            base_rows = dict(self.rows)
        rows = _LoggedRows(set(base_rows), self.pids)
        dict.update(rows, base_rows)
        for row in prefix:
            dict.__setitem__(rows, row["participant_id"], row)
        self.rows = rows
        self._lookup = None

    def add(self, pid: str, group: str, label: str | None = None) -> None:
        before = len(self.rows)
        super().add(pid, group, label)
        if len(self.rows) > before:
            self.added.append(dict.__getitem__(self.rows, pid))

    @property
    def lookup(self) -> dict[str, str]:
        if self._lookup is None:
            from ..corpus.turns import label_lookup

            self._lookup = _LoggedLookup(label_lookup(self.rows), self.norms)
        return self._lookup

    def frame_of(self, pids):
        """The participants table restricted to ``pids`` (the ones a batch's turns name)."""
        import pandas as pd

        rows = [self.rows.get(pid) for pid in pids]
        return pd.DataFrame([r for r in rows if r is not None], columns=self.columns)


def _cached(key: str, build):
    with _LOCK:
        if key not in _CACHE:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = build()
        return _CACHE[key]


def compiled(payload: CodebookPayload):
    """``(Codebook, RuleSet or None, MeaningCoder or None)`` of ``payload``, built once per process (spaCy
    and the embedding model with it)."""

    def build():
        from ..codebook.model import Codebook
        from .coder import coders_for

        codebook = Codebook.from_string(payload.text, name=payload.name)
        rules, meaning, _ = coders_for(codebook, payload.by, include_candidates=payload.include_candidates,
                                       model=payload.model)
        return codebook, rules, meaning

    return _cached("codebook:" + payload.key, build)


def _base_rows(shared: SharedInputs):
    def build():
        index = ParticipantIndex(shared.participants)
        return dict(index.rows), index.columns, index.listed

    return _cached("participants:" + shared.key, build)


class _GroupOf:
    def __init__(self, rows):
        self.rows = rows

    def get(self, pid, default=None):
        row = self.rows.get(pid)
        return row["group"] if row is not None else default


def run_batch(spec: BatchSpec, shared: SharedInputs, payload: CodebookPayload, options: Options,
              out_dir: str | None = None) -> BatchResult:
    """Load, segment and code one batch; write its codings to ``out_dir`` (a dataset folder) if given."""
    import pandas as pd

    from .coder import codings_of
    from ..corpus.segments import segments_frame
    from ..corpus.summary import summary_parts

    codebook, rules, meaning = compiled(payload)
    base = _base_rows(shared)
    people = TrackedParticipants(None, spec.prefix, base=(dict(base[0]), base[1], base[2]))
    plan = CorpusPlan(shared.root, None, [], [], shared.has_manifest)
    sources, problems = load_sources(plan, spec.items, people, options.max_bytes, taken=spec.taken)
    loaded = list(sources.values())
    counts, total, took = summary_parts(loaded, _GroupOf(people.rows))
    pids = list(dict.fromkeys(t.participant_id for s in loaded for t in s.turns if t.participant_id))
    segments = segments_frame(loaded, people.frame_of(pids), options.unit, options.include_researchers)
    if not options.include_researchers:
        segments = segments[~segments.is_researcher].reset_index(drop=True)
    with _LOCK:  # spaCy's tokenizer is not meant to be shared between threads
        codings = codings_of(segments, codebook, rules, options.long_turn_words, meaning)
    participant = segments[segments.participant_id.notna() & ~segments.is_researcher]
    coded = set(codings.segment_id) & set(participant.segment_id)
    theme_counts = {}
    if len(codings):
        per_theme = codings.groupby("theme_id").agg(codings=("segment_id", "size"), segments=("segment_id", "nunique"))
        theme_counts = {t: [int(r.codings), int(r.segments)] for t, r in per_theme.iterrows()}
    result = BatchResult(
        index=spec.index, attempt=spec.attempt, problems=problems,
        sources=[(s.source_id, s.meta.file) for s in loaded], added=people.added, pids=people.pids,
        norms=people.norms, counts=counts, total=total, segments=len(segments),
        participant_segments=len(participant), coded_segments=len(coded), codings_count=len(codings),
        theme_counts=theme_counts, codes_used=set(codings.code_id),
        took=pd.DataFrame(sorted(took, key=str), columns=["group", "participant_id"], dtype=object),
        theme_people=codings[["theme_id", "participant_id"]].drop_duplicates().astype(object).reset_index(drop=True),
    )
    if out_dir is not None:
        from .dataset import write_partition

        write_partition(codings, out_dir, spec.index)
    else:
        from .dataset import conform

        result.codings = conform(codings)
    return result


def conflicts(specs: dict[int, BatchSpec], results: dict[int, BatchResult]) -> list[BatchSpec]:
    """Batches whose run saw a different participants/source-id state than one sequential load would
    have given them, as specs to run again with that state; empty when every batch is exact.

    Each round makes at least the first inexact batch exact, so repeating converges. A batch after the
    first one that added participants needs its lookup keys (``pids``, ``norms``) filled in; see
    :func:`needs_keys`.
    """
    added: list[dict] = []  # participants added by the batches so far, in order
    by_pid: dict[str, dict] = {}
    keys: set = set()  # label keys of those participants (ids and display labels)
    seen: dict[str, str] = {}  # source id -> file
    again = []
    for index in sorted(results):
        spec, result = specs[index], results[index]
        if not added and not spec.prefix:
            touched = False
        elif not spec.prefix:
            touched = any(pid in by_pid for pid in result.pids) or any(norm in keys for norm in result.norms)
        elif spec.prefix == added:
            touched = False
        else:  # a re-run given a state that has changed since: compare what differs
            given = {row["participant_id"]: row for row in spec.prefix}
            delta = [row for row in added if given.get(row["participant_id"]) != row]
            delta += [row for pid, row in given.items() if pid not in by_pid]
            if not delta and list(given) != [row["participant_id"] for row in added]:
                delta = added
            touched = any(pid in result.pids or bool(_keys(row) & result.norms) for row in delta
                          for pid in [row["participant_id"]])
        reused = {sid: seen[sid] for sid, _ in result.sources if sid in seen}
        if touched or reused:
            again.append(BatchSpec(index, spec.items, [dict(r) for r in added], spec.taken | reused, spec.attempt + 1))
        for row in result.added:
            added.append(row)
            by_pid.setdefault(row["participant_id"], row)
            keys |= _keys(row)
        for sid, file in result.sources:
            seen.setdefault(sid, file)
    return again


def needs_keys(results: dict[int, BatchResult]) -> list[int]:
    """Batches whose lookup keys :func:`conflicts` will read: those after the first that added participants."""
    first = min((i for i, r in results.items() if r.added), default=None)
    if first is None:
        return []
    return [i for i, r in results.items() if i > first and r.pids is None]


def _keys(row: dict) -> set:
    keys = {_norm(str(row["participant_id"]))}
    if row.get("label"):
        keys.add(_norm(str(row["label"])))
    return keys

"""Deductive coding: a codebook's rules, its meaning (:mod:`.meaning`) or both applied to every segment of a corpus.

>>> codings = qualcode.code(corpus, codebook)                  # doctest: +SKIP

The coding unit is the turn (survey answer) by default, or paragraphs or sentences. Researcher turns
are not coded unless asked. A turn longer than ``long_turn_words`` is matched sentence by sentence and
each excerpt is the matching sentence with one sentence of context either side (overlapping excerpts of
one code merge), so quotes stay readable. Same corpus and codebook, same table, same row order.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

from ..codebook.model import Codebook
from .table import CODING_COLUMNS, empty_codings
from ..errors import QualcodeError
from .rules import RuleSet

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pandas as pd

    from ..corpus.corpus import Corpus

DEFAULT_LONG_TURN_WORDS = 200
_CHUNK = 2000  # segments per task with several jobs

# Set in each worker process (and in the parent for jobs=1): the compiled rules and options.
_STATE: dict = {}


@dataclass
class CodingRun:
    """The result of :func:`apply_codebook`: the codings, the coded segments and any warnings."""

    codings: object
    segments: object
    codebook: Codebook
    warnings: list[str] = field(default_factory=list)

    def report(self):
        """Coverage, codings per theme and the codes whose rules matched nothing."""
        from .report import coding_report

        return coding_report(self.codings, self.segments, self.codebook)

    def __repr__(self) -> str:
        lines = self.report().lines() + [f"warning: {w}" for w in self.warnings]
        return f"<CodingRun with codebook {self.codebook.name!r} v{self.codebook.version}: " + " ".join(lines) + ">"

    def _repr_html_(self) -> str:
        from ..display import html

        return html("coding_run", self)


def _windows(doc, text: str) -> list[tuple[int, int, int, int]]:
    """Per sentence of a long text: ``(window start, window end, sentence start, sentence end)``,
    the window being the sentence with the previous and the next one."""
    from ..language import rule_sentence_starts

    starts = rule_sentence_starts(doc)
    bounds = [*starts, len(text)]
    n = len(starts)
    return [(bounds[max(i - 1, 0)], bounds[min(i + 2, n)], bounds[i], bounds[i + 1]) for i in range(n)]


def _merge(spans: list[tuple[int, int, float, list]]) -> list[tuple[int, int, float, list]]:
    """Merge overlapping excerpts of one code: union of spans, max score, all evidence once."""
    spans.sort(key=lambda s: (s[0], s[1]))
    merged: list[list] = []
    for start, end, score, hits in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            last[2] = max(last[2], score)
            last[3] = last[3] + [h for h in hits if h not in last[3]]
        else:
            merged.append([start, end, score, list(hits)])
    return [tuple(m) for m in merged]


def _code_chunk(chunk: list[tuple]) -> list[tuple]:
    """:func:`code_chunk` with the coders and options set in this process by :func:`_init_worker`."""
    return code_chunk(chunk, _STATE["rules"], _STATE["meaning"], _STATE["long_turn_words"])


def code_chunk(chunk: list[tuple], rules: "RuleSet | None", meaning, long_words: int) -> list[tuple]:
    """The coding tuples of a chunk by rules (``meaning`` None), by meaning (``rules`` None) or both,
    combined as :func:`combine` says."""
    rule_rows = code_items(chunk, rules, long_words) if rules is not None and rules.nodes else []
    if meaning is None:
        return rule_rows
    profiles: dict = {}
    meaning_rows = meaning_items(chunk, meaning, long_words, profiles if rules is not None else None)
    if rules is None:
        return meaning_rows
    return combine(chunk, rule_rows, meaning_rows, meaning, profiles)


def meaning_items(chunk: list[tuple], meaning, long_words: int, profiles: dict | None = None) -> list[tuple]:
    """Code a chunk (as :func:`code_items` takes it) by meaning; return ``(row, node, start, end, score,
    evidence, "meaning")`` tuples. A turn longer than ``long_words`` is coded by sentence windows.
    ``profiles``, if given, receives each coded piece's profile similarities, keyed ``(row, start, end)``."""
    from ..language import nlp

    pieces: list[tuple[int, int, int]] = []  # (chunk position, lo, hi)
    long_items = [k for k, item in enumerate(chunk) if item[2] > long_words]
    docs = dict(zip(long_items, nlp().tokenizer.pipe([chunk[k][1] for k in long_items])))
    for k, (row, text, words, *_rest) in enumerate(chunk):
        if not text.strip():
            continue
        if k in docs:
            pieces += [(k, lo, hi) for lo, hi, *_ in _windows(docs[k], text)]
        else:
            pieces.append((k, 0, len(text)))
    found = meaning.match([chunk[k][1][lo:hi] for k, lo, hi in pieces], keep=profiles is not None)
    if profiles is not None:
        found, similarities = found
        profiles.update({(chunk[k][0], lo, hi): row for (k, lo, hi), row in zip(pieces, similarities)})
    per_item: dict[int, dict[str, list]] = {}
    for (k, lo, hi), matches in zip(pieces, found):
        for node, score, evidence, _ in matches:
            per_item.setdefault(k, {}).setdefault(node, []).append((lo, hi, score, [evidence]))
    out = []
    for k, per_node in per_item.items():
        row = chunk[k][0]
        for node, spans in per_node.items():
            spans = _merge(spans) if k in docs else spans
            for lo, hi, score, evidence in spans:
                out.append((row, node, lo, hi, score, evidence[0], "meaning"))
    return out


def combine(chunk: list[tuple], rule_rows: list[tuple], meaning_rows: list[tuple], meaning,
            profiles: dict | None = None) -> list[tuple]:
    """``--by both``: every rule coding stays; a meaning coding is added where no rule coding of the same
    node, or of one of its ancestors or descendants, overlaps it in the same segment; a rule coding of a
    node the meaning coder knows gets ``meaning:<similarity>`` in its evidence, and
    ``meaning-disagrees:<similarity><<threshold>`` where the similarity is below the node's threshold."""
    related = meaning.related
    profiles = profiles or {}
    ruled: dict[int, list[tuple]] = {}
    for r in rule_rows:
        ruled.setdefault(r[0], []).append(r)
    kept = [m for m in meaning_rows
            if not any(r[1] in related.get(m[1], ()) and r[2] < m[3] and m[2] < r[3] for r in ruled.get(m[0], ()))]
    texts = {item[0]: item[1] for item in chunk}
    known = [k for k, r in enumerate(rule_rows) if r[1] in related]
    # A rule excerpt that is a piece meaning already embedded (a short turn, a window) is not embedded again.
    fresh = [k for k in known if (rule_rows[k][0], rule_rows[k][2], rule_rows[k][3]) not in profiles]
    computed = dict(zip(fresh, meaning.agreement(
        [texts[rule_rows[k][0]][rule_rows[k][2]:rule_rows[k][3]] for k in fresh],
        [rule_rows[k][1] for k in fresh]))) if fresh else {}
    checks = [computed[k] if k in computed else
              meaning.agreement_of(profiles[(rule_rows[k][0], rule_rows[k][2], rule_rows[k][3])], rule_rows[k][1])
              for k in known]
    flagged = list(rule_rows)
    for k, check in zip(known, checks):
        if check is None:
            continue
        sim, agrees = check
        row = flagged[k]
        note = f"meaning:{sim:.2f}" if agrees else f"meaning-disagrees:{sim:.2f}<{meaning.threshold_of(row[1]):.2f}"
        flagged[k] = (*row[:5], f"{row[5]}; {note}" if row[5] else note)
    return flagged + kept


def code_items(chunk: list[tuple], rules: RuleSet, long_words: int) -> list[tuple]:
    """Code a chunk of ``(row, text, words, group, method, speakers, offset)``; return coding tuples
    ``(row, node, start, end, score, evidence)`` with start/end relative to the segment and evidence
    offsets into the source text (``offset`` is the segment's start there)."""
    out = []
    texts = [item[1] for item in chunk]
    for (row, text, words, group, method, speakers, offset), doc in zip(chunk, rules.pipe(texts)):
        hits = rules.hits(doc, text)
        if not hits:
            continue
        meta = (group, method, speakers)
        if words <= long_words:
            coded = {node: [(0, len(text), score, ev)] for node, (score, ev) in rules.evaluate(hits, 0, len(text), meta).items()}
        else:
            per_node: dict[str, list] = {}
            for lo, hi, *sentence in _windows(doc, text):
                for node, (score, ev) in rules.evaluate(hits, lo, hi, meta, center=sentence).items():
                    per_node.setdefault(node, []).append((lo, hi, score, ev))
            coded = {node: _merge(spans) for node, spans in per_node.items()}
        for node, spans in coded.items():
            for lo, hi, score, ev in spans:
                evidence = "; ".join(f"{h.kind}:{h.term}@{h.start + offset}-{h.end + offset}" for h in ev)
                out.append((row, node, lo, hi, score, evidence))
    return out


def _init_worker(rules: RuleSet | None, long_turn_words: int, meaning=None, inherit: bool = False,
                 worker: bool = False) -> None:
    """Set this process's coders; ``inherit``: keep those a forked worker inherited from its parent.
    ``worker``: one of several worker processes, so its tokenizer and BLAS use one thread each (with
    ``--jobs 1`` they use every core; in two workers they would fight over the same two)."""
    if worker:
        os.environ["TOKENIZERS_PARALLELISM"] = "false"
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    if not inherit:
        _STATE["rules"], _STATE["meaning"] = rules, meaning
    _STATE["long_turn_words"] = long_turn_words


def _prune_ancestors(rows: list[tuple], codebook: Codebook) -> list[tuple]:
    """Drop a node's coding where a descendant coded an overlapping excerpt of the same segment."""
    ancestors = {node_id: {a.id for a in codebook.ancestors(node_id)} for node_id in codebook.nodes}
    by_row: dict[int, list[tuple]] = {}
    for item in rows:
        by_row.setdefault(item[0], []).append(item)
    kept = []
    for items in by_row.values():
        if len(items) == 1:
            kept += items
            continue
        for item in items:
            _, node, lo, hi, *_ = item
            shadowed = any(node in ancestors[other[1]] and other[2] < hi and lo < other[3] for other in items)
            if not shadowed:
                kept.append(item)
    return kept


BY = ("rules", "meaning", "both")


def check_by(by: str) -> str:
    if by not in BY:
        raise QualcodeError(f"--by {by!r}: code by 'rules', 'meaning' or 'both' (rules plus what meaning adds).")
    return by


def coders_for(codebook: Codebook, by: str, *, include_candidates: bool = False, model: str | None = None):
    """``(rules, meaning, warnings)``: the coders ``by`` asks for (``None`` where not asked)."""
    from .meaning import MeaningCoder, has_meaning_text

    check_by(by)
    rules = RuleSet(codebook, include_candidates=include_candidates) if by != "meaning" else None
    meaning, found = None, []
    if by == "meaning":
        meaning = MeaningCoder(codebook, include_candidates=include_candidates, model=model)
    elif by == "both":
        if has_meaning_text(codebook, include_candidates):
            meaning = MeaningCoder(codebook, include_candidates=include_candidates, model=model)
        else:
            found.append(f"codebook {codebook.name!r} has no definitions, include text or examples, so it is coded "
                         "by its rules only; add them to code by meaning too (see docs/meaning.md).")
    found += list(meaning.warnings) if meaning is not None else []
    if rules is not None and not rules.nodes:
        found.append(f"codebook {codebook.name!r} has no active node with rules; nothing can be coded by rules"
                     + (" (coding by meaning only)." if meaning is not None else "; try --by meaning."))
    return rules, meaning, found


def apply_codebook(
    corpus: "Corpus",
    codebook: Codebook,
    *,
    by: str = "both",
    model: str | None = None,
    unit: str = "turn",
    include_researchers: bool = False,
    include_candidates: bool = False,
    long_turn_words: int = DEFAULT_LONG_TURN_WORDS,
    jobs: int = 1,
    progress: "Callable[[int, int, str], None] | None" = None,
    chunk_size: int = _CHUNK,
) -> CodingRun:
    """Code every segment of ``corpus`` with ``codebook``; see :func:`code` for the options.

    ``by``: ``rules`` (the codebook's rules), ``meaning`` (its definitions and examples,
    :mod:`qualcode.coding.meaning`) or ``both`` (rules, plus what meaning adds; see :func:`combine`).
    ``model``: a local sentence-transformers model folder instead of the built-in embedding model.

    Returns a :class:`CodingRun`: ``run.codings`` (the codings table), ``run.segments`` (the coded
    segments), ``run.warnings`` and ``run.report()`` (coverage, codes that matched nothing).

    >>> run = qualcode.apply_codebook(corpus, codebook, by="rules")
    >>> 0 < run.report().coverage <= 1, run.codings.coder.iloc[0] == f"rules@{codebook.version}"
    (True, True)
    """
    import pandas as pd

    from ..corpus.attributes import join_attributes
    from ..corpus.segments import check_unit

    check_unit(unit)
    check_by(by)
    if jobs < 1:
        raise QualcodeError(f"jobs must be at least 1, not {jobs}.")
    segments = corpus.segments(unit, include_researchers=include_researchers)
    if segments.empty or segments.participant_id.isna().all():
        raise QualcodeError(
            "the corpus has no participant segments to code (only researcher turns or nothing at all); "
            "check the speaker labels, or pass --include-researchers."
        )
    run_warnings = corpus_warnings(codebook, corpus)
    rules, meaning, found = coders_for(codebook, by, include_candidates=include_candidates, model=model)
    run_warnings += found
    if meaning is not None:
        from .meaning import language_warning

        message = language_warning(segments.text.tolist())
        if message:
            run_warnings.append(message)
    items = coding_items(segments)
    chunks = [items[i : i + chunk_size] for i in range(0, len(items), chunk_size)]
    rows: list[tuple] = []
    if meaning is not None or rules.nodes:
        if jobs == 1 or len(chunks) == 1:
            _init_worker(rules, long_turn_words, meaning)
            for done, chunk in enumerate(chunks, 1):
                rows += _code_chunk(chunk)
                if progress:
                    progress(done, len(chunks), "")
        else:
            rows = _code_parallel(chunks, rules, meaning, long_turn_words, jobs, progress)
    rows = _prune_ancestors(rows, codebook)
    codings = join_attributes(_codings_frame(rows, segments, codebook, [item[1] for item in items],
                                             meaning.coder if meaning is not None else None), corpus)
    del items, chunks
    for message in run_warnings:
        warnings.warn(message, stacklevel=2)
    return CodingRun(codings, segments, codebook, run_warnings)


def coding_items(segments) -> list[tuple]:
    """The segments as the ``(row, text, words, group, method, speakers, offset)`` items :func:`code_items` takes."""
    speakers = list(zip(segments.participant_id, segments.label, segments.speaker))
    return list(zip(range(len(segments)), segments.text, segments.words, segments.group, segments.method, speakers,
                    segments.start.tolist()))


def codings_of(segments, codebook: Codebook, rules: RuleSet | None, long_turn_words: int = DEFAULT_LONG_TURN_WORDS,
               meaning=None):
    """The codings table of ``segments`` (already filtered to the ones to code), in one process.

    The unit of work of the distributed engine: the same steps as :func:`apply_codebook` with
    ``jobs=1``, so a batch of sources gives exactly the rows a local run gives for those sources.
    """
    items = coding_items(segments)
    rows = code_chunk(items, rules, meaning, long_turn_words) if len(segments) else []
    return _codings_frame(_prune_ancestors(rows, codebook), segments, codebook, [item[1] for item in items],
                          meaning.coder if meaning is not None else None)


def _code_parallel(chunks, rules, meaning, long_turn_words, jobs, progress) -> list[tuple]:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods:
        # Workers inherit the compiled rules, the embedded codebook and the loaded models from this
        # process: nothing is pickled per task and no worker loads a model again.
        _init_worker(rules, long_turn_words, meaning)
        context, initargs = multiprocessing.get_context("fork"), (None, long_turn_words, None, True, True)
    else:  # each worker unpickles the coders once and loads the embedding model once
        context, initargs = multiprocessing.get_context("spawn"), (rules, long_turn_words, meaning, False, True)
    rows: list[tuple] = []
    with context.Pool(min(jobs, len(chunks), os.cpu_count() or jobs), _init_worker, initargs) as pool:
        for done, part in enumerate(pool.imap(_code_chunk, chunks), 1):
            rows += part
            if progress:
                progress(done, len(chunks), "")
    return rows


def _codings_frame(rows: list[tuple], segments, codebook: Codebook, texts: list[str], meaning_coder: str | None = None):
    """The codings table for ``rows`` ``(segment row, node, start, end, score, evidence)``; ``texts`` are
    the segments' texts as Python strings (already built for matching: no second copy of the column).

    ``rows`` is emptied: each column is converted to its pandas array as soon as it is built and its
    Python objects are dropped, so the excerpts and evidence are never held twice over (the peak memory
    of coding a large corpus is here)."""
    import numpy as np
    import pandas as pd

    if not rows:
        return empty_codings()
    order = {node_id: i for i, node_id in enumerate(codebook.nodes)}
    rows.sort(key=lambda r: (r[0], r[2], order[r[1]], r[3]))
    seg_rows = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    base = segments[["source_id", "segment_id", "participant_id", "group", "label", "method"]].take(seg_rows)
    columns = {name: base[name].to_numpy() for name in base.columns}
    del base
    offsets = segments.start.to_numpy()[seg_rows].tolist()
    del seg_rows
    starts, ends, excerpts = [], [], []
    for (row, _, lo, hi, *_), offset in zip(rows, offsets):
        # A long-turn window ends at the next sentence's start: trim its white space, keeping offsets exact.
        piece = texts[row][lo:hi]
        lead = len(piece) - len(piece.lstrip())
        excerpt = piece.strip()
        starts.append(offset + lo + lead)
        ends.append(offset + lo + lead + len(excerpt))
        excerpts.append(excerpt)
    del offsets
    columns["start"] = np.asarray(starts, dtype=np.int64)
    columns["end"] = np.asarray(ends, dtype=np.int64)
    del starts, ends
    columns["text"] = pd.Series(excerpts).array
    del excerpts
    nodes = [codebook.nodes[r[1]] for r in rows]
    numbers = codebook.numbers()
    columns["number"] = [numbers.get(n.subtheme_id or n.theme_id) for n in nodes]
    columns["code_id"] = [n.id for n in nodes]
    columns["code"] = [n.label for n in nodes]
    columns["theme_id"] = [n.theme_id for n in nodes]
    columns["theme"] = [codebook.nodes[n.theme_id].label for n in nodes]
    columns["subtheme_id"] = [n.subtheme_id for n in nodes]
    columns["subtheme"] = [codebook.nodes[n.subtheme_id].label if n.subtheme_id else None for n in nodes]
    del nodes
    by_meaning = [len(r) > 6 for r in rows]
    columns["coder"] = [meaning_coder if m else f"rules@{codebook.version}" for m in by_meaning]
    columns["origin"] = ["meaning" if m else "rule" for m in by_meaning]
    del by_meaning
    columns["score"] = np.asarray([round(float(r[4]), 2) for r in rows], dtype=np.float64)
    evidence = [r[5] for r in rows]
    rows.clear()  # the evidence strings are now held by ``evidence`` alone
    columns["evidence"] = pd.Series(evidence).array
    del evidence
    columns["codebook_version"] = codebook.version
    columns["codebook"] = codebook.name
    frame = pd.DataFrame(columns)
    return frame[CODING_COLUMNS].astype({"score": "float64"})


def corpus_warnings(codebook: Codebook, corpus) -> list[str]:
    """Rules that name groups the corpus does not have (they can never match)."""
    groups = {str(g).casefold() for g in corpus.groups}
    out = []
    for node in codebook.active():
        for group in node.rules.get("groups") or []:
            if str(group).casefold() not in groups:
                out.append(
                    f"code {node.id!r}: rules.groups names {group!r}, which is not a participant group in this corpus "
                    f"({', '.join(corpus.groups)}); the rule will never match there."
                )
    return out


def code(corpus: "Corpus | str | Path", codebook: Codebook, **options) -> "pd.DataFrame":
    """Apply ``codebook`` to ``corpus`` (a :class:`Corpus` or a folder) on this machine; return the
    codings table (see :mod:`qualcode.coding.table`). ``qualcode.code`` (:mod:`qualcode.engines`) calls this
    for ``engine="local"``.

    Options: ``by`` (``rules``, ``meaning`` or ``both``, the default), ``model`` (a local
    sentence-transformers folder), ``unit`` (turn, paragraph, sentence, answer), ``include_researchers``,
    ``include_candidates``, ``long_turn_words`` (default 200), ``jobs`` (processes), ``progress``.

    >>> codings = qualcode.code(corpus, qualcode.Codebook.from_yaml("codebooks/social_prescribing.yaml"), by="rules")
    >>> codings.columns[:3].tolist(), bool((codings.origin == "rule").all())
    (['source_id', 'segment_id', 'participant_id'], True)

    The participant and source attributes (``role``, ``wave``, ...) follow the standard columns, so any
    table or report can be broken down by them (``by="wave"``).
    """
    if not hasattr(corpus, "segments"):
        from ..corpus.loading import load_corpus

        corpus = load_corpus(corpus)
    return apply_codebook(corpus, codebook, **options).codings

"""Text search: where did anyone say *waiting list*? Keyword in context with exact offsets.

>>> hits = qualcode.search(corpus, "waiting list", lemma=True)        # doctest: +SKIP
>>> hits[["label", "left", "match", "right"]]                         # doctest: +SKIP

A pattern is a word, a phrase (its words in order, separated by white space or hyphens) or either with
wildcards: ``*`` stands for any letters (``refer*``: refer, referral, referring), ``?`` for one.
Matching ignores case. ``lemma=True`` also matches every form with the same lookup lemma, from the
same lemma table keyword rules use (``waiting list`` finds *wait list*, *waited list*; ``refer`` finds
*referred*). ``regex=True`` takes a Python regular expression as it is.

Researcher turns are left out unless ``include_researchers=True``; any attribute scopes the search
(``group="Clients"``, ``wave="2"``, ``role=["GP", "Social worker"]``). Each hit is a row::

    source_id, segment_id, participant_id, group, label, speaker, method, start, end,
    left, match, right, <attributes>

where ``corpus.text(source_id)[start:end] == match`` and ``left``/``right`` are up to ``context``
words of the same turn either side. Bad patterns raise :class:`~qualcode.errors.QualcodeError`: an empty
one, an invalid regular expression, a wildcard with no letters (it would match every word).
"""

from __future__ import annotations

import re

from ..errors import QualcodeError, did_you_mean, listing

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from ..corpus.corpus import Corpus

HIT_COLUMNS = ["source_id", "segment_id", "participant_id", "group", "label", "speaker", "method", "start", "end",
               "left", "match", "right"]
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_SEP = r"(?:[\s\-\u2010-\u2014]+)"
#: How many words of context either side by default.
CONTEXT = 10


class SearchError(QualcodeError):
    """A search that cannot run: an empty or invalid pattern, or an unknown attribute."""


def _word_regex(word: str, lemma: bool) -> str:
    """The regular expression for one word of a pattern."""
    from ..language import lemma_of, surface_forms

    if "*" in word or "?" in word:
        literal = re.sub(r"[*?]", "", word)
        if not _WORD.search(literal):
            raise SearchError(f"the wildcard {word!r} has no letters, so it would match every word; add some "
                              "letters, e.g. 'refer*'.")
        parts = []
        for ch in word:
            parts.append(r"\w*" if ch == "*" else r"\w" if ch == "?" else re.escape(ch))
        return "".join(parts)
    if lemma:
        forms = {word.lower(), *surface_forms(lemma_of(word))}
        return "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=lambda f: (-len(f), f))) + ")"
    return re.escape(word)


def compile_pattern(pattern: str, *, lemma: bool = False, regex: bool = False) -> "re.Pattern":
    """The compiled, case-insensitive regular expression of a search pattern (see the module doc)."""
    if pattern is None or not str(pattern).strip():
        raise SearchError("the search pattern is empty; give a word or phrase, e.g. \"waiting list\" or 'refer*'.")
    pattern = str(pattern).strip()
    if regex:
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            where = f" at position {exc.pos}" if exc.pos is not None else ""
            raise SearchError(f"the regular expression {pattern!r} is not valid: {exc.msg}{where}. Fix it, or search "
                              "for plain words without --regex.") from None
        if compiled.search(""):
            raise SearchError(f"the regular expression {pattern!r} matches empty text, so it would match everywhere; "
                              "make it require at least one character (e.g. '+' instead of '*').")
        return compiled
    words = pattern.split()
    bad = [w for w in words if not _WORD.search(re.sub(r"[*?]", "", w)) and not set(w) <= set("*?")]
    if bad:
        raise SearchError(f"the search pattern {pattern!r} has no letters or digits in {', '.join(map(repr, bad))}; "
                          "search for words (wildcards * and ? are allowed), or pass --regex for a regular expression.")
    words = [w.strip(".,;:!?\"'()[]") or w for w in words]
    body = _SEP.join(_word_regex(w, lemma) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _scope(frame, scope: dict, what: str = "the corpus"):
    """Rows of ``frame`` whose attributes have the values of ``scope`` (case-insensitive)."""
    from .attributes import values_of

    for name, wanted in scope.items():
        if wanted is None:
            continue
        if name not in frame.columns:
            known = [c for c in frame.columns if c in ("group", "method", "source_id") or
                     c not in (*HIT_COLUMNS, *_SEGMENT_ONLY, "segment_id", "label", "speaker")]
            raise SearchError(f"no attribute {name!r} in {what}{did_you_mean(name, known) or '.'} The attributes there "
                              f"are: {listing(known, 40)}.")
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        keys = {str(v).strip().casefold() for v in values}
        column = frame[name].astype(object).map(lambda v: None if v is None or v != v else str(v).casefold())
        shown = values_of(frame, name).astype(object)
        shown_keys = shown.map(lambda v: None if v is None else str(v).casefold())
        present = set(column.dropna()) | set(shown_keys.dropna())
        unknown = [v for v in values if str(v).strip().casefold() not in present]
        if unknown:
            options = sorted(set(frame[name].dropna().astype(str)), key=str.casefold)
            raise SearchError(f"no {name} {unknown[0]!r} in {what}{did_you_mean(str(unknown[0]), options) or '.'} "
                              f"The values of {name} there are: {listing(options)}.")
        frame = frame[column.isin(keys) | shown_keys.isin(keys)]
    return frame


def _candidates(texts: list, compiled) -> list[int]:
    """The rows of ``texts`` that can hold a match: those containing (in lower case) one of the literal strings
    every match must contain (:func:`qualcode.coding.rules.regex_anchors`, as rule coding uses them); all rows
    when the pattern has none. A substring test is far cheaper than a regular-expression scan."""
    from ..coding.rules import regex_anchors

    anchors = regex_anchors(compiled.pattern)
    if not anchors:
        return list(range(len(texts)))
    anchors = sorted(anchors)  # already case-folded
    out = []
    for row, text in enumerate(texts):
        if text:
            folded = text.casefold()
            if any(a in folded for a in anchors):
                out.append(row)
    return out


def _context(text: str, lo: int, hi: int, words: int) -> tuple[str, str]:
    left = text[:lo]
    right = text[hi:]
    if words <= 0:
        return "", ""
    reach = 30 * words + 60  # enough characters for ``words`` words; long turns are not scanned whole
    if len(left) > reach:
        cut = left.rfind(" ", 0, len(left) - reach)
        left = left[cut + 1 if cut >= 0 else len(left) - reach:]
    right = right[:reach]
    lw = list(_WORD.finditer(left))
    start = lw[-words].start() if len(lw) >= words else 0
    rw = list(re.finditer(r"\S+", right))
    end = rw[words - 1].end() if len(rw) >= words else len(right)
    return " ".join(left[start:].split()) + (" " if left[start:][-1:].isspace() else ""), \
        (" " if right[:1].isspace() else "") + " ".join(right[:end].split())


def search_segments(segments, pattern: str, *, lemma: bool = False, regex: bool = False, context: int = CONTEXT
                    ) -> "pd.DataFrame":
    """The hits of ``pattern`` in a segments table (columns ``text``, ``start`` and the attributes)."""
    import numpy as np
    import pandas as pd

    compiled = compile_pattern(pattern, lemma=lemma, regex=regex)
    rows, starts, ends, lefts, matches, rights = [], [], [], [], [], []
    finditer = compiled.finditer
    texts = segments["text"].tolist()
    for row in _candidates(texts, compiled):
        text = texts[row]
        if not text:
            continue
        for m in finditer(text):
            lo, hi = m.span()
            if lo == hi:
                continue
            left, right = _context(text, lo, hi, context)
            rows.append(row)
            starts.append(lo)
            ends.append(hi)
            lefts.append(left)
            matches.append(m.group())
            rights.append(right)
    base = segments.iloc[np.asarray(rows, dtype=np.int64)].reset_index(drop=True)
    offset = base["start"].to_numpy(dtype=np.int64) if len(base) else np.zeros(0, dtype=np.int64)
    extra = [c for c in base.columns if c not in HIT_COLUMNS and c not in _SEGMENT_ONLY]
    out = pd.DataFrame({c: base[c] if c in base.columns else None for c in HIT_COLUMNS[:7]})
    out["start"] = offset + np.asarray(starts, dtype=np.int64)
    out["end"] = offset + np.asarray(ends, dtype=np.int64)
    out["left"] = pd.Series(lefts, dtype=object)
    out["match"] = pd.Series(matches, dtype=object)
    out["right"] = pd.Series(rights, dtype=object)
    for c in extra:
        out[c] = base[c].to_numpy()
    out.attrs.update(pattern=str(pattern), lemma=lemma, regex=regex, regex_used=compiled.pattern)
    return out


_SEGMENT_ONLY = ("unit", "is_researcher", "text", "words", "turn", "line", "time_start", "time_end", "question")


def search(corpus: "Corpus | str | Path", pattern: str, *, lemma: bool = False, regex: bool = False,
           context: int = CONTEXT, include_researchers: bool = False, by: "str | list[str] | None" = None,
           **scope) -> "pd.DataFrame":
    """Every place ``pattern`` occurs in ``corpus`` (a Corpus or a folder), as keyword in context.

    See the module doc for the pattern, ``lemma`` and ``regex``. ``context``: words either side (in the
    same turn). ``include_researchers``: search the researchers' turns too. Any other keyword names an
    attribute and the value(s) to keep: ``group="Clients"``, ``wave="2"``. ``by`` (an attribute or a
    list) orders the hits by its values and adds them as column ``value``. ``hits.attrs`` holds the
    pattern and the regular expression used.

    >>> hits = qualcode.search(corpus, "refer*", group="Link Workers")
    >>> bool((hits.match.str.lower().str.startswith("refer")).all())
    True
    """
    from ..corpus.attributes import join_attributes
    from .attributes import check_by, values_of

    if not hasattr(corpus, "segments"):
        from ..corpus.loading import load_corpus

        corpus = load_corpus(corpus)
    if context < 0:
        raise SearchError(f"context must be 0 or more words, not {context}.")
    compile_pattern(pattern, lemma=lemma, regex=regex)  # a bad pattern is reported before the corpus is read
    segments = corpus.segments(unit="turn", include_researchers=include_researchers)
    segments = join_attributes(segments, corpus)
    segments = _scope(segments, scope)
    if by is not None:
        check_by(segments.drop(columns=[c for c in _SEGMENT_ONLY if c in segments.columns]), by, what="the corpus")
    hits = search_segments(segments.reset_index(drop=True), pattern, lemma=lemma, regex=regex, context=context)
    hits.attrs["scope"] = {k: v for k, v in scope.items() if v is not None}
    if by is not None and len(hits):
        hits.insert(0, "value", values_of(hits, by).fillna("(researcher)"))
        attrs = dict(hits.attrs)
        hits = hits.sort_values("value", kind="stable").reset_index(drop=True)
        hits.attrs = attrs
    return hits


def check_code(codebook, code_id: str, coder: str) -> None:
    """Refuse a code the codebook lacks (naming the closest) or an empty coder, before anything is searched."""
    if codebook is not None and code_id not in codebook.nodes:
        ids = list(codebook.nodes)
        raise SearchError(f"no code {code_id!r} in codebook {codebook.name!r}{did_you_mean(code_id, ids) or '.'} "
                          "Give a code id from `qualcode codebook show`.")
    if not str(coder or "").strip():
        raise SearchError("--code-as needs --coder NAME: the person whose codings these are.")


def hits_as_codings(hits, code_id: str, codebook, coder: str, corpus=None) -> "pd.DataFrame":
    """The hits as human codings of ``code_id`` by ``coder``: a human-codings file's rows
    (``source_id, start, end, code, coder, memo``) that :func:`qualcode.read_codings` reads back."""
    import pandas as pd

    check_code(codebook, code_id, coder)
    pattern = hits.attrs.get("pattern", "")
    return pd.DataFrame({
        "source_id": hits["source_id"].astype(str), "start": hits["start"].astype("int64"),
        "end": hits["end"].astype("int64"), "code": code_id, "coder": str(coder).strip(),
        "memo": f"search: {pattern}" + (" (lemma)" if hits.attrs.get("lemma") else ""),
    })


def search_rule(codebook, code_id: str, pattern: str, *, lemma: bool = False, regex: bool = False, reason: str,
                author: str | None = None):
    """``codebook`` with the search saved as a rule of ``code_id``, through the audited edit
    (:func:`qualcode.add_rule`: version bumped, changelog entry with ``reason`` and ``author``).

    A lemma search of words becomes a keyword (rules match keywords by the same lookup lemmas); any other
    search becomes the regular expression it ran, so the rule finds what the search found. A search's
    scope (group, wave, ...) is not part of a rule: the rule codes every participant's turns.
    """
    from ..codebook.edit import add_rule

    compiled = compile_pattern(pattern, lemma=lemma, regex=regex)
    if lemma and not regex and not any(ch in pattern for ch in "*?"):
        return add_rule(codebook, code_id, keyword=" ".join(pattern.split()), reason=reason, author=author)
    return add_rule(codebook, code_id, regex=compiled.pattern, reason=reason, author=author)

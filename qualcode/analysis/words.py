"""Word and phrase frequencies: which words do clients use most, and which more than other groups?

>>> words = qualcode.word_frequencies(corpus, by="group", top=30)     # doctest: +SKIP

Participants' turns only (researchers' questions would swamp the counts; ``include_researchers=True``
counts them too). Words are lower-cased and lemmatised with the lookup lemma table keyword rules use
(*referred* counts as *refer*); stop words (spaCy's English list), numbers and one-letter words are
left out. Phrases are runs of 2 or 3 words inside a clause (never across punctuation) that neither
start nor end with a stop word (*waiting list*, *link worker*), counted by their lemmas. ``term`` is the
lemma (or lemmas); ``forms`` its most frequent spellings.

One row per value (``All`` without ``by``) and term::

    value, term, forms, words, count, per_10k, participants, sources, keyness, other_count, direction

``per_10k`` is per 10,000 counted words of that value; ``keyness`` is Dunning's log-likelihood G2 of
the term's count in this value against all the other values together (larger: more distinctive; 3.84
is p < 0.05, 10.83 is p < 0.001, with one degree of freedom and no correction for the many terms
tested), signed by ``direction``: ``more`` when the value uses it more often than the rest, ``less``
otherwise. ``frame.attrs["totals"]`` holds each value's counted words and participants.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

from ..errors import QualcodeError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from ..corpus.corpus import Corpus

WORD_COLUMNS = ["value", "term", "forms", "words", "count", "per_10k", "participants", "sources", "keyness", "other_count",
                "direction"]
_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*|[.!?;:,()\"\u201c\u201d\u2013\u2014]|\d+")
_BREAK = frozenset(".!?;:,()\"\u201c\u201d\u2013\u2014")


def stop_words() -> frozenset:
    """spaCy's English stop words, lower-case, with their curly-apostrophe spellings and transcript fillers."""
    from spacy.lang.en.stop_words import STOP_WORDS

    extra = {"yeah", "um", "erm", "er", "uh", "mm", "oh", "okay", "ok", "like", "know", "think", "just", "really",
             "got", "get", "thing", "things", "lot", "bit", "sort", "kind", "mean", "say", "said", "going", "go",
             "ll", "ve", "re", "don", "didn", "doesn", "isn", "wasn", "won", "can't", "don't", "i'm", "it's",
             "that's", "there's", "they're", "you're", "we're", "i've", "we've", "they've", "i'd", "you'd", "didn't",
             "doesn't", "isn't", "wasn't", "won't", "couldn't", "wouldn't", "haven't", "hasn't", "aren't"}
    words = {w.lower() for w in STOP_WORDS} | extra
    return frozenset(words | {w.replace("'", "\u2019") for w in words})


def _terms(text: str, lemma, stops, sizes) -> list[tuple[str, str]]:
    """``(key, spelling)`` of every counted word and phrase of ``text``."""
    out = []
    clause: list[tuple[str, str, bool]] = []  # (lemma, spelling, is content word)

    def flush():
        n = len(clause)
        for i in range(n):
            for size in sizes:
                if size == 1:
                    if clause[i][2]:
                        out.append((clause[i][0], clause[i][1]))
                    continue
                j = i + size
                if j <= n and clause[i][2] and clause[j - 1][2]:
                    part = clause[i:j]
                    out.append((" ".join(p[0] for p in part), " ".join(p[1] for p in part)))
        clause.clear()

    for token in _TOKEN.findall(text):
        if token in _BREAK or token.isdigit():
            flush()
            continue
        lower = token.lower()
        content = len(lower) > 1 and lower not in stops and _head(lower) not in stops  # "they'd", "who's"
        key = lemma(lower) if content else lower
        if content and key in stops:  # "thought" is "think", a stop word
            content, key = False, lower
        clause.append((key, lower, content))
    flush()
    return out


def _head(word: str) -> str:
    return re.split(r"['\u2019]", word, maxsplit=1)[0]


def log_likelihood(a: int, b: int, c: int, d: int) -> float:
    """Dunning's G2 for a term seen ``a`` times in ``c`` words of one part and ``b`` times in ``d`` words
    of the rest (the keyness measure of Rayson and Garside, 2000)."""
    if c <= 0 or d <= 0 or a + b == 0:
        return 0.0
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    g = 0.0
    if a:
        g += a * math.log(a / e1)
    if b:
        g += b * math.log(b / e2)
    return round(2 * g, 2)


def word_frequencies(corpus: "Corpus | str | Path", *, by: "str | list[str] | None" = None, top: int | None = 50, phrases: bool = True, min_count: int = 2,
                     include_researchers: bool = False, max_values: int | None = 30, **scope) -> "pd.DataFrame":
    """Word and phrase frequencies of ``corpus`` (a Corpus or a folder); see the module doc.

    ``by``: an attribute or a list (one block of rows per value, with keyness against the other values);
    ``top``: the most frequent terms of each value (with ``by``: the most distinctive, by keyness,
    among those it uses more) (``None``: all); ``phrases``: count 2- and 3-word phrases too; ``min_count``:
    leave out rarer terms. Any other keyword scopes the corpus by an attribute (``group="Clients"``).

    >>> words = qualcode.word_frequencies(corpus, top=5)
    >>> words.columns[:4].tolist()
    ['value', 'term', 'forms', 'words']
    """
    import pandas as pd

    from ..corpus.attributes import join_attributes
    from ..language import lemma_of
    from .attributes import check_by, values_of
    from .search import _SEGMENT_ONLY, _scope

    if top is not None and top < 1:
        raise QualcodeError(f"top must be at least 1, not {top}.")
    if min_count < 1:
        raise QualcodeError(f"min_count must be at least 1, not {min_count}.")
    if not hasattr(corpus, "segments"):
        from ..corpus.loading import load_corpus

        corpus = load_corpus(corpus)
    segments = join_attributes(corpus.segments(unit="turn", include_researchers=include_researchers), corpus)
    segments = _scope(segments, scope)
    if by is not None:
        names = check_by(segments.drop(columns=[c for c in _SEGMENT_ONLY if c in segments.columns]), by,
                         max_values=max_values, what="the corpus")
        values = values_of(segments, names).fillna("(researchers)")
    else:
        values = pd.Series("All", index=segments.index, dtype=object)
    stops = stop_words()
    cache: dict[str, str] = {}

    def lemma(word: str) -> str:
        got = cache.get(word)
        if got is None:
            got = cache[word] = lemma_of(word)
        return got

    sizes = (1, 2, 3) if phrases else (1,)
    counts: dict[str, Counter] = defaultdict(Counter)
    spellings: dict[str, Counter] = defaultdict(Counter)
    people: dict[tuple, set] = defaultdict(set)
    sources: dict[tuple, set] = defaultdict(set)
    totals: Counter = Counter()
    who: dict[str, set] = defaultdict(set)
    for value, text, pid, sid in zip(values.tolist(), segments["text"].tolist(), segments["participant_id"].tolist(),
                                     segments["source_id"].tolist()):
        terms = _terms(text or "", lemma, stops, sizes)
        counter = counts[value]
        for key, spelling in terms:
            counter[key] += 1
            spellings[key][spelling] += 1
            people[(value, key)].add(pid)
            sources[(value, key)].add(sid)
        totals[value] += sum(1 for key, _ in terms if " " not in key)
        who[value].add(pid)
    everything = Counter()
    for counter in counts.values():
        everything.update(counter)
    grand = sum(totals.values())
    rows = []
    order = list(dict.fromkeys(values.tolist()))
    for value in order:
        counter, size = counts[value], totals[value]
        rest_size = grand - size
        part = []
        for key, n in counter.items():
            if n < min_count:
                continue
            other = everything[key] - n
            g2 = log_likelihood(n, other, size, rest_size) if by is not None else None
            more = (n / size if size else 0) >= (other / rest_size if rest_size else 0)
            part.append({
                "value": value, "term": key, "forms": ", ".join(f for f, _ in spellings[key].most_common(3)),
                "words": key.count(" ") + 1,
                "count": n, "per_10k": round(n / size * 10_000, 1) if size else 0.0,
                "participants": len(people[(value, key)] - {None}), "sources": len(sources[(value, key)]),
                "keyness": g2, "other_count": other if by is not None else None,
                "direction": ("more" if more else "less") if by is not None else None,
            })
        if by is not None:
            part.sort(key=lambda r: (r["direction"] != "more", -r["keyness"], -r["count"], r["term"]))
        else:
            part.sort(key=lambda r: (-r["count"], r["term"]))
        rows += part[:top] if top is not None else part
    frame = pd.DataFrame(rows, columns=WORD_COLUMNS)
    if by is None:
        frame = frame.drop(columns=["keyness", "other_count", "direction"])
    frame.attrs["totals"] = {v: {"words": int(totals[v]), "participants": len(who[v] - {None})} for v in order}
    frame.attrs["by"] = by
    notes = [f"{v}: {totals[v]:,} counted words from {len(who[v] - {None})} participants" for v in order]
    small = [v for v in order if 0 < len(who[v] - {None}) < 5]
    if small:
        notes.append(f"Fewer than 5 participants: {', '.join(small)}; their frequencies reflect a few people's "
                     "ways of speaking.")
    if by is not None:
        notes.append("keyness: log-likelihood G2 against all other values together (3.84: p < 0.05; 10.83: "
                     "p < 0.001; many terms are tested, so read the largest).")
    frame.attrs["notes"] = notes
    return frame

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
    from ..language import stop_words as spacy_stop_words

    extra = {"yeah", "um", "erm", "er", "uh", "mm", "oh", "okay", "ok", "like", "know", "think", "just", "really",
             "got", "get", "thing", "things", "lot", "bit", "sort", "kind", "mean", "say", "said", "going", "go",
             "ll", "ve", "re", "don", "didn", "doesn", "isn", "wasn", "won", "can't", "don't", "i'm", "it's",
             "that's", "there's", "they're", "you're", "we're", "i've", "we've", "they've", "i'd", "you'd", "didn't",
             "doesn't", "isn't", "wasn't", "won't", "couldn't", "wouldn't", "haven't", "hasn't", "aren't"}
    words = set(spacy_stop_words()) | extra
    return frozenset(words | {w.replace("'", "\u2019") for w in words})


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
    counted = _count(segments["text"].tolist(), values, segments["participant_id"], segments["source_id"],
                     (1, 2, 3) if phrases else (1,))
    rows = _rows(counted, by is not None, min_count, top)
    order = counted["order"]
    totals = counted["totals"]
    who = counted["who"]
    frame = rows[WORD_COLUMNS].reset_index(drop=True)
    if by is None:
        frame = frame.drop(columns=["keyness", "other_count", "direction"])
    frame.attrs["totals"] = {v: {"words": int(totals[v]), "participants": int(who[v])} for v in order}
    frame.attrs["by"] = by
    notes = [f"{v}: {int(totals[v]):,} counted words from {int(who[v])} participants" for v in order]
    small = [v for v in order if 0 < who[v] < 5]
    if small:
        notes.append(f"Fewer than 5 participants: {', '.join(small)}; their frequencies reflect a few people's "
                     "ways of speaking.")
    if by is not None:
        notes.append("keyness: log-likelihood G2 against all other values together (3.84: p < 0.05; 10.83: "
                     "p < 0.001; many terms are tested, so read the largest).")
    frame.attrs["notes"] = notes
    return frame


#: Keys and token ids are packed into one int64 per phrase: up to this many distinct words and keys.
_BASE = 1 << 20


def _count(texts: list, values, participants, sources, sizes) -> dict:
    """Counts of every word and phrase per value, with numpy over token ids (see :func:`word_frequencies`).

    Each distinct token is classified once (a break, a content word, its lemma key); phrases are packed
    into integers (``key1 * B**2 + key2 * B + key3``) so counting is ``groupby`` work, not Python loops.
    """
    import numpy as np
    import pandas as pd

    from ..language import lemma_of

    stops = stop_words()
    value_codes, value_names = pd.factorize(pd.Series(values, dtype=object).astype(str), sort=False)
    pid_codes, _ = pd.factorize(pd.Series(participants, dtype=object))
    sid_codes, _ = pd.factorize(pd.Series(sources, dtype=object))
    vocab: dict[str, int] = {}
    keys: dict[str, int] = {}
    info_key: list[int] = []
    info_content: list[bool] = []
    info_break: list[bool] = []

    def register(token: str) -> None:
        brk = token in _BREAK or token.isdigit()
        content = not brk and len(token) > 1 and token not in stops and _head(token) not in stops
        key = lemma_of(token) if content else token
        if content and key in stops:  # "thought" is "think", a stop word
            content, key = False, token
        vocab[token] = len(vocab)
        info_key.append(keys.setdefault(key, len(keys)))
        info_content.append(content)
        info_break.append(brk)

    parts: dict[int, list] = {n: [] for n in sizes}
    step = 4000
    for a in range(0, len(texts), step):
        chunk = texts[a : a + step]
        tokens: list[str] = []
        lengths = []
        for text in chunk:
            found = _TOKEN.findall(text.lower()) if isinstance(text, str) and text else []
            tokens.extend(found)
            lengths.append(len(found))
        for token in set(tokens).difference(vocab):
            register(token)
        if len(vocab) >= _BASE or len(keys) >= _BASE:
            raise QualcodeError(f"more than {_BASE:,} distinct words: too many to count phrases; pass phrases=False.")
        if not tokens:
            continue
        ids = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        del tokens
        key_of = np.asarray(info_key, dtype=np.int64)
        content_of = np.asarray(info_content, dtype=bool)
        break_of = np.asarray(info_break, dtype=bool)
        seg = np.repeat(np.arange(a, a + len(chunk), dtype=np.int64), lengths)
        k, c, br = key_of[ids], content_of[ids], break_of[ids]
        for n in sizes:
            m = len(ids) - n + 1
            if m <= 0:
                continue
            mask = c[:m] & c[n - 1 :]
            if n > 1:
                mask &= seg[:m] == seg[n - 1 :]
            if n == 3:
                mask &= ~br[1 : m + 1]
            where = np.flatnonzero(mask)
            code = np.zeros(len(where), dtype=np.int64)
            surface = np.zeros(len(where), dtype=np.int64)
            for j in range(n):
                code = code * _BASE + k[where + j]
                surface = surface * _BASE + ids[where + j]
            rows = seg[where]
            frame = pd.DataFrame({"value": value_codes[rows], "key": code, "surface": surface,
                                  "pid": pid_codes[rows], "sid": sid_codes[rows]})
            parts[n].append(frame.groupby(["value", "key", "surface", "pid", "sid"], sort=False).size()
                            .rename("count").reset_index())
    key_names = np.array(list(keys), dtype=object)
    token_names = np.array(list(vocab), dtype=object)
    words_per_value = np.zeros(len(value_names), dtype=np.int64)
    results = []
    for n, frames in parts.items():
        if not frames:
            continue
        table = pd.concat(frames, ignore_index=True)
        if n == 1:
            np.add.at(words_per_value, table["value"].to_numpy(), table["count"].to_numpy())
        grouped = table.groupby(["value", "key"], sort=False)
        people = table[table.pid >= 0].groupby(["value", "key"], sort=False)["pid"].nunique()
        out = grouped.agg(count=("count", "sum"), sources=("sid", "nunique")).reset_index()
        out["participants"] = people.reindex(pd.MultiIndex.from_frame(out[["value", "key"]]), fill_value=0).to_numpy()
        forms = table.groupby(["key", "surface"], sort=False)["count"].sum().reset_index()
        forms = forms.sort_values(["key", "count"], ascending=[True, False], kind="stable").groupby("key").head(3)
        forms["text"] = _decode(forms["surface"].to_numpy(), n, token_names)
        out["forms"] = out["key"].map(forms.groupby("key", sort=False)["text"].agg(", ".join))
        out["term"] = _decode(out["key"].to_numpy(), n, key_names)
        out["words"] = n
        results.append(out)
    columns = ["value", "key", "count", "sources", "participants", "forms", "term", "words"]
    found = pd.concat(results, ignore_index=True) if results else pd.DataFrame(columns=columns)
    order = [str(v) for v in value_names]
    who = pd.Series(pid_codes).where(pid_codes >= 0).groupby(value_codes).nunique()
    return {"table": found, "order": order, "totals": dict(zip(order, words_per_value.tolist())),
            "who": {v: int(who.get(i, 0)) for i, v in enumerate(order)}}


def _decode(codes, n: int, names):
    """Packed phrase codes back to text: the ``n`` names joined by spaces."""
    import numpy as np

    pieces = []
    rest = np.asarray(codes, dtype=np.int64)
    for _ in range(n):
        pieces.append(names[rest % _BASE])
        rest = rest // _BASE
    pieces.reverse()
    out = pieces[0].astype(object)
    for piece in pieces[1:]:
        out = out + " " + piece
    return out


def _rows(counted: dict, by: bool, min_count: int, top: int | None):
    """The output rows from :func:`_count`: per value, per-10k rates, keyness against the other values, top."""
    import numpy as np

    table = counted["table"]
    order, totals = counted["order"], counted["totals"]
    table = table[table["count"] >= min_count].copy() if len(table) else table.assign(value=[])
    sizes = np.array([totals[v] for v in order], dtype=float)
    grand = sizes.sum()
    everything = table.groupby(["words", "key"])["count"].transform("sum") if len(table) else table["count"]
    value_index = table["value"].to_numpy(dtype=np.int64)
    size = sizes[value_index] if len(table) else np.zeros(0)
    a = table["count"].to_numpy(dtype=float)
    b = everything.to_numpy(dtype=float) - a
    table["value"] = [order[i] for i in value_index]
    table["per_10k"] = np.round(np.divide(a * 10_000, size, out=np.zeros_like(a), where=size > 0), 1)
    if by:
        rest = grand - size
        total = a + b
        e1 = np.divide(size * total, grand, out=np.zeros_like(a), where=grand > 0)
        e2 = np.divide(rest * total, grand, out=np.zeros_like(a), where=grand > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(a > 0, a * np.log(np.where(e1 > 0, a / e1, 1)), 0.0)
            g += np.where(b > 0, b * np.log(np.where(e2 > 0, b / e2, 1)), 0.0)
        g = np.where((size > 0) & (rest > 0), 2 * g, 0.0)
        table["keyness"] = np.round(g, 2)
        table["other_count"] = b.astype(np.int64)
        mine = np.divide(a, size, out=np.zeros_like(a), where=size > 0)
        theirs = np.divide(b, rest, out=np.zeros_like(a), where=rest > 0)
        table["direction"] = np.where(mine >= theirs, "more", "less")
        table["_less"] = table["direction"] != "more"
        table = table.sort_values(["value", "_less", "keyness", "count", "term"],
                                  ascending=[True, True, False, False, True], kind="stable")
    else:
        table["keyness"] = None
        table["other_count"] = None
        table["direction"] = None
        table = table.sort_values(["value", "count", "term"], ascending=[True, False, True], kind="stable")
    rank = {v: i for i, v in enumerate(order)}
    table = table.sort_values("value", key=lambda s: s.map(rank), kind="stable")
    if top is not None:
        table = table.groupby("value", sort=False).head(top)
    return table

"""Terms for inductive discovery: lookup lemmas of a segment's content words, and their n-grams.

A segment's text is tokenised with the tokenizer of :func:`qualcode.nlp` and each token is mapped to its
case-insensitive lookup lemma (:func:`qualcode.language.lemma_of`), the same lemmas keyword rules match
on, so a term found here can be written back as a ``keywords`` rule and re-find the same segments
(where a keyword rule of the lemma would not match the word, the word itself is the term).

Left out: stop words, transcript noise (fillers such as "erm" and "yeah", filler phrases such as "you
know", "sort of", "kind of", "I mean"), anything in square brackets (anonymisation markers such as
``[LW]``, ``[GP practice]``, and transcriber notes such as ``[laughs]``), numbers and punctuation.
N-grams join only words that stand next to each other in the text (a left-out word or punctuation
breaks them), so ``first session`` is a phrase a keyword rule can match. Hyphenated words stay one
term (``self-referral``), and their parts count as words too (a keyword rule for ``referral`` matches
inside ``self-referral``).

>>> segment_terms(["Erm, the [LW] went with me to the first session, you know."])
[['go', 'first', 'session', 'first session']]
"""

from __future__ import annotations

import functools

#: Transcript noise left out on top of spaCy's English stop words (lemmas).
FILLERS = frozenset("""
    erm er um umm uh uhm ah ahh oh ooh mm mmm mhm hmm hm yeah yep yup yes ye okay ok alright aye
    like really just actually basically literally obviously honestly probably maybe perhaps quite bit
    gosh god sort kind thing stuff lot lots sure right well anyway suppose guess mean think know say
    get got thank thanks pretty definitely certainly course way laugh laughs inaudible crosstalk
    sorry fine hello hi bye cheers pardon lovely brilliant great
""".split())
#: Words of spaCy's stop list that carry meaning in interviews about services ("first session", "on my own").
KEEP = frozenset({"first", "alone", "together", "call", "serious", "empty", "name", "full"})
#: Filler phrases (lower-case words): both words are left out where they stand next to each other.
FILLER_PHRASES = frozenset({("you", "know"), ("sort", "of"), ("kind", "of"), ("i", "mean"), ("i", "think"),
                            ("i", "guess"), ("a", "bit"), ("a", "lot"), ("you", "see")})

_BREAK, _DROP, _HYPHEN = -1, -2, -3  # token roles besides "content term"


@functools.lru_cache(maxsize=1)
def stop_lemmas() -> frozenset[str]:
    """spaCy's English stop words and their lookup lemmas, plus :data:`FILLERS`."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from ..language import lemma_of

    words = {w.lower().replace("\u2019", "'") for w in STOP_WORDS} - KEEP
    return frozenset(words | {lemma_of(w) for w in words} | FILLERS)


class TermExtractor:
    """Turns texts into lists of terms (lemmas and n-grams). Reuse one for many texts: it caches per word.

    ``stop_words`` are extra words to leave out (matched on their lemmas); ``ngrams`` is the longest
    phrase kept (1 = single words only).
    """

    def __init__(self, stop_words=(), ngrams: int = 2, min_length: int = 2):
        from ..language import lemma_of, nlp

        if ngrams < 1:
            from ..errors import QualcodeError

            raise QualcodeError(f"ngrams must be at least 1, not {ngrams}.")
        self.ngrams = ngrams
        self.min_length = min_length
        self.tokenizer = nlp().tokenizer
        self.strings = nlp().vocab.strings
        self._lemma_of = lemma_of
        self.stop = stop_lemmas() | {lemma_of(str(w).lower()) for w in stop_words} | {str(w).lower() for w in stop_words}
        self._role: dict[int, int | str] = {}
        self._filler_pairs = {(self.strings.add(a), self.strings.add(b)) for a, b in FILLER_PHRASES}

    def _classify(self, key: int) -> int | str:
        """A token's role from its lower-case form: a lemma string, or one of _BREAK/_DROP/_HYPHEN."""
        word = self.strings[key].replace("\u2019", "'")
        if word == "-":
            role: int | str = _HYPHEN
        elif word in ("[", "]"):
            role = word
        elif not any(ch.isalpha() for ch in word) or not word.replace("'", "").replace(".", "").isalpha():
            role = _BREAK
        else:
            lemma = self._lemma_of(word)
            term = self._term(word, lemma)
            dropped = word in self.stop or lemma in self.stop or term in self.stop or len(term) < self.min_length
            role = _DROP if dropped else term
        self._role[key] = role
        return role

    def _term(self, word: str, lemma: str | None = None) -> str:
        """The term for ``word``: its lemma if a keyword rule of that lemma matches ``word``, else the word.

        Usually the lemma (``referrals`` -> ``referral``). But keyword rules match stop words as written,
        and the lookup table is not always consistent (``numbers`` -> ``number`` -> ``numb``), so for
        such words the word itself is the term that a suggested keyword rule can re-find.
        """
        from ..coding.rules import keyword_forms

        lemma = lemma or self._lemma_of(word)
        if lemma == word:
            return word
        forms = {combo[0] for combo in keyword_forms(lemma, self.tokenizer) if len(combo) == 1}
        return lemma if word in forms else word

    def terms(self, doc) -> list[str]:
        """The terms of one tokenised ``doc``: its content lemmas, then its n-grams."""
        from spacy.attrs import LOWER, SPACY

        if not len(doc):
            return []
        array = doc.to_array([LOWER, SPACY])
        keys, spaced = array[:, 0].tolist(), array[:, 1].tolist()
        roles, fillers = self._role, self._filler_pairs
        words: list[str | None] = []  # a content lemma, or None where a phrase must break
        parts: list[str] = []  # the content words inside hyphenated compounds
        depth = 0
        n = len(keys)
        i = 0
        while i < n:
            role = roles.get(keys[i])
            if role is None:
                role = self._classify(keys[i])
            if role == "[":
                depth += 1
                role = _BREAK
            elif role == "]":
                depth = max(depth - 1, 0)
                role = _BREAK
            elif depth:
                role = _BREAK
            elif i + 1 < n and (keys[i], keys[i + 1]) in fillers:
                words.append(None)
                i += 2
                continue
            if role == _HYPHEN and words and words[-1] is not None and not spaced[i - 1] and not spaced[i] and i + 1 < n:
                nxt = roles.get(keys[i + 1])
                if nxt is None:
                    nxt = self._classify(keys[i + 1])
                if (isinstance(nxt, str) and nxt not in ("[", "]")) or nxt == _DROP:
                    # self-referral, co-located: one term made of the terms of its parts; the parts count
                    # as words too, since a keyword rule for a part matches inside the compound
                    tail = nxt if isinstance(nxt, str) else self._term(self.strings[keys[i + 1]].replace("\u2019", "'"))
                    parts += [p for p in (words[-1] if "-" not in words[-1] else None, nxt) if isinstance(p, str)]
                    words[-1] = f"{words[-1]}-{tail}"
                    i += 2
                    continue
            words.append(role if isinstance(role, str) else None)
            i += 1
        out = [w for w in words if w is not None] + parts
        for size in range(2, self.ngrams + 1):
            for k in range(len(words) - size + 1):
                window = words[k:k + size]
                if None not in window:
                    out.append(" ".join(window))  # type: ignore[arg-type]
        return out

    def surface_forms(self, texts) -> dict[str, str]:
        """The most frequent word, as written, behind each single-word term in ``texts`` (``numb`` -> ``number``,
        ``gp`` -> ``GP``), for labels people read; ties go to the alphabetically first spelling."""
        from collections import Counter

        counts: Counter = Counter()
        for doc in self.tokenizer.pipe(texts, batch_size=256):
            for token in doc:
                role = self._role.get(token.lower)
                if role is None:
                    role = self._classify(token.lower)
                if isinstance(role, str) and role not in ("[", "]"):
                    counts[(role, token.text.replace("\u2019", "'"))] += 1
        best: dict[str, str] = {}
        for (term, word), _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            best.setdefault(term, word)
        return best

    def pipe(self, texts, batch_size: int = 512):
        """Yield the terms of each text in ``texts``."""
        for doc in self.tokenizer.pipe(texts, batch_size=batch_size):
            yield self.terms(doc)


def segment_terms(texts, stop_words=(), ngrams: int = 2) -> list[list[str]]:
    """The terms of each text (see the module docstring)."""
    return list(TermExtractor(stop_words, ngrams).pipe(texts))


# -- in several processes ----------------------------------------------------------------------------
_WORKER: dict = {}


def _init_worker(stop_words, ngrams) -> None:
    _WORKER["extractor"] = TermExtractor(stop_words, ngrams)


def _chunk_terms(texts) -> str:
    """The terms of ``texts`` as one string: a line per text, terms separated by tabs (cheap to pickle)."""
    return "\n".join("\t".join(terms) for terms in _WORKER["extractor"].pipe(texts))


def terms_of(texts, stop_words=(), ngrams: int = 2, n_jobs: int = 1, chunk_size: int = 5000, progress=None):
    """The terms of each of ``texts``, in order; ``n_jobs`` processes share the work (same result)."""
    import multiprocessing
    import os

    texts = list(texts)
    jobs = min(os.cpu_count() or 1, n_jobs) if n_jobs > 0 else os.cpu_count() or 1
    if jobs <= 1 or len(texts) < 2 * chunk_size:
        return list(TermExtractor(stop_words, ngrams).pipe(texts))
    chunks = [texts[i : i + chunk_size] for i in range(0, len(texts), chunk_size)]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    out: list[list[str]] = []
    with multiprocessing.get_context(method).Pool(jobs, _init_worker, (tuple(stop_words), ngrams)) as pool:
        for done, text in enumerate(pool.imap(_chunk_terms, chunks), 1):
            out += [line.split("\t") if line else [] for line in text.split("\n")]
            if progress:
                progress(done, len(chunks), "terms")
    return out

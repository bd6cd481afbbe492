"""The one place qualcode loads spaCy.

:func:`nlp` returns a cached pipeline: a full English pipeline when one is installed (``en_core_web_sm``,
``_md`` or ``_lg``, or the package named by ``QUALCODE_SPACY_MODEL``), otherwise ``spacy.blank("en")``
with a sentencizer and the lookup lemmatizer from ``spacy-lookups-data``. The fallback needs no network
and no model download. Set ``QUALCODE_SPACY_MODEL=blank`` to force the fallback.

:func:`lemma_of` and :func:`surface_forms` give the case-insensitive lookup lemmas that keyword rules
match on. They come from ``spacy-lookups-data`` whatever pipeline is installed, so rule coding gives the
same codings on every machine.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

_FULL_PIPELINES = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg")


@functools.lru_cache(maxsize=None)
def nlp(model: str | None = None) -> "Language":
    """Return the shared spaCy ``Language`` (cached; built once per process).

    >>> doc = qualcode.nlp()("The link worker referred me. It helped.")
    >>> [s.text for s in doc.sents]
    ['The link worker referred me.', 'It helped.']
    """
    import spacy

    name = model or os.environ.get("QUALCODE_SPACY_MODEL") or _installed_pipeline()
    if name and name != "blank":
        return spacy.load(name)
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    lemmatizer = pipeline.add_pipe("lemmatizer", config={"mode": "lookup"})
    lemmatizer.initialize()
    return pipeline


def _installed_pipeline() -> str | None:
    import importlib.util

    return next((name for name in _FULL_PIPELINES if importlib.util.find_spec(name)), None)


def pipeline_name() -> str:
    """A short description of the pipeline :func:`nlp` uses, for reports."""
    language = nlp()
    meta = language.meta
    if meta.get("name") in (None, "", "pipeline"):
        return "spacy.blank('en') + sentencizer + lookup lemmatizer"
    return f"{meta.get('lang', 'en')}_{meta['name']}-{meta.get('version', '?')}"


def sentence_starts(texts, batch_size: int = 256):
    """Yield, per text, the character offsets where its sentences start (``[0, ...]``; ``[]`` if empty).

    With a trained pipeline its parser or senter decides. With the fallback pipeline this applies the
    rule of spaCy's ``Sentencizer`` (a sentence ends after a token in ``punct_chars``, at the next
    token that is not punctuation) to token arrays from the tokenizer, which gives the same boundaries
    without building a Python object per token; ``tests/test_language.py`` checks the equivalence.
    """
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, ORTH, SENT_START

    language = nlp()
    if "sentencizer" not in language.pipe_names:
        enabled = [n for n in language.pipe_names if n in ("tok2vec", "transformer", "parser", "senter")]
        with language.select_pipes(enable=enabled):
            for doc in language.pipe(texts, batch_size=batch_size):
                marks = doc.to_array([SENT_START, IDX])
                yield marks[marks[:, 0] == 1, 1].tolist() if len(doc) else []
        return
    punct = np.array(sorted(language.vocab.strings.add(ch) for ch in language.get_pipe("sentencizer").punct_chars),
                     dtype=np.uint64)
    batch = []
    for doc in language.tokenizer.pipe(texts, batch_size=batch_size):
        batch.append(doc.to_array([ORTH, IS_PUNCT, IDX]) if len(doc) else None)
        if len(batch) == batch_size:
            yield from _sentencizer_rule(batch, punct)
            batch = []
    if batch:
        yield from _sentencizer_rule(batch, punct)


def rule_sentence_starts(doc) -> list[int]:
    """Sentence-start character offsets of a tokenised ``doc`` by spaCy's Sentencizer rule.

    Used where the same boundaries are wanted on every machine (long-turn coding windows), whatever
    pipeline is installed.
    """
    if not len(doc):
        return []
    from spacy.attrs import IDX, IS_PUNCT, ORTH

    return _sentencizer_rule([doc.to_array([ORTH, IS_PUNCT, IDX])], _punct_hashes())[0]


@functools.lru_cache(maxsize=1)
def _punct_hashes():
    import numpy as np
    from spacy.pipeline.sentencizer import Sentencizer

    strings = nlp().vocab.strings
    return np.array(sorted(strings.add(ch) for ch in Sentencizer.default_punct_chars), dtype=np.uint64)


def _sentencizer_rule(batch, punct):
    """Sentence-start offsets for a batch of token arrays (ORTH, IS_PUNCT, IDX), vectorised over the batch."""
    import numpy as np

    arrays = [a for a in batch if a is not None]
    if not arrays:
        return [[] for _ in batch]
    tokens = np.concatenate(arrays)
    lengths = np.array([len(a) for a in arrays])
    doc_start = np.repeat(np.cumsum(lengths) - lengths, lengths)
    index = np.arange(len(tokens))
    in_punct = np.isin(tokens[:, 0], punct)
    plain = ~in_punct & (tokens[:, 1] == 0)
    last_punct = np.maximum.accumulate(np.where(in_punct, index, -1))
    last_plain = np.maximum.accumulate(np.where(plain, index, -1))
    # Token i starts a sentence when it is plain, not its doc's first token, and a sentence-final mark
    # of its own doc came after the last plain token before it.
    before_punct = np.concatenate(([-1], last_punct[:-1]))
    before_plain = np.concatenate(([-1], last_plain[:-1]))
    starts = plain & (index != doc_start) & (before_punct >= doc_start) & (before_punct > before_plain)
    offsets = tokens[:, 2]
    result, pos = [], 0
    for a in batch:
        if a is None:
            result.append([])
            continue
        stop = pos + len(a)
        result.append([0, *offsets[pos:stop][starts[pos:stop]].tolist()])
        pos = stop
    return result


@functools.lru_cache(maxsize=1)
def _lemma_table() -> dict[str, str]:
    import spacy_lookups_data

    path = str(spacy_lookups_data.en["lemma_lookup"])
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            table = json.load(handle)
    else:  # the package ships the table gzipped next to the path it advertises
        with gzip.open(path + ".gz", "rt", encoding="utf-8") as handle:
            table = json.load(handle)
    lowered: dict[str, str] = {}
    for form, lemma in table.items():
        lowered.setdefault(form.lower(), lemma.lower())
    return lowered


def lemma_of(word: str) -> str:
    """The lookup lemma of ``word``, case-insensitive: ``lemma_of("Referred") == "refer"``."""
    lower = word.lower()
    return _lemma_table().get(lower, lower)


@functools.lru_cache(maxsize=1)
def _forms_index() -> dict[str, tuple[str, ...]]:
    forms: dict[str, set[str]] = defaultdict(set)
    for form, lemma in _lemma_table().items():
        forms[lemma].add(form)
    return {lemma: tuple(sorted(values)) for lemma, values in forms.items()}


def surface_forms(lemma: str) -> tuple[str, ...]:
    """Every lower-case word whose lookup lemma is ``lemma`` (including ``lemma`` itself if it is its own).

    >>> surface_forms("refer")
    ('refer', 'referred', 'referring', 'refers')
    """
    lemma = lemma.lower()
    forms = set(_forms_index().get(lemma, ()))
    if lemma_of(lemma) == lemma:
        forms.add(lemma)
    return tuple(sorted(forms))


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset:
    """spaCy's English stop words (lower case), read from spaCy's own list without importing spaCy itself
    (which takes seconds): the list is a plain Python file, ``spacy/lang/en/stop_words.py``."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")
    path = os.path.join(os.path.dirname(spec.origin), "lang", "en", "stop_words.py") if spec and spec.origin else ""
    if os.path.exists(path):
        namespace: dict = {}
        with open(path, encoding="utf-8") as handle:
            exec(compile(handle.read(), path, "exec"), namespace)  # noqa: S102 - spaCy's own data file
        words = namespace.get("STOP_WORDS")
        if isinstance(words, (set, frozenset)):
            return frozenset(w.lower() for w in words)
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.lower() for w in STOP_WORDS)

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

_FULL_PIPELINES = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg")


@functools.lru_cache(maxsize=None)
def nlp(model: str | None = None):
    """Return the shared spaCy ``Language`` (cached; built once per process).

    >>> doc = nlp()("The link worker referred me. It helped.")
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


def sentence_pipe(texts, batch_size: int = 256):
    """Yield a sentence-split ``Doc`` per text, running only what sentence splitting needs."""
    language = nlp()
    if "sentencizer" in language.pipe_names:
        enabled = ["sentencizer"]
    elif "senter" in language.pipe_names:
        enabled = ["senter"]
    else:
        enabled = [name for name in language.pipe_names if name in ("tok2vec", "parser", "transformer")]
    with language.select_pipes(enable=enabled):
        yield from language.pipe(texts, batch_size=batch_size)


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

"""Coding by meaning: a codebook applied from its own text (label, definition, ``include``, ``examples``).

Each codable, active node with no active children is described by its *codebook sentences*: its label,
each sentence of its definition, its ``include`` text and each of its examples (``exclude`` text is kept as
evidence against). Sentences and segments are embedded with the one model of :mod:`qualcode.embedding`
(unit-length vectors). A node's *profile* is the unit-length mean of its sentences' vectors; a segment's
*model similarity* to a node is the cosine similarity to that profile (on real patient comments it beat
the highest similarity to any one sentence: ``benchmarks/eval_meaning.py``). Its *word similarity* is
the same over TF-IDF vectors of the lemmas (the lookup lemmas keyword rules use, spaCy's English stop
words left out) with the word weights taken from the codebook's own sentences, so a word that few of the
codebook's sentences use counts most; nothing is fitted on the transcripts, so a segment codes the same
whatever else is coded with it. The *similarity* that decides is ``(1 - LEXICAL_WEIGHT) x model +
LEXICAL_WEIGHT x words`` (:data:`LEXICAL_WEIGHT` 0.5: on real patient comments the mix beat either alone).
A node codes a segment when

1. the similarity reaches the node's ``threshold`` (its own, else the codebook's ``threshold``, else
   :data:`DEFAULT_THRESHOLD`),
2. the node is among the ``top`` most similar nodes for that segment (default 3), and
3. the segment is not closer to one of the node's ``exclude`` sentences than to its closest own sentence.

The ``score`` is ``1 / (1 + exp(-SLOPE * (similarity - threshold)))``: 0.5 at the threshold, rising with the
margin. It orders codings and is comparable across nodes, but it is a fixed map, not a probability learned
from people: the Suggester's scores are (``qualcode suggest``). ``evidence`` names the codebook sentence
the segment was closest to (by the model) and that similarity, then the similarity that decided and its
two parts, e.g. ``meaning: example "I rang them myself." (0.61); similarity 0.38 (model 0.44, words 0.31)``.

Long turns are coded by sentence windows as rules are (:mod:`qualcode.coding.coder`): each sentence with
one sentence either side, overlapping windows of one node merged.
"""

from __future__ import annotations

import re
import warnings

from ..codebook.schema import DEFAULT_MEANING_THRESHOLD as DEFAULT_THRESHOLD
from ..errors import QualcodeError

SLOPE = 20.0
DEFAULT_TOP = 3
#: The share of the word similarity in the similarity that decides (the model's share is the rest).
LEXICAL_WEIGHT = 0.5
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
#: A node whose codebook text (label excluded) has fewer words than this is warned about.
MIN_WORDS = 6
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def has_meaning_text(codebook, include_candidates: bool = False) -> bool:
    """Whether any active node has a definition, include text or examples to code by meaning from."""
    return any(n.definition.strip() or n.include.strip() or any(str(e).strip() for e in n.examples)
               for n in codebook.active(include_candidates))


def sentences_of(text: str) -> list[str]:
    """The sentences of a definition, split after ``.``, ``!`` or ``?`` before a capital (list items kept)."""
    out = []
    for line in str(text or "").splitlines():
        line = line.strip().lstrip("-*").strip()
        if line:
            out += [s.strip() for s in _SENTENCE.split(line) if s.strip()]
    return out


def _short(text: str, size: int = 80) -> str:
    text = " ".join(str(text).split()).replace('"', "'")
    return text if len(text) <= size else text[: size - 1] + "…"


class MeaningCoder:
    """The codebook's sentences embedded once; :meth:`match` codes texts by similarity to them.

    >>> coder = MeaningCoder(codebook)
    >>> coder.match(["My GP gave me the number and I rang them myself."])[0][0][0] in codebook.nodes
    True
    """

    def __init__(self, codebook, *, include_candidates: bool = False, model: str | None = None,
                 top: int = DEFAULT_TOP, threshold: float | None = None, lexical: float = LEXICAL_WEIGHT):
        import numpy as np

        from ..embedding import model as load_model

        self.model_path, self.top = model, top
        self.embedder = load_model(model)
        self.codebook_version = codebook.version
        self.coder = f"meaning:{self.embedder.name}@{codebook.version}"
        self.warnings: list[str] = []
        active = codebook.active(include_candidates)
        active_ids = {n.id for n in active}
        leaves = [n for n in active if n.codable and not any(c.id in active_ids for c in codebook.children(n.id))]
        book_default = codebook.threshold if threshold is None else threshold
        self.nodes, thresholds, texts, owner, kinds, excludes, exclude_owner = [], [], [], [], [], [], []
        label_only = []
        for node in leaves:
            own = ([("definition", s) for s in sentences_of(node.definition)]
                   + [("include", s) for s in sentences_of(node.include)]
                   + [("example", s) for s in node.examples if str(s).strip()])
            words = sum(len(s.split()) for _, s in own)
            if words < MIN_WORDS:
                label_only.append(node.id)
            k = len(self.nodes)
            self.nodes.append(node.id)
            thresholds.append(node.threshold if node.threshold is not None else book_default)
            for kind, sentence in [("label", node.label), *own]:
                texts.append(sentence), owner.append(k), kinds.append(kind)
            for sentence in sentences_of(node.exclude):
                excludes.append(sentence), exclude_owner.append(k)
        if not self.nodes:
            raise QualcodeError(f"codebook {codebook.name!r} has no active codable node to code by meaning.")
        if len(label_only) == len(self.nodes):
            raise QualcodeError(
                f"codebook {codebook.name!r}: no node has a definition, include text or examples, so there is "
                "nothing to code by meaning; add a `definition` and a few `examples` to each code (see "
                "docs/meaning.md), or code by rules (--by rules)."
            )
        if label_only:
            shown = ", ".join(label_only[:8]) + (" ..." if len(label_only) > 8 else "")
            self.warnings.append(
                f"{len(label_only)} node(s) have little or no text besides their label ({shown}); they are coded by "
                f"their label and what text they have. Add a one-sentence `definition` and two or three `examples` "
                "to each."
            )
        self.related = {n: {n} | {a.id for a in codebook.ancestors(n)} | {d.id for d in codebook.descendants(n)}
                        for n in self.nodes}
        self.sentences, self.kinds = texts, kinds
        self.owner = np.asarray(owner)
        self.thresholds = np.asarray(thresholds, dtype=np.float32)
        self.vectors = self.embedder.embed(texts)
        self.exclude_owner = np.asarray(exclude_owner, dtype=int)
        self.exclude_vectors = self.embedder.embed(excludes)
        self._columns = [np.flatnonzero(self.owner == j) for j in range(len(self.nodes))]
        self.profiles = profiles_of(self.vectors, self._columns)
        self.words = Words(texts)
        self.lexical = float(lexical) if self.words.size else 0.0
        self.word_vectors = self.words.transform(texts, dense=True)
        self.word_profiles = profiles_of(self.word_vectors, self._columns)

    def threshold_of(self, node_id: str) -> float:
        return float(self.thresholds[self.nodes.index(node_id)])

    def __getstate__(self):  # the model is loaded again (once) in a worker process, not pickled
        state = dict(self.__dict__)
        state["embedder"] = None
        return state

    def __setstate__(self, state):
        from ..embedding import model as load_model

        self.__dict__.update(state)
        self.embedder = load_model(self.model_path)

    def similarities(self, texts):
        """``(profile, closest, which, against)`` per text and node: the similarity that decides (model and
        word similarity to the node's profiles, mixed), the highest model similarity to one of its
        sentences and that sentence's index, and the highest model similarity to one of its exclude
        sentences (-1 if none)."""
        return self.similarities_of(self.embedder.embed(texts), words=self.words.transform(texts))

    def parts(self, texts):
        """``(model, words)``: the two similarities per text and node that :meth:`similarities` mixes."""
        return self.similarities_of(self.embedder.embed(texts), words=self.words.transform(texts), parts=True)[4:]

    def similarities_of(self, x, profiles=None, skip: int | None = None, words=None, word_profiles=None,
                        parts: bool = False):
        """:meth:`similarities` of embedded texts ``x`` and their word vectors ``words``; ``profiles`` and
        ``word_profiles`` replace the nodes' profiles and ``skip`` leaves one codebook sentence out of
        ``closest`` (for :mod:`.booktest`); with ``parts``, the model and the word similarities follow
        (the word one ``None`` when words do not count)."""
        import numpy as np

        sims = x @ self.vectors.T
        if skip is not None:
            sims[:, skip] = -1.0
        n, k = len(x), len(self.nodes)
        closest = np.full((n, k), -1.0, dtype=np.float32)
        which = np.zeros((n, k), dtype=int)
        for j, cols in enumerate(self._columns):
            part = sims[:, cols]
            arg = part.argmax(axis=1)
            closest[:, j] = part[np.arange(n), arg]
            which[:, j] = cols[arg]
        against = np.full((n, k), -1.0, dtype=np.float32)
        if len(self.exclude_owner):
            esims = x @ self.exclude_vectors.T
            for j in np.unique(self.exclude_owner):
                against[:, j] = esims[:, self.exclude_owner == j].max(axis=1)
        model = x @ (self.profiles if profiles is None else profiles).T
        lexical = None
        if self.lexical and words is not None:
            lexical = words @ (self.word_profiles if word_profiles is None else word_profiles).T
        profile = model if lexical is None else (1.0 - self.lexical) * model + self.lexical * lexical
        return (profile, closest, which, against) + ((model, lexical) if parts else ())

    def decide(self, profile, closest, against):
        """The coding rule (see the module docstring): a boolean ``texts x nodes`` array."""
        import numpy as np

        top = min(self.top, len(self.nodes))
        rank_cut = -np.sort(-profile, axis=1)[:, top - 1 : top]
        return (profile >= self.thresholds) & (profile >= rank_cut) & (closest > against)

    def score(self, profile, j: int) -> float:
        import numpy as np

        return float(1.0 / (1.0 + np.exp(-SLOPE * (profile - float(self.thresholds[j])))))

    def match(self, texts, keep: bool = False):
        """Per text, the list of ``(node id, score, evidence, similarity)`` it is coded with; with ``keep``,
        ``(that list, the texts x nodes profile similarities)``."""
        import numpy as np

        if not len(texts):
            return ([], np.zeros((0, len(self.nodes)), dtype=np.float32)) if keep else []
        x, words = self.embedder.embed(texts), self.words.transform(texts)
        profile, closest, which, against, model_part, word_part = self.similarities_of(x, words=words, parts=True)
        coded = self.decide(profile, closest, against)
        out = []
        for i in range(len(texts)):
            found = []
            for j in np.flatnonzero(coded[i]):
                s = int(which[i, j])
                parts = "" if word_part is None else f" (model {model_part[i, j]:.2f}, words {word_part[i, j]:.2f})"
                evidence = (f'meaning: {self.kinds[s]} "{_short(self.sentences[s])}" ({closest[i, j]:.2f}); '
                            f"similarity {profile[i, j]:.2f}{parts}")
                found.append((self.nodes[j], round(self.score(profile[i, j], j), 4), evidence, float(profile[i, j])))
            out.append(found)
        return (out, profile) if keep else out

    def agreement_of(self, profile_row, node_id: str):
        """:meth:`agreement` for one text whose profile similarities are already known."""
        j = self.nodes.index(node_id)
        return float(profile_row[j]), bool(profile_row[j] >= self.thresholds[j])

    def agreement(self, texts, node_ids):
        """Per text, its profile similarity to ``node_ids[i]`` and whether that reaches the node's threshold
        (for flagging rule codings meaning disagrees with); ``None`` for nodes it does not code."""
        profile, _, _, _ = self.similarities(texts)
        index = {n: j for j, n in enumerate(self.nodes)}
        out = []
        for i, node in enumerate(node_ids):
            j = index.get(node)
            out.append(None if j is None else (float(profile[i, j]), bool(profile[i, j] >= self.thresholds[j])))
        return out


class Words:
    """TF-IDF vectors of lemmas with the word weights of a codebook's sentences (no corpus is fitted).

    Words are runs of letters and digits (with inner apostrophes), lower-cased and lemmatised with the
    lookup table keyword rules use; common English words (spaCy's English stop list) are left out. A word's
    weight is ``1 + ln((1 + n) / (1 + df))`` over the ``n`` codebook sentences (smoothed IDF, as
    scikit-learn's); counts are ``1 + ln(count)``; rows are unit length (zero for a text with no codebook
    word).

    >>> w = Words(["The link worker referred me.", "Waiting for an appointment."])
    >>> sorted(w.vocabulary)
    ['appointment', 'link', 'refer', 'wait', 'worker']
    >>> rows = w.transform(["I waited and waited", "waiting"], dense=True)
    >>> round(float(rows[0] @ rows[1]), 2)
    1.0
    """

    def __init__(self, sentences):
        import numpy as np
        from spacy.lang.en.stop_words import STOP_WORDS

        from ..language import _lemma_table

        self._stop, self._lemmas = STOP_WORDS, _lemma_table()
        docs = [self.tokens(s) for s in sentences]
        df: dict[str, int] = {}
        for doc in docs:
            for word in set(doc):
                df[word] = df.get(word, 0) + 1
        self.vocabulary = {w: i for i, w in enumerate(sorted(df))}
        self.size = len(self.vocabulary)
        n = len(docs)
        self.idf = np.array([1.0 + np.log((1 + n) / (1 + df[w])) for w in sorted(df)], dtype=np.float32)

    def tokens(self, text) -> list[str]:
        """The lemmas of ``text`` that count (common English words left out)."""
        stop, lemmas = self._stop, self._lemmas
        out = []
        for word in _WORD.findall(str(text).lower().replace("’", "'")):
            if word not in stop:
                lemma = lemmas.get(word, word)
                if lemma not in stop:
                    out.append(lemma)
        return out

    def transform(self, texts, dense: bool = False):
        """A ``len(texts) x size`` sparse (CSR) matrix of unit-length float32 TF-IDF rows (an array with
        ``dense``)."""
        import numpy as np
        from scipy import sparse

        vocabulary, idf = self.vocabulary, self.idf
        indptr, indices, counts_out = [0], [], []
        for text in texts:
            counts: dict[int, int] = {}
            if self.size:
                for word in self.tokens(text):
                    k = vocabulary.get(word)
                    if k is not None:
                        counts[k] = counts.get(k, 0) + 1
            indices += counts.keys()
            counts_out += counts.values()
            indptr.append(len(indices))
        cols = np.asarray(indices, dtype=np.int32)
        data = (1.0 + np.log(np.asarray(counts_out, dtype=np.float32))) * idf[cols] if len(cols) else \
            np.zeros(0, dtype=np.float32)
        rows = np.repeat(np.arange(len(texts)), np.diff(indptr))
        norms = np.sqrt(np.bincount(rows, weights=data.astype(np.float64) ** 2, minlength=len(texts)))
        data = (data / norms[rows]).astype(np.float32) if len(cols) else data
        out = sparse.csr_matrix((data, cols, np.asarray(indptr)), shape=(len(texts), self.size), dtype=np.float32)
        return out.toarray() if dense else out


def profiles_of(vectors, columns):
    """Each node's profile: the unit-length mean of its sentences' vectors."""
    import numpy as np

    means = np.stack([vectors[cols].mean(axis=0) for cols in columns])
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return np.divide(means, norms, out=np.zeros_like(means), where=norms > 0).astype(np.float32)


#: Frequent English function words: they make up a third or more of ordinary English text.
_ENGLISH = frozenset("""the and to of a i in was it is that for my with on they we you he she but not at be this
have had were are me so very all there been about would could from what when just as an or if our them their
no do did get got one out up""".split())


def english_share(texts, sample: int = 400) -> float:
    """The share of words (in up to ``sample`` texts) that are frequent English function words: about a
    third or more for English, a few percent for other languages."""
    words = [w.lower() for t in list(texts)[:sample] for w in re.findall(r"[^\W\d_]+", str(t))]
    if not words:
        return 1.0
    return sum(w in _ENGLISH for w in words) / len(words)


def language_warning(texts) -> str | None:
    """A warning when the texts do not look English (the default model is English)."""
    share = english_share(texts)
    if share < 0.12:
        return (f"the coded text does not look English (only {share:.0%} of its words are common English words); "
                "the built-in embedding model "
                "is English, so coding by meaning will be poor. Use --by rules, or a local multilingual "
                "sentence-transformers model (--model PATH).")
    return None


def warn_all(messages) -> None:
    for message in messages:
        warnings.warn(message, stacklevel=3)

"""Inductive discovery: candidate codes from early or uncoded segments (a scikit-learn style estimator).

>>> disc = Discoverer(n_candidates="auto", random_state=0).fit(segments)   # doctest: +SKIP
>>> disc.candidates_        # one row per candidate: id, label, top_terms, size, groups, participants, ...
>>> disc.to_codebook()      # status=candidate, origin=inductive nodes with suggested keyword rules

How it works. Each segment becomes a bag of terms (:mod:`qualcode.discovery.terms`: lookup lemmas of its content
words and their adjacent-word n-grams, without stop words, fillers or anonymisation markers), weighted
by TF-IDF (sublinear term frequency, rows L2-normalised; a sparse matrix throughout). A non-negative
matrix factorisation (NMF) splits that matrix into ``k`` parts; each part is a candidate code and each
segment belongs to the part that carries most of its weight. With ``n_candidates="auto"``, ``k`` is the
value of :attr:`Discoverer.k_grid` that yields the most coherent candidates (see
:mod:`qualcode.discovery.model`). Candidates are ranked by ``score = (1 + coherence) / 2 * log2(1 +
spread)``: coherence is the NPMI of its top terms over segments (do they belong together?), spread the
effective number of participants who raise it (``exp`` of the entropy of its segments over
participants; a code one person repeats has spread 1). Same input and ``random_state``, same output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import NotFittedError, QualcodeError
from .candidates import _identity
from .terms import TermExtractor, terms_of

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    import pandas as pd

    from ..codebook.model import Codebook
    from ..corpus.corpus import Corpus

#: Fewest usable segments (with at least ``min_terms`` content words) discovery will run on.
MIN_SEGMENTS = 20


class Discoverer:
    """Find candidate codes in a segments table (see the module docstring).

    Parameters: ``n_candidates`` ("auto" or a number), ``max_candidates`` (largest ``k`` tried by
    "auto"), ``ngrams`` (longest phrase term), ``min_terms`` (content words a segment needs to take
    part), ``min_df`` (segments a term must occur in), ``max_df`` (largest share of segments a term may
    occur in), ``min_size`` (segments a candidate needs to be reported), ``n_top_terms``,
    ``n_exemplars`` (example passages per candidate), ``max_keywords``, ``stop_words`` (extra words to leave
    out), ``common_terms`` (terms to leave out because they are common across the whole corpus; :func:`discover`
    fills it), ``codebook`` (a :class:`~qualcode.Codebook`; candidates name the node they resemble),
    ``similarity_threshold`` (least similarity to name that node), ``into_threshold`` (least similarity to
    propose folding the candidate into it with ``--into``),
    ``selection_sample`` (on more segments, the parts are learned from a random sample of this many),
    ``max_iter``, ``n_jobs`` (processes for term extraction; the result does not change), ``random_state``.

    >>> disc = qualcode.Discoverer(random_state=0).fit(corpus.subset(["LW1-w1", "GP-FG1", "C2"]).segments())
    >>> disc.candidates_.id.iloc[0], disc.to_codebook().themes[0].status
    ('cand-1', 'candidate')
    """

    k_grid = (2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 25, 30, 40, 50)

    def __init__(self, n_candidates="auto", *, max_candidates: int = 30, ngrams: int = 2, min_terms: int = 5,
                 min_df: int = 2, max_df: float = 0.5, min_size: int = 3, n_top_terms: int = 10,
                 n_exemplars: int = 3, max_keywords: int = 8, stop_words=(), codebook=None,
                 similarity_threshold: float = 0.2, into_threshold: float = 0.5, common_terms=(),
                 selection_sample: int = 20000, max_iter: int = 200,
                 n_jobs: int | None = None, random_state: int | None = 0):
        self.n_candidates = n_candidates
        self.max_candidates = max_candidates
        self.ngrams = ngrams
        self.min_terms = min_terms
        self.min_df = min_df
        self.max_df = max_df
        self.min_size = min_size
        self.n_top_terms = n_top_terms
        self.n_exemplars = n_exemplars
        self.max_keywords = max_keywords
        self.stop_words = stop_words
        self.codebook = codebook
        self.similarity_threshold = similarity_threshold
        self.into_threshold = into_threshold
        self.common_terms = common_terms
        self.selection_sample = selection_sample
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state

    def get_params(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    def __repr__(self) -> str:
        return f"Discoverer(n_candidates={self.n_candidates!r}, random_state={self.random_state!r})"

    # -- fitting ---------------------------------------------------------------------------------
    def _check_params(self) -> None:
        k = self.n_candidates
        if not (k == "auto" or (isinstance(k, int) and not isinstance(k, bool) and k >= 1)):
            raise QualcodeError(f"n_candidates must be 'auto' or a whole number of at least 1, not {k!r}.")
        for name in ("max_candidates", "min_terms", "min_df", "min_size", "n_top_terms", "n_exemplars",
                     "max_keywords", "selection_sample", "max_iter"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise QualcodeError(f"{name} must be a whole number of at least 1, not {value!r}.")
        if self.n_jobs is not None and (isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, int) or self.n_jobs == 0):
            raise QualcodeError(f"n_jobs must be None, -1 (all cores) or a whole number of processes, not {self.n_jobs!r}.")
        if not 0 < self.max_df <= 1:
            raise QualcodeError(f"max_df must be a share of segments above 0 and at most 1, not {self.max_df!r}.")

    def fit(self, segments, y=None, *, progress=None) -> "Discoverer":
        """Learn candidate codes from ``segments`` (a segments table; researcher turns are left out).

        ``progress(done, total, step)`` is called as the steps finish.
        """
        import numpy as np
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        self._check_params()
        table = _usable_rows(segments)
        step = _Steps(progress, 5)
        terms = terms_of(table.text.tolist(), self.stop_words, self.ngrams, n_jobs=self.n_jobs or 1)
        content = np.fromiter((sum(" " not in t for t in ts) for ts in terms), dtype=np.int64, count=len(terms))
        keep = content >= self.min_terms
        if int(keep.sum()) < MIN_SEGMENTS:
            raise QualcodeError(
                f"only {int(keep.sum())} of {len(table)} participant segments have at least {self.min_terms} content "
                f"words; discovery needs at least {MIN_SEGMENTS}. Add sources (--sources, --first), drop --group or "
                f"--uncoded, or use a longer unit (--unit turn)."
            )
        table = table[keep].reset_index(drop=True)
        common = frozenset(self.common_terms)
        terms = [[t for t in ts if t not in common] for ts, k in zip(terms, keep) if k]
        step("terms")
        min_df = min(self.min_df, max(1, len(terms) // 10))
        counter = CountVectorizer(analyzer=_identity, min_df=min_df, max_df=self.max_df, dtype=np.float64)
        try:
            counts = counter.fit_transform(terms)
        except ValueError:
            raise QualcodeError(
                f"no term occurs in at least {min_df} of the {len(terms)} segments and in at most {self.max_df:.0%} of "
                "them; give more (or more varied) segments, or lower min_df."
            ) from None
        del terms
        self.vocabulary_ = counter.get_feature_names_out()
        self._idf = TfidfTransformer(sublinear_tf=True).fit(counts)
        tfidf = self._idf.transform(counts)
        self._presence = (counts > 0).astype(np.float32).tocsc()
        del counts
        step("features")
        weights = self._factorise(tfidf)
        step("factorisation")
        from .candidates import describe_candidates

        self.segments_, self.candidates_ = describe_candidates(self, table, weights)
        self.n_segments_ = len(table)
        step("candidates")
        return self

    def _factorise(self, tfidf):
        """Choose ``k`` (if "auto") and fit the NMF; set ``n_candidates_``, ``components_``, ``selection_``.

        On more than ``selection_sample`` segments the parts are learned on a random sample of that many
        and every segment is then weighed on them."""
        import numpy as np

        from .model import SELECTION_MAX_ITER, Factoriser, project, select_k

        n_rows, n_terms = tfidf.shape
        rows = np.arange(n_rows)
        if n_rows > self.selection_sample:
            rng = np.random.default_rng(self.random_state)
            rows = np.sort(rng.choice(n_rows, self.selection_sample, replace=False))
        if self.n_candidates == "auto":
            upper = max(2, min(self.max_candidates, len(rows) // 5, n_terms - 1))
            grid = [k for k in self.k_grid if k <= upper] or [upper]
            sample = Factoriser(tfidf[rows], max(grid), self.random_state, self.max_iter)
            best, self.selection_, fits = select_k(sample, self._presence[rows], self.vocabulary_, grid,
                                                   n_top_terms=self.n_top_terms, min_size=self.min_size,
                                                   random_state=self.random_state)
            rest = max(self.max_iter - SELECTION_MAX_ITER, 0)  # carry on from the grid's fit of that k
            weights, self.components_, _ = sample.fit(best, rest, start=fits[best]) if rest else (*fits[best], None)
        else:
            best = max(1, min(self.n_candidates, len(rows) - 1, n_terms - 1))
            weights, self.components_, _ = Factoriser(tfidf[rows], best, self.random_state, self.max_iter).fit(best)
            self.selection_ = None
        self.n_candidates_ = best
        if len(rows) < n_rows:
            weights = project(tfidf, self.components_, self.max_iter)
        return weights

    # -- results ---------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "candidates_"):
            raise NotFittedError("this Discoverer is not fitted yet; call fit(segments) first.")

    def transform(self, segments):
        """Candidate weights of new segments: an array of shape (segments, candidates) in candidate order."""
        import numpy as np
        from sklearn.feature_extraction.text import CountVectorizer

        self._check_fitted()
        table = _usable_rows(segments, require=False)
        terms = list(TermExtractor(self.stop_words, self.ngrams).pipe(table.text.tolist()))
        counter = CountVectorizer(analyzer=_identity, vocabulary=list(self.vocabulary_), dtype=np.float64)
        tfidf = self._idf.transform(counter.transform(terms))
        from .model import project

        weights = project(tfidf, self.components_, self.max_iter)
        return weights[:, self.candidates_.component.to_numpy()] if len(self.candidates_) else weights[:, :0]

    def to_codebook(self, name: str = "Candidate codes"):
        """A :class:`~qualcode.Codebook` of the candidates: themes with status candidate, origin inductive."""
        self._check_fitted()
        from .candidates import candidates_codebook

        return candidates_codebook(self, name)


class _Steps:
    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, name: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, name)


def _usable_rows(segments, require: bool = True):
    """Participant rows of a segments table (researcher turns dropped), with a clear error if it is not one."""
    import pandas as pd

    if not isinstance(segments, pd.DataFrame):
        raise QualcodeError(f"fit() needs a segments table (a DataFrame from corpus.segments()), not {type(segments).__name__}.")
    missing = [c for c in ("segment_id", "source_id", "participant_id", "group", "label", "text") if c not in segments]
    if missing:
        raise QualcodeError(f"the segments table has no column(s) {', '.join(missing)}; pass corpus.segments(...).")
    table = segments
    if "is_researcher" in table:
        table = table[~table.is_researcher.fillna(False).astype(bool)]
    table = table[table.text.notna()].reset_index(drop=True)
    if require and table.empty:
        raise QualcodeError(f"there are no participant segments to discover from; discovery needs at least {MIN_SEGMENTS}.")
    return table



@dataclass
class DiscoveryRun:
    """The result of :func:`discover`: the fitted estimator, the segments it saw, what was left out."""

    discoverer: Discoverer
    segments: object  # the segments discovery ran on (after --uncoded left some out)
    left_out: int = 0  # segments left out because the codebook's rules already code them
    warnings: list[str] = field(default_factory=list)

    @property
    def candidates(self):
        return self.discoverer.candidates_

    def __repr__(self) -> str:
        labels = "; ".join(f"{i} {label}" for i, label in zip(self.candidates.id, self.candidates.label))
        return f"<DiscoveryRun: {len(self.candidates)} candidates from {len(self.segments)} segments: {labels}>"

    def _repr_html_(self) -> str:
        from ..display import html

        return html("discovery", self)


def discover(corpus: "Corpus", codebook: "Codebook | None" = None, *, sources: "list[str] | None" = None,
             first: int | None = None, group: str | None = None, order: str = "date", unit: str = "turn",
             uncoded: bool = False, max_corpus_share: float = 0.1,
             progress: "Callable[[int, int, str], None] | None" = None, **params) -> DiscoveryRun:
    """Discover candidate codes in (part of) ``corpus``.

    ``sources``/``first``/``group``/``order``/``unit`` choose the segments (see
    :func:`qualcode.corpus.selection.select_segments`). With ``uncoded=True`` the segments ``codebook``'s rules
    already code are left out, so what comes back is new. ``codebook`` also lets candidates name the
    existing node they resemble. Greetings and small talk are left out
    (:func:`qualcode.discovery.smalltalk.small_talk`), and so are terms found in more than
    ``max_corpus_share`` of all the corpus's participant segments (1 keeps them). Other keyword arguments go
    to :class:`Discoverer`.

    >>> run = qualcode.discover(corpus, codebook, first=8)     # the first 8 sources by date
    >>> run.candidates.id.iloc[0]
    'cand-1'
    >>> run.discoverer.to_codebook().to_yaml(tmp / "new.yaml").name
    'new.yaml'
    """
    from ..corpus.selection import select_segments

    from .smalltalk import common_terms, small_talk

    segments = select_segments(corpus, sources=sources, first=first, group=group, order=order, unit=unit)
    if segments.empty:
        raise QualcodeError(f"the chosen sources have no participant segments; discovery needs at least {MIN_SEGMENTS}.")
    left_out, notes = 0, []
    chatter = set(segments.segment_id[small_talk(segments)])  # judged on the chosen sources as a whole
    if "common_terms" not in params and max_corpus_share < 1:
        everything = select_segments(corpus, unit=unit)
        if len(everything) > 20000:  # a sample tells which words are everywhere
            everything = everything.sample(20000, random_state=params.get("random_state", 0) or 0)
        common = common_terms(terms_of(everything.text.tolist(), params.get("stop_words", ()),
                                       params.get("ngrams", 2)), max_corpus_share)
        params["common_terms"] = common
    if uncoded:
        if codebook is None:
            raise QualcodeError("--uncoded needs a codebook (-c/--codebook) whose codings are left out.")
        import warnings as _warnings

        from ..coding.coder import apply_codebook

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            run = apply_codebook(corpus.subset(list(dict.fromkeys(segments.source_id))), codebook, by="rules", unit=unit)
        notes += run.warnings
        coded = set(run.codings.segment_id)
        keep = ~segments.segment_id.isin(coded)
        left_out = int((~keep).sum())
        selected, segments = segments, segments[keep].reset_index(drop=True)
        if segments.empty:
            raise QualcodeError(
                f"the codebook's rules code all {len(selected)} chosen segments, so none is left to discover from; "
                "drop --uncoded or add sources."
            )
    if chatter:
        small = segments.segment_id.isin(chatter)
        if small.any() and int((~small).sum()) >= MIN_SEGMENTS:
            notes.append(f"left out {int(small.sum())} segment(s) of greetings and small talk.")
            segments = segments[~small].reset_index(drop=True)
    estimator = Discoverer(codebook=codebook, **params)
    estimator.fit(segments, progress=progress)
    return DiscoveryRun(estimator, segments, left_out, notes)

"""Code suggestions learned from human coding: a scikit-learn estimator over segments.

>>> sg = qualcode.Suggester(random_state=0).fit(corpus, human_codings)    # doctest: +SKIP
>>> sg.cv_scores_                  # cross-validated precision, recall, kappa per code   # doctest: +SKIP
>>> suggestions = sg.predict(corpus)   # codings rows, origin=model, coder=model@<hash>   # doctest: +SKIP

Training units are the participant segments of ``unit`` in the sources the human codings touch; a unit
is a positive example of a code when any coding of that code overlaps it (as in agreement), and a
negative one otherwise. Features are TF-IDF weights of lookup lemmas and lemma n-grams (the same lemma
table that keyword rules use), TF-IDF weights of character 2- to 5-grams within words (spelling variants,
word parts; ``char_ngrams=False`` leaves them out), the unit's sentence embedding (:mod:`qualcode.embedding`, the model that
codes by meaning; ``embeddings=False`` leaves it out) and, given a codebook, whether each node's rules
match the unit and (``meaning_features=True``, for a codebook with definitions, examples or inclusion
text) the unit's similarity to each node that codes by meaning (:mod:`qualcode.coding.meaning`), so what
the codebook says a code means counts before people have coded much of it. Each code gets its own
class-balanced logistic regression (one-vs-rest); its decision values are turned into a calibrated score
(the probability that a person would code the unit) by scikit-learn's sigmoid (Platt) calibration fitted
on held-out decisions from the cross-validation.
A code is suggested where its score reaches its threshold: with ``threshold="auto"`` (the default) each code's own
threshold, the score at which its cross-validated suggestions agree best with the people's coding by
Cohen's kappa (``thresholds_``; 0.5 for a code no threshold brings to a kappa of 0.2); with a number,
that score for every code (0.5: more likely than not; higher for fewer, surer suggestions). A rare code
the model ranks well but seldom scores above 0.5 is then still suggested where it is likely.

Cross-validation is grouped by source (``GroupKFold``): no source is in both the training and the test
part of a fold, so the scores say how the model does on transcripts it has not seen. With
``threshold="auto"`` each fold's units are judged at the threshold chosen on the other folds' scores
only, so the reported precision, recall and F1 are not flattered by choosing the threshold on them. Classifiers are
fitted on the training folds only, and each fold's scores are calibrated on the other folds only; the
TF-IDF vocabulary and weights are fitted once on all training units' text (unsupervised, no labels).
The fold classifiers are kept and their calibrated scores averaged for suggestions, as
``CalibratedClassifierCV(ensemble=True)`` does, so no classifier is fitted beyond the folds.

A code with fewer than ``min_examples`` positive units, or positives in fewer than two sources, or
fewer than ``min_examples`` negatives, is reported in ``skipped_`` and not learned.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings

from ..errors import CodingsError, NotFittedError, QualcodeError
from .overlap import check_level, overlaps

ORDERS = ("source", "uncertainty")
SCORE_COLUMNS = ["code_id", "code", "theme_id", "positives", "sources", "threshold", "precision", "recall", "f1",
                 "kappa", "brier"]
#: The thresholds ``threshold="auto"`` chooses from (calibrated scores).
AUTO_GRID = tuple(round(0.05 + 0.01 * i, 2) for i in range(91))
#: Below this cross-validated kappa a code's ``"auto"`` threshold is 0.5 (Landis and Koch: "slight").
AUTO_MIN_KAPPA = 0.2
#: The codebook similarities (0 to about 0.7) are multiplied by this as features. On the NHS learning
#: curve (benchmarks/eval_meaning.py --learning-curve) 1 and 3 helped alike; 3 and 6 lowered the kappa of
#: the sample study's theme model (0.80 to 0.77 and 0.74), 1 did not.
MEANING_FEATURE_SCALE = 1.0


def lemma_texts(texts, batch_size: int = 512) -> list[str]:
    """Each text as a space-separated string of lower-case lookup lemmas (punctuation and spaces dropped).

    >>> lemma_texts(["The link worker referred me!"])
    ['the link worker refer me']
    """
    from spacy.attrs import IS_PUNCT, IS_SPACE, LOWER

    from ..language import lemma_of, nlp

    tokenizer = nlp().tokenizer
    strings = tokenizer.vocab.strings
    cache: dict[int, str | None] = {}  # LOWER hash -> lemma (None: punctuation or space)
    out = []
    for doc in tokenizer.pipe(texts, batch_size=batch_size):
        words = []
        for lower, punct, space in doc.to_array([LOWER, IS_PUNCT, IS_SPACE]).tolist():
            lemma = cache.get(lower, "")
            if lemma == "":
                lemma = cache[lower] = None if (punct or space) else lemma_of(strings[lower]).replace(" ", "_")
            if lemma is not None:
                words.append(lemma)
        out.append(" ".join(words))
    return out


class Suggester:
    """Learns to suggest codes from human-coded segments (scikit-learn style: ``fit`` returns ``self``).

    Parameters: ``unit`` (segment unit), ``level`` (``code``, ``subtheme`` or ``theme``: what to learn),
    ``min_examples`` (fewest positive and negative units a code needs), ``n_splits`` (folds, at most the
    number of sources), ``ngram_range``, ``min_df``, ``max_features`` (TF-IDF), ``char_ngrams`` (character
    n-gram features), ``C`` (inverse regularisation), ``threshold`` (the score a suggestion needs: ``"auto"``
    for each code's own, chosen by cross-validated kappa, or a number from 0 to 1), ``include_researchers``,
    ``rule_features`` (use the codebook's rule matches as features), ``meaning_features`` (use each unit's
    similarity to the codebook's nodes as features), ``embeddings`` (use the sentence embeddings as
    features), ``model`` (a local sentence-transformers folder for them and the similarities),
    ``random_state``.

    Fitted attributes end in ``_``: ``classes_``, ``cv_scores_``, ``thresholds_`` (per code), ``skipped_``, ``coder_``,
    ``vectorizer_``, ``meaning_coder_`` (for the similarity features, or ``None``), ``estimators_`` (the
    fold classifiers per code), ``calibrators_``, ``code_info_``,
    ``codebook_``, ``codebook_version_``, ``n_units_``, ``n_sources_``.

    >>> first = corpus.source_ids[:13]
    >>> sg = qualcode.Suggester(random_state=0).fit(corpus, coder_a[coder_a.source_id.isin(first)], codebook)
    >>> suggestions = sg.predict(corpus, skip_sources=first)      # the sources nobody coded for it
    >>> set(suggestions.source_id).isdisjoint(first), suggestions.origin.unique().tolist()
    (True, ['model'])
    """

    def __init__(self, random_state: int = 0, *, unit: str = "turn", level: str = "code", min_examples: int = 8,
                 n_splits: int = 3, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2,
                 max_features: int | None = 100_000, C: float = 1.0, threshold: float | str = "auto",
                 include_researchers: bool = False, rule_features: bool = True, embeddings: bool = True,
                 model: str | None = None, char_ngrams: bool = True, meaning_features: bool = True):
        self.random_state = random_state
        self.unit = unit
        self.level = level
        self.min_examples = min_examples
        self.n_splits = n_splits
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.threshold = threshold
        self.include_researchers = include_researchers
        self.rule_features = rule_features
        self.embeddings = embeddings
        self.model = model
        self.char_ngrams = char_ngrams
        self.meaning_features = meaning_features

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("random_state", "unit", "level", "min_examples", "n_splits",
                                              "ngram_range", "min_df", "max_features", "C", "threshold",
                                              "include_researchers", "rule_features", "embeddings", "model",
                                              "char_ngrams", "meaning_features")}

    def __repr__(self) -> str:
        return f"Suggester({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    # -- fitting ---------------------------------------------------------------------------------
    def _units(self, corpus, source_ids=None):
        from ..corpus.segments import check_unit

        check_unit(self.unit)
        part = corpus.subset(source_ids) if source_ids is not None else corpus
        units = part.segments(self.unit, include_researchers=self.include_researchers)
        if not self.include_researchers:
            units = units[~units.is_researcher]
        return units.reset_index(drop=True)

    def fit(self, corpus, codings, codebook=None, *, progress=None, negatives=None):
        """Learn from ``codings`` (a codings table, e.g. from :func:`qualcode.read_codings`) over ``corpus``.

        ``negatives`` (a codings table, e.g. the codings people rejected in a project): their units are
        negative examples of their codes unless a coding in ``codings`` covers them too; their sources join
        the training sources, so a source where people only rejected suggestions still teaches the model.

        With a ``codebook`` (and ``rule_features=True``), whether each node's rules match a unit is a
        feature too, so the model learns where the coders follow the rules and where they do not; with
        ``meaning_features=True`` and a codebook whose nodes have definitions, examples or inclusion text,
        so is the unit's similarity to each such node.
        """
        import numpy as np
        import pandas as pd
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.model_selection import GroupKFold

        from ..coding.table import check_codings

        id_col, label_col = check_level(self.level)
        check_threshold(self.threshold)
        if codings is None or len(codings) == 0:
            raise CodingsError("the training codings are empty; give the human codings to learn from (--train).")
        codings = check_codings(codings, "training codings")
        codings = codings[codings[id_col].notna()].reset_index(drop=True)
        codings["source_id"] = codings["source_id"].astype(str)
        unknown = sorted(set(codings.source_id) - set(corpus.source_ids))
        if unknown:
            raise CodingsError(f"training codings name source(s) not in the corpus: {', '.join(unknown[:5])}; "
                               "check the transcripts folder.")
        coded_sources = set(codings.source_id)
        if negatives is not None and len(negatives):
            coded_sources |= set(negatives.source_id.astype(str)) & set(corpus.source_ids)
        sources = [s for s in corpus.source_ids if s in coded_sources]
        if len(sources) < 2:
            raise CodingsError(
                f"the training codings cover {len(sources)} source ({', '.join(sources)}); learning needs coded "
                "units from at least two sources, so that cross-validation can test each source on a model that "
                "has not seen it. Code more sources."
            )
        units = self._units(corpus, sources)
        coding_pos, unit_pos = overlaps(units, codings)
        code_ids = list(dict.fromkeys(codings[id_col].astype(str)))
        index = {c: i for i, c in enumerate(code_ids)}
        y = np.zeros((len(units), len(code_ids)), dtype=bool)
        y[unit_pos, codings[id_col].astype(str).map(index).to_numpy()[coding_pos]] = True
        groups = units.source_id.to_numpy()
        info = _code_info(codings, self.level)

        skipped, usable = [], []
        for k, code in enumerate(code_ids):
            positives = int(y[:, k].sum())
            with_positives = len(set(groups[y[:, k]]))
            reason = None
            if positives < self.min_examples:
                reason = f"{positives} coded unit(s); at least {self.min_examples} are needed"
            elif with_positives < 2:
                reason = f"coded in {with_positives} source only; positives in two or more sources are needed"
            elif len(units) - positives < self.min_examples:
                reason = f"every unit but {len(units) - positives} is coded with it; too few units without it"
            if reason:
                skipped.append({"code_id": code, "code": info[code]["code"], "positives": positives,
                                "sources": with_positives, "reason": reason})
            else:
                usable.append(k)
        self.skipped_ = pd.DataFrame(skipped, columns=["code_id", "code", "positives", "sources", "reason"])
        if not usable:
            detail = "; ".join(f"{r['code_id']}: {r['reason']}" for r in skipped) or "no codes"
            one_class = y.all(axis=0).all() or (~y).all()
            raise CodingsError(
                ("every training unit carries the same codes (one class); a classifier needs coded and uncoded "
                 "units. " if one_class else "") + f"No code has enough examples to learn from ({detail})."
            )

        texts = lemma_texts(units.text.tolist())
        self.vectorizer_ = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False,
                                           ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                                           max_features=self.max_features, sublinear_tf=True, dtype=np.float32)
        self.vectorizer_.fit(texts)
        self.char_vectorizer_ = None
        if self.char_ngrams:
            self.char_vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=self.min_df,
                                                    max_features=self.max_features, sublinear_tf=True,
                                                    dtype=np.float32)
            self.char_vectorizer_.fit(texts)
        self.codebook_ = codebook if (codebook is not None and (self.rule_features or self.meaning_features)) else None
        self.meaning_coder_ = self._meaning_coder()
        x = self._features(corpus, units, texts)
        folds = list(GroupKFold(n_splits=min(self.n_splits, len(sources))).split(x, groups=groups))
        fold_of = np.zeros(len(units), dtype=int)
        for f, (_, test) in enumerate(folds):
            fold_of[test] = f
        self.classes_ = [code_ids[k] for k in usable]

        def learn(k):
            code, target = code_ids[k], y[:, k]
            decision, models = np.zeros(len(units)), []
            for train, test in folds:
                models.append(_fit(self._classifier(), x[train], target[train]))
                decision[test] = models[-1].decision_function(x[test])
            # Cross-fitted calibration: each fold's scores are calibrated on the other folds' scores only.
            calibrated = np.zeros(len(units))
            for f in range(len(folds)):
                mine = fold_of == f
                calibrated[mine] = _platt(decision[~mine], target[~mine])(decision[mine])
            if self.threshold == "auto":
                # Each fold judged at the threshold chosen on the other folds' scores only.
                predicted = np.zeros(len(units), dtype=bool)
                for f in range(len(folds)):
                    mine = fold_of == f
                    predicted[mine] = calibrated[mine] >= best_threshold(calibrated[~mine], target[~mine])
                cut = best_threshold(calibrated, target)
            else:
                cut = float(self.threshold)
                predicted = calibrated >= cut
            row = ({"code_id": code, "code": info[code]["code"], "theme_id": info[code]["theme_id"],
                    "positives": int(target.sum()), "sources": len(set(groups[target])), "threshold": cut}
                   | _scores(target, calibrated, predicted))
            return code, _FoldModels(models), _platt(decision, target), cut, row

        self.estimators_, self.calibrators_, self.thresholds_, rows = {}, {}, {}, []
        for done, (code, estimator, calibrator, cut, row) in enumerate(map(learn, usable), 1):
            self.estimators_[code], self.calibrators_[code], self.thresholds_[code] = estimator, calibrator, cut
            rows.append(row)
            if progress:
                progress(done, len(usable), code)
        self.cv_scores_ = pd.DataFrame(rows, columns=SCORE_COLUMNS)
        self.code_info_ = {c: info[c] for c in self.classes_}
        self.codebook_version_ = _most_common(codings["codebook_version"])
        self.n_units_, self.n_sources_ = len(units), len(sources)
        self.coder_ = "model@" + self._digest(units, y, code_ids)
        return self

    def _features(self, corpus, units, texts):
        """TF-IDF of the lemma texts and character n-grams, the embedding, then per codebook node (if a
        codebook) a 0/1 column for its rules matching and its scaled similarity by meaning."""
        import numpy as np
        from scipy import sparse

        x = self.vectorizer_.transform(texts)
        if self.char_vectorizer_ is not None:
            x = sparse.hstack([x, self.char_vectorizer_.transform(texts)], format="csr")
        vectors = None
        if self.embeddings or self.meaning_coder_ is not None:  # embedded once, for both uses
            from ..embedding import model

            vectors = model(self.model).embed(units.text.tolist())
        if self.embeddings:
            x = sparse.hstack([x, sparse.csr_matrix(vectors)], format="csr")
        if self.codebook_ is None:
            return x.tocsr()
        blocks = [x]
        if self.rule_features:
            from ..coding.coder import apply_codebook

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sources = list(dict.fromkeys(units.source_id))
                rules = apply_codebook(corpus.subset(sources), self.codebook_, by="rules", unit=self.unit,
                                       include_researchers=self.include_researchers).codings
            nodes = {node_id: i for i, node_id in enumerate(self.codebook_.nodes)}
            matches = np.zeros((len(units), len(nodes)), dtype=np.float32)
            coding_pos, unit_pos = overlaps(units, rules)
            matches[unit_pos, rules.code_id.map(nodes).to_numpy()[coding_pos]] = 1.0
            blocks.append(sparse.csr_matrix(matches))
        if self.meaning_coder_ is not None:
            words = self.meaning_coder_.words.transform(units.text.tolist())
            profile = self.meaning_coder_.similarities_of(vectors, words=words)[0]
            blocks.append(sparse.csr_matrix((MEANING_FEATURE_SCALE * profile).astype(np.float32)))
        return sparse.hstack(blocks, format="csr")

    def _meaning_coder(self):
        """The codebook's meaning coder when similarities are features, else ``None``."""
        from ..coding.meaning import MeaningCoder, has_meaning_text

        if not self.meaning_features or self.codebook_ is None or not has_meaning_text(self.codebook_):
            return None
        from ..embedding import model

        model(self.model)  # a model that fails to load is an error here too, not a silent lack of features
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a node with little text is still a feature here
            try:
                return MeaningCoder(self.codebook_, model=self.model)
            except QualcodeError:  # nothing to code by meaning from: no similarity features, as without a codebook
                return None

    def feature_names(self) -> list[str]:
        """The name of each feature column: lemma n-grams, ``chars:<n-gram>``, ``embedding:<i>``, then
        ``rule:<node id>`` and ``meaning:<node id>``."""
        self._check_fitted()
        names = [n.replace("_", " ") for n in self.vectorizer_.get_feature_names_out()]
        if self.char_vectorizer_ is not None:
            names += [f"chars:{n}" for n in self.char_vectorizer_.get_feature_names_out()]
        if self.embeddings:
            from ..embedding import model

            names += [f"embedding:{i}" for i in range(model(self.model).dim)]
        if self.codebook_ is not None and self.rule_features:
            names += [f"rule:{node_id}" for node_id in self.codebook_.nodes]
        if self.meaning_coder_ is not None:
            names += [f"meaning:{node_id}" for node_id in self.meaning_coder_.nodes]
        return names

    def _classifier(self):
        from sklearn.linear_model import LogisticRegression

        # The dual solver: fast where features outnumber units, as with n-grams.
        return LogisticRegression(C=self.C, solver="liblinear", dual=True, tol=1e-2, class_weight="balanced",
                                  max_iter=1000, random_state=self.random_state)

    def _digest(self, units, y, code_ids) -> str:
        """A short hash of the training data (units, their text and codes) and the parameters."""
        digest = hashlib.sha256(json.dumps(self.get_params(), sort_keys=True, default=str).encode())
        if self.codebook_ is not None:
            digest.update(self.codebook_.to_string().encode())
        for row, labels in zip(units[["source_id", "start", "end", "text"]].itertuples(index=False), y):
            coded = ",".join(c for c, flag in zip(code_ids, labels) if flag)
            digest.update(f"{row.source_id}\x1f{row.start}\x1f{row.end}\x1f{row.text}\x1f{coded}\x1e".encode())
        return digest.hexdigest()[:10]

    # -- using it --------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "estimators_"):
            raise NotFittedError("this Suggester is not fitted yet; call fit(corpus, codings) first.")

    def predict_proba(self, corpus, *, source_ids=None):
        """``(units, scores)``: the units of ``corpus`` and a ``units x classes_`` array of calibrated scores."""
        units, _, scores = self._score(corpus, source_ids)
        return units, scores

    def _score(self, corpus, source_ids):
        import numpy as np

        self._check_fitted()
        units = self._units(corpus, source_ids)
        if units.empty:
            return units, None, np.zeros((0, len(self.classes_)))
        x = self._features(corpus, units, lemma_texts(units.text.tolist()))
        scores = np.column_stack([self.estimators_[c].score(x, self.calibrators_[c]) for c in self.classes_])
        return units, x, scores

    def predict(self, corpus, *, skip_sources=None, threshold: float | None = None, order: str = "source"):
        """Suggested codings (codings-table rows, ``origin=model``) for the units of ``corpus``.

        ``skip_sources``: source ids (or a codings table whose sources are used) to leave out, e.g. the
        sources people already coded. ``threshold`` (a number) overrides each code's fitted threshold.
        ``order``: ``source`` (transcript order) or ``uncertainty`` (most informative first: the
        suggestions whose score is closest to their code's threshold come first, so each accept or reject
        teaches the model most).
        """
        if order not in ORDERS:
            raise CodingsError(f"order {order!r}: use {' or '.join(map(repr, ORDERS))}.")
        import numpy as np
        import pandas as pd

        from ..coding.table import CODING_COLUMNS, empty_codings

        self._check_fitted()
        skip = set()
        if skip_sources is not None:
            skip = set(skip_sources["source_id"].astype(str)) if hasattr(skip_sources, "columns") else set(skip_sources)
        wanted = [s for s in corpus.source_ids if s not in skip]
        if threshold is not None:
            check_threshold(threshold, allow_auto=False)
        units, x, scores = self._score(corpus, wanted)
        cut = (np.array([self.thresholds_[c] for c in self.classes_]) if threshold is None
               else np.full(len(self.classes_), float(threshold)))
        unit_rows, code_cols = np.nonzero(scores >= cut)
        if not len(unit_rows):
            return empty_codings()
        by_unit = np.lexsort((code_cols, unit_rows))
        unit_rows, code_cols = unit_rows[by_unit], code_cols[by_unit]
        names = self.feature_names()
        rows = []
        for u, k in zip(unit_rows, code_cols):
            code = self.classes_[k]
            unit = units.iloc[u]
            rows.append({
                "source_id": unit.source_id, "segment_id": unit.segment_id, "participant_id": unit.participant_id,
                "group": unit.group, "label": unit.label, "method": unit.method, "start": int(unit.start),
                "end": int(unit.end), "text": unit.text, **self.code_info_[code], "coder": self.coder_,
                "origin": "model", "score": round(float(scores[u, k]), 4),
                "evidence": _evidence(x[u], self.estimators_[code].coef_[0], names),
                "codebook_version": self.codebook_version_,
            })
        frame = pd.DataFrame(rows, columns=CODING_COLUMNS)
        if order == "uncertainty":
            distance = np.abs(scores[unit_rows, code_cols] - cut[code_cols])
            frame = frame.iloc[np.argsort(distance, kind="stable")].reset_index(drop=True)
        return frame.astype({"start": "int64", "end": "int64", "score": "float64"})


def _fit(classifier, x_train, y_train):
    """The fitted classifier; a constant where the training part has one class only."""
    if y_train.all() or not y_train.any():
        return _Constant(1.0 if y_train.all() else -1.0, x_train.shape[1])
    return classifier.fit(x_train, y_train)


class _Constant:
    def __init__(self, value: float, n_features: int):
        import numpy as np

        self.value, self.coef_ = value, np.zeros((1, n_features))

    def decision_function(self, x):
        import numpy as np

        return np.full(x.shape[0], self.value)


class _FoldModels:
    """The classifiers of the cross-validation folds, used together (as scikit-learn's
    ``CalibratedClassifierCV(ensemble=True)`` does): each fold's decision is calibrated by the Platt map
    fitted on the held-out decisions of all folds, and the probabilities are averaged."""

    def __init__(self, models):
        import numpy as np

        self.models = models
        self.coef_ = np.mean([m.coef_ for m in models], axis=0)

    def score(self, x, calibrator):
        import numpy as np

        return np.mean([calibrator(m.decision_function(x)) for m in self.models], axis=0)


def _platt(decision, target):
    """Platt scaling of decision values by scikit-learn's sigmoid calibration
    (``CalibratedClassifierCV(FrozenEstimator(...), method="sigmoid")``: Platt's smoothed targets, fitted by
    scikit-learn); returns a picklable :class:`_Sigmoid`. One class only: the constant log-odds of its rate."""
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    d = np.asarray(decision, dtype=float)
    t = np.asarray(target, dtype=bool)
    positives, negatives = int(t.sum()), int((~t).sum())
    if not positives or not negatives:
        rate = float(t.mean()) if len(t) else 0.0
        return _Sigmoid(0.0, math.log(rate / (1 - rate)) if 0 < rate < 1 else (-30.0 if rate == 0 else 30.0))
    calibrated = CalibratedClassifierCV(FrozenEstimator(_passthrough()), method="sigmoid")
    calibrated.fit(d.reshape(-1, 1), t.astype(int))
    sigmoid = calibrated.calibrated_classifiers_[0].calibrators[0]
    # scikit-learn's sigmoid is p = 1 / (1 + exp(a d + b)); ours is 1 / (1 + exp(-(a d + b))).
    return _Sigmoid(-float(sigmoid.a_), -float(sigmoid.b_))


def _passthrough():
    """A fitted binary classifier whose decision value is its one input column (to calibrate given values)."""
    import numpy as np
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Passthrough(ClassifierMixin, BaseEstimator):
        def fit(self, x, y):
            return self

        def decision_function(self, x):
            return np.asarray(x, dtype=float)[:, 0]

        def predict(self, x):
            return (self.decision_function(x) > 0).astype(int)

    model = Passthrough()
    model.classes_ = np.array([0, 1])
    return model


class _Sigmoid:
    """``p = 1 / (1 + exp(-(a d + b)))`` (picklable)."""

    def __init__(self, a: float, b: float):
        self.a, self.b = a, b

    def __call__(self, decision):
        import numpy as np

        z = np.clip(self.a * np.asarray(decision, dtype=float) + self.b, -500, 500)
        return 1.0 / (1.0 + np.exp(-z))


def check_threshold(threshold, allow_auto: bool = True) -> None:
    """A clear error unless ``threshold`` is a number from 0 to 1 (or ``"auto"``)."""
    if allow_auto and threshold == "auto":
        return
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise CodingsError(f"threshold {threshold!r}: give a score from 0 to 1"
                           + (", or 'auto' (each code's own, chosen by cross-validation)." if allow_auto else "."))


def best_threshold(scores, target) -> float:
    """The threshold of :data:`AUTO_GRID` at which ``scores >= threshold`` agrees best with ``target`` by
    Cohen's kappa (agreement beyond chance, as between two coders; the highest such threshold on a tie).
    Where no threshold reaches a kappa of :data:`AUTO_MIN_KAPPA` (the code is not learnt beyond slight
    agreement) the threshold is 0.5: suggested only where more likely than not."""
    import numpy as np

    target = np.asarray(target, dtype=bool)
    n, positives = len(target), int(target.sum())
    if not positives or positives == n:
        return 0.5
    grid = np.asarray(AUTO_GRID)
    scores = np.asarray(scores, dtype=float)
    # units at or above each grid value, among all and among positives
    coded = n - np.searchsorted(np.sort(scores), grid, side="left")
    both = positives - np.searchsorted(np.sort(scores[target]), grid, side="left")
    observed = (n - coded - positives + 2 * both) / n
    chance = (coded * positives + (n - coded) * (n - positives)) / n**2
    kappa = np.where(chance < 1, (observed - chance) / np.where(chance < 1, 1 - chance, 1), 0.0)
    if kappa.max() < AUTO_MIN_KAPPA:
        return 0.5
    return float(grid[np.flatnonzero(kappa == kappa.max())[-1]])


def _scores(target, scores, predicted) -> dict:
    """Precision, recall, F1, Cohen's kappa of ``predicted``, and the Brier score of ``scores``."""
    import numpy as np
    from sklearn.metrics import brier_score_loss, precision_recall_fscore_support

    from .agreement import cohen_kappa
    precision, recall, f1, _ = precision_recall_fscore_support(target, predicted, average="binary", zero_division=0)
    kappa = cohen_kappa(target, predicted)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1),
            "kappa": 0.0 if math.isnan(kappa) else kappa, "brier": float(brier_score_loss(target, np.clip(scores, 0, 1)))}


def _evidence(row, coef, names, top: int = 4) -> str:
    """``model: term1, term2`` - the lemma n-grams that pushed this unit's score up most."""
    import numpy as np

    contributions = row.data * coef[row.indices]
    lexical = np.array([not names[i].startswith(("embedding:", "chars:", "meaning:")) for i in row.indices],
                       dtype=bool)
    best = [i for i in np.argsort(-contributions, kind="stable") if lexical[i]][:top]
    terms = [names[row.indices[i]].replace("_", " ") for i in best if contributions[i] > 0]
    meaning = sum(c for i, c in zip(row.indices, contributions) if names[i].startswith(("embedding:", "meaning:")))
    return "model: " + ", ".join(terms + ([f"meaning ({meaning:+.2f})"] if meaning > 0 else []))


def _most_common(series):
    values = series.dropna().astype(str)
    values = values[values != ""]
    return values.value_counts().index[0] if len(values) else None


def _code_info(codings, level: str) -> dict[str, dict]:
    """Per learned id: the code/theme/sub-theme columns a suggestion row carries."""
    info = {}
    id_col, label_col = check_level(level)
    for row in codings.drop_duplicates(id_col).to_dict("records"):
        key = str(row[id_col])
        # the training rows' codebook name and theme number travel with the suggestions
        carried = {"codebook": row.get("codebook"), "number": row.get("number")}
        if level == "theme" and carried["number"] is not None and carried["number"] == carried["number"]:
            carried["number"] = str(carried["number"]).split(".")[0]
        if level == "code":
            info[key] = {c: row[c] for c in ("code_id", "code", "theme_id", "theme", "subtheme_id", "subtheme")}
        elif level == "subtheme":
            info[key] = {"code_id": key, "code": row["subtheme"], "theme_id": row["theme_id"], "theme": row["theme"],
                         "subtheme_id": key, "subtheme": row["subtheme"]}
        else:
            info[key] = {"code_id": key, "code": row["theme"], "theme_id": key, "theme": row["theme"],
                         "subtheme_id": None, "subtheme": None}
        info[key] |= carried
    return info


def suggest(corpus, training, codebook=None, *, all_sources: bool = False, progress=None, negatives=None,
            order: str = "source", **params):
    """Fit a :class:`Suggester` on ``training`` codings and suggest codes; return ``(suggester, suggestions)``.

    Suggestions cover the sources the training codings do not touch (people coded the others), or every
    source with ``all_sources=True``. ``params`` go to :class:`Suggester`.
    """
    suggester = Suggester(**params).fit(corpus, training, codebook, progress=progress, negatives=negatives)
    skip = None if all_sources else training
    return suggester, suggester.predict(corpus, skip_sources=skip, order=order)

"""The factorisation behind :class:`~qualcode.discovery.discoverer.Discoverer`: NMF, its starting point, choosing ``k``.

One truncated SVD of the TF-IDF matrix gives the NNDSVDa starting point (Boutsidis and Gallopoulos 2008,
as scikit-learn's ``init="nndsvda"``) for every ``k`` tried, so trying many ``k`` costs one SVD, not one
each. The number of candidates is the ``k`` that yields the most *coherent* candidates: parts with at
least ``min_size`` segments whose top terms co-occur in segments (NPMI coherence) more than the
95th percentile of random term sets of the same size and frequency do. Splitting a real theme in two,
or carving noise into parts, does not add coherent candidates, so the count stops growing at the
number of themes the data hold; on a tie the smaller ``k`` wins.
"""

from __future__ import annotations

import math

#: Singular values below this are treated as zero when building the NNDSVD start.
_EPS = 1e-6


class Factoriser:
    """NMF of one matrix for several ``k``, sharing one SVD for the NNDSVDa starting points."""

    def __init__(self, matrix, max_k: int, random_state, max_iter: int):
        from sklearn.utils.extmath import randomized_svd

        self.matrix = matrix
        self.random_state = random_state
        self.max_iter = max_iter
        self.U, self.S, self.V = randomized_svd(matrix, max_k, random_state=random_state)
        self.mean = float(matrix.sum() / (matrix.shape[0] * matrix.shape[1]))

    def start(self, k: int):
        """NNDSVDa ``(W, H)`` from the first ``k`` singular triplets (zeros filled with the matrix mean)."""
        import numpy as np

        U, S, V = self.U[:, :k], self.S[:k], self.V[:k]
        W, H = np.zeros_like(U), np.zeros_like(V)
        W[:, 0] = math.sqrt(S[0]) * np.abs(U[:, 0])
        H[0] = math.sqrt(S[0]) * np.abs(V[0])
        for j in range(1, k):
            x, y = U[:, j], V[j]
            xp, yp, xn, yn = np.maximum(x, 0), np.maximum(y, 0), -np.minimum(x, 0), -np.minimum(y, 0)
            xpn, ypn, xnn, ynn = (float(np.linalg.norm(a)) for a in (xp, yp, xn, yn))
            if xpn * ypn > xnn * ynn:
                u, v, sigma = xp / max(xpn, _EPS), yp / max(ypn, _EPS), xpn * ypn
            else:
                u, v, sigma = xn / max(xnn, _EPS), yn / max(ynn, _EPS), xnn * ynn
            scale = math.sqrt(S[j] * sigma)
            W[:, j], H[j] = scale * u, scale * v
        W[W < _EPS] = self.mean
        H[H < _EPS] = self.mean
        return W, H

    def fit(self, k: int, max_iter: int | None = None, start=None):
        """``(W, H, reconstruction error)`` of an NMF with ``k`` parts, from NNDSVDa or from ``start`` (W, H)."""
        from sklearn.decomposition import NMF

        import warnings

        from sklearn.exceptions import ConvergenceWarning

        W, H = (a.copy() for a in start) if start is not None else self.start(k)
        model = NMF(n_components=k, init="custom", max_iter=max_iter or self.max_iter, tol=1e-4,
                    random_state=self.random_state)
        with warnings.catch_warnings():  # stopping at max_iter is fine for ranking candidates; same result each run
            warnings.simplefilter("ignore", ConvergenceWarning)
            weights = model.fit_transform(self.matrix, W=W, H=H)
        return weights, model.components_, float(model.reconstruction_err_)


def project(matrix, components, max_iter: int):
    """The weights of each row of ``matrix`` on fixed ``components`` (NMF with H held fixed)."""
    import warnings

    from sklearn.decomposition import non_negative_factorization
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights, _, _ = non_negative_factorization(matrix, H=components, n_components=components.shape[0],
                                                   update_H=False, max_iter=max_iter, tol=1e-4)
    return weights


#: Iterations for each fit of the k grid: enough to tell coherent parts from noise, at half the cost.
SELECTION_MAX_ITER = 100


def select_k(factoriser: Factoriser, presence, vocabulary, grid, *, n_top_terms: int, min_size: int, random_state):
    """``(best k, table of the grid, fits)``: the ``k`` with the most coherent candidates (see the module).

    Each ``k`` is fitted with at most :data:`SELECTION_MAX_ITER` iterations."""
    import numpy as np
    import pandas as pd

    baseline = coherence_baseline(presence, n_top_terms, vocabulary, random_state)
    records, fits = [], {}
    for k in grid:
        weights, components, error = factoriser.fit(k, min(factoriser.max_iter, SELECTION_MAX_ITER))
        fits[k] = (weights, components)
        sizes = np.bincount(np.where(weights.sum(axis=1) > 0, weights.argmax(axis=1), k), minlength=k + 1)[:k]
        scores = [npmi(presence, np.argsort(-row, kind="stable")[:n_top_terms], vocabulary) for row in components]
        good = sum(1 for c, size in zip(scores, sizes) if size >= min_size and c > baseline)
        records.append({"k": k, "coherent_candidates": good, "mean_coherence": round(float(np.mean(scores)), 4),
                        "baseline": round(baseline, 4), "reconstruction_error": round(error, 4)})
    table = pd.DataFrame(records)
    best = int(table.k[table.coherent_candidates.idxmax()])  # idxmax: the first (smallest) k on a tie
    return best, table, fits


def npmi(presence, top, vocabulary=None) -> float:
    """Mean normalised pointwise mutual information of the pairs of ``top`` terms over segments.

    ``presence`` is a binary (segments x terms) sparse matrix. A pair that never occurs together scores
    -1. Pairs where one term is part of the other (``mental``, ``mental health``) are skipped: they
    co-occur by construction.
    """
    import numpy as np

    n = presence.shape[0]
    columns = presence[:, top]
    together = (columns.T @ columns).toarray()
    alone = np.diag(together)
    scores = []
    for a in range(len(top)):
        for b in range(a + 1, len(top)):
            if vocabulary is not None:
                x, y = str(vocabulary[top[a]]).split(), str(vocabulary[top[b]]).split()
                if set(x) <= set(y) or set(y) <= set(x):
                    continue
            both = together[a, b]
            if both == 0:
                scores.append(-1.0)
            elif both >= n:
                scores.append(1.0)
            else:
                p_ab, p_a, p_b = both / n, alone[a] / n, alone[b] / n
                scores.append(math.log(p_ab / (p_a * p_b)) / -math.log(p_ab))
    return float(np.mean(scores)) if scores else 0.0


def coherence_baseline(presence, size: int, vocabulary, random_state, draws: int = 200, quantile: float = 0.95) -> float:
    """The ``quantile`` of the coherence of ``draws`` random sets of ``size`` terms, drawn in proportion
    to how many segments contain them (so they are as common as a candidate's top terms tend to be)."""
    import numpy as np

    df = np.asarray(presence.sum(axis=0)).ravel().astype(np.float64)
    size = min(size, int((df > 0).sum()))
    if size < 2:
        return 0.0
    rng = np.random.default_rng(random_state)
    p = df / df.sum()
    scores = [npmi(presence, np.sort(rng.choice(len(df), size, replace=False, p=p)), vocabulary) for _ in range(draws)]
    return float(np.quantile(scores, quantile))

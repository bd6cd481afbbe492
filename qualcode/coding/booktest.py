"""``qualcode codebook test``: the unit test of a codebook for coding by meaning, before any transcript.

For each node the meaning coder codes (:mod:`qualcode.coding.meaning`), each of its ``examples`` is coded
as if it were a segment, with that example left out of the node's own sentences (otherwise it would
match itself): is it coded by its node, at what score, and which other nodes (siblings first) code it or
rank above its node? Each ``exclude`` sentence is checked too: would the node code it on its own
sentences' similarity alone? A node *passes* when every example is coded by it and no exclude sentence is.

>>> report = qualcode.codebook_test(codebook)
>>> report.columns[:4].tolist()
['code_id', 'label', 'examples', 'coded']
"""

from __future__ import annotations

COLUMNS = ["code_id", "label", "examples", "coded", "mean_score", "confused_with", "excludes", "excludes_coded",
           "passes", "advice"]


def codebook_test(codebook, *, include_candidates: bool = False, model: str | None = None):
    """A DataFrame, one row per node coded by meaning (see the module docstring for the columns' meaning)."""
    import numpy as np
    import pandas as pd

    from .meaning import SLOPE, MeaningCoder, sentences_of

    coder = MeaningCoder(codebook, include_candidates=include_candidates, model=model)
    k = len(coder.nodes)
    order = np.argsort(coder.owner, kind="stable")
    bounds = np.searchsorted(coder.owner[order], np.arange(k + 1))
    kinds = np.asarray(coder.kinds)
    rows = []
    for j, node_id in enumerate(coder.nodes):
        node = codebook.node(node_id)
        siblings = {c.id for c in codebook.children(node.parent_id)} - {node_id}
        own = order[bounds[j] : bounds[j + 1]]
        example_idx = [i for i in own if kinds[i] == "example"]
        coded, scores, confused = 0, [], {}
        for i in example_idx:
            sims = coder.vectors[i] @ coder.vectors.T
            sims[i] = -1.0  # leave the example itself out
            best = np.full(k, -1.0)
            np.maximum.at(best, coder.owner, sims)
            against = np.full(k, -1.0)
            if len(coder.exclude_owner):
                np.maximum.at(against, coder.exclude_owner, coder.vectors[i] @ coder.exclude_vectors.T)
            cut = np.sort(best)[::-1][min(coder.top, k) - 1]
            hits = (best >= coder.thresholds) & (best >= cut) & (best > against)
            if hits[j]:
                coded += 1
                scores.append(1.0 / (1.0 + np.exp(-SLOPE * (best[j] - coder.thresholds[j]))))
            for other in np.flatnonzero(hits | (best > best[j])):
                if other != j:
                    name = coder.nodes[other]
                    confused[name] = confused.get(name, 0) + 1
        excludes = sentences_of(node.exclude)
        wrongly = 0
        if excludes:
            vectors = coder.embedder.embed(excludes)
            all_sims = vectors @ coder.vectors.T
            best = np.full((len(excludes), k), -1.0)
            for other in range(k):
                best[:, other] = all_sims[:, order[bounds[other] : bounds[other + 1]]].max(axis=1)
            cut = np.sort(best, axis=1)[:, ::-1][:, min(coder.top, k) - 1]
            wrongly = int(((best[:, j] >= coder.thresholds[j]) & (best[:, j] >= cut)).sum())
        ranked = sorted(confused.items(), key=lambda kv: (kv[0] not in siblings, -kv[1], kv[0]))
        confused_text = ", ".join(f"{name} ({n})" for name, n in ranked[:3])
        passes = bool(example_idx) and coded == len(example_idx) and wrongly == 0
        advice = []
        if not example_idx:
            advice.append("add two or three `examples` (quotes this code should catch)")
        elif coded < len(example_idx):
            advice.append("sharpen the definition or add examples in the words participants use"
                          + (f"; tell it apart from {ranked[0][0]}" if ranked else ""))
        if wrongly:
            advice.append("the `exclude` text reads like this code; reword the definition or set a higher `threshold`")
        rows.append({
            "code_id": node_id, "label": node.label, "examples": len(example_idx), "coded": coded,
            "mean_score": round(float(np.mean(scores)), 2) if scores else float("nan"),
            "confused_with": confused_text, "excludes": len(excludes), "excludes_coded": wrongly,
            "passes": passes, "advice": "; ".join(advice),
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["model"] = coder.embedder.name
    frame.attrs["warnings"] = list(coder.warnings)
    return frame

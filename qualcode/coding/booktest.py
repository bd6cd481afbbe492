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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook

COLUMNS = ["code_id", "label", "examples", "coded", "mean_score", "confused_with", "excludes", "excludes_coded",
           "passes", "advice"]


def codebook_test(codebook: "Codebook", *, include_candidates: bool = False, model: str | None = None) -> "pd.DataFrame":
    """The unit test of a codebook for coding by meaning: one row per node it codes, with how many of its
    ``examples`` it codes (each left out of its own profile in turn), their mean score, the nodes they are
    confused with, how many ``exclude`` sentences it would code, whether it ``passes``, and ``advice``.

    >>> report = qualcode.codebook_test(codebook)
    >>> report.columns[:4].tolist()
    ['code_id', 'label', 'examples', 'coded']
    """
    import numpy as np
    import pandas as pd

    from .meaning import MeaningCoder, profiles_of, sentences_of

    coder = MeaningCoder(codebook, include_candidates=include_candidates, model=model)
    kinds = np.asarray(coder.kinds)
    rows = []
    for j, node_id in enumerate(coder.nodes):
        node = codebook.node(node_id)
        siblings = {c.id for c in codebook.children(node.parent_id)} - {node_id}
        own = coder._columns[j]
        example_idx = [i for i in own if kinds[i] == "example"]
        coded, scores, confused = 0, [], {}
        for i in example_idx:
            # the example left out: of the node's profile and of its closest sentences
            rest = [c for c in own if c != i]
            profiles, word_profiles = coder.profiles.copy(), coder.word_profiles.copy()
            profiles[j] = profiles_of(coder.vectors, [np.asarray(rest)])[0] if rest else 0.0
            word_profiles[j] = profiles_of(coder.word_vectors, [np.asarray(rest)])[0] if rest else 0.0
            profile, closest, _, against = coder.similarities_of(coder.vectors[i : i + 1], profiles, skip=i,
                                                                 words=coder.word_vectors[i : i + 1],
                                                                 word_profiles=word_profiles)
            hits = coder.decide(profile, closest, against)[0]
            if hits[j]:
                coded += 1
                scores.append(coder.score(profile[0, j], j))
            for other in np.flatnonzero(hits | (profile[0] > profile[0, j])):
                if other != j:
                    name = coder.nodes[other]
                    confused[name] = confused.get(name, 0) + 1
        excludes = sentences_of(node.exclude)
        wrongly = 0
        if excludes:
            # would the node code its exclude text, were that text not its exclude text?
            profile, _, _, _ = coder.similarities(excludes)
            cut = -np.sort(-profile, axis=1)[:, min(coder.top, len(coder.nodes)) - 1]
            wrongly = int(((profile[:, j] >= coder.thresholds[j]) & (profile[:, j] >= cut)).sum())
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

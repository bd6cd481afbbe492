"""Choosing one exemplar quote per sub-theme, deterministically.

A good exemplar is representative and readable. Candidates are ranked by, in turn:

1. length: 15-80 words first (:data:`MIN_WORDS`, :data:`MAX_WORDS`);
2. a participant not yet quoted for an earlier sub-theme (so the table quotes many voices);
3. a higher coding score (more of the node's terms matched: more on topic);
4. reads as whole sentences (starts with a capital or a quote mark, ends with . ! ? or a quote mark);
5. closest to 40 words;
6. the earlier source and offset (a fixed tie-break: the same codings always give the same quotes).

Sub-themes are served in outline order. A theme with no sub-themes gets an exemplar of its own;
a quote longer than :data:`MAX_WORDS` is cut at a word boundary and ends with `` ...``.
"""

from __future__ import annotations

MIN_WORDS = 15
MAX_WORDS = 80
IDEAL_WORDS = 40


def _readable(text: str) -> bool:
    text = text.strip()
    return bool(text) and (text[0].isupper() or text[0] in "\"'\u201c\u2018[") and text[-1] in ".!?\"'\u201d\u2019)"


def shorten(text: str, max_words: int = MAX_WORDS) -> str:
    """``text`` cut to ``max_words`` words (white space folded), with `` ...`` if it was cut."""
    words = text.split()
    if len(words) <= max_words:
        return " ".join(words)
    return " ".join(words[:max_words]).rstrip(",;:") + " ..."


def choose_exemplars(excerpts, order) -> dict:
    """``{(theme_id, subtheme_id): excerpt row (a namedtuple)}`` for each node of ``order`` that has
    excerpts: sub-themes, and themes without sub-themes. ``excerpts`` is an excerpt table."""
    import numpy as np

    if excerpts.empty:
        return {}
    with_subs = set(order.loc[order.level == "sub-theme", "theme_id"])
    wanted = [(r.theme_id, r.subtheme_id) for r in order.itertuples(index=False)
              if r.level == "sub-theme" or r.theme_id not in with_subs]
    node_of = {key: i for i, key in enumerate(wanted)}
    node = np.array([node_of.get(k, -1) for k in zip(excerpts.theme_id.tolist(), excerpts.subtheme_id.tolist())])
    words = excerpts.words.to_numpy()
    outside = ~((words >= MIN_WORDS) & (words <= MAX_WORDS))
    score = np.nan_to_num(excerpts.score.to_numpy(dtype="float64"))
    unreadable = np.array([not _readable(t) for t in excerpts.text.tolist()])
    source_rank = {s: i for i, s in enumerate(dict.fromkeys(excerpts.source_id.tolist()))}
    source = np.array([source_rank[s] for s in excerpts.source_id.tolist()])
    # Every criterion but "participant not yet quoted", which depends on the choices made so far.
    ranked = np.lexsort((excerpts.start.to_numpy(), source, np.abs(words - IDEAL_WORDS), unreadable, -score, outside, node))
    ranked = ranked[node[ranked] >= 0]
    bounds = np.flatnonzero(np.diff(node[ranked])) + 1
    people = excerpts.participant_id.tolist()
    used: set = set()
    chosen = {}
    for block in np.split(ranked, bounds) if len(ranked) else []:
        key = wanted[node[block[0]]]
        pick = None
        for window in (False, True):  # in the 15-80 word window first, then outside it
            candidates = [i for i in block if outside[i] == window]
            if candidates:
                pick = next((i for i in candidates if people[i] not in used), candidates[0])
                break
        chosen[key] = next(excerpts.iloc[[pick]].itertuples(index=False))
        if people[pick] is not None:
            used.add(people[pick])
    return {key: chosen[key] for key in wanted if key in chosen}

"""Describing the parts a :class:`~qualcode.discovery.discoverer.Discoverer` found: labels, terms, keywords, exemplars.

Every number here is derived from the fitted factorisation and the segments it was fitted on, and
rounded before it leaves, so the same input always gives byte-identical tables and YAML.
"""

from __future__ import annotations

import math
import re

from .terms import TermExtractor

#: Weight of a term's own probability against its lift in the relevance of a term to a candidate
#: (Sievert and Shirley 2014, "LDAvis"); lower values favour terms specific to the candidate.
RELEVANCE_LAMBDA = 0.6
#: Least share of the segments containing a keyword that must belong to the candidate to suggest it.
MIN_KEYWORD_PRECISION = 0.3
EXEMPLAR_WORDS = 60
#: The columns of the candidates table, in order.
CANDIDATE_COLUMNS = [
    "id", "label", "top_terms", "keywords", "size", "participants", "spread", "groups", "sources",
    "distinctiveness", "coherence", "score", "similar_to", "similarity", "keyword_recall", "keyword_precision",
    "exemplars", "segment_ids",
]


def _identity(terms):
    """The analyzer of the vectorizers: a segment arrives already as its list of terms."""
    return terms


def describe_candidates(disc, table, weights):
    """``(segments, candidates)``: per-segment assignment and the ranked candidates table."""
    import numpy as np
    import pandas as pd

    from .model import npmi

    components = disc.components_
    vocabulary = disc.vocabulary_
    totals = weights.sum(axis=1)
    best = weights.argmax(axis=1)
    share = np.divide(weights.max(axis=1), totals, out=np.zeros_like(totals), where=totals > 0)
    assigned = np.where(totals > 0, best, -1)
    relevance = _relevance(components)
    node_vectors = _node_vectors(disc) if disc.codebook is not None else None
    extractor = TermExtractor(disc.stop_words, disc.ngrams)

    records = []
    for j in range(components.shape[0]):
        members = np.flatnonzero(assigned == j)
        if len(members) < disc.min_size:
            continue
        ranked = [t for t in np.argsort(-relevance[j], kind="stable") if components[j, t] > 0]
        if not ranked:
            continue
        top_terms = _without_parts([str(vocabulary[t]) for t in ranked[: disc.n_top_terms * 2]])[: disc.n_top_terms]
        keywords, recall, precision = _keywords(disc._presence, members, ranked[:30], vocabulary, disc.max_keywords)
        part = table.iloc[members]
        people = part.participant_id.fillna(part.label.fillna("?")).astype(str)
        counts = people.value_counts().to_numpy()
        spread = math.exp(-sum(c / len(members) * math.log(c / len(members)) for c in counts))
        distinctiveness = float(share[members].mean())
        order = members[np.lexsort((members, -weights[members, j]))]
        groups = part.group.fillna("(no group)").value_counts()
        groups = groups.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        coherence = npmi(disc._presence, ranked[: disc.n_top_terms], vocabulary)
        similar_to, similarity = _most_similar(components[j], node_vectors)
        if similarity < disc.similarity_threshold:
            similar_to = None
        records.append({
            "component": j,
            "label": _label(top_terms, extractor.surface_forms(table.text.iloc[order[:50]].tolist())),
            "top_terms": top_terms,
            "keywords": keywords,
            "size": len(members),
            "participants": int(people.nunique()),
            "spread": round(spread, 3),
            "groups": "; ".join(f"{g} ({n})" for g, n in groups.items()),
            "sources": ", ".join(dict.fromkeys(part.source_id.astype(str))),
            "distinctiveness": round(distinctiveness, 3),
            "coherence": round(coherence, 3),
            "score": round((1 + coherence) / 2 * math.log2(1 + spread), 4),
            "similar_to": similar_to,
            "similarity": similarity,
            "keyword_recall": recall,
            "keyword_precision": precision,
            "exemplars": _exemplars(table, order, components[j], vocabulary, disc),
            "segment_ids": table.segment_id.iloc[order].astype(str).tolist(),
        })
    candidates = pd.DataFrame(records, columns=["component", *CANDIDATE_COLUMNS[1:]])
    if len(candidates):
        candidates = candidates.sort_values(["score", "component"], ascending=[False, True], kind="stable")
    candidates.insert(0, "id", [f"cand-{i}" for i in range(1, len(candidates) + 1)])
    candidates = candidates.reset_index(drop=True)
    ids = dict(zip(candidates.component, candidates.id))
    segments = table[[c for c in ("segment_id", "source_id", "participant_id", "group", "label", "start", "end")
                      if c in table]].copy()
    segments["candidate"] = [ids.get(int(a)) for a in assigned]
    segments["weight"] = np.round(weights.max(axis=1), 4)
    segments["share"] = np.round(share, 3)
    return segments, candidates


def _relevance(components):
    import numpy as np

    rows = components / np.maximum(components.sum(axis=1, keepdims=True), 1e-12)
    lift = rows / np.maximum(rows.sum(axis=0, keepdims=True), 1e-12)
    with np.errstate(divide="ignore"):
        score = RELEVANCE_LAMBDA * np.log(rows) + (1 - RELEVANCE_LAMBDA) * np.log(lift)
    return np.where(components > 0, score, -np.inf)


def _without_parts(terms: list[str]) -> list[str]:
    """Terms without repeats of their parts: a phrase takes the place of its words listed before it, and a
    word listed after a phrase that contains it is dropped (``mental, mental health`` -> ``mental health``)."""
    out: list[str] = []
    for term in terms:
        words = set(term.split())
        if any(words <= set(kept.split()) for kept in out):
            continue
        parts = [i for i, kept in enumerate(out) if set(kept.split()) <= words]
        if parts:
            out[parts[0]] = term
            out = [kept for i, kept in enumerate(out) if i not in parts[1:]]
        else:
            out.append(term)
    return out


def _label(top_terms: list[str], surface: dict[str, str]) -> str:
    """Named from its most distinctive phrases: the phrases among its top six terms first (``Toddler
    group``), then its top words, three in all, each word as it is most often written."""
    phrases = [t for t in top_terms[:6] if " " in t]
    chosen = (phrases[:2] + [t for t in top_terms if t not in phrases[:2]
                             and not any(set(t.split()) <= set(p.split()) for p in phrases[:2])])[:3]
    picked = [" ".join(surface.get(w, w) for w in term.split()) for term in chosen]
    text = ", ".join(picked)
    return text[:1].upper() + text[1:]


def _keywords(presence, members, candidates, vocabulary, limit: int):
    """Greedy keyword rule: terms that cover most of the members while mostly hitting members.

    Returns ``(keywords, recall, precision)`` measured on the segments discovery ran on.
    """
    import numpy as np

    is_member = np.zeros(presence.shape[0], dtype=bool)
    is_member[members] = True
    covered = np.zeros(presence.shape[0], dtype=bool)
    chosen: list[int] = []
    columns = {t: presence[:, t].nonzero()[0] for t in candidates}
    while len(chosen) < limit:
        best, best_gain = None, 0
        for t in candidates:
            if t in chosen:
                continue
            rows = columns[t]
            hits = is_member[rows]
            if hits.sum() < 2 or hits.mean() < MIN_KEYWORD_PRECISION:
                continue
            gain = int((hits & ~covered[rows]).sum())
            if gain > best_gain:
                best, best_gain = t, gain
        if best is None:
            break
        chosen.append(best)
        covered[columns[best]] = True
    if not chosen:
        return [], 0.0, 0.0
    recall = round(float(covered[members].mean()), 3)
    precision = round(float(is_member[covered].mean()), 3)
    return [str(vocabulary[t]) for t in chosen], recall, precision


def _exemplars(table, order, component, vocabulary, disc) -> list[dict]:
    """Up to ``n_exemplars`` of the most typical segments, one per participant first, each trimmed to a
    window of about :data:`EXEMPLAR_WORDS` words around its most typical sentence."""
    picked, seen = [], set()
    for second_pass in (False, True):
        for i in order:
            if len(picked) >= disc.n_exemplars:
                break
            row = table.iloc[i]
            person = row.participant_id if isinstance(row.participant_id, str) else row.label
            if i in picked or (not second_pass and person in seen):
                continue
            picked.append(i)
            seen.add(person)
    weight = {str(t): float(w) for t, w in zip(vocabulary, component) if w > 0}
    out = []
    for i in picked:
        row = table.iloc[i]
        out.append({"segment_id": str(row.segment_id), "source_id": str(row.source_id),
                    "label": str(row.label if isinstance(row.label, str) else row.participant_id or ""),
                    "text": _window(str(row.text), weight, disc)})
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _window(text: str, weight: dict, disc) -> str:
    """The text itself if short, else its highest-weighted sentence and neighbours, with "..." for the cuts."""
    text = " ".join(text.split())
    if len(text.split()) <= EXEMPLAR_WORDS:
        return text
    from .terms import TermExtractor

    sentences = _SENTENCE_END.split(text)
    extractor = TermExtractor(disc.stop_words, disc.ngrams)
    scores = [sum(weight.get(t, 0.0) for t in terms) for terms in extractor.pipe(sentences)]
    centre = max(range(len(sentences)), key=lambda k: (scores[k], -k))
    lo = hi = centre
    words = len(sentences[centre].split())
    while True:
        grew = False
        for k in (hi + 1, lo - 1):
            if 0 <= k < len(sentences) and words + len(sentences[k].split()) <= EXEMPLAR_WORDS:
                words += len(sentences[k].split())
                lo, hi = min(lo, k), max(hi, k)
                grew = True
        if not grew:
            break
    excerpt = " ".join(sentences[lo : hi + 1])
    if len(excerpt.split()) > EXEMPLAR_WORDS * 2:  # one very long sentence
        excerpt = " ".join(excerpt.split()[: EXEMPLAR_WORDS * 2]) + " ..."
    return ("... " if lo > 0 else "") + excerpt + (" ..." if hi < len(sentences) - 1 else "")


# -- similarity to the nodes of an existing codebook ---------------------------------------------
def _node_text(node) -> str:
    rules = node.rules or {}
    parts = [node.label, node.definition, node.include, *[str(k) for k in rules.get("keywords") or []]]
    for clause in rules.get("near") or []:
        parts += [str(t) for t in [*clause.get("terms", []), *clause.get("with", [])]]
    return ". ".join(p for p in parts if p)


def _node_vectors(disc):
    """``(node ids, L2-normalised TF-IDF rows)`` of the codebook's nodes that are not retired."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import normalize

    from .terms import TermExtractor

    nodes = [n for n in disc.codebook.nodes.values() if n.status != "retired"]
    if not nodes:
        return None
    terms = list(TermExtractor(disc.stop_words, disc.ngrams).pipe([_node_text(n) for n in nodes]))
    counter = CountVectorizer(analyzer=_identity, vocabulary=list(disc.vocabulary_), dtype=np.float64)
    vectors = normalize(disc._idf.transform(counter.transform(terms)))
    return [n.id for n in nodes], vectors


def _most_similar(component, node_vectors) -> tuple[str | None, float]:
    if node_vectors is None:
        return None, float("nan")
    import numpy as np

    ids, vectors = node_vectors
    norm = float(np.linalg.norm(component))
    if norm == 0:
        return None, 0.0
    sims = vectors @ (component / norm)
    k = int(np.argmax(sims))
    return ids[k], round(float(sims[k]), 3)


# -- the candidates as a codebook ------------------------------------------------------------------
def candidate_node(row, disc) -> dict:
    """One candidate as a codebook node (plain data): status candidate, origin inductive."""
    node = {
        "id": row.id,
        "label": row.label,
        "definition": f"Provisional (found inductively): segments whose most distinctive terms are "
                      f"{', '.join(row.top_terms[:6])}. Rewrite this definition before accepting the code.",
        "examples": [f"{e['text']} ({e['label']}, {e['source_id']})" for e in row.exemplars],
        "origin": "inductive",
        "status": "candidate",
        "memo": _memo(row, disc),
    }
    if row.keywords:
        node["rules"] = {"keywords": list(row.keywords)}
    return node


def _memo(row, disc) -> str:
    parts = [
        f"{row.size} segments from {row.participants} participants (spread {row.spread:g}); groups: {row.groups}.",
        f"Sources: {row.sources}.",
        f"Top terms: {', '.join(row.top_terms)}.",
        f"Score {row.score:g} (distinctiveness {row.distinctiveness:g}, coherence {row.coherence:g}).",
    ]
    if row.keywords:
        parts.append(f"The suggested keywords find {row.keyword_recall:.0%} of these segments; "
                     f"{row.keyword_precision:.0%} of the segments they find belong to this candidate.")
    if isinstance(row.similar_to, str) and row.similar_to in disc.codebook.nodes:
        node = disc.codebook.nodes[row.similar_to]
        shared = shared_terms(row.top_terms, node, disc)
        evidence = (f"similarity {row.similarity:g}; shared top terms: {', '.join(shared) if shared else 'none'}")
        threshold = getattr(disc, "into_threshold", 0.5)
        if row.similarity >= threshold and len(shared) >= 3:
            parts.append(f"Resembles existing {node.kind} {node.id!r} ({node.label}): {evidence}; consider "
                         f"`qualcode codebook merge ... --into {node.id}`.")
        else:
            parts.append(f"Closest existing {node.kind}: {node.id!r} ({node.label}), {evidence}; too weak to fold "
                         f"it in (folding is proposed at similarity {threshold:g} or more with 3 shared top terms): merge "
                         "it as a new node if it holds up, or leave it out.")
    return " ".join(parts)


def shared_terms(top_terms, node, disc) -> list[str]:
    """The candidate's top terms that the node's label, definition, inclusion note or keywords use too."""
    from .terms import TermExtractor

    node_terms = set(next(iter(TermExtractor(disc.stop_words, disc.ngrams).pipe([_node_text(node)]))))
    return [t for t in top_terms if t in node_terms]


def candidates_codebook(disc, name: str):
    from ..codebook.model import Codebook

    if disc.candidates_.empty:
        from ..errors import QualcodeError

        raise QualcodeError(
            f"discovery found no candidate with at least {disc.min_size} segments in {disc.n_segments_} segments; "
            "give more segments or lower min_size."
        )
    k = len(disc.candidates_)
    data = {
        "name": name,
        "version": "0.1",
        "description": (
            f"{k} candidate code(s) found by qualcode discover in {disc.n_segments_} segments "
            f"(NMF, k={disc.n_candidates_}, random_state={disc.random_state}), ranked best first. Review them, "
            "then merge the ones you accept into your codebook with `qualcode codebook merge`."
        ),
        "themes": [candidate_node(row, disc) for row in disc.candidates_.itertuples(index=False)],
    }
    return Codebook.from_dict(data)


def flat_candidates(candidates):
    """The candidates table with list columns joined into text, for csv/xlsx/docx/... writers."""
    flat = candidates.drop(columns=["component"], errors="ignore").copy()
    for column in ("top_terms", "keywords"):
        flat[column] = flat[column].map(", ".join)
    flat["segment_ids"] = flat.segment_ids.map(" ".join)
    flat["exemplars"] = flat.exemplars.map(
        lambda items: "\n".join(f"\"{e['text']}\" ({e['label']}, {e['source_id']})" for e in items)
    )
    return flat

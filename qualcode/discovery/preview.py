"""What merging candidates would do to the codings: a preview before ``qualcode codebook merge`` writes.

>>> preview = merge_preview(corpus, codebook, merged)        # doctest: +SKIP
>>> preview.per_code          # code_id, label, codings gained, participants, share of participant segments
>>> preview.per_group         # code_id x group: codings gained
>>> preview.warnings          # rules that would code more than ``max_share`` of the participant segments

Both codebooks code the corpus with their rules; what the merged one codes and the old one did not is
"gained". A rule that would code more than ``max_share`` (default 10%) of the participant segments is
almost always too broad (a keyword such as ``group`` or ``year``), so it is named with its share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: A merged code whose rules code more than this share of the participant segments is named as too broad.
MAX_SHARE = 0.10


@dataclass
class MergePreview:
    per_code: object  # DataFrame: code_id, label, keywords, codings, participants, share
    per_group: object  # DataFrame: code_id, group, codings
    examples: dict = field(default_factory=dict)  # code_id -> list of "excerpt (label, source)"
    warnings: list = field(default_factory=list)
    participant_segments: int = 0

    def lines(self) -> list[str]:
        """The preview as lines of text, a code at a time."""
        out = []
        for row in self.per_code.itertuples(index=False):
            groups = self.per_group[self.per_group.code_id == row.code_id]
            spread = "; ".join(f"{g.group} {g.codings:,}" for g in groups.itertuples(index=False)) or "none"
            out.append(f"{row.code_id} ({row.label}): gains {row.codings:,} coding(s) from {row.participants:,} "
                       f"participant(s), {row.share:.0%} of {self.participant_segments:,} participant segments; "
                       f"by group: {spread}.")
            for example in self.examples.get(row.code_id, []):
                out.append(f"    e.g. {example}")
        return out


def _gained(before, after):
    key = ["segment_id", "code_id"]
    old = set(map(tuple, before[key].astype(str).to_numpy())) if len(before) else set()
    mask = [tuple(k) not in old for k in after[key].astype(str).to_numpy()]
    return after[mask]


def merge_preview(corpus, before, after, *, max_share: float = MAX_SHARE, examples: int = 3,
                  **coding_options) -> MergePreview:
    """Code ``corpus`` with ``before`` and ``after`` (a codebook and its merged version) and describe the
    codings the merge adds: per code, per group, ``examples`` excerpts each, and warnings on broad rules."""
    import pandas as pd

    from ..coding.coder import apply_codebook

    old = apply_codebook(corpus, before, **coding_options)
    new = apply_codebook(corpus, after, **coding_options)
    segments = new.segments
    participant = segments[segments.participant_id.notna() & ~segments.is_researcher]
    total = len(participant)
    gained = _gained(old.codings, new.codings)
    rows, groups, shown, warnings = [], [], {}, []
    for code_id, part in gained.groupby("code_id", sort=False):
        node = after.nodes.get(code_id)
        label = node.label if node else code_id
        keywords = ", ".join(node.rules.get("keywords") or []) if node else ""
        coded = new.codings[new.codings.code_id == code_id]
        share = coded.segment_id.nunique() / total if total else 0.0
        rows.append({"code_id": code_id, "label": label, "keywords": keywords, "codings": len(part),
                     "participants": part.participant_id.nunique(), "share": share})
        for group, n in part.groupby("group", sort=True).size().items():
            groups.append({"code_id": code_id, "group": group, "codings": int(n)})
        shown[code_id] = [f"\"{_short(r.text)}\" ({r.label}, {r.source_id})"
                          for r in part.head(examples).itertuples(index=False)]
        if share > max_share:
            warnings.append(
                f"{code_id} ({label}) would code {share:.0%} of the participant segments ({coded.segment_id.nunique():,} "
                f"of {total:,}), more than {max_share:.0%}: its rules ({keywords or 'see the codebook'}) are probably "
                "too broad; make them more specific (a phrase, `near`, a pattern) before merging.")
    per_code = pd.DataFrame(rows, columns=["code_id", "label", "keywords", "codings", "participants", "share"])
    per_group = pd.DataFrame(groups, columns=["code_id", "group", "codings"])
    return MergePreview(per_code, per_group, shown, warnings, total)


def _short(text, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " ..."

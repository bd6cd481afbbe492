"""Coded excerpts: one row per passage and theme/sub-theme, in report order, with attributions.

>>> excerpts = qualcode.excerpt_table(codings, codebook)        # doctest: +SKIP

A passage is a distinct ``(source_id, start, end)``. It is listed once under each theme or sub-theme
it was coded at: two codes of one sub-theme, or two coders, on the same passage give one row (with
both in ``codes``/``coders``); a passage coded at two sub-themes gives two rows. Rows follow the
outline (codebook order), then the sources in the order the codings list them, then the offsets.

Columns: ``number, theme_id, theme, subtheme_id, subtheme, codes, group, participant_id, label,
attribution, method, source_id, segment_id, location, start, end, words, score, coders, text, quote``:
``text`` is the coded passage, ``quote`` what a report quotes of it (:func:`passage`).
"""

from __future__ import annotations

import re

from .selection import NO_GROUP, _text, outline, select_codings

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook.model import Codebook

EXCERPT_COLUMNS = [
    "number", "theme_id", "theme", "subtheme_id", "subtheme", "codes", "group", "participant_id", "label",
    "attribution", "method", "source_id", "segment_id", "location", "start", "end", "words", "score", "coders", "text",
    "quote",
]
_SEGMENT = re.compile(r":t(\d+)(?:\.([ps])(\d+))?$")


def attribution(label, participant_id, group, method) -> str:
    """How a quote is attributed in the study's style, without brackets: ``Social Worker 2``.

    The participant's label; a survey respondent without a label of their own is
    ``Survey respondent R01``; nobody known is ``Unattributed``.
    """
    label, pid = _text(label), _text(participant_id)
    if _text(method) == "survey" and (not label or label == pid):
        return f"Survey respondent {pid or label}".strip()
    return label or pid or _text(group) or "Unattributed"


def location(source_id, segment_id, method, start, end) -> str:
    """Where a passage is: ``SW2-int, turn 12`` (``, sentence 3``), ``client_survey, answer 4``."""
    match = _SEGMENT.search(_text(segment_id))
    if not match:
        return f"{source_id}, characters {start}-{end}"
    turn, kind, k = match.groups()
    where = f"answer {turn}" if _text(method) == "survey" else f"turn {turn}"
    if kind:
        where += f", {'paragraph' if kind == 'p' else 'sentence'} {k}"
    return f"{source_id}, {where}"


def _join(values) -> str:
    return "; ".join(dict.fromkeys(v for v in map(_text, values) if v))


def _empty():
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("start", "end", "words") else "float64" if c == "score"
                                      else "object") for c in EXCERPT_COLUMNS})


def excerpts_of(selected, order):
    """The excerpt table of already-selected codings, given their :func:`~qualcode.analysis.selection.outline`.

    Text columns are plain Python strings (object dtype), so the row-by-row document writers that
    read this table stay fast.
    """
    import numpy as np
    import pandas as pd

    if selected.empty:
        return _empty()
    n = len(selected)
    col = {c: strings(selected[c]) for c in ("theme_id", "subtheme_id", "code_id", "code", "coder", "source_id",
                                               "segment_id", "group", "label", "method", "text", "theme", "subtheme")}
    col["evidence"] = strings(selected["evidence"]) if "evidence" in selected.columns else [""] * n
    pids = strings(selected["participant_id"], None)
    own = [(c != s and c != t) for c, s, t in zip(col["code_id"], col["subtheme_id"], col["theme_id"])]
    frame = pd.DataFrame({
        **{c: pd.Series(v, dtype=object) for c, v in col.items()},
        "participant_id": pd.Series(pids, dtype=object),
        "codes": pd.Series([c if o else "" for c, o in zip(col["code"], own)], dtype=object),
        "start": selected["start"].to_numpy(dtype="int64"), "end": selected["end"].to_numpy(dtype="int64"),
        "score": selected["score"].to_numpy(dtype="float64"),
        "coders": pd.Series(col["coder"], dtype=object),
    })
    frame = frame[frame["theme_id"] != ""]
    keys = ["theme_id", "subtheme_id", "source_id", "start", "end"]
    repeated = frame.duplicated(keys, keep=False)
    if repeated.any():
        many = frame[repeated]
        first = many.drop_duplicates(keys).set_index(keys)
        grouped = many.groupby(keys, sort=False)
        first["codes"] = grouped["codes"].agg(_join).astype(object)
        first["coders"] = grouped["coders"].agg(_join).astype(object)
        first["evidence"] = grouped["evidence"].agg(lambda v: "; ".join(x for x in v if x)).astype(object)
        first["score"] = grouped["score"].max()
        frame = pd.concat([frame[~repeated], first.reset_index()], ignore_index=True)
    number = {(r.theme_id, r.subtheme_id): (i, r.number) for i, r in enumerate(order.itertuples(index=False))}
    source_rank = {s: i for i, s in enumerate(dict.fromkeys(col["source_id"]))}
    nodes = [number.get(key, (len(number), "")) for key in zip(frame["theme_id"].tolist(), frame["subtheme_id"].tolist())]
    frame["_node"] = np.array([i for i, _ in nodes], dtype="int64")
    frame["number"] = pd.Series([num for _, num in nodes], dtype=object, index=frame.index)
    frame["_source"] = np.array([source_rank[s] for s in frame["source_id"].tolist()], dtype="int64")
    frame = frame.sort_values(["_node", "_source", "start", "end"], kind="stable").reset_index(drop=True)
    groups = [g or NO_GROUP for g in frame["group"].tolist()]
    labels, people, methods = frame["label"].tolist(), frame["participant_id"].tolist(), frame["method"].tolist()
    sources, segments = frame["source_id"].tolist(), frame["segment_id"].tolist()
    starts, ends = frame["start"].tolist(), frame["end"].tolist()
    texts = frame["text"].tolist()
    quotes = [passage(t, s, e) for t, s, e in zip(texts, starts, frame["evidence"].tolist())]
    frame["quote"] = pd.Series(quotes, dtype=object, index=frame.index)
    frame["group"] = pd.Series(groups, dtype=object)
    frame["attribution"] = pd.Series([attribution(*v) for v in zip(labels, people, groups, methods)], dtype=object)
    frame["location"] = pd.Series([location(*v) for v in zip(sources, segments, methods, starts, ends)], dtype=object)
    frame["words"] = np.array([len(t.split()) for t in texts], dtype="int64")
    return frame[EXCERPT_COLUMNS]


def also_under(excerpts) -> list[str]:
    """Per row of an excerpt table, the other headings its passage is listed under (``"1.3, 2.1"``), so a
    quote repeated under several sub-themes says where else it appears; ``""`` for a passage listed once."""
    numbers: dict = {}
    keys = list(zip(excerpts["source_id"].tolist(), excerpts["start"].tolist(), excerpts["end"].tolist()))
    for key, number in zip(keys, excerpts["number"].tolist()):
        listed = numbers.setdefault(key, [])
        if number and number not in listed:
            listed.append(number)
    return [", ".join(n for n in numbers[key] if n != number) for key, number in zip(keys, excerpts["number"].tolist())]


#: A rule coding of a passage longer than this many words is quoted as the sentences its rules matched in.
PASSAGE_WORDS = 60
_EVIDENCE = re.compile(r"@(\d+)-(\d+)")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+")


def passage(text: str, start: int, evidence: str) -> str:
    """What a report quotes for a coding: for a rule coding of a long turn, the sentences where its rules
    matched (``evidence`` holds their source offsets), with ``...`` where text is left out; else ``text``.

    The coding still covers the whole turn (its ``start``/``end``); only the quote is the passage that was
    coded, so a long turn coded at several sub-themes shows a different passage under each."""
    if not evidence or len(text.split()) <= PASSAGE_WORDS:
        return text
    hits = [(int(a) - start, int(b) - start) for a, b in _EVIDENCE.findall(evidence)]
    hits = [(a, b) for a, b in hits if 0 <= a < len(text)]
    if not hits:
        return text
    bounds, at = [], 0
    for match in _SENTENCE_END.finditer(text):
        bounds.append((at, match.end()))  # the sentence with its closing quote mark
        at = match.end()
    if at < len(text):
        bounds.append((at, len(text)))
    keep = [i for i, (a, b) in enumerate(bounds) if any(a <= h < max(b, a + 1) or a < e <= b for h, e in hits)]
    if not keep:
        return text
    pieces, last = [], None
    for i in keep:
        a, b = bounds[i]
        if last is None and i > 0 or last is not None and i > last + 1:
            pieces.append("...")
        pieces.append(text[a:b].strip())
        last = i
    if last is not None and last < len(bounds) - 1:
        pieces.append("...")
    return " ".join(pieces)


def strings(series, missing=""):
    """``series`` as a list of Python strings, ``missing`` where a value is missing (fast on any dtype)."""
    values = series.to_numpy(dtype=object, na_value=None).tolist()
    return [missing if v is None or v != v else v if type(v) is str else str(v) for v in values]


def excerpt_table(codings: "pd.DataFrame", codebook: "Codebook | None" = None, *, coder: "str | list[str] | None" = None,
                  origin: "str | list[str] | None" = None, by: "str | list[str] | None" = None,
                  max_values: int | None = None) -> "pd.DataFrame":
    """One row per passage and theme/sub-theme it is coded at, in report order (see the module doc).
    ``by`` (any attribute or a list) puts its values in the ``group`` column.

    >>> excerpts = qualcode.excerpt_table(codings, codebook)
    >>> excerpts[["number", "theme", "attribution", "location", "text"]].shape[1]
    5
    """
    from .attributes import regroup

    selected = select_codings(codings, codebook, coder=coder, origin=origin)
    if by is not None:
        selected = regroup(selected, by, max_values=max_values)
    return excerpts_of(selected, outline(selected, codebook))

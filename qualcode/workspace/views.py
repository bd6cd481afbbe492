"""What the pages draw, made from a source, its codings and the codebook: presentation only.

A source is shown as blocks (its speaker turns, and any text between them such as a heading), each cut into
*runs*: stretches of text covered by the same set of codings. A run carries its offsets into the source, so a
selection made with the mouse maps back to ``(start, end)`` exactly, and the codings over it, so overlaps are
drawn as stacked bands in each coding's colour. Offsets are Unicode code points, as everywhere in qualcode.
"""

from __future__ import annotations

import json
import math
import re

#: Colours for nodes whose codebook gives none (a qualitative palette readable under black text).
PALETTE = (
    "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c",
    "#fabebe", "#008080", "#e6beff", "#9a6324", "#fffac8", "#800000", "#aaffc3", "#808000", "#ffd8b1",
    "#000075", "#808080",
)
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
#: Coding statuses, in the order a reader cares about them.
STATUSES = ("human", "accepted", "suggested", "rejected")


def colours(book) -> dict[str, str]:
    """node id -> ``#rrggbb``: the codebook's own colour (a node without one takes its nearest ancestor's),
    else a palette colour by the node's place in the book. Anything that is not a hex colour is ignored, so a
    codebook cannot inject CSS."""
    own = {}
    result: dict[str, str] = {}
    nodes = list(_all_nodes(book))
    for index, node in enumerate(nodes):
        match = _HEX.match(node.color or "") if node.color else None
        own[node.id] = "#" + match.group(1).lower() if match else None
    for index, node in enumerate(nodes):
        colour = own[node.id]
        if colour is None:
            colour = PALETTE[index % len(PALETTE)]
        result[node.id] = colour
    return result


def _all_nodes(book):
    def walk(parent):
        for child in book.children(parent):
            yield child
            yield from walk(child.id)

    yield from walk(None)


def tree(book, waiting: dict[str, int] | None = None) -> list[dict]:
    """The codebook as nested dicts for the code picker and the codebook page."""
    colour = colours(book)
    waiting = waiting or {}

    def walk(parent):
        out = []
        for node in book.children(parent):
            out.append({
                "id": node.id, "label": node.label, "kind": node.kind, "level": node.level, "colour": colour[node.id],
                "definition": node.definition, "include": node.include, "exclude": node.exclude,
                "examples": list(node.examples), "status": node.status, "codable": node.codable,
                "waiting": waiting.get(node.id, 0), "children": walk(node.id),
            })
        return out

    return walk(None)


def _score(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else round(value, 3)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def coding_record(row: dict, colour: dict[str, str], labels: dict[str, str]) -> dict:
    """One coding as the page's script and the coding panel see it."""
    code_id = _text(row.get("code_id"))
    return {
        "id": _text(row.get("coding_id")), "code_id": code_id, "code": labels.get(code_id) or _text(row.get("code")) or code_id,
        "colour": colour.get(code_id, "#999999"), "start": int(row["start"]), "end": int(row["end"]),
        "origin": _text(row.get("origin")), "coder": _text(row.get("coder")), "status": _text(row.get("status")) or "suggested",
        "score": _score(row.get("score")), "evidence": _text(row.get("evidence")), "text": _text(row.get("text")),
        "decided_by": _text(row.get("decided_by")), "memo": _text(row.get("decision_memo")), "memos": [],
    }


def blocks(text: str, turns: list[dict], codings: list[dict]) -> list[dict]:
    """The source's text as blocks (turns, and the text between them), each a list of runs.

    ``turns``: dicts with ``start``, ``end``, ``label``, ``group``, ``researcher``; ``codings``: records from
    :func:`coding_record`. Each run is ``{"s", "e", "text", "ids", "style"}``; ``ids`` are the codings over it.
    """
    spans = []
    cursor = 0
    for turn in sorted(turns, key=lambda t: t["start"]):
        if turn["start"] > cursor and _more_than_label(text[cursor:turn["start"]], turn.get("speaker") or ""):
            spans.append({"start": cursor, "end": turn["start"], "label": "", "group": "", "researcher": False, "gap": True})
        spans.append({**turn, "gap": False})
        cursor = max(cursor, turn["end"])
    if cursor < len(text) and text[cursor:].strip():
        spans.append({"start": cursor, "end": len(text), "label": "", "group": "", "researcher": False, "gap": True})
    ordered = sorted(codings, key=lambda c: c["start"])
    by_id = {c["id"]: c for c in codings}
    out = []
    nxt, active = 0, []
    for block in spans:  # blocks are in text order: a sweep keeps the codings that may reach this block
        lo, hi = block["start"], block["end"]
        while nxt < len(ordered) and ordered[nxt]["start"] < hi:
            active.append(ordered[nxt])
            nxt += 1
        active = [c for c in active if c["end"] > lo]
        inside = [c for c in active if c["start"] < hi]
        cuts = {lo, hi}
        for c in inside:
            cuts.add(min(max(c["start"], lo), hi))
            cuts.add(min(max(c["end"], lo), hi))
        points = sorted(cuts)
        runs = []
        for a, b in zip(points, points[1:]):
            if a == b:
                continue
            ids = [c["id"] for c in inside if c["start"] < b and c["end"] > a]
            runs.append({"s": a, "e": b, "text": text[a:b], "ids": " ".join(ids), "style": band_style([by_id[i] for i in ids])})
        out.append({**block, "runs": runs, "codings": len(inside)})
    return out


def _more_than_label(gap: str, speaker: str) -> bool:
    """Whether the text before a turn holds more than the turn's speaker label (a heading, a note)."""
    rest = gap.strip()
    if speaker and rest.endswith(":"):
        rest = rest[:-1].rstrip()
        if rest.endswith(speaker):
            rest = rest[: -len(speaker)]
    return bool(rest.strip(" \t\n[]()0-9:.-"))


def band_style(codings: list[dict]) -> str:
    """A run's background: one horizontal band per coding over it, in its colour (overlaps stack); a coding
    still waiting for review is drawn paler than a decided one."""
    shown = [c for c in codings if c["status"] != "rejected"]
    if not shown:
        return ""
    stops = []
    step = 100 / len(shown)
    for i, c in enumerate(shown):
        alpha = "40" if c["status"] == "suggested" else "80"
        stops.append(f"{c['colour']}{alpha} {i * step:.1f}% {(i + 1) * step:.1f}%")
    return "background:linear-gradient(" + ",".join(stops) + ")"


def context(text: str, start: int, end: int, around: int = 300) -> dict:
    """The passage with up to ``around`` characters either side, cut at whitespace."""
    lo = max(0, start - around)
    hi = min(len(text), end + around)
    before, after = text[lo:start], text[end:hi]
    if lo > 0 and " " in before:
        before = "…" + before[before.index(" ") + 1:]
    if hi < len(text) and " " in after:
        after = after[: after.rindex(" ")] + "…"
    return {"before": before, "passage": text[start:end], "after": after}


def evidence_items(evidence: str) -> list[str]:
    """The evidence column as a list of short lines for display (JSON lists and ``;``-separated text alike)."""
    evidence = (evidence or "").strip()
    if not evidence:
        return []
    try:
        value = json.loads(evidence)
    except ValueError:
        return [part.strip() for part in evidence.split(";") if part.strip()]
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value]
    return [evidence]


# -- pages --------------------------------------------------------------------------------------------------
def _clean(value):
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value


def memo_rows(frame) -> list[dict]:
    """Memos newest first, as plain dicts."""
    if frame is None or not len(frame):
        return []
    rows = frame.sort_values("created", ascending=False, kind="stable").to_dict("records")
    return [{k: _clean(v) for k, v in row.items()} for row in rows]


def search_rows(hits, limit: int) -> list[dict]:
    """The first ``limit`` search hits as plain dicts (source, speaker, group, offsets, left/match/right)."""
    keep = ["source_id", "label", "speaker", "group", "start", "end", "left", "match", "right"]
    rows = hits.head(limit)[[c for c in keep if c in hits.columns]].to_dict("records")
    return [{k: _clean(v) for k, v in row.items()} for row in rows]


def _participants(corpus) -> dict[str, dict]:
    table = corpus.participants
    return {str(r["participant_id"]): {k: _clean(v) for k, v in r.items()} for r in table.to_dict("records")}


def parse_attribute(text: str | None) -> tuple[str, str] | None:
    """``"role=Link worker"`` -> ``("role", "Link worker")``."""
    if not text or "=" not in text:
        return None
    name, _, value = text.partition("=")
    return name.strip(), value.strip()


def overview(corpus, book, status, source_counts, origin_counts, *, group=None, attribute=None) -> dict:
    """The overview: sources by group and participant with coverage and codings; codings by origin and status;
    per code, how many suggestions wait for review. ``source_counts`` and ``origin_counts`` are
    :meth:`Project.source_counts` and :meth:`Project.origin_counts` (counted in the project's database)."""
    people = _participants(corpus)
    groups = sorted({p.get("group") for p in people.values() if p.get("group")})
    attributes = [c for c in corpus.participants.columns if c not in ("participant_id", "label")]
    wanted = parse_attribute(attribute)
    counted = source_counts.set_index("source_id")
    coded_turns, per_source, waiting = (counted[c].to_dict() for c in ("coded_turns", "codings", "waiting"))
    rows = []
    changed = set(status.changed_sources)
    sources = corpus.sources  # computed on each access: once here
    for record in sources.to_dict("records"):
        ids = [p for p in str(_clean(record.get("participants")) or "").split(";") if p]
        who = [people.get(p, {"participant_id": p, "label": p, "group": ""}) for p in ids]
        source_groups = sorted({w.get("group") or "" for w in who} - {""})
        if group and group not in source_groups:
            continue
        if wanted and not any(str(w.get(wanted[0], "")) == wanted[1] for w in who):
            continue
        turns = int(_clean(record.get("turns")) or 0)
        sid = record["source_id"]
        rows.append({
            "source_id": sid, "method": _clean(record.get("method")), "groups": ", ".join(source_groups) or "(no group)",
            "participants": ", ".join(str(w.get("label") or w.get("participant_id")) for w in who),
            "words": int(_clean(record.get("words")) or 0), "codings": int(per_source.get(sid, 0)),
            "waiting": int(waiting.get(sid, 0)),
            "coverage": (coded_turns.get(sid, 0) / turns) if turns else 0.0,
            "changed": sid in changed,
        })
    rows.sort(key=lambda r: (r["groups"], r["source_id"]))
    table = (origin_counts.pivot_table(index="origin", columns="status", values="codings", aggfunc="sum", fill_value=0)
             if len(origin_counts) else None)
    statuses = [s for s in STATUSES if table is not None and s in table.columns]
    by_origin = [] if table is None else [
        {"origin": origin, "counts": [int(table.loc[origin, s]) for s in statuses], "total": int(table.loc[origin].sum())}
        for origin in table.index]
    colour = colours(book)
    per_code = [{"code_id": r["code_id"], "code": r["code"], "suggested": int(r["suggested"]), "pending": int(r["pending"]),
                 "colour": colour.get(r["code_id"], "#999999")}
                for r in status.per_code.to_dict("records") if r["pending"]]
    return {"sources": rows, "groups": groups, "group": group or "", "attributes": attributes,
            "attribute": attribute or "", "statuses": statuses, "by_origin": by_origin, "per_code": per_code,
            "per_coder": status.per_coder.to_dict("records"), "codebook_name": status.codebook,
            "changed": status.changed_sources, "total_sources": len(sources)}


def _turn_dicts(corpus, source) -> list[dict]:
    people = _participants(corpus)
    out = []
    for turn in source.turns:
        who = people.get(turn.participant_id or "", {})
        out.append({"start": turn.start, "end": turn.end, "speaker": turn.speaker or "",
                    "label": who.get("label") or turn.speaker or "", "group": who.get("group") or "",
                    "participant_id": turn.participant_id or "", "researcher": bool(turn.is_researcher),
                    "question": turn.question or ""})
    return out


def _filter(frame, book, filters: dict):
    code = filters.get("code")
    if code:
        ids = {code, *(n.id for n in book.descendants(code))} if code in book.nodes else {code}
        frame = frame[frame.code_id.isin(ids)]
    if filters.get("origin"):
        frame = frame[frame.origin == filters["origin"]]
    if filters.get("status"):
        frame = frame[frame.status == filters["status"]]
    else:
        frame = frame[frame.status != "rejected"]
    if filters.get("coder"):
        frame = frame[(frame.decided_by == filters["coder"]) | (frame.coder == filters["coder"])]
    return frame


def source_page(corpus, source, book, codings, memos, changed: set[str], filters: dict) -> dict:
    """Everything the source page draws."""
    colour = colours(book)
    labels = {n.id: n.label for n in _all_nodes(book)}
    here = codings[codings.source_id == source.source_id]
    origins = sorted(o for o in here.origin.dropna().unique())
    coders = sorted({*here.coder.dropna().unique(), *here.decided_by.dropna().unique()})
    shown = _filter(here, book, filters)
    records = [coding_record(r, colour, labels) for r in shown.to_dict("records")]
    on_codings: dict[str, list[str]] = {}
    for memo in memos[memos.kind == "coding"].sort_values("created", kind="stable").to_dict("records"):
        on_codings.setdefault(memo["target"], []).append(f"{memo['coder']}: {memo['text']}")
    for record, version in zip(records, shown["version"].tolist()):
        record["version"] = int(version)
        record["memos"] = on_codings.get(record["id"], [])
    turns = _turn_dicts(corpus, source)
    people = sorted({(t["participant_id"], t["label"]) for t in turns if t["participant_id"]})
    here_memos = memos[(memos.source_id == source.source_id) |
                       ((memos.kind == "participant") & memos.target.isin([p for p, _ in people]))]
    return {
        "source": source, "meta": source.meta, "blocks": blocks(source.text, turns, records), "codings": records,
        "tree": tree(book), "filters": {k: v or "" for k, v in filters.items()}, "origins": origins,
        "coders": coders, "statuses": STATUSES, "participants": people, "memos": memo_rows(here_memos),
        "changed": source.source_id in changed, "hidden": int(len(here) - len(shown)),
        "length": len(source.text),
    }


def queue_page(corpus, book, per_code: dict[str, int], row: dict | None, *, total: int, position: int, code=None,
               origin=None) -> dict:
    """The review queue: the suggestion at ``position`` among the ``total`` nobody has decided yet (the project
    orders them, most informative first), with its context and evidence (one decision settles a suggestion for
    the team; each coder's decisions are kept apart). ``per_code``: code_id -> suggestions waiting; ``row``: the
    one shown, a row of the codings table (a dict), or None."""
    colour = colours(book)
    labels = {n.id: n.label for n in _all_nodes(book)}
    item = None
    if row is not None:
        item = coding_record(row, colour, labels)
        item["version"] = int(row.get("version") or 0)
        source = corpus.source(row["source_id"]) if row["source_id"] in corpus else None
        text = source.text if source else str(row.get("text") or "")
        start, end = (item["start"], item["end"]) if source else (0, len(text))
        item["context"] = context(text, start, end, around=180)
        turn = next((t for t in (source.turns if source else []) if t.start <= start < t.end), None)
        people = _participants(corpus)
        who = people.get(getattr(turn, "participant_id", None) or "", {})
        item["speaker"] = who.get("label") or (turn.speaker if turn else "") or ""
        item["group"] = who.get("group") or ""
        item["source_id"] = row["source_id"]
        item["evidence_items"] = evidence_items(item["evidence"])
        item["node"] = book.nodes.get(item["code_id"]) if hasattr(book, "nodes") else None
    codes = [{"id": n.id, "label": n.label, "waiting": per_code.get(n.id, 0), "colour": colour[n.id], "level": n.level}
             for n in _all_nodes(book) if per_code.get(n.id)]
    return {"item": item, "position": position, "total": total, "code": code or "", "codes": codes,
            "origin": origin or "", "code_label": labels.get(code or "", "")}

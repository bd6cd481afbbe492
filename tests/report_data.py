"""A tiny hand-made codings table and codebook whose report counts are worked out by hand in the tests."""

from __future__ import annotations

import pandas as pd

import qualcode

BOOK = {
    "name": "Tiny", "version": "2",
    "themes": [
        {"id": "a", "label": "Access", "definition": "How people get in.", "children": [
            {"id": "a1", "label": "Referral", "definition": "Who refers."},
            {"id": "a2", "label": "Barriers", "children": [{"id": "a2x", "label": "Phone anxiety"}]},
            {"id": "a3", "label": "Old idea", "status": "retired"},
        ]},
        {"id": "b", "label": "Benefits"},
        {"id": "r", "label": "Retired theme", "status": "retired"},
    ],
}

LONG = ("I was nervous about ringing them at first but the link worker came with me to the group on the first "
        "day and that made all the difference to me.")  # 29 words


def codebook():
    return qualcode.Codebook.from_dict(BOOK)


def row(source, pid, group, label, start, end, code, text="Some words here.", coder="rules@2", origin="rule",
        score=1.0, method="interview", turn=1):
    theme, sub = {"a1": ("a", "a1"), "a2": ("a", "a2"), "a2x": ("a", "a2"), "a3": ("a", "a3"), "b": ("b", None),
                  "r": ("r", None), "a": ("a", None)}[code]
    labels = {"a": "Access", "a1": "Referral", "a2": "Barriers", "a2x": "Phone anxiety", "a3": "Old idea",
              "b": "Benefits", "r": "Retired theme"}
    return {"source_id": source, "segment_id": f"{source}:t{turn}", "participant_id": pid, "group": group,
            "label": label, "method": method, "start": start, "end": end, "text": text, "code_id": code,
            "code": labels[code], "theme_id": theme, "theme": labels[theme], "subtheme_id": sub,
            "subtheme": labels[sub] if sub else None, "coder": coder, "origin": origin, "score": score,
            "evidence": "", "codebook_version": "2"}


def codings():
    """P1 and P2 in G1 (P2 only coded at a retired code), P3 in G2."""
    return pd.DataFrame([
        row("s1", "P1", "G1", "Person One", 0, 10, "a1", text=LONG, score=2.0, turn=1),
        row("s1", "P1", "G1", "Person One", 0, 10, "a2x", text=LONG, turn=1),       # same passage, other sub-theme
        row("s1", "P1", "G1", "Person One", 20, 30, "a1", text="Short one.", turn=3),
        row("s2", "P3", "G2", "Social Worker 2", 0, 50, "a1", text="They referred me. " * 5, turn=2),
        row("s2", "P3", "G2", "Social Worker 2", 0, 50, "a1", text="They referred me. " * 5, coder="anna",
            origin="human", turn=2),                                                  # same passage, second coder
        row("s2", "P3", "G2", "Social Worker 2", 60, 70, "b", text="Made friends.", turn=4),
        row("s1", "P2", "G1", "Person Two", 40, 45, "r", text="Retired.", turn=5),
    ])

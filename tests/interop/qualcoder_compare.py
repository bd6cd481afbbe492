"""Compare what QualCoder stored after importing our ``.qdpx`` with what we exported.

:func:`run_qualcoder_import` runs ``qualcoder_import.py`` in a subprocess (Qt needs its own process);
:func:`read_qualcoder` reads QualCoder's SQLite project; :func:`compare` counts sources, codes, codings
per coder, the text at every offset, memos, annotations, journal entries and cases, and lists what was lost.

    python tests/interop/qualcoder_compare.py QUALCODER/src   # exports the sample study and prints the figures
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_qualcoder_import(src: Path, qdpx: Path, out: Path, timeout: float = 600) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, str(HERE / "qualcoder_import.py"), str(src), str(qdpx), str(out)],
                          capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"QualCoder's importer did not run (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_qualcoder(database: str | Path) -> dict:
    """QualCoder's project as plain Python: sources, codes, categories, codings, memos, journal, cases, annotations."""
    conn = sqlite3.connect(database)
    try:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        sources = {name: {"id": id_, "text": text, "memo": memo or ""} for id_, name, text, memo in
                   q("select id, name, fulltext, memo from source")}
        names = {id_: name for name, s in sources.items() for id_ in [s["id"]]}
        codes = {cid: {"name": name, "memo": memo or "", "color": color, "catid": catid, "supercid": supercid}
                 for cid, name, memo, color, catid, supercid in q("select cid, name, memo, color, catid, supercid from code_name")}
        categories = {catid: {"name": name, "memo": memo or "", "supercatid": sup}
                      for catid, name, memo, sup in q("select catid, name, memo, supercatid from code_cat")}
        codings = [{"source": names.get(fid), "start": pos0, "end": pos1, "code": codes.get(cid, {}).get("name"),
                    "coder": owner, "text": seltext, "memo": memo or ""}
                   for fid, pos0, pos1, cid, owner, seltext, memo in
                   q("select fid, pos0, pos1, cid, owner, seltext, memo from code_text")]
        return {
            "sources": sources, "codes": codes, "categories": categories, "codings": codings,
            "journal": [{"name": n, "text": t, "owner": o} for n, t, o in q("select name, jentry, owner from journal")],
            "cases": [n for (n,) in q("select name from cases")],
            "annotations": [{"source": names.get(fid), "start": p0, "end": p1, "memo": m, "owner": o}
                            for fid, p0, p1, m, o in q("select fid, pos0, pos1, memo, owner from annotation")],
            "project_memo": (q("select memo from project") or [("",)])[0][0] or "",
        }
    finally:
        conn.close()


def compare(corpus, codebook, codings, qc: dict, memos=None) -> dict:
    """Figures: what QualCoder has of our sources, codes, codings (per coder, at the right text) and memos."""
    expected = Counter()
    for sid, start, end, code_id, coder in codings[["source_id", "start", "end", "code_id", "coder"]].itertuples(index=False):
        expected[(str(sid), int(start), int(end), codebook.nodes[code_id].label, str(coder))] += 0
        expected[(str(sid), int(start), int(end), codebook.nodes[code_id].label, str(coder))] = 1
    got = {(c["source"], c["start"], c["end"], c["code"], c["coder"]) for c in qc["codings"]}
    by_place = {}
    for key in got:
        by_place.setdefault(key[:4], set()).add(key[4])
    kept = [k for k in expected if k in got]
    wrong_coder = [k for k in expected if k not in got and by_place.get(k[:4])]
    lost = [k for k in expected if k not in got and not by_place.get(k[:4])]
    per_coder = {}
    for coder in sorted({k[4] for k in expected}):
        per_coder[coder] = {"exported": sum(1 for k in expected if k[4] == coder),
                            "kept": sum(1 for k in kept if k[4] == coder)}
    text_ok = text_bad = 0
    for c in qc["codings"]:
        source = qc["sources"].get(c["source"])
        ours = corpus.text(c["source"]) if c["source"] in corpus else None
        right = source is not None and ours is not None and c["text"] == ours[c["start"]:c["end"]] == source["text"][c["start"]:c["end"]]
        text_ok, text_bad = text_ok + right, text_bad + (not right)
    same_text = sum(1 for s in corpus if s.source_id in qc["sources"] and qc["sources"][s.source_id]["text"] == s.text)
    labels = {n.label for n in codebook.nodes.values()}
    qc_labels = {c["name"] for c in qc["codes"].values()} | {c["name"] for c in qc["categories"].values()}
    figures = {
        "sources": {"exported": len(corpus), "imported": len(qc["sources"]), "same_text": same_text},
        "codes": {"exported": len(labels), "imported": len(qc_labels & labels)},
        "codings": {"exported": len(expected), "kept": len(kept), "wrong_coder": len(wrong_coder), "lost": len(lost),
                    "text_right": text_ok, "text_wrong": text_bad},
        "per_coder": per_coder,
        "cases": {"exported": len(corpus.participants), "imported": len(qc["cases"])},
    }
    if memos is not None and len(memos):
        found = {"code": 0, "source": 0, "coding": 0, "project": 0, "participant": 0}
        wanted = Counter(memos["kind"])
        qc_codes = {c["name"]: c["memo"] for c in qc["codes"].values()} | {c["name"]: c["memo"] for c in qc["categories"].values()}
        for m in memos.to_dict("records"):
            text = m["text"]
            if m["kind"] == "code":
                found["code"] += text in qc_codes.get(codebook.nodes[m["target"]].label, "")
            elif m["kind"] == "source" and (m.get("start") is None or m.get("start") != m.get("start")):
                found["source"] += text in qc["sources"].get(m["target"], {}).get("memo", "")
            elif m["kind"] == "source":
                found["source"] += any(a["source"] == m["target"] and a["start"] == int(m["start"]) and a["end"] == int(m["end"])
                                       and a["memo"] == text for a in qc["annotations"])
            elif m["kind"] == "coding":
                found["coding"] += any(c["source"] == m["source_id"] and c["start"] == int(m["start"])
                                       and c["end"] == int(m["end"]) and text in c["memo"] for c in qc["codings"])
            elif m["kind"] == "project":
                found["project"] += any(text in (j["text"] or "") for j in qc["journal"]) or text in qc["project_memo"]
        figures["memos"] = {k: {"exported": wanted.get(k, 0), "kept": v} for k, v in found.items() if wanted.get(k)}
    figures["examples"] = {"lost": [list(k) for k in lost[:3]], "wrong_coder": [list(k) for k in wrong_coder[:3]]}
    return figures

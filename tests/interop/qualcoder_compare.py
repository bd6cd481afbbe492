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


def run_qualcoder_export(src: Path, project: Path, qdpx: Path, timeout: float = 600) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, str(HERE / "qualcoder_import.py"), "--export", str(src), str(project), str(qdpx)],
                          capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"QualCoder's exporter did not run (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def facts(qc: dict) -> dict[str, set]:
    """A QualCoder project as sets of comparable facts (ids replaced by names), for the loss table."""
    codes = {cid: c["name"] for cid, c in qc["codes"].items()}
    cats = {catid: c["name"] for catid, c in qc["categories"].items()}
    return {
        "sources": {(name, s["text"]) for name, s in qc["sources"].items()},
        "source memos": {(name, s["memo"]) for name, s in qc["sources"].items() if s["memo"]},
        "codes": {(c["name"], c["color"], cats.get(c["catid"]), codes.get(c["supercid"])) for c in qc["codes"].values()},
        "code memos": {(c["name"], c["memo"]) for c in qc["codes"].values() if c["memo"]},
        "categories": {(c["name"], cats.get(c["supercatid"]), c["memo"]) for c in qc["categories"].values()},
        "codings": {(c["source"], c["start"], c["end"], c["code"], c["coder"], c["text"]) for c in qc["codings"]},
        "coding memos": {(c["source"], c["start"], c["end"], c["code"], c["coder"], c["memo"]) for c in qc["codings"] if c["memo"]},
        "journal": {(j["name"], j["text"], j["owner"]) for j in qc["journal"]},
        "annotations": {(a["source"], a["start"], a["end"], a["memo"], a["owner"]) for a in qc["annotations"]},
        "cases": {(name, memo) for name, memo in qc["case_memos"].items()},
        "case attributes": set(qc["attributes"]["case"]),
        "source attributes": set(qc["attributes"]["file"]),
        "project memo": {qc["project_memo"]} if qc["project_memo"] else set(),
    }


def loss_table(before: dict, after: dict) -> dict[str, dict]:
    """Per kind of fact: how many QualCoder had, how many it has after the round trip, and examples of the lost."""
    a, b = facts(before), facts(after)
    return {k: {"before": len(a[k]), "after": len(b[k]), "lost": len(a[k] - b[k]), "added": len(b[k] - a[k]),
                "examples": [list(map(str, x))[:6] for x in list(a[k] - b[k])[:2]]} for k in a}


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
            "case_memos": {n: m or "" for n, m in q("select name, memo from cases")},
            "attributes": {
                "case": [(c, n, v) for c, n, v in q("select cases.name, attribute.name, attribute.value from attribute "
                                                    "join cases on cases.caseid = attribute.id where attr_type = 'case'")],
                "file": [(s_, n, v) for s_, n, v in q("select source.name, attribute.name, attribute.value from attribute "
                                                      "join source on source.id = attribute.id where attr_type = 'file'")],
            },
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
            elif m["kind"] == "participant":
                found["participant"] += text in qc["case_memos"].get(m["target"], "")
            elif m["kind"] == "project":
                found["project"] += any(text in (j["text"] or "") for j in qc["journal"]) or text in qc["project_memo"]
        figures["memos"] = {k: {"exported": wanted.get(k, 0), "kept": v} for k, v in found.items() if wanted.get(k)}
    figures["examples"] = {"lost": [list(k) for k in lost[:3]], "wrong_coder": [list(k) for k in wrong_coder[:3]]}
    return figures


def main(src: str, work: str) -> dict:
    """Export the sample study (rule codings, both coders, a memo of each kind) and import it with QualCoder; then
    export that QualCoder project with QualCoder, read it with qualcode, export it again and import it with QualCoder."""
    import time

    import pandas as pd

    sys.path.insert(0, str(HERE.parent.parent))
    import qualcode
    from qualcode.refi import memos_frame, read_qdpx, write_qdpx

    root = HERE.parent.parent
    src_path, work_path = Path(src), Path(work)
    work_path.mkdir(parents=True, exist_ok=True)
    corpus = qualcode.load_corpus(root / "transcripts_sample")
    book = qualcode.Codebook.from_yaml(root / "codebooks" / "social_prescribing.yaml")
    a = qualcode.read_codings(root / "tests" / "data" / "human" / "coder_a.csv", corpus, book)
    b = qualcode.read_codings(root / "tests" / "data" / "human" / "coder_b.csv", corpus, book)
    codings = pd.concat([qualcode.code(corpus, book), a, b], ignore_index=True)
    first, source, code = a.iloc[0], corpus.source_ids[0], next(iter(book.nodes))
    memos = memos_frame([
        {"kind": "project", "target": "Week 1", "coder": "coder_a", "text": "Journal: started coding."},
        {"kind": "project", "target": "", "coder": "coder_a", "text": "A study of social prescribing."},
        {"kind": "code", "target": code, "coder": "coder_b", "text": "Code memo: watch the overlap."},
        {"kind": "source", "target": source, "coder": "coder_b", "text": "Source memo: recorded at the hub."},
        {"kind": "source", "target": source, "coder": "coder_a", "text": "Annotation on a passage.", "start": 10, "end": 40},
        {"kind": "participant", "target": corpus.participants.participant_id.iloc[0], "coder": "coder_a",
         "text": "Participant memo: joined late."},
        {"kind": "coding", "coder": "coder_a", "text": "Coding memo: a strong example.", "source_id": first.source_id,
         "start": int(first.start), "end": int(first.end), "code_id": first.code_id},
    ])
    ours = work_path / "ours.qdpx"
    started = time.perf_counter()
    write_qdpx(corpus, book, codings, ours, memos=memos, force=True)
    exported = time.perf_counter() - started
    first_import = run_qualcoder_import(src_path, ours, work_path / "qc1")
    qc1 = read_qualcoder(first_import["database"])
    figures = {"export_seconds": round(exported, 2), "qualcoder_error": first_import["error"],
               "into_qualcoder": compare(corpus, book, codings, qc1, memos)}
    theirs = work_path / "qualcoder.qdpx"
    run_qualcoder_export(src_path, Path(first_import["database"]).parent, theirs)
    read = read_qdpx(theirs)
    again = work_path / "again.qdpx"
    write_qdpx(read.corpus, read.codebook, read.codings, again, memos=read.memos, users=read.users, force=True)
    second_import = run_qualcoder_import(src_path, again, work_path / "qc2")
    figures["round_trip_error"] = second_import["error"]
    figures["round_trip_problems"] = [str(p) for p in read.corpus.problems][:10]
    figures["round_trip"] = loss_table(qc1, read_qualcoder(second_import["database"]))
    return figures


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("python tests/interop/qualcoder_compare.py QUALCODER/src WORK_FOLDER")
    print(json.dumps(main(*sys.argv[1:3]), indent=1))

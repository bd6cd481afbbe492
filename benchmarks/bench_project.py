"""The project database's speed goals (issue 16) on a generated corpus.

    python -m benchmarks.bench_project --transcripts 1000 --words 2000 --machine 250000 --decisions 20000

Goals: ``status`` < 1 s, ``p.codings()`` < 3 s, a single accept/reject < 20 ms (median), ``qualcode run`` with
the project < 1.2x ``run`` without it, with ``--machine`` machine codings and ``--decisions`` decisions.

Phases, each in its own process (its own peak RSS):

- ``run-plain``: ``qualcode.run`` on the folder with no project (the reference, measured in the same run);
- ``build``: ``Project.init`` with the rule codings of the corpus, topped up to ``--machine`` machine codings
  with model-origin codings on sentence spans (``origin=model``, so a re-run replaces them) when the rules
  give fewer, then ``--decisions`` decisions in bulk changes;
- ``ops``: ``status()``, ``codings()`` and single accepts/rejects, timed in a warm process (medians); the
  reference for ``codings()`` is ``pandas.read_csv`` of the same table from a CSV file (as ``qualcode code``
  writes it), in the same process;
- ``run-project``: ``qualcode.run`` on the same folder with the project (it stores the new machine codings,
  re-reads every decision and reports through the project).

The run phases alternate (plain, project, plain, project, ...) so that a change in the machine's load
falls on both alike; the ratio is of the medians.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import time
from pathlib import Path

from benchmarks.corpus_gen import ROOT, generate
from benchmarks.measure import peak_rss_mb, run_phase

SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"


def _folder(args) -> Path:
    return args.work / f"{args.transcripts}x{args.words}"


def phase_run(args, with_project: bool) -> dict:
    import qualcode

    folder = _folder(args)
    if with_project != (folder / "qualcode-project.db").exists():
        raise SystemExit(f"{'run-project' if with_project else 'run-plain'}: the folder's project is not as expected")
    out = args.work / ("out-project" if with_project else "out-plain")
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    result = qualcode.run(folder, None if with_project else SHIPPED, out, force=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "codings": len(result.codings), "peak_rss_mb": peak_rss_mb()}


def _top_up(codings, corpus, codebook, target: int, seed: int = 0):
    """Model-origin codings on sentence spans until there are ``target`` machine codings."""
    import pandas as pd

    missing = target - len(codings)
    if missing <= 0:
        return codings
    rng = random.Random(seed)
    segments = corpus.segments("sentence", include_researchers=False)
    leaves = [n for n in codebook.nodes.values() if n.level >= 2]
    rows = segments.sample(n=missing + missing // 10, replace=True, random_state=seed).reset_index(drop=True)
    missing = len(rows)
    nodes = [rng.choice(leaves) for _ in range(missing)]
    extra = pd.DataFrame({
        "source_id": rows.source_id, "segment_id": rows.segment_id, "participant_id": rows.participant_id,
        "group": rows.group, "label": rows.label, "method": rows.method, "start": rows.start, "end": rows.end,
        "text": rows.text, "code_id": [n.id for n in nodes], "code": [n.label for n in nodes],
        "theme_id": [n.theme_id for n in nodes], "theme": [codebook.nodes[n.theme_id].label for n in nodes],
        "subtheme_id": [n.subtheme_id for n in nodes],
        "subtheme": [codebook.nodes[n.subtheme_id].label if n.subtheme_id else None for n in nodes],
        "coder": "model@bench", "origin": "model", "score": [round(rng.random(), 3) for _ in range(missing)],
        "evidence": "", "codebook_version": codebook.version})
    both = pd.concat([codings, extra], ignore_index=True)
    both = both.drop_duplicates(["source_id", "start", "end", "code_id"]).reset_index(drop=True)
    return both if len(both) >= target else _top_up(both, corpus, codebook, target, seed + 1)


def phase_build(args) -> dict:
    import qualcode
    from qualcode.coding.coder import apply_codebook
    from qualcode.project import Project

    folder = _folder(args)
    for name in ("qualcode-project.db", "qualcode-project.db-wal", "qualcode-project.db-shm"):
        (folder / name).unlink(missing_ok=True)
    corpus = qualcode.load_corpus(folder)
    book = qualcode.Codebook.from_yaml(SHIPPED)
    rules = apply_codebook(corpus, book).codings
    codings = _top_up(rules, corpus, book, args.machine)
    start = time.perf_counter()
    project = Project.init(folder, book, corpus=corpus, codings=codings)
    init_seconds = time.perf_counter() - start
    ids = project.codings().coding_id.tolist()
    rng = random.Random(1)
    chosen = rng.sample(ids, min(args.decisions, len(ids)))
    coders = ["alice", "bob"]
    start = time.perf_counter()
    for i in range(0, len(chosen), 1000):
        project.decide_many("accepted" if (i // 1000) % 3 else "rejected", coder=coders[(i // 1000) % 2],
                            coding_ids=chosen[i:i + 1000])
    decide_seconds = time.perf_counter() - start
    project.close()
    return {"seconds": init_seconds, "rule_codings": len(rules), "machine_codings": len(ids),
            "decisions": len(chosen), "decide_bulk_seconds": decide_seconds,
            "db_mb": (folder / "qualcode-project.db").stat().st_size / 1e6, "peak_rss_mb": peak_rss_mb()}


def phase_ops(args) -> dict:
    from qualcode.project import Project

    project = Project(_folder(args))
    status = []
    for _ in range(5):
        start = time.perf_counter()
        project.status()
        status.append(time.perf_counter() - start)
    codings = []
    for _ in range(3):
        start = time.perf_counter()
        table = project.codings()
        codings.append(time.perf_counter() - start)
    # the reference: the same table read back from the CSV file `qualcode code -o codings.csv` would write
    import pandas as pd

    path = args.work / "reference-codings.csv"
    table.to_csv(path, index=False)
    reference = []
    for _ in range(3):
        start = time.perf_counter()
        pd.read_csv(path, dtype={"participant_id": "str", "source_id": "str"}, keep_default_na=False, na_values=[""],
                    low_memory=False)
        reference.append(time.perf_counter() - start)
    path.unlink()
    suggested = table[table.status == "suggested"].coding_id.tolist()
    rng = random.Random(2)
    single = []
    for i, coding in enumerate(rng.sample(suggested, min(200, len(suggested)))):
        start = time.perf_counter()
        (project.accept if i % 2 else project.reject)(coding, coder="carol")
        single.append(time.perf_counter() - start)
    start = time.perf_counter()
    project.undo(coder="carol")
    undo = time.perf_counter() - start
    return {"seconds": statistics.median(codings), "status_seconds": statistics.median(status),
            "status_all": [round(s, 3) for s in status], "codings_all": [round(s, 3) for s in codings],
            "read_csv_seconds": statistics.median(reference), "read_csv_all": [round(s, 3) for s in reference],
            "rows": len(table), "single_ms_median": 1000 * statistics.median(single),
            "single_ms_p90": 1000 * sorted(single)[int(0.9 * len(single))], "singles": len(single),
            "undo_ms": 1000 * undo, "peak_rss_mb": peak_rss_mb()}


PHASES = {"run-plain": lambda a: phase_run(a, False), "run-project": lambda a: phase_run(a, True),
          "build": phase_build, "ops": phase_ops}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--machine", type=int, default=250_000)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each run phase (alternating)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/qualcode-bench/project"),
                        help="where the corpus, the project and the outputs go")
    parser.add_argument("--phase", choices=sorted(PHASES))
    args = parser.parse_args()
    common = ["--transcripts", str(args.transcripts), "--words", str(args.words), "--machine", str(args.machine),
              "--decisions", str(args.decisions), "--work", str(args.work)]
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return
    folder = _folder(args)
    if not folder.exists():
        generate(folder, args.transcripts, args.words)
    for name in ("qualcode-project.db", "qualcode-project.db-wal", "qualcode-project.db-shm"):
        (folder / name).unlink(missing_ok=True)
    plain, with_project = [], []
    plain.append(run_phase("bench_project", "run-plain", *common))
    build = run_phase("bench_project", "build", *common)
    ops = run_phase("bench_project", "ops", *common)
    hidden = folder / "qualcode-project.db"
    parked = args.work / "parked.db"
    for i in range(args.repeat):
        with_project.append(run_phase("bench_project", "run-project", *common))
        if i + 1 < args.repeat:  # the next plain run needs the folder without its project
            shutil.move(hidden, parked)
            plain.append(run_phase("bench_project", "run-plain", *common))
            shutil.move(parked, hidden)
    plain_s = statistics.median(r["seconds"] for r in plain)
    project_s = statistics.median(r["seconds"] for r in with_project)
    report = {
        "corpus": f"{args.transcripts} transcripts x {args.words} words",
        "machine_codings": build["machine_codings"], "rule_codings": build["rule_codings"],
        "decisions": build["decisions"], "db_mb": round(build["db_mb"], 1),
        "init_seconds": round(build["seconds"], 2), "decide_20k_bulk_seconds": round(build["decide_bulk_seconds"], 2),
        "status_seconds_median": round(ops["status_seconds"], 3), "status_all": ops["status_all"],
        "codings_seconds_median": round(ops["seconds"], 3), "codings_all": ops["codings_all"],
        "codings_rows": ops["rows"], "reference_read_csv_seconds_median": round(ops["read_csv_seconds"], 3),
        "reference_read_csv_all": ops["read_csv_all"], "single_decision_ms_median": round(ops["single_ms_median"], 2),
        "single_decision_ms_p90": round(ops["single_ms_p90"], 2), "undo_ms": round(ops["undo_ms"], 2),
        "run_plain_seconds": [round(r["seconds"], 1) for r in plain],
        "run_project_seconds": [round(r["seconds"], 1) for r in with_project],
        "run_ratio_of_medians": round(project_s / plain_s, 3),
        "peak_rss_mb": {"run-plain": max(r["peak_rss_mb"] for r in plain),
                        "run-project": max(r["peak_rss_mb"] for r in with_project),
                        "build": build["peak_rss_mb"], "ops": ops["peak_rss_mb"]},
        "goals": {"status < 1 s": ops["status_seconds"] < 1, "codings() < 3 s": ops["seconds"] < 3,
                  "accept/reject < 20 ms": ops["single_ms_median"] < 20, "run ratio < 1.2": project_s / plain_s < 1.2},
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

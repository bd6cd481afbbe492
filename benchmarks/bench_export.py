"""Export speed: theme table, framework matrix, Word document and xlsx for 50,000 codings; and `qualcode run`.

    python -m benchmarks.bench_export --codings 50000 [--repeat 3] [--run] [--jobs 2] [--run-dask] [--no-exports]

The codings come from the generated corpus (benchmarks/corpus_gen.py, 1000 x 8000 words) coded with
the shipped codebook: the first sources are coded until there are enough, and the table is cut to
``--codings`` rows (cached next to the corpus). Each phase runs in its own process (its own peak RSS);
reading the codings is not timed. The reference writes the same codings as CSV (pandas ``to_csv``),
the cheapest export of the same data. ``--run`` also times the whole ``qualcode run`` on the full
generated corpus. Goals (issue 5): Word export of 50,000 excerpts < 60 s; the whole run < 90 s on 2 cores.

``--run-dask`` times ``qualcode run --engine dask`` on the same corpus with a 2-worker ``LocalCluster``
that runs in its own process (as a real cluster would; its start-up is reported apart, and its workers
import qualcode and spaCy before timing starts, as the local phase does in its own process). Peak RSS:
the driver (the phase process), each worker, and the cluster process (scheduler and nannies). For
both engines the words are the participants' words of the study summary the run writes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.corpus_gen import ROOT, default_dir, generate
from benchmarks.measure import median_runs, peak_rss_mb

SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"
PHASES = ("reference", "themes", "matrix", "word", "xlsx")


def codings_file(folder: Path, codebook: Path, count: int) -> Path:
    """``count`` codings of the generated corpus, cached as parquet beside it."""
    import qualcode

    path = folder.parent / f"{folder.name}-codings-{count}-{codebook.stem}.parquet"
    if path.exists():
        return path
    corpus = qualcode.load_corpus(folder)
    book = qualcode.Codebook.from_yaml(codebook)
    frames, total, step = [], 0, 50
    ids = corpus.source_ids
    for i in range(0, len(ids), step):
        part = qualcode.code(corpus.subset(ids[i : i + step]), book, by="rules")  # as measured before coding by meaning
        frames.append(part)
        total += len(part)
        if total >= count:
            break
    import pandas as pd

    frame = pd.concat(frames, ignore_index=True).head(count)
    frame.to_parquet(path, index=False)
    corpus.summary().to_csv(path.with_suffix(".summary.csv"), index=False)
    return path


def phase(name: str, codings_path: Path, codebook: Path) -> dict:
    import pandas as pd

    import qualcode

    codings = pd.read_parquet(codings_path)
    summary = pd.read_csv(codings_path.with_suffix(".summary.csv"))
    book = qualcode.Codebook.from_yaml(codebook)
    out = Path(tempfile.mkdtemp(prefix="qualcode-bench-"))
    try:
        start = time.perf_counter()
        if name == "reference":
            codings.to_csv(out / "codings.csv", index=False)
        elif name == "themes":
            qualcode.theme_table(codings, book, summary)
        elif name == "matrix":
            qualcode.framework_matrix(codings, book, truncate=None)
        elif name == "word":
            from qualcode.reports.plots import figure_png, prevalence_heatmap
            from qualcode.reports.docx import excerpts_document, save_document

            themes = qualcode.theme_table(codings, book, summary)
            document = excerpts_document(qualcode.excerpt_table(codings, book), themes, summary=summary,
                                         heatmap=figure_png(prevalence_heatmap(themes)))
            save_document(document, out / "excerpts.docx")
        elif name == "xlsx":
            from qualcode.writers.tables import write_sheets

            themes = qualcode.theme_table(codings, book, summary)
            matrix = qualcode.framework_matrix(codings, book, truncate=None)
            write_sheets({"summary": summary, "theme table": themes, "codings": codings, "matrix": matrix},
                         out / "analysis.xlsx")
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"phase": name, "seconds": seconds, "codings": len(codings), "peak_rss_mb": peak_rss_mb()}


def run_phase(folder: Path, codebook: Path, jobs: int) -> dict:
    import qualcode

    out = Path(tempfile.mkdtemp(prefix="qualcode-bench-run-"))
    marks: list = []
    try:
        start = time.perf_counter()
        result = qualcode.run(folder, codebook, out, jobs=jobs,
                              progress=lambda done, total, step: marks.append((step, time.perf_counter())))
        seconds = time.perf_counter() - start
        participant_words = _participant_words(out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    marks.append(("end", start + seconds))
    steps = {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])}
    words = sum(len(s.text.split()) for s in result.corpus)
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # coding and writing workers
    return {"phase": "run", "seconds": seconds, "codings": len(result.codings), "words": words,
            "participant_words": participant_words, "peak_rss_mb": peak_rss_mb(),
            "peak_rss_workers_mb": children, "steps": steps}


def run_dask_phase(folder: Path, codebook: Path, scheduler: str) -> dict:
    """``qualcode.run(..., engine="dask")`` on the cluster at ``scheduler``."""
    import distributed

    import qualcode
    from benchmarks.bench_scale import vm_hwm_mb

    client = distributed.Client(scheduler)
    client.run(qualcode.nlp)  # workers import qualcode and spaCy before timing, as the local phase does
    out = Path(tempfile.mkdtemp(prefix="qualcode-bench-run-dask-"))
    marks: list = []

    def progress(done, total, step):
        if not step.startswith("code:"):  # batches finishing inside the code step
            marks.append((step, time.perf_counter()))

    try:
        start = time.perf_counter()
        result = qualcode.run(folder, codebook, out / "out", engine="dask", client=client, progress=progress)
        seconds = time.perf_counter() - start
        participant_words = _participant_words(out / "out")
        parts = len(list((out / "out" / "codings.parquet").iterdir()))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    marks.append(("end", start + seconds))
    steps = {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])}
    workers = sorted(client.run(vm_hwm_mb).values())
    cluster = client.run_on_scheduler(vm_hwm_mb)
    client.close()
    return {"phase": "run-dask", "seconds": seconds, "codings": result.report.codings,
            "participant_words": participant_words, "parts": parts, "peak_rss_mb": peak_rss_mb(),
            "worker_rss_mb": workers, "cluster_rss_mb": cluster, "steps": steps}


def _participant_words(out: Path) -> int:
    import pandas as pd

    summary = pd.read_csv(out / "summary.csv")
    return int(summary.loc[summary.group == "Total", "words"].iloc[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--codebook", type=Path, default=SHIPPED)
    parser.add_argument("--run", action="store_true", help="also time `qualcode run` on the whole corpus")
    parser.add_argument("--run-repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="coding processes for --run")
    parser.add_argument("--run-dask", action="store_true", help="also time `qualcode run --engine dask` (2 workers)")
    parser.add_argument("--no-exports", action="store_true", help="skip the export phases on --codings codings")
    parser.add_argument("--phase")
    parser.add_argument("--path", type=Path)
    parser.add_argument("--scheduler")
    args = parser.parse_args()
    if not args.codebook.exists():
        raise SystemExit(f"{args.codebook}: no such codebook; pass --codebook.")
    if args.phase == "run":
        print(json.dumps(run_phase(args.path, args.codebook, args.jobs)))
        return
    if args.phase == "run-dask":
        print(json.dumps(run_dask_phase(args.path, args.codebook, args.scheduler)))
        return
    if args.phase:
        print(json.dumps(phase(args.phase, args.path, args.codebook)))
        return
    folder = generate(default_dir(args.transcripts, args.words), args.transcripts, args.words)
    load = os.getloadavg()
    print(f"{os.cpu_count()} cores; load average at start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}", flush=True)
    if not args.no_exports:
        path = codings_file(folder, args.codebook, args.codings)
        print(f"codings: {path}; codebook: {args.codebook}; median of {args.repeat} runs")
        for name in PHASES:
            r = median_runs("bench_export", name, args.repeat, "--path", str(path), "--codebook", str(args.codebook))
            print(f"{name:>10}: {r['codings']:>8,} codings {r['seconds']:7.2f} s (runs {r['all_seconds']})  "
                  f"peak RSS {r['peak_rss_mb']:,.0f} MB", flush=True)
    rates = {}
    if args.run:
        r = median_runs("bench_export", "run", args.run_repeat, "--path", str(folder), "--codebook", str(args.codebook),
                        "--jobs", str(args.jobs))
        rates["local"] = r["seconds"]
        print(f"{'run':>10}: {r['words']:,} words ({r['participant_words']:,} by participants), {r['codings']:,} "
              f"codings, --jobs {args.jobs}: {r['seconds']:7.2f} s (runs {r['all_seconds']})  peak RSS "
              f"{r['peak_rss_mb']:,.0f} MB, largest worker {r['peak_rss_workers_mb']:,.0f} MB  (goal < 90 s on 2 cores)")
        print(f"{'':>10}  seconds per step (first run; with --jobs > 1 outputs are timed as they finish): {r['steps']}",
              flush=True)
    if args.run_dask:
        from benchmarks.bench_scale import with_cluster

        process, address, startup = with_cluster(2)
        try:
            print(f"{'':>10}  Dask cluster: 2 worker processes up in {startup:.1f} s at {address}", flush=True)
            r = median_runs("bench_export", "run-dask", args.run_repeat, "--path", str(folder), "--codebook",
                            str(args.codebook), "--scheduler", address)
        finally:
            process.stdin.close()
            process.wait(timeout=120)
        rates["dask"] = r["seconds"]
        peaks = [max(m) for m in zip(*(run["worker_rss_mb"] for run in r["runs"]))]
        workers = ", ".join(f"{m:,.0f}" for m in peaks)
        print(f"{'run dask':>10}: {r['participant_words']:,} participant words, {r['codings']:,} codings in "
              f"{r['parts']} parts: {r['seconds']:7.2f} s (runs {r['all_seconds']})  driver peak RSS "
              f"{r['peak_rss_mb']:,.0f} MB, workers {workers} MB, cluster process "
              f"{max(run['cluster_rss_mb'] for run in r['runs']):,.0f} MB (peaks over all runs)")
        print(f"{'':>10}  seconds per step (first run; excerpt documents are written by the workers while the "
              f"driver writes the rest): {r['steps']}")
    if len(rates) == 2:
        print(f"Dask run / local run (--jobs {args.jobs}) wall time: {rates['dask'] / rates['local']:.2f}x")
    load = os.getloadavg()
    print(f"load average at end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}")


if __name__ == "__main__":
    main()

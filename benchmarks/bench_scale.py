"""Scale: ingest + code a large generated corpus with --jobs 1, --jobs 2 and Dask (a 2-worker LocalCluster).

    python -m benchmarks.bench_scale [--words-millions 20] [--small-millions 10] [--repeat 3]

Each phase runs in a fresh process and does what ``qualcode code <folder> -c <book> -o codings.parquet``
does: read, segment and code every file and write the codings as Parquet (the local engine: one file;
Dask: a partitioned dataset). Timing starts after imports and, for Dask, after the cluster is up and its
workers have imported qualcode (cluster start-up is reported apart). Words are the participants' words
(the study summary's Total). Peak RSS: the phase process (the driver, for Dask), each Dask worker and the
scheduler (read from /proc VmHWM). The Dask cluster runs in its own process, as a real cluster would, so
the driver's RSS is the driver's alone; the Dask phase also runs on a corpus half the size, to show the
driver's RSS does not grow with the corpus.

Goals (issue 10), on 2 cores: Dask >= 1.7x --jobs 1 and within 15% of --jobs 2; driver RSS flat from the
small to the large corpus; worker RSS < 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus_gen import ROOT, generate
from benchmarks.measure import peak_rss_mb

BOOK = ROOT / "codebooks" / "social_prescribing.yaml"
WORDS_PER_TRANSCRIPT = 8000


def vm_hwm_mb() -> float:
    """Peak resident memory of this process (Linux), in MB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(who: str = "self") -> float:
    """User + system CPU time of this process (``self``) or of its waited-for children (``children``)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def corpus_dir(millions: float) -> Path:
    transcripts = int(millions * 1e6 / WORDS_PER_TRANSCRIPT)
    out = Path("/tmp/qualcode-bench") / f"{transcripts}x{WORDS_PER_TRANSCRIPT}"
    return generate(out, transcripts, WORDS_PER_TRANSCRIPT)


def serve_cluster(workers: int) -> None:
    """Run a LocalCluster in this process, print its address, and stay up until stdin closes."""
    import logging

    import distributed

    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.CRITICAL)
    print(cluster.scheduler_address, flush=True)
    sys.stdin.read()
    cluster.close()


def phase(name: str, folder: Path, scheduler: str | None) -> dict:
    import pandas  # noqa: F401  (import time is start-up, not throughput)

    import qualcode
    from qualcode.codebook.model import Codebook

    book = Codebook.from_yaml(BOOK)
    out_dir = Path(tempfile.mkdtemp(prefix="qualcode-bench-out-"))
    out = out_dir / "codings.parquet"
    result: dict = {"phase": name}
    try:
        if name in ("jobs1", "jobs2"):
            from qualcode.coding.coder import apply_codebook
            from qualcode.coding.table import write_codings

            qualcode.nlp()
            cpu = cpu_seconds() + cpu_seconds("children")
            start = time.perf_counter()
            corpus = qualcode.load_corpus(folder)
            run = apply_codebook(corpus, book, jobs=2 if name == "jobs2" else 1)
            write_codings(run.codings, out)
            seconds = time.perf_counter() - start
            cpu = cpu_seconds() + cpu_seconds("children") - cpu
            words = int(corpus.summary().iloc[-1]["words"])
            codings = len(run.codings)
            import resource

            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            result |= {"worker_rss_mb": [children] if name == "jobs2" else []}
        else:
            import distributed

            from qualcode.dask.engine import apply_codebook_dask

            client = distributed.Client(scheduler)
            client.run(qualcode.nlp)  # workers import qualcode and spaCy before timing, as local phases do
            cpu = cpu_seconds() + sum(client.run(cpu_seconds).values()) + client.run_on_scheduler(cpu_seconds)
            start = time.perf_counter()
            run = apply_codebook_dask(folder, book, client=client, output=out)
            seconds = time.perf_counter() - start
            cpu = cpu_seconds() + sum(client.run(cpu_seconds).values()) + client.run_on_scheduler(cpu_seconds) - cpu
            words = int(run.summary.iloc[-1]["words"])
            codings = run.report().codings
            result |= {"worker_rss_mb": sorted(client.run(vm_hwm_mb).values()),
                       "scheduler_rss_mb": client.run_on_scheduler(vm_hwm_mb), "batches": run.batches,
                       "reruns": run.reruns}
            client.close()
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return result | {"seconds": seconds, "cpu_seconds": cpu, "words": words, "codings": codings,
                     "peak_rss_mb": peak_rss_mb()}


def _noop(i):
    return i


def task_overhead_ms(scheduler: str, tasks: int = 2000) -> float:
    """Median over 3 rounds of the wall time per no-op task, submitted together to the cluster."""
    import statistics

    import distributed

    client = distributed.Client(scheduler)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        client.gather(client.map(_noop, range(tasks), pure=False))
        times.append((time.perf_counter() - start) / tasks * 1000)
    client.close()
    return statistics.median(times)


def run_phase(name: str, folder: Path, scheduler: str | None = None) -> dict:
    command = [sys.executable, "-m", "benchmarks.bench_scale", "--phase", name, "--folder", str(folder)]
    if scheduler:
        command += ["--scheduler", scheduler]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def with_cluster(workers: int):
    """Start the cluster process; return ``(process, address, seconds to start)``."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_scale", "--serve", str(workers)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    address = process.stdout.readline().strip()
    return process, address, time.perf_counter() - start


def median(runs: list[dict]) -> dict:
    import statistics

    ordered = sorted(runs, key=lambda r: r["seconds"])
    result = dict(ordered[len(ordered) // 2])
    result["seconds"] = statistics.median(r["seconds"] for r in runs)
    result["cpu_seconds"] = statistics.median(r["cpu_seconds"] for r in runs)
    result["all_seconds"] = [round(r["seconds"], 1) for r in runs]
    result["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    result["worker_rss_mb"] = max((r.get("worker_rss_mb") or [] for r in runs), key=lambda m: max(m, default=0))
    return result


def line(label: str, r: dict) -> str:
    workers = ", ".join(f"{m:,.0f}" for m in r.get("worker_rss_mb") or []) or "-"
    extra = (f"  cluster process (scheduler + nannies) {r['scheduler_rss_mb']:,.0f} MB  {r['batches']} batches"
             if "scheduler_rss_mb" in r else "")
    return (f"{label:>14}: {r['words']:>11,} words {r['seconds']:8.1f} s (runs {r['all_seconds']}) "
            f"{r['words'] / r['seconds']:>9,.0f} words/s  CPU {r['cpu_seconds']:,.0f} s  {r['codings']:>9,} codings  "
            f"driver/process peak RSS "
            f"{r['peak_rss_mb']:,.0f} MB  workers {workers} MB{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words-millions", type=float, default=20)
    parser.add_argument("--small-millions", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phases", default="jobs1,jobs2,dask", help="comma-separated subset to run")
    parser.add_argument("--phase")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--scheduler")
    parser.add_argument("--serve", type=int)
    args = parser.parse_args()
    if args.serve:
        serve_cluster(args.serve)
        return
    if args.phase:
        print(json.dumps(phase(args.phase, args.folder, args.scheduler)))
        return
    big, small = corpus_dir(args.words_millions), corpus_dir(args.small_millions)
    load = os.getloadavg()
    print(f"corpora: {big} and {small}; median of {args.repeat} runs; {os.cpu_count()} cores; "
          f"load average at start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}", flush=True)
    wanted = args.phases.split(",")
    results: dict[str, dict] = {}
    for name in ("jobs1", "jobs2"):
        if name in wanted:
            results[name] = median([run_phase(name, big) for _ in range(args.repeat)])
            print(line(f"--jobs {name[-1]}", results[name]), flush=True)
    if "dask" in wanted:
        process, address, startup = with_cluster(2)
        try:
            print(f"   Dask cluster: 2 worker processes up in {startup:.1f} s at {address}", flush=True)
            for label, folder in (("dask", big), ("dask small", small)):
                results[label] = median([run_phase("dask", folder, address) for _ in range(args.repeat)])
                print(line(label, results[label]), flush=True)
            print(f"   scheduler overhead: {task_overhead_ms(address):.2f} ms per task (2,000 no-op tasks, median "
                  "of 3 rounds)", flush=True)
        finally:
            process.stdin.close()
            process.wait(timeout=120)
    load = os.getloadavg()
    print(f"load average at end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}")
    rate = {k: r["words"] / r["seconds"] for k, r in results.items()}
    if {"jobs1", "dask"} <= set(rate):
        print(f"Dask / --jobs 1 throughput: {rate['dask'] / rate['jobs1']:.2f}x (goal >= 1.7x)")
    if {"jobs2", "dask"} <= set(rate):
        print(f"Dask / --jobs 2 throughput: {rate['dask'] / rate['jobs2']:.2f}x (goal >= 0.85x)")
    if {"dask", "dask small"} <= set(results):
        a, b = results["dask small"], results["dask"]
        print(f"driver peak RSS: {a['peak_rss_mb']:,.0f} MB at {a['words'] / 1e6:.1f} M words, "
              f"{b['peak_rss_mb']:,.0f} MB at {b['words'] / 1e6:.1f} M words (goal: flat); "
              f"largest worker peak RSS {max(b['worker_rss_mb']):,.0f} MB (goal < 1,500 MB)")


if __name__ == "__main__":
    main()

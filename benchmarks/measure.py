"""Run a benchmark phase in a fresh subprocess so each phase reports its own peak RSS."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys


def run_phase(module: str, phase: str, *args: str) -> dict:
    """Run ``python -m benchmarks.<module> --phase <phase> ...``; it prints one JSON line of results."""
    command = [sys.executable, "-m", f"benchmarks.{module}", "--phase", phase, *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_runs(module: str, phase: str, repeat: int, *args: str) -> dict:
    """Median seconds over ``repeat`` fresh-process runs, with the largest peak RSS seen."""
    runs = [run_phase(module, phase, *args) for _ in range(repeat)]
    result = dict(runs[0])
    result["seconds"] = statistics.median(r["seconds"] for r in runs)
    for key in [k for k in result if k.endswith("_seconds")]:  # e.g. cpu_seconds: the median too
        result[key] = statistics.median(r[key] for r in runs)
    result["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    result["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    result["runs"] = runs
    return result

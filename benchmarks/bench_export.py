"""Export speed: theme table, framework matrix, Word document and xlsx for 50,000 codings; and `qualcode run`.

    python -m benchmarks.bench_export --codings 50000 [--repeat 3] [--run] [--jobs 2]

The codings come from the generated corpus (benchmarks/corpus_gen.py, 1000 x 8000 words) coded with
the shipped codebook: the first sources are coded until there are enough, and the table is cut to
``--codings`` rows (cached next to the corpus). Each phase runs in its own process (its own peak RSS);
reading the codings is not timed. The reference writes the same codings as CSV (pandas ``to_csv``),
the cheapest export of the same data. ``--run`` also times the whole ``qualcode run`` on the full
generated corpus. Goals (issue 5): Word export of 50,000 excerpts < 60 s; the whole run < 90 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
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
        part = qualcode.code(corpus.subset(ids[i : i + step]), book)
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
            from qualcode.plots import figure_png, prevalence_heatmap
            from qualcode.report_docx import excerpts_document, save_document

            themes = qualcode.theme_table(codings, book, summary)
            document = excerpts_document(qualcode.excerpt_table(codings, book), themes, summary=summary,
                                         heatmap=figure_png(prevalence_heatmap(themes)))
            save_document(document, out / "excerpts.docx")
        elif name == "xlsx":
            from qualcode.tables import write_sheets

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
    finally:
        shutil.rmtree(out, ignore_errors=True)
    marks.append(("end", start + seconds))
    steps = {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])}
    words = sum(len(s.text.split()) for s in result.corpus)
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # coding and writing workers
    return {"phase": "run", "seconds": seconds, "codings": len(result.codings), "words": words,
            "peak_rss_mb": peak_rss_mb(), "peak_rss_workers_mb": children, "steps": steps}


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
    parser.add_argument("--phase")
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if not args.codebook.exists():
        raise SystemExit(f"{args.codebook}: no such codebook; pass --codebook.")
    if args.phase == "run":
        print(json.dumps(run_phase(args.path, args.codebook, args.jobs)))
        return
    if args.phase:
        print(json.dumps(phase(args.phase, args.path, args.codebook)))
        return
    folder = generate(default_dir(args.transcripts, args.words), args.transcripts, args.words)
    path = codings_file(folder, args.codebook, args.codings)
    print(f"codings: {path}; codebook: {args.codebook}; median of {args.repeat} runs")
    for name in PHASES:
        r = median_runs("bench_export", name, args.repeat, "--path", str(path), "--codebook", str(args.codebook))
        print(f"{name:>10}: {r['codings']:>8,} codings {r['seconds']:7.2f} s (runs {r['all_seconds']})  "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB")
    if args.run:
        r = median_runs("bench_export", "run", args.run_repeat, "--path", str(folder), "--codebook", str(args.codebook),
                        "--jobs", str(args.jobs))
        print(f"{'run':>10}: {r['words']:,} words, {r['codings']:,} codings, --jobs {args.jobs}: {r['seconds']:7.2f} s "
              f"(runs {r['all_seconds']})  peak RSS {r['peak_rss_mb']:,.0f} MB, largest worker "
              f"{r['peak_rss_workers_mb']:,.0f} MB  (goal < 90 s on 2 cores)")
        print(f"{'':>10}  seconds per step (first run; with --jobs > 1 outputs are timed as they finish): {r['steps']}")


if __name__ == "__main__":
    main()

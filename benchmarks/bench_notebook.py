"""Notebook speed: ``import qualcode``, the rich displays, ``codings.qc`` questions and plots on big inputs.

    python -m benchmarks.bench_notebook [--transcripts 1000] [--words 8000] [--codings 50000] [--repeat 5]

Each phase runs in a fresh process (median of ``--repeat``; peak RSS of the process). The import phases
time only the import statement; ``import pandas`` alone is the reference for the import of pandas after
qualcode (which also registers ``DataFrame.qc``). The other phases load their inputs untimed, then time
the display or question; the reference is pandas' own crosstab of the same codings (theme x group) and
pandas' own HTML of a 30-row frame. Goal (issue 9): ``import qualcode`` under 1 s without loading spaCy.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.bench_export import SHIPPED, codings_file
from benchmarks.corpus_gen import default_dir, generate
from benchmarks.measure import median_runs, peak_rss_mb

PHASES = ("import_qualcode", "import_pandas_reference", "import_qualcode_then_pandas", "reference_crosstab",
          "corpus_html", "codebook_html", "codings_html", "questions", "cooccurrence_plot", "participants_plot")


def phase(name: str, corpus_path: Path, codings_path: Path) -> dict:
    extra: dict = {}
    if name == "import_qualcode":
        import sys

        start = time.perf_counter()
        import qualcode  # noqa: F401

        seconds = time.perf_counter() - start
        extra["loaded"] = [m for m in ("pandas", "spacy", "sklearn", "matplotlib", "numpy") if m in sys.modules]
        return {"phase": name, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), **extra}
    if name == "import_pandas_reference":
        start = time.perf_counter()
        import pandas  # noqa: F401

        return {"phase": name, "seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb()}
    if name == "import_qualcode_then_pandas":
        import qualcode  # noqa: F401

        start = time.perf_counter()
        import pandas as pd

        seconds = time.perf_counter() - start
        assert hasattr(pd.DataFrame, "qc")
        return {"phase": name, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}

    import pandas as pd

    import qualcode
    from qualcode import plots

    codings = pd.read_parquet(codings_path)
    book = qualcode.Codebook.from_yaml(SHIPPED)
    corpus = qualcode.load_corpus(corpus_path) if name == "corpus_html" else None
    start = time.perf_counter()
    if name == "reference_crosstab":
        pd.crosstab(codings.theme, codings.group).to_html()
    elif name == "corpus_html":
        extra["chars"] = len(corpus._repr_html_())
    elif name == "codebook_html":
        extra["chars"] = len(book._repr_html_())
    elif name == "codings_html":
        extra["chars"] = len(codings.qc._repr_html_())
    elif name == "questions":
        codings.qc.excerpts("Buddying to a first session", group="Clients")
        codings.qc.cooccurring("buddying")
        codings.qc.participants(mention="buddying", without="tapering-support")
        codings.qc.counts(by="source_id", level="subtheme", measure="participants")
        codings.qc.cooccurrence("subtheme")
    elif name == "cooccurrence_plot":
        plots.figure_png(plots.cooccurrence_heatmap(codings, codebook=book))
    elif name == "participants_plot":
        plots.figure_png(plots.codes_per_participant(codings))
    seconds = time.perf_counter() - start
    return {"phase": name, "seconds": seconds, "codings": len(codings), "peak_rss_mb": peak_rss_mb(), **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phase")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.corpus, args.path)))
        return
    folder = generate(default_dir(args.transcripts, args.words), args.transcripts, args.words)
    path = codings_file(folder, SHIPPED, args.codings)
    print(f"corpus: {folder} ({args.transcripts} x {args.words} words); codings: {path}; median of {args.repeat} runs")
    for name in PHASES:
        r = median_runs("bench_notebook", name, args.repeat, "--corpus", str(folder), "--path", str(path))
        detail = "".join(f"  {k} {r[k]}" for k in ("loaded", "codings", "chars") if k in r)
        print(f"{name:>28}: {r['seconds'] * 1000:9.1f} ms (runs {r['all_seconds']})  peak RSS "
              f"{r['peak_rss_mb']:,.0f} MB{detail}")


if __name__ == "__main__":
    main()

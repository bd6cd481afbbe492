"""Asking the data: text search with lemma matching, word frequencies by group, and a comparison by wave.

    python -m benchmarks.bench_query [--transcripts 1000] [--words 8000] [--codings 250000] [--repeat 3]

On the generated corpus (:mod:`benchmarks.corpus_gen`; 1,000 transcripts of 8,000 words, with a ``wave``
per source) and ``--codings`` codings of it (the shipped codebook's rule codings of as many transcripts as
it takes, cached as parquet under ``--cache``). Each phase runs in a fresh process (median of
``--repeat``; peak RSS of the process); inputs are loaded untimed, then the call is timed.

References measured in the same run: a bare ``re.finditer`` of the phrase over the same turn texts
(search), a bare ``collections.Counter`` of regex tokens of the same texts (word frequencies), and
pandas' own ``crosstab`` of theme x wave on the same codings (compare). Goals (issue 20): search of a
phrase with lemma matching < 5 s; word frequencies by group < 15 s; compare on 250,000 codings < 3 s.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.corpus_gen import default_dir, generate
from benchmarks.measure import median_runs, peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"
PHRASE = "waiting list"
PHASES = ("load_corpus", "reference_finditer", "search_lemma", "search_cli_total", "reference_counter",
          "words_by_group", "reference_crosstab", "compare_by_wave")


def codings_cache(folder: Path, count: int, cache: Path) -> Path:
    """``count`` rule codings of the corpus (with its attributes), cached as parquet in ``cache``."""
    import pandas as pd

    import qualcode

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{folder.name}-codings-{count}.parquet"
    if path.exists():
        return path
    corpus = qualcode.load_corpus(folder)
    book = qualcode.Codebook.from_yaml(SHIPPED)
    frames, total, step, ids = [], 0, 50, corpus.source_ids
    for i in range(0, len(ids), step):
        part = qualcode.code(corpus.subset(ids[i : i + step]), book, by="rules")  # as measured before coding by meaning
        frames.append(part)
        total += len(part)
        if total >= count:
            break
    frame = pd.concat(frames, ignore_index=True).head(count)
    if len(frame) < count:
        raise SystemExit(f"the corpus gives only {len(frame):,} codings; ask for fewer with --codings")
    frame.to_parquet(path, index=False)
    return path


def phase(name: str, folder: Path, codings_path: Path) -> dict:
    import qualcode

    extra: dict = {}
    if name == "load_corpus":
        start = time.perf_counter()
        corpus = qualcode.load_corpus(folder)
        return {"phase": name, "seconds": time.perf_counter() - start, "sources": len(corpus),
                "peak_rss_mb": peak_rss_mb()}
    if name == "search_cli_total":  # what `qualcode search FOLDER "waiting list" --lemma` spends, load included
        start = time.perf_counter()
        hits = qualcode.search(qualcode.load_corpus(folder), PHRASE, lemma=True)
        return {"phase": name, "seconds": time.perf_counter() - start, "hits": len(hits), "peak_rss_mb": peak_rss_mb()}
    if name in ("reference_crosstab", "compare_by_wave"):
        import pandas as pd

        codings = pd.read_parquet(codings_path)
        book = qualcode.Codebook.from_yaml(SHIPPED)
        start = time.perf_counter()
        if name == "reference_crosstab":
            pd.crosstab(codings.theme, codings.wave)
        else:
            table = qualcode.compare(codings, book, by="wave")
            extra["rows"] = len(table)
        return {"phase": name, "seconds": time.perf_counter() - start, "codings": len(codings),
                "peak_rss_mb": peak_rss_mb(), **extra}
    corpus = qualcode.load_corpus(folder)
    texts = corpus.segments("turn", include_researchers=False).text.tolist() if name.startswith("reference") else None
    if name in ("search_lemma", "words_by_group"):  # the lemma table and segments are built untimed, as in a notebook
        from qualcode.language import lemma_of

        lemma_of("warm")
        corpus.segments("turn", include_researchers=False)
    start = time.perf_counter()
    if name == "reference_finditer":
        import re

        pattern = re.compile(r"(?<!\w)waiting\s+list(?!\w)", re.IGNORECASE)
        extra["hits"] = sum(1 for text in texts for _ in pattern.finditer(text))
    elif name == "search_lemma":
        extra["hits"] = len(qualcode.search(corpus, PHRASE, lemma=True))
    elif name == "reference_counter":
        import re
        from collections import Counter

        token = re.compile(r"\w+")
        counter = Counter()
        for text in texts:
            counter.update(token.findall(text.lower()))
        extra["terms"] = len(counter)
    elif name == "words_by_group":
        extra["rows"] = len(qualcode.word_frequencies(corpus, by="group"))
    return {"phase": name, "seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb(), **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qualcode-bench/query"))
    parser.add_argument("--phase")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.corpus, args.path)))
        return
    folder = generate(default_dir(args.transcripts, args.words), args.transcripts, args.words)
    path = codings_cache(folder, args.codings, args.cache)
    print(f"corpus: {folder} ({args.transcripts} x {args.words} words); codings: {path} ({args.codings:,}); "
          f"median of {args.repeat} runs, each in a fresh process")
    results = {}
    for name in PHASES:
        r = median_runs("bench_query", name, args.repeat, "--corpus", str(folder), "--path", str(path))
        results[name] = r
        detail = "".join(f"  {k} {r[k]:,}" for k in ("hits", "rows", "terms", "codings", "sources") if k in r)
        print(f"{name:>20}: {r['seconds']:8.3f} s (runs {r['all_seconds']})  peak RSS {r['peak_rss_mb']:,.0f} MB{detail}")
    for mine, ref in (("search_lemma", "reference_finditer"), ("words_by_group", "reference_counter"),
                      ("compare_by_wave", "reference_crosstab")):
        print(f"{mine} / {ref}: {results[mine]['seconds'] / max(results[ref]['seconds'], 1e-9):,.1f}x")


if __name__ == "__main__":
    main()

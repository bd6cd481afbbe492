"""Discovery speed: candidate codes from 100,000 segments of a generated corpus, with a tokenizer reference.

    python -m benchmarks.bench_discover [--segments 100000] [--transcripts 1250 --words 8000] [--repeat 3]

Phases, each in its own process (its own peak RSS); the corpus is loaded and spaCy built before timing:

- ``reference``: the bare ``spacy.blank("en")`` tokenizer over the same segment texts;
- ``terms``: qualcode's term extraction alone (tokenizer + lemmas + n-grams);
- ``discover``: ``Discoverer().fit`` with ``n_candidates="auto"`` (the k grid is fitted on a 20,000-segment
  sample, the chosen k on all segments);
- ``discover-jobs2``: the same with ``n_jobs=2`` (term extraction in two processes; same candidates);
- ``discover-k20``: ``Discoverer(n_candidates=20).fit``, without model selection.

Peak RSS is the whole process's (corpus and spaCy included); ``rss_before_mb`` is the peak before
timing started. CPU seconds (this process and its workers) are printed next to the wall-clock seconds,
since the machine may be shared. Goal (issue 6): discovery over 100,000 segments in under 60 s and under 2 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from benchmarks.corpus_gen import default_dir, generate
from benchmarks.measure import median_runs, peak_rss_mb


def phase(name: str, folder: Path, count: int) -> dict:
    import pandas  # noqa: F401  (start-up, not throughput)

    import qualcode
    from qualcode.discovery.discoverer import Discoverer
    from qualcode.discovery.terms import TermExtractor

    corpus = qualcode.load_corpus(folder)
    segments = corpus.segments(include_researchers=False)
    segments = segments[~segments.is_researcher].head(count).reset_index(drop=True)
    texts = segments.text.tolist()
    words = int(segments.words.sum())
    qualcode.nlp()
    before = peak_rss_mb()
    candidates, k = 0, 0
    cpu = os.times()
    start = time.perf_counter()
    if name == "reference":
        for _ in qualcode.nlp().tokenizer.pipe(texts, batch_size=512):
            pass
    elif name == "terms":
        for _ in TermExtractor().pipe(texts):
            pass
    elif name in ("discover", "discover-jobs2", "discover-k20"):
        disc = Discoverer(n_candidates=20 if name == "discover-k20" else "auto",
                          n_jobs=2 if name == "discover-jobs2" else 1).fit(segments)
        candidates, k = len(disc.candidates_), disc.n_candidates_
    else:
        raise SystemExit(f"unknown phase {name}")
    seconds = time.perf_counter() - start
    end = os.times()
    cpu_seconds = sum(getattr(end, f) - getattr(cpu, f) for f in ("user", "system", "children_user", "children_system"))
    return {"phase": name, "seconds": seconds, "cpu_seconds": cpu_seconds, "segments": len(segments), "words": words, "k": k,
            "candidates": candidates, "rss_before_mb": before, "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--transcripts", type=int, default=1250)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phases", default="reference,terms,discover,discover-jobs2,discover-k20")
    parser.add_argument("--phase")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.folder, args.segments)))
        return
    folder = generate(default_dir(args.transcripts, args.words), args.transcripts, args.words)
    print(f"corpus: {folder}; first {args.segments:,} participant segments; median of {args.repeat} runs")
    results = {}
    for name in args.phases.split(","):
        r = median_runs("bench_discover", name, args.repeat, "--folder", str(folder), "--segments", str(args.segments))
        results[name] = r
        print(f"{name:>14}: {r['segments']:>8,} segments {r['words']:>11,} words {r['seconds']:7.2f} s "
              f"(runs {r['all_seconds']}; CPU {r['cpu_seconds']:.1f} s)  k={r['k']:<3} {r['candidates']:>3} candidates  "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB (before timing {r['rss_before_mb']:,.0f} MB)")
    for name in ("discover", "discover-jobs2"):
        if name in results:
            r = results[name]
            verdict = "met" if r["seconds"] < 60 and r["peak_rss_mb"] < 2048 else "NOT met"
            print(f"goal (< 60 s and < 2 GB for {args.segments:,} segments), {name}: {verdict}")
    if "reference" in results and "terms" in results:
        print(f"term extraction / bare tokenizer time: {results['terms']['seconds'] / results['reference']['seconds']:.2f}x")


if __name__ == "__main__":
    main()

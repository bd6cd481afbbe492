"""Ingestion throughput: load + turn segmentation, sentence segmentation, and bare spaCy as reference.

    python -m benchmarks.bench_ingest --transcripts 1000 --words 8000 [--repeat 3]

Prints words/s, peak RSS per phase (each phase runs in its own process) and the ratio of qualcode's
sentence segmentation to bare ``spacy.blank("en")`` + sentencizer over the same turn texts.
Goals (issue 3): turns >= 5M words/s; sentences >= 0.8x the reference; peak RSS < 1 GB at 8M words.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.corpus_gen import default_dir, generate
from benchmarks.measure import median_runs, peak_rss_mb


def phase(name: str, folder: Path) -> dict:
    import pandas  # noqa: F401  (import time is start-up, not throughput)

    import qualcode

    if name == "turns":
        start = time.perf_counter()
        corpus = qualcode.load_corpus(folder)
        segments = corpus.segments("turn")
        seconds = time.perf_counter() - start
        words = int(segments.words.sum())
    elif name == "sentences":
        corpus = qualcode.load_corpus(folder)
        qualcode.nlp()
        start = time.perf_counter()
        segments = corpus.segments("sentence")
        seconds = time.perf_counter() - start
        words = int(segments.words.sum())
    elif name == "reference":
        import spacy

        corpus = qualcode.load_corpus(folder)
        texts = [s.text[t.start : t.end] for s in corpus for t in s.turns]
        words = sum(len(t.split()) for t in texts)
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        start = time.perf_counter()
        for doc in nlp.pipe(texts, batch_size=256):
            for sent in doc.sents:
                pass
        seconds = time.perf_counter() - start
    else:
        raise SystemExit(f"unknown phase {name}")
    return {"phase": name, "seconds": seconds, "words": words, "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.folder)))
        return
    folder = generate(default_dir(args.transcripts, args.words), args.transcripts, args.words)
    print(f"corpus: {folder} ({args.transcripts} transcripts x ~{args.words} words); median of {args.repeat} runs")
    results = {name: median_runs("bench_ingest", name, args.repeat, "--folder", str(folder))
               for name in ("turns", "sentences", "reference")}
    for name, r in results.items():
        rate = r["words"] / r["seconds"]
        print(f"{name:>10}: {r['words']:>10,} words  {r['seconds']:7.2f} s (runs {r['all_seconds']})  "
              f"{rate:>12,.0f} words/s  peak RSS {r['peak_rss_mb']:,.0f} MB")
    ratio = (results["sentences"]["words"] / results["sentences"]["seconds"]) / (
        results["reference"]["words"] / results["reference"]["seconds"])
    print(f"sentence segmentation / bare spaCy reference: {ratio:.2f}x (goal >= 0.8x)")
    print(f"turn segmentation: {results['turns']['words'] / results['turns']['seconds'] / 1e6:.2f} M words/s (goal >= 5)")


if __name__ == "__main__":
    main()

"""Coding throughput: the shipped codebook, a generated 500-node codebook, --jobs 2, and the bare tokenizer.

    python -m benchmarks.bench_code --transcripts 1000 --words 8000 [--repeat 3]
    python -m benchmarks.bench_code --by meaning    # or --by both: the rules coder runs in the same run


Each phase runs in its own process (its own peak RSS); the corpus is loaded before timing starts.
Words/s count the words of the participant segments coded. Goals (issue 4): shipped >= 0.6x the bare
``spacy.blank("en")`` tokenizer over the same texts; the 500-node codebook within 1.3x of the shipped
one's time; ``--jobs 2`` >= 1.6x faster than ``--jobs 1``; peak RSS < 1.5 GB.

With ``--by meaning`` or ``--by both`` (issue 15) the phases are the rules coder (the reference), the
chosen method with ``--jobs 1`` and with ``--jobs 2``. Goals: meaning >= 0.5x the rules coder's
throughput, both >= 0.4x; ``--jobs 2`` >= 1.6x ``--jobs 1``; peak RSS < 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from pathlib import Path

from benchmarks.corpus_gen import ROOT, default_dir, generate
from benchmarks.measure import median_runs, peak_rss_mb

SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"


def generated_codebook(path: Path, nodes: int = 500, keywords: int = 10, seed: int = 0) -> Path:
    """A codebook of ``nodes`` nodes (5 themes x 10 sub-themes x ~9 codes) with ~``keywords`` keywords each."""
    import qualcode
    from qualcode.codebook.model import Codebook

    if path.exists():
        return path
    from qualcode.language import _lemma_table

    rng = random.Random(seed)
    # Specific terms, as a real codebook's are: English words and two-word phrases from spaCy's lemma
    # table, most of them rare in any one study. Report the codings count next to the time.
    lemmas = sorted({lemma for lemma in _lemma_table().values() if lemma.isalpha() and len(lemma) > 3})

    def terms():
        return sorted({rng.choice(lemmas) if rng.random() < 0.7 else f"{rng.choice(lemmas)} {rng.choice(lemmas)}"
                       for _ in range(keywords)})

    themes, count = [], 0
    for t in range(5):
        theme = {"id": f"t{t}", "label": f"Theme {t}", "rules": {"keywords": terms()}, "children": []}
        count += 1
        for s in range(10):
            sub = {"id": f"t{t}-s{s}", "label": f"Sub-theme {t}.{s}", "rules": {"keywords": terms()}, "children": []}
            count += 1
            for c in range(9):
                if count >= nodes:
                    break
                sub["children"].append({"id": f"t{t}-s{s}-c{c}", "label": f"Code {t}.{s}.{c}", "rules": {"keywords": terms()}})
                count += 1
            theme["children"].append(sub)
        themes.append(theme)
    book = Codebook.from_dict({"name": "Generated", "version": "1", "themes": themes})
    book.to_yaml(path)
    return path


def phase(name: str, folder: Path, codebook: Path, by: str = "rules") -> dict:
    import pandas  # noqa: F401

    import qualcode
    from qualcode.codebook.model import Codebook
    from qualcode.coding.coder import apply_codebook

    corpus = qualcode.load_corpus(folder)
    segments = corpus.segments(include_researchers=False)
    words = int(segments.words.sum())
    if name == "reference":
        import spacy

        tokenizer = spacy.blank("en").tokenizer
        texts = segments.text.tolist()
        start = time.perf_counter()
        for _ in tokenizer.pipe(texts, batch_size=256):
            pass
        seconds, codings, nodes = time.perf_counter() - start, 0, 0
    else:
        book = Codebook.from_yaml(codebook)
        qualcode.nlp()
        method = "rules" if name == "rules" else by
        if method != "rules":
            qualcode.embedding.model()  # loaded before timing, as nlp() is
        start = time.perf_counter()
        run = apply_codebook(corpus, book, by=method, jobs=2 if name.endswith("jobs2") else 1)
        seconds, codings, nodes = time.perf_counter() - start, len(run.codings), len(book)
    return {"phase": name, "seconds": seconds, "words": words, "codings": codings, "nodes": nodes,
            "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--codebook", type=Path, default=SHIPPED, help="the 'shipped' codebook to measure")
    parser.add_argument("--by", choices=("rules", "meaning", "both"), default="rules")
    parser.add_argument("--phase")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.folder, args.codebook, args.by)))
        return
    folder = generate(default_dir(args.transcripts, args.words), args.transcripts, args.words)
    if args.by != "rules":
        by_method(args, folder)
        return
    big = generated_codebook(Path("/tmp/qualcode-bench/codebook-500.yaml"))
    print(f"corpus: {folder}; shipped codebook: {args.codebook}; generated: {big}; median of {args.repeat} runs")
    results = {}
    for name, book in (("reference", args.codebook), ("shipped", args.codebook), ("big", big), ("jobs2", args.codebook)):
        results[name] = median_runs("bench_code", name, args.repeat, "--folder", str(folder), "--codebook", str(book))
        r = results[name]
        print(f"{name:>10}: {r['words']:>10,} words {r['seconds']:7.2f} s (runs {r['all_seconds']}) "
              f"{r['words'] / r['seconds']:>10,.0f} words/s  {r['codings']:>8,} codings  {r['nodes']:>4} nodes  "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB")
    ref, shipped, big_r, jobs2 = (results[k]["seconds"] for k in ("reference", "shipped", "big", "jobs2"))
    print(f"shipped codebook / bare tokenizer throughput: {ref / shipped:.2f}x (goal >= 0.6x)")
    print(f"500-node codebook time / shipped time: {big_r / shipped:.2f}x (goal <= 1.3x)")
    print(f"--jobs 2 speed-up over --jobs 1: {shipped / jobs2:.2f}x (goal >= 1.6x)")


def by_method(args, folder: Path) -> None:
    """``--by meaning|both``: the rules coder as the reference, then the method with 1 and 2 jobs."""
    print(f"corpus: {folder}; codebook: {args.codebook}; --by {args.by}; median of {args.repeat} runs")
    results = {}
    for name in ("rules", args.by, f"{args.by}-jobs2"):
        results[name] = median_runs("bench_code", name, args.repeat, "--folder", str(folder), "--codebook",
                                    str(args.codebook), "--by", args.by)
        r = results[name]
        print(f"{name:>13}: {r['words']:>10,} words {r['seconds']:7.2f} s (runs {r['all_seconds']}) "
              f"{r['words'] / r['seconds']:>10,.0f} words/s  {r['codings']:>8,} codings  "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB")
    rules, one, two = (results[k]["seconds"] for k in ("rules", args.by, f"{args.by}-jobs2"))
    goal = 0.5 if args.by == "meaning" else 0.4
    print(f"--by {args.by} / rules throughput: {rules / one:.2f}x (goal >= {goal}x)")
    print(f"--by {args.by} --jobs 2 speed-up over --jobs 1: {one / two:.2f}x (goal >= 1.6x)")


if __name__ == "__main__":
    main()

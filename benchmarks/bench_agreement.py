"""Agreement and suggestion speed: agreement over 10,000 units x 50 codes x 2 coders; suggest training on
20,000 coded units with the shipped codebook's rules as features.

    python -m benchmarks.bench_agreement [--repeat 3]

Goals (issue 8): agreement under 5 s; suggest training under 60 s with peak RSS under 2 GB (2 cores).
Each phase runs in its own process (its own peak RSS); the corpus and codings are loaded before timing.
References measured in the same run: scikit-learn's ``cohen_kappa_score`` alone over the same
50 x 10,000 decisions, and a bare ``TfidfVectorizer`` + one ``LogisticRegression`` per code on the same
texts, with the same solver settings (no lemmas, no rules, no cross-validation, no calibration).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from benchmarks.corpus_gen import ROOT, default_dir, generate
from benchmarks.measure import median_runs, peak_rss_mb

SHIPPED = ROOT / "codebooks" / "social_prescribing.yaml"
TRANSCRIPTS, WORDS = 400, 5500  # about 20,000 participant turns


def prepare(folder: Path) -> tuple[Path, Path, Path]:
    """Write (once) the two coders' codings for agreement and the training codings for suggest."""
    import pandas as pd

    import qualcode

    a_path, b_path, train_path = folder / "coder_a.parquet", folder / "coder_b.parquet", folder / "train.parquet"
    if train_path.exists():
        return a_path, b_path, train_path
    corpus = qualcode.load_corpus(folder)
    units = corpus.segments(include_researchers=False).reset_index(drop=True)
    # Agreement: the first 10,000 participant turns, 50 codes; A codes 8% of (unit, code) pairs, B
    # agrees with A except on 3% of the decisions.
    rng = random.Random(0)
    first = units.iloc[:10_000]
    rows_a, rows_b = [], []
    for unit in first.itertuples():
        for k in range(50):
            a = rng.random() < 0.08
            b = a if rng.random() >= 0.03 else not a
            for coder, flag, rows in (("A", a, rows_a), ("B", b, rows_b)):
                if flag:
                    rows.append({"source_id": unit.source_id, "segment_id": unit.segment_id, "start": unit.start,
                                 "end": unit.end, "text": unit.text, "participant_id": unit.participant_id,
                                 "group": unit.group, "label": unit.label, "code_id": f"c{k:02d}",
                                 "code": f"Code {k}", "theme_id": f"t{k // 10}", "theme": f"Theme {k // 10}",
                                 "coder": coder, "origin": "human", "codebook_version": "1"})
    pd.DataFrame(rows_a).to_parquet(a_path)
    pd.DataFrame(rows_b).to_parquet(b_path)
    # Suggest: the shipped codebook's rule codings with 10% of them dropped and, for 5% of coded
    # turns, the code copied to the next turn, as a human coder would differ from the rules.
    book = qualcode.Codebook.from_yaml(SHIPPED)
    rules = qualcode.code(corpus, book)
    keep = [rng.random() >= 0.10 for _ in range(len(rules))]
    human = rules[keep].assign(coder="A", origin="human")
    position = {s: i for i, s in enumerate(units.segment_id)}
    extra = []
    for row in human.itertuples():
        i = position.get(row.segment_id)
        if i is not None and i + 1 < len(units) and units.source_id[i + 1] == row.source_id and rng.random() < 0.05:
            nxt = units.iloc[i + 1]
            extra.append(row._asdict() | {"segment_id": nxt.segment_id, "start": nxt.start, "end": nxt.end,
                                          "text": nxt.text})
    train = pd.concat([human, pd.DataFrame(extra).drop(columns=["Index"])], ignore_index=True)
    train.to_parquet(train_path)
    return a_path, b_path, train_path


def phase(name: str, folder: Path) -> dict:
    import numpy as np
    import pandas as pd

    import qualcode

    corpus = qualcode.load_corpus(folder)
    if name.startswith("agreement"):
        a, b = pd.read_parquet(folder / "coder_a.parquet"), pd.read_parquet(folder / "coder_b.parquet")
        sources = list(dict.fromkeys(a.source_id))
        corpus = corpus.subset(sources)
        units = corpus.segments(include_researchers=False)
        if name == "agreement":
            start = time.perf_counter()
            report = qualcode.agreement([a, b], corpus)
            seconds = time.perf_counter() - start
            pooled = report.overall.iloc[0]
            return {"phase": name, "seconds": seconds, "units": int(pooled.units) // 50, "codes": 50,
                    "kappa": round(float(pooled.kappa), 3), "disagreements": len(report.disagreements),
                    "peak_rss_mb": peak_rss_mb()}
        from sklearn.metrics import cohen_kappa_score

        index = {s: i for i, s in enumerate(units.segment_id)}
        decisions = np.zeros((2, 50, len(units)), dtype=bool)
        for c, frame in enumerate((a, b)):
            decisions[c, frame.code_id.str[1:].astype(int), frame.segment_id.map(index)] = True
        start = time.perf_counter()
        for k in range(50):
            cohen_kappa_score(decisions[0, k], decisions[1, k])
        return {"phase": name, "seconds": time.perf_counter() - start, "units": len(units), "codes": 50,
                "kappa": None, "disagreements": None, "peak_rss_mb": peak_rss_mb()}
    train = pd.read_parquet(folder / "train.parquet")
    book = qualcode.Codebook.from_yaml(SHIPPED)
    units = corpus.segments(include_researchers=False)
    qualcode.nlp()
    if name == "suggest":
        start = time.perf_counter()
        model = qualcode.Suggester(random_state=0).fit(corpus, train, book)
        seconds = time.perf_counter() - start
        return {"phase": name, "seconds": seconds, "units": model.n_units_, "codes": len(model.classes_),
                "kappa": round(float(model.cv_scores_.kappa.mean()), 3), "disagreements": None,
                "peak_rss_mb": peak_rss_mb()}
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from qualcode.human.overlap import overlaps

    units = units.reset_index(drop=True)
    codes = sorted(set(train.code_id))
    coding_pos, unit_pos = overlaps(units, train)
    y = np.zeros((len(units), len(codes)), dtype=bool)
    y[unit_pos, train.code_id.map({c: i for i, c in enumerate(codes)}).to_numpy()[coding_pos]] = True
    start = time.perf_counter()
    x = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(units.text)
    for k in range(len(codes)):
        LogisticRegression(C=0.3, solver="liblinear", dual=True, tol=1e-2, class_weight="balanced").fit(x, y[:, k])
    return {"phase": name, "seconds": time.perf_counter() - start, "units": len(units), "codes": len(codes),
            "kappa": None, "disagreements": None, "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.folder)))
        return
    folder = generate(default_dir(TRANSCRIPTS, WORDS), TRANSCRIPTS, WORDS)
    prepare(folder)
    print(f"corpus: {folder}; median of {args.repeat} runs, each phase in a fresh process")
    results = {}
    for name in ("agreement_ref", "agreement", "suggest_ref", "suggest"):
        r = results[name] = median_runs("bench_agreement", name, args.repeat, "--folder", str(folder))
        print(f"{name:>14}: {r['units']:>7,} units x {r['codes']:>2} codes  {r['seconds']:7.2f} s "
              f"(runs {r['all_seconds']})  peak RSS {r['peak_rss_mb']:,.0f} MB"
              + (f"  kappa {r['kappa']}" if r["kappa"] is not None else "")
              + (f"  {r['disagreements']:,} disagreements" if r["disagreements"] is not None else ""))
    print(f"agreement: {results['agreement']['seconds']:.2f} s (goal < 5 s); "
          f"{results['agreement']['seconds'] / results['agreement_ref']['seconds']:.1f}x the bare kappa computation")
    print(f"suggest training: {results['suggest']['seconds']:.1f} s (goal < 60 s), peak RSS "
          f"{results['suggest']['peak_rss_mb']:,.0f} MB (goal < 2,048 MB); "
          f"{results['suggest']['seconds'] / results['suggest_ref']['seconds']:.1f}x a bare TF-IDF + logistic fit")


if __name__ == "__main__":
    main()

"""Coding by meaning and the Suggester measured on real, public, human-coded texts.

Nothing here ships with qualcode: the data stay where you put them. Three datasets from two independent
publishers. Two are published by the Nottinghamshire Healthcare NHS Foundation Trust CDU Data Science Team
with pxtextmining (https://github.com/CDU-data-science-team/pxtextmining, code MIT; the datasets README says
the data are shared under CC BY-NC-SA 4.0):

``nhs``    ``datasets/v6framework_230831.csv``: 7,908 Friends and Family Test answers from two trusts (NEAS,
           NHFT), each labelled by qualitative analysts with any of the sub-categories of the Patient
           Experience Qualitative Data Categorisation Framework (multi-label). The codebook is built from the
           framework's published definitions and examples (``framework3.qmd`` of
           https://github.com/The-Strategy-Unit/PatientExperience-QDC, MIT), pass it with ``--framework``.
``phase1`` ``datasets/phase_1/text_data.csv``: 10,334 comments from three trusts, each labelled with one
           category of the phase 1 framework (single-label, 9 categories). Only the category and sub-category
           names are published, so the codebook is each category's label with its sub-category names as
           ``include`` text (a stress test of coding from very short text).

The third is published by Google Research (Demszky, Movshovitz-Attias, Ko, Cowen, Nemade, Ravi: "GoEmotions:
A Dataset of Fine-Grained Emotions", ACL 2020, https://aclanthology.org/2020.acl-main.372/):

``goemotions`` ``goemotions/data/{train,dev,test}.tsv`` and ``emotions.txt`` of
           https://github.com/google-research/google-research/tree/master/goemotions (repository licence
           Apache License 2.0, https://github.com/google-research/google-research/blob/master/LICENSE; a
           copy of the same files is in ``data/original/`` of
           https://github.com/monologg/GoEmotions-pytorch, Apache-2.0). 54,263 English Reddit comments, each
           labelled by 3 to 5 raters with any of 27 emotions or Neutral; the published splits keep the
           labels at least 2 raters chose (multi-label). ``--data`` is the folder holding the three .tsv
           files and ``emotions.txt`` (``labels.txt`` in the monologg copy). The codebook is the paper's
           table of emotion definitions, one definition per emotion (held in this script; ``--framework``
           with a two-column TSV, ``emotion`` and ``definition``, replaces them); Neutral is not a code (it
           means no emotion, so it has no content to match) and comments labelled only Neutral are kept as
           answers with no code. There is no respondent id in the splits, so each comment is its own
           respondent; its group is the split it came from. The three splits are pooled and a seeded random
           sample of ``--max-texts`` comments (default 10,000) is evaluated, so a run takes minutes.

Per dataset the script prints, per code and macro: zero-shot (``qualcode.code(..., by="meaning")``) on the
test sources; learned (the Suggester, cross-validated with folds grouped by source) on all sources;
rules-only is not possible (no rule codebook exists for these frameworks). Sources are blocks of
respondents, so no respondent is in two folds. The test part is 20% of the sources, chosen by a fixed
seed; ``--tune`` picks a global similarity threshold on the other 80% only (never on the test part).
The Suggester is given the codebook, so each answer's similarity to each code is one of its features
(``--no-meaning-features`` leaves them out). ``--learning-curve 100,500,...`` also trains it on that many
random answers of the training part only and scores it on the zero-shot test answers: how many coded
answers it needs to pass coding by meaning.

    python benchmarks/eval_meaning.py --dataset nhs --data v6framework_230831.csv --framework framework3.qmd
    python benchmarks/eval_meaning.py --dataset phase1 --data text_data.csv
    python benchmarks/eval_meaning.py --dataset goemotions --data goemotions/
    python benchmarks/eval_meaning.py --dataset nhs ... --learning-curve 100,250,500,1000,2000,4000,8000
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: Columns of the v6 data merged into the framework's final sub-categories, as pxtextmining's own
#: ``params.py``/``merge_categories`` do for the published model.
NHS_MERGES = {
    "Staffing levels & responsiveness": ["Number & deployment of staff", "Staff responsiveness"],
    "Continuity of care": ["Referals & continuity of care", "Staff continuity"],
    "Environment, facilities & equipment": ["Environment & Facilities", "Provision of medical equipment"],
}
NHS_SKIP = {"Labelling not possible", "Not assigned"}  # not topics: no definition of content to match
GOEMOTIONS_SKIP = {"neutral"}  # the absence of an emotion, not a code with content to match
#: The emotion definitions of Demszky et al. (2020), as published with GoEmotions (the paper's table of
#: emotions and their definitions); ``--framework`` (emotion<TAB>definition) replaces them.
GOEMOTIONS_DEFINITIONS = {
    "admiration": "Finding something impressive or worthy of respect.",
    "amusement": "Finding something funny or being entertained.",
    "anger": "A strong feeling of displeasure or antagonism.",
    "annoyance": "Mild anger, irritation.",
    "approval": "Having or expressing a favorable opinion.",
    "caring": "Displaying kindness and concern for others.",
    "confusion": "Lack of understanding, uncertainty.",
    "curiosity": "A strong desire to know or learn something.",
    "desire": "A strong feeling of wanting something or wishing for something to happen.",
    "disappointment": "Sadness or displeasure caused by the nonfulfillment of one’s hopes or expectations.",
    "disapproval": "Having or expressing an unfavorable opinion.",
    "disgust": "Revulsion or strong disapproval aroused by something unpleasant or offensive.",
    "embarrassment": "Self-consciousness, shame, or awkwardness.",
    "excitement": "Feeling of great enthusiasm and eagerness.",
    "fear": "Being afraid or worried.",
    "gratitude": "A feeling of thankfulness and appreciation.",
    "grief": "Intense sorrow, especially caused by someone’s death.",
    "joy": "A feeling of pleasure and happiness.",
    "love": "A strong positive emotion of regard and affection.",
    "nervousness": "Apprehension, worry, anxiety.",
    "optimism": "Hopefulness and confidence about the future or the success of something.",
    "pride": "Pleasure or satisfaction due to one's own achievements or the achievements of those with whom one is closely associated.",
    "realization": "Becoming aware of something.",
    "relief": "Reassurance and relaxation following release from anxiety or distress.",
    "remorse": "Regret or guilty feeling.",
    "sadness": "Emotional pain, sorrow.",
    "surprise": "Feeling astonished, startled by something unexpected.",
}
N_SOURCES = 40
MIN_TEST_POSITIVES = 10


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parse_framework(path: Path) -> dict[str, dict]:
    """``{sub-category: {"definition": ..., "examples": [...]}}`` from the framework's Quarto page."""
    text = path.read_text(encoding="utf-8")
    out = {}
    for block in re.split(r"\n### ", text)[1:]:
        title, _, body = block.partition("\n")
        body = body.split(":::")[0]
        definition, _, examples = body.partition("Examples:")
        quotes = re.findall(r"[‘'](.+?)[’'](?=\s*[,.]?\s*(?:[‘']|$|\n))", examples, flags=re.S)
        out[title.strip()] = {"definition": " ".join(definition.split()),
                              "examples": [" ".join(q.split()) for q in quotes if len(q.split()) >= 1]}
    return out


def load_nhs(data: Path, framework: Path):
    import pandas as pd

    frame = pd.read_csv(data)
    defs = parse_framework(framework)
    for target, parts in NHS_MERGES.items():
        frame[target] = frame[[p for p in parts if p in frame]].fillna(0).max(axis=1)
    codes = [c for c in defs if c in frame.columns and c not in NHS_SKIP]
    missing = sorted(set(defs) - set(codes) - NHS_SKIP)
    frame = frame.rename(columns={"FFT answer": "text", "Respondent ID": "respondent", "Trust": "group"})
    frame = frame[frame.text.notna() & (frame.text.astype(str).str.strip() != "")].reset_index(drop=True)
    labels = frame[codes].fillna(0).astype(int).astype(bool)
    nodes = [{"id": slug(c), "label": c, "definition": defs[c]["definition"], "examples": defs[c]["examples"]}
             for c in codes]
    note = f"framework sub-categories without a column in the data: {', '.join(missing) or 'none'}"
    return frame[["text", "respondent", "group"]], labels.set_axis([slug(c) for c in codes], axis=1), nodes, note


def load_phase1(data: Path):
    import pandas as pd

    frame = pd.read_csv(data)
    frame = frame.rename(columns={"feedback": "text", "organization": "group"})
    frame = frame[frame.text.notna() & (frame.text.astype(str).str.strip() != "")].reset_index(drop=True)
    frame["respondent"] = frame["row_index"].astype(str)
    cats = sorted(frame.label.unique())
    labels = pd.DataFrame({slug(c): (frame.label == c).to_numpy() for c in cats})
    # No definitions are published; each category's sub-category names (listed in the data's README and
    # in its subcategory column) are its `include` text.
    subs = frame.groupby("label").subcategory.unique()
    nodes = [{"id": slug(c), "label": c, "include": "; ".join(sorted(map(str, subs[c])))} for c in cats]
    return (frame[["text", "respondent", "group"]], labels, nodes,
            "codebook from the category names and their sub-category names (no definitions are published)")


def load_goemotions(data: Path, definitions: Path | None, max_texts: int, seed: int):
    import csv

    import numpy as np
    import pandas as pd

    names = data / "emotions.txt" if (data / "emotions.txt").exists() else data / "labels.txt"
    emotions = names.read_text(encoding="utf-8").split()
    parts = []
    for split in ("train", "dev", "test"):
        part = pd.read_csv(data / f"{split}.tsv", sep="\t", header=None, names=["text", "ids", "id"], dtype=str,
                           keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
        parts.append(part.assign(group=split))
    frame = pd.concat(parts, ignore_index=True)
    total = len(frame)
    frame = frame[frame.text.str.strip() != ""]
    if max_texts and len(frame) > max_texts:
        frame = frame.iloc[np.sort(np.random.default_rng(seed).choice(len(frame), max_texts, replace=False))]
    frame = frame.reset_index(drop=True)
    frame["respondent"] = frame["id"]
    defs = (pd.read_csv(definitions, sep="\t", dtype=str).set_index("emotion")["definition"].to_dict()
            if definitions else GOEMOTIONS_DEFINITIONS)
    codes = [e for e in emotions if e not in GOEMOTIONS_SKIP]
    missing = [e for e in codes if e not in defs]
    if missing:
        raise SystemExit(f"no definition for: {', '.join(missing)}")
    chosen = [{emotions[int(k)] for k in ids.split(",") if k} for ids in frame.ids]
    labels = pd.DataFrame({slug(e): [e in c for c in chosen] for e in codes})
    nodes = [{"id": slug(e), "label": e, "definition": defs[e]} for e in codes]
    note = (f"a seeded sample of {len(frame)} of {total} comments (--max-texts {max_texts}, --seed {seed}); "
            "codebook from the paper's emotion definitions (one sentence per emotion, no examples); "
            f"{int((~labels.any(axis=1)).sum())} comments have no emotion (Neutral only)")
    return frame[["text", "respondent", "group"]], labels, nodes, note


def write_corpus(frame, folder: Path, seed: int):
    """Survey files, one per block of respondents, with sources.csv; return each row's source id."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    respondents = frame.respondent.astype(str).unique()
    block = dict(zip(respondents, rng.integers(0, N_SOURCES, len(respondents))))
    frame = frame.assign(source=[f"s{block[r]:02d}" for r in frame.respondent.astype(str)],
                         answer_id=[f"a{i}" for i in range(len(frame))])
    rows = []
    for source, part in frame.groupby("source"):
        part[["answer_id", "group", "text"]].rename(columns={"text": "answer"}).to_csv(folder / f"{source}.csv",
                                                                                     index=False)
        rows.append({"file": f"{source}.csv", "source_id": source, "method": "survey", "id_column": "answer_id",
                     "group_column": "group", "question_columns": "answer"})
    pd.DataFrame(rows).to_csv(folder / "sources.csv", index=False)
    return frame


def prf(gold, predicted):
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(gold, predicted, average="binary", zero_division=0)
    return p, r, f


def table(title, rows, codes_kept):
    print(f"\n{title}")
    print(f"{'code':55s} {'pos':>5s} {'prec':>5s} {'rec':>5s} {'F1':>5s}")
    for code, pos, p, r, f in rows:
        mark = "" if code in codes_kept else " (fewer than 10 test positives)"
        print(f"{code[:55]:55s} {pos:5d} {p:5.2f} {r:5.2f} {f:5.2f}{mark}")
    kept = [row for row in rows if row[0] in codes_kept]
    if kept:
        import numpy as np

        print(f"{'macro (codes with 10+ positives, n=' + str(len(kept)) + ')':55s} {'':5s} "
              f"{np.mean([k[2] for k in kept]):5.2f} {np.mean([k[3] for k in kept]):5.2f} {np.mean([k[4] for k in kept]):5.2f}")
    return float(np.mean([k[4] for k in kept])) if kept else float("nan")


def suggester(args):
    """The Suggester as evaluated: its defaults but for the options, no rule features (no rules exist)."""
    import qualcode

    return qualcode.Suggester(random_state=0, unit="answer", n_splits=5, min_examples=5, C=args.C,
                              embeddings=not args.no_embeddings, char_ngrams=not args.no_char_ngrams,
                              meaning_features=not args.no_meaning_features, rule_features=False,
                              threshold=args.suggest_threshold)


def human_codings(segments, y, code_ids):
    """A codings table of the people's labels ``y`` (segments x codes), origin ``human``."""
    import numpy as np
    import pandas as pd

    rows = []
    for i, seg in enumerate(segments.itertuples(index=False)):
        for k in np.flatnonzero(y[i]):
            rows.append({"source_id": seg.source_id, "segment_id": seg.segment_id,
                         "participant_id": seg.participant_id, "group": seg.group, "label": seg.label,
                         "method": seg.method, "start": seg.start, "end": seg.end, "text": seg.text,
                         "code_id": code_ids[k], "code": code_ids[k], "theme_id": code_ids[k], "theme": code_ids[k],
                         "coder": "analyst", "origin": "human", "codebook_version": "1"})
    return pd.DataFrame(rows)


def learning_curve(args, frame, labels, code_ids, test_sources, corpus, segments, y, is_test, leaked, kept,
                   codebook, zero):
    """The Suggester trained on growing random samples of the training answers, scored on the test part.

    This is how a team meets it: people code some answers, the Suggester learns from those alone (its own
    cross-validated per-code thresholds), and its suggestions on answers nobody coded are compared with the
    people's codes, on the same test answers and codes as zero-shot.
    """
    import numpy as np

    import qualcode

    train_rows = np.flatnonzero(~frame.source.isin(test_sources).to_numpy())
    test_units = segments[is_test]
    keep = ~leaked[is_test]
    gold = y[is_test][keep]
    print(f"\nlearning curve: the Suggester trained on n randomly chosen training answers (seed {args.seed}), "
          f"scored on the {int(keep.sum())} zero-shot test answers; macro F1 over the same {len(kept)} codes "
          f"(zero-shot: {zero:.2f}); a code with too few examples in the sample gets no suggestions (F1 0)")
    print(f"{'n':>6s} {'median positives/code':>22s} {'codes learned':>14s} {'prec':>5s} {'rec':>5s} {'F1':>5s} "
          f"{'s':>5s}")
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(train_rows)
    for n in args.learning_curve:
        rows = np.sort(order[:min(n, len(order))])
        part = frame.iloc[rows].reset_index(drop=True)
        part_labels = labels.iloc[rows].reset_index(drop=True)
        with tempfile.TemporaryDirectory(prefix="i15-curve-") as tmp:
            part = write_corpus(part, Path(tmp), args.seed)
            train = qualcode.load_corpus(Path(tmp))
            units = train.segments("answer")
            where = dict(zip(part.answer_id, range(len(part))))
            y_part = part_labels.iloc[[where[str(p)] for p in units.participant_id]].to_numpy()
            positives = y_part.sum(axis=0)
            started = time.perf_counter()
            try:
                sg = suggester(args).fit(train, human_codings(units, y_part, code_ids), codebook)
            except qualcode.QualcodeError as err:
                print(f"{len(rows):6d} {float(np.median(positives)):22.0f} {0:14d}   (nothing learned: {err})")
                continue
            took = time.perf_counter() - started
        scored, scores = sg.predict_proba(corpus, source_ids=sorted(test_sources))
        pos = {sid: i for i, sid in enumerate(scored.segment_id)}
        pred = np.zeros((len(test_units), len(code_ids)), dtype=bool)
        at = np.array([pos[sid] for sid in test_units.segment_id])
        for j, c in enumerate(sg.classes_):
            pred[:, code_ids.index(c)] = scores[at, j] >= sg.thresholds_[c]
        pred = pred[keep]
        ps, rs, fs = [], [], []
        for k, c in enumerate(code_ids):
            if c in kept:
                p, r, f = prf(gold[:, k], pred[:, k])
                ps.append(p), rs.append(r), fs.append(f)
        learned_codes = sum(c in kept for c in sg.classes_)
        print(f"{len(rows):6d} {float(np.median(positives[[code_ids.index(c) for c in kept]])):22.0f} "
              f"{learned_codes:9d}/{len(kept):<4d} {np.mean(ps):5.2f} {np.mean(rs):5.2f} {np.mean(fs):5.2f} "
              f"{took:5.0f}")


def main(argv=None) -> int:
    import numpy as np
    import pandas as pd

    import qualcode
    from qualcode.coding.meaning import MeaningCoder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=("nhs", "phase1", "goemotions"), required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--framework", type=Path,
                        help="framework3.qmd (nhs); the emotion definitions as emotion<TAB>definition (goemotions)")
    parser.add_argument("--max-texts", type=int, default=10000,
                        help="goemotions: evaluate a seeded random sample of this many comments (0: all)")
    parser.add_argument("--tune", action="store_true", help="choose the global threshold on the training sources")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--skip-learned", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--C", type=float, default=1.0, help="the Suggester's C (inverse regularisation)")
    parser.add_argument("--no-char-ngrams", action="store_true", help="the Suggester without character n-grams")
    parser.add_argument("--no-embeddings", action="store_true", help="the Suggester without embedding features")
    parser.add_argument("--no-meaning-features", action="store_true",
                        help="the Suggester without the codebook's similarities as features")
    parser.add_argument("--suggest-threshold", type=lambda v: v if v == "auto" else float(v), default="auto",
                        help="the calibrated score a suggestion needs: auto (each code's own, the Suggester's "
                             "default) or a number")
    parser.add_argument("--learning-curve", type=lambda v: [int(n) for n in v.split(",")], default=None,
                        metavar="N,N,...", help="also train the Suggester on this many random training answers "
                        "each and score it on the zero-shot test part (e.g. 100,250,500,1000,2500,6000)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    if args.dataset == "nhs":
        if not args.framework:
            parser.error("--framework framework3.qmd is needed for the nhs dataset")
        frame, labels, nodes, note = load_nhs(args.data, args.framework)
    elif args.dataset == "goemotions":
        frame, labels, nodes, note = load_goemotions(args.data, args.framework, args.max_texts, args.seed)
    else:
        frame, labels, nodes, note = load_phase1(args.data)
    print(f"dataset {args.dataset}: {len(frame)} answers, {labels.shape[1]} codes; {note}")
    book = {"name": f"eval {args.dataset}", "version": "1", "themes": nodes}
    if args.threshold is not None:
        book["threshold"] = args.threshold
    with tempfile.TemporaryDirectory(prefix="i15-eval-") as tmp:
        folder = Path(tmp)
        frame = write_corpus(frame, folder, args.seed)
        corpus = qualcode.load_corpus(folder)
        segments = corpus.segments("answer")
        where = dict(zip(frame.answer_id, range(len(frame))))
        seg_rows = [where[str(pid)] for pid in segments.participant_id]
        y = labels.iloc[seg_rows].reset_index(drop=True).to_numpy()
        code_ids = list(labels.columns)
        sources = sorted(frame.source.unique())
        rng = np.random.default_rng(args.seed)
        test_sources = set(rng.choice(sources, size=max(1, len(sources) // 5), replace=False))
        is_test = segments.source_id.isin(test_sources).to_numpy()
        print(f"{len(segments)} answer segments in {len(sources)} sources; test part: {int(is_test.sum())} answers "
              f"in {len(test_sources)} sources")

        codebook = qualcode.Codebook.from_dict(book)
        # Leakage check: framework examples that are verbatim test answers are left out of the scoring.
        examples = {" ".join(e.lower().split()) for n in nodes for e in n.get("examples", [])}
        leaked = np.array([" ".join(str(t).lower().split()) in examples for t in segments.text])
        print(f"{int((leaked & is_test).sum())} test answers equal a codebook example verbatim: left out of the scores")

        if args.tune:
            coder = MeaningCoder(codebook)
            train_texts = segments.text[~is_test].tolist()
            profile, closest, _, against = coder.similarities(train_texts)
            results = []
            for t in np.arange(0.10, 0.70, 0.025):
                coder.thresholds[:] = t
                pred = coder.decide(profile, closest, against)
                f1s = [prf(y[~is_test][:, k], pred[:, coder.nodes.index(c)])[2] for k, c in enumerate(code_ids)
                       if y[~is_test][:, k].sum() >= MIN_TEST_POSITIVES and c in coder.nodes]
                results.append((float(np.mean(f1s)), float(t)))
            print("tuning on the training sources: macro F1 by threshold: "
                  + ", ".join(f"{t:.3f}:{f:.3f}" for f, t in results))
            best_t = max(results)[1]
            print(f"best threshold on training sources: {best_t:.3f}")
            book["threshold"] = best_t
            codebook = qualcode.Codebook.from_dict(book)

        started = time.perf_counter()
        codings = qualcode.code(corpus.subset(sorted(test_sources)), codebook, by="meaning")
        took = time.perf_counter() - started
        test_segments = segments[is_test]
        keep = ~leaked[is_test]
        pred = np.zeros((len(test_segments), len(code_ids)), dtype=bool)
        pos = {sid: i for i, sid in enumerate(test_segments.segment_id)}
        for sid, cid in zip(codings.segment_id, codings.code_id):
            pred[pos[sid], code_ids.index(cid)] = True
        gold = y[is_test][keep]
        pred = pred[keep]
        rows = []
        for k, c in enumerate(code_ids):
            p, r, f = prf(gold[:, k], pred[:, k])
            rows.append((c, int(gold[:, k].sum()), p, r, f))
        kept = {c for c, pos_, *_ in rows if pos_ >= MIN_TEST_POSITIVES}
        zero = table(f"zero-shot, by='meaning' (threshold {codebook.threshold:.3f}), {len(gold)} test answers, "
                     f"{took:.1f} s", rows, kept)

        learned = float("nan")
        if args.learning_curve:
            learning_curve(args, frame, labels, code_ids, test_sources, corpus, segments, y, is_test, leaked, kept,
                           codebook, zero)
        if not args.skip_learned:
            human = human_codings(segments, y, code_ids)
            started = time.perf_counter()
            sg = suggester(args).fit(corpus, human, codebook)
            took = time.perf_counter() - started
            cv = sg.cv_scores_.set_index("code_id")
            rows = [(c, int(cv.loc[c, "positives"]), cv.loc[c, "precision"], cv.loc[c, "recall"], cv.loc[c, "f1"])
                    for c in code_ids if c in cv.index]
            # the same codes as zero-shot: 10+ positives in the zero-shot test part
            learned = table(f"learned: Suggester (C={args.C}, embeddings {'off' if args.no_embeddings else 'on'}, "
                            f"codebook similarities {'off' if args.no_meaning_features else 'on'}, "
                            f"character n-grams {'off' if args.no_char_ngrams else 'on'}, "
                            f"threshold {args.suggest_threshold}), 5-fold cross-validation grouped by source, all {len(segments)} "
                            f"answers, {took:.0f} s", rows, kept)
        print(f"\nsummary {args.dataset}: zero-shot macro F1 {zero:.2f}; learned macro F1 {learned:.2f}; "
              "rules-only: no rule codebook exists for this framework")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

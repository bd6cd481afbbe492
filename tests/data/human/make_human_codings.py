"""Make two human-style coders for transcripts_sample/ from the rule codings of a codebook (deterministic).

    python tests/data/human/make_human_codings.py [--codebook codebooks/social_prescribing.yaml]

A shared "true" coding is derived from the rules: about 10% of rule codings are taken as the rules'
false positives (the coders do not code them), and where the rules coded a turn, the same speaker's next
turn in the source is coded with the same code a quarter of the time (people keep talking about a topic
without repeating its keywords: what the rules miss). Each coder then codes that truth with their own
slips: coder A misses 8% and codes 3% extra on the previous turn; coder B misses 12%, codes 4% extra
and codes a third of the rules' false positives anyway.

Coder A writes offsets and code ids; coder B writes quotes (the first sentence of the excerpt, or more
until it is unique in the source) and code labels, as people do. Output: coder_a.csv and coder_b.csv
next to this script, in the human-codings format read by ``qualcode.read_codings``.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def default_codebook() -> Path:
    shipped = ROOT / "codebooks" / "social_prescribing.yaml"
    return shipped if shipped.exists() else ROOT / "codebooks" / "minimal.yaml"


def quote_for(text: str, excerpt_start: int, excerpt: str) -> str | None:
    """The shortest run of whole sentences from the start of ``excerpt`` that occurs once in ``text``."""
    from qualcode.human.codings import locate_quote

    sentences = SENTENCE_END.split(excerpt.strip())
    for k in range(1, len(sentences) + 1):
        quote = " ".join(sentences[:k])
        if len(quote) < 25 and k < len(sentences):
            continue
        spans = locate_quote(text, quote)
        if len(spans) == 1 and spans[0][0] == excerpt_start:
            return quote
    return None


def make(codebook_path: Path, seed: int = 8):
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    import qualcode

    corpus = qualcode.load_corpus(ROOT / "transcripts_sample")
    codebook = qualcode.Codebook.from_yaml(codebook_path)
    rules = qualcode.code(corpus, codebook)
    turns = corpus.segments("turn", include_researchers=False).reset_index(drop=True)
    position = {seg: i for i, seg in enumerate(turns.segment_id)}
    rng = random.Random(seed)

    # The shared truth: (turn index, code id) -> (start, end) of the excerpt.
    truth: dict[tuple[int, str], tuple[int, int]] = {}
    false_positives: dict[tuple[int, str], tuple[int, int]] = {}
    for row in rules.itertuples():
        key = (position[row.segment_id], row.code_id)
        target = false_positives if rng.random() < 0.10 else truth
        target.setdefault(key, (row.start, row.end))
    for (turn, code_id) in list(truth):
        following = _next_turn(turns, turn, +1)
        if following is not None and (following, code_id) not in truth and rng.random() < 0.25:
            truth[(following, code_id)] = (int(turns.start[following]), int(turns.end[following]))

    def coder(miss: float, extra: float, keep_false: float):
        out = {}
        for (turn, code_id), span in sorted(truth.items()):
            if rng.random() >= miss:
                out[(turn, code_id)] = span
            if rng.random() < extra:
                previous = _next_turn(turns, turn, -1)
                if previous is not None:
                    out.setdefault((previous, code_id), (int(turns.start[previous]), int(turns.end[previous])))
        for key, span in sorted(false_positives.items()):
            if rng.random() < keep_false:
                out[key] = span
        return out

    a, b = coder(0.08, 0.03, 0.0), coder(0.12, 0.04, 0.33)
    rows_a = [{"source_id": turns.source_id[t], "start": s, "end": e, "code": code_id, "coder": "coder_a"}
              for (t, code_id), (s, e) in sorted(a.items(), key=lambda kv: (kv[0][0], kv[1], kv[0][1]))]
    rows_b = []
    for (t, code_id), (s, e) in sorted(b.items(), key=lambda kv: (kv[0][0], kv[1], kv[0][1])):
        source_id = turns.source_id[t]
        text = corpus.text(source_id)
        quote = quote_for(text, s, text[s:e])
        rows_b.append({"source_id": source_id, "start": "" if quote else s, "end": "" if quote else e,
                       "quote": quote or "", "code": codebook.nodes[code_id].label, "coder": "coder_b"})
    return pd.DataFrame(rows_a), pd.DataFrame(rows_b), codebook


def _next_turn(turns, index: int, step: int) -> int | None:
    """The same speaker's next (step=+1) or previous (-1) participant turn in the same source."""
    j = index + step
    while 0 <= j < len(turns) and turns.source_id[j] == turns.source_id[index]:
        if turns.participant_id[j] == turns.participant_id[index]:
            return j
        j += step
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codebook", type=Path, default=default_codebook())
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    a, b, codebook = make(args.codebook)
    a.to_csv(args.out / "coder_a.csv", index=False, lineterminator="\n")
    b.to_csv(args.out / "coder_b.csv", index=False, lineterminator="\n")
    print(f"{codebook.name} v{codebook.version}: coder_a {len(a)} codings, coder_b {len(b)} codings "
          f"({(b.quote != '').sum()} as quotes)")


if __name__ == "__main__":
    main()

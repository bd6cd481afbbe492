"""Generate a large synthetic corpus on disk for benchmarks, from the sample study's own sentences.

Transcripts alternate short interviewer questions with participant turns of 1-12 sentences drawn
(with a fixed seed) from transcripts_sample/, so word and label statistics look like real data.
The folder gets participants.csv and sources.csv; it is reused when it already exists.

    python benchmarks/corpus_gen.py --transcripts 1000 --words 8000 --out /tmp/qualcode-bench/1000x8000
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ["Key Stakeholders", "Referrers", "Link Workers", "Clients", "Community Agencies"]
PREFIX = {"Key Stakeholders": "KSH", "Referrers": "REF", "Link Workers": "LW", "Clients": "C", "Community Agencies": "VCS"}


def sentence_pool() -> tuple[list[str], list[str]]:
    import qualcode

    corpus = qualcode.load_corpus(ROOT / "transcripts_sample")
    sentences = corpus.segments("sentence")
    talk = sentences[~sentences.is_researcher & (sentences.words >= 3)].text.str.replace("\n", " ").tolist()
    questions = sentences[sentences.is_researcher & sentences.text.str.endswith("?")].text.str.replace("\n", " ").tolist()
    return talk, questions


def generate(out: Path, transcripts: int, words: int, seed: int = 0) -> Path:
    """Write the corpus to ``out`` (skipped if ``out/sources.csv`` exists); return ``out``."""
    if (out / "sources.csv").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    talk, questions = sentence_pool()
    people = []
    sources = []
    for i in range(transcripts):
        group = GROUPS[i % len(GROUPS)]
        pid = f"{PREFIX[group]}{i:05d}"
        people.append((pid, group, f"{group[:-1] if group.endswith('s') else group} {i}"))
        lines, count = [f"Interview with {pid} (generated)", ""], 0
        while count < words:
            question = rng.choice(questions)
            answer = " ".join(rng.choice(talk) for _ in range(rng.randint(1, 12)))
            lines += [f"Interviewer: {question}", "", f"{pid}: {answer}", ""]
            count += len(question.split()) + len(answer.split())
        sub = out / f"batch{i // 100:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{pid}.txt").write_text("\n".join(lines), encoding="utf-8")
        sources.append({"file": f"batch{i // 100:03d}/{pid}.txt", "source_id": pid, "method": "interview",
                        "participants": pid, "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "wave": str(1 + i % 2),
                        "researchers": "Interviewer"})
    with open(out / "participants.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["participant_id", "group", "label"])
        writer.writerows(people)
    with open(out / "sources.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(sources[0]))
        writer.writeheader()
        writer.writerows(sources)
    return out


def default_dir(transcripts: int, words: int) -> Path:
    return Path("/tmp/qualcode-bench") / f"{transcripts}x{words}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    print(generate(args.out or default_dir(args.transcripts, args.words), args.transcripts, args.words))

"""REFI-QDA speed: export then import a generated project of 1,000 sources and 50,000 codings.

    python -m benchmarks.bench_refi --transcripts 1000 --words 8000 --codings 50000 [--repeat 3]

Each phase runs in its own process (its own peak RSS); medians of ``--repeat`` runs. Phases:

- ``export``: :func:`qualcode.write_qdpx` of a loaded corpus, the shipped codebook and the codings
  (the corpus and codings are loaded before timing starts; their load time is printed beside it);
- ``import``: :func:`qualcode.import_qdpx`, the .qdpx to a study folder (what ``qualcode import`` does);
- ``read``: :func:`qualcode.read_qdpx`, the import plus loading the folder and building the codings table;
- ``reference``: the floor for the same work without qualcode's checks: zip the texts with an XML of the
  same size made by plain ElementTree, then parse it back and write the texts out.

Goal (issue 7): each direction under 20 s and under 1 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path

from benchmarks.corpus_gen import ROOT, default_dir, generate
from benchmarks.measure import median_runs, peak_rss_mb, run_phase

CODEBOOK = ROOT / "codebooks" / "social_prescribing.yaml"
WORK = Path("/tmp/qualcode-bench/refi")


def make_codings(folder: Path, count: int, out: Path, seed: int = 0) -> Path:
    """``count`` codings by three coders: random participant turns (or a sentence-sized part of one) and codes."""
    if out.exists():
        return out
    import pandas as pd

    import qualcode

    rng = random.Random(seed)
    corpus = qualcode.load_corpus(folder)
    book = qualcode.Codebook.from_yaml(CODEBOOK)
    turns = corpus.segments("turn", include_researchers=False)[["source_id", "start", "end"]].values.tolist()
    codes = list(book.nodes)
    rows = []
    for i in range(count):
        source_id, start, end = rng.choice(turns)
        if end - start > 200 and rng.random() < 0.5:
            a = rng.randrange(start, end - 100)
            start, end = a, min(end, a + rng.randint(40, 400))
        rows.append({"source_id": source_id, "start": start, "end": end, "code": rng.choice(codes),
                     "coder": ("Alice", "Bob", "rules@1.0")[i % 3]})
    frame = pd.DataFrame(rows).drop_duplicates()
    out.parent.mkdir(parents=True, exist_ok=True)
    from qualcode.human.codings import human_rows

    table, problems = human_rows(frame, corpus, book)
    assert not problems, problems[:3]
    table.to_parquet(out, index=False)
    return out


def phase(name: str, folder: Path, codings: Path) -> dict:
    import pandas as pd

    import qualcode

    qdpx = WORK / "project.qdpx"
    result: dict = {"phase": name}
    if name == "export":
        start = time.perf_counter()
        corpus = qualcode.load_corpus(folder)
        book = qualcode.Codebook.from_yaml(CODEBOOK)
        table = pd.read_parquet(codings)
        result["load_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        report = qualcode.write_qdpx(corpus, book, table, WORK / "export.qdpx", force=True)
        result["seconds"] = time.perf_counter() - start
        result["codings"], result["sources"] = report.counts["codings"], report.counts["sources"]
        result["mb"] = (WORK / "export.qdpx").stat().st_size / 1e6
    elif name == "import":
        out = WORK / "study-import"
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        report = qualcode.import_qdpx(qdpx, out)
        result["seconds"] = time.perf_counter() - start
        result["codings"], result["sources"] = report.counts["codings"], report.counts["sources"]
    elif name == "read":
        start = time.perf_counter()
        corpus, book, table = qualcode.read_qdpx(qdpx)
        result["seconds"] = time.perf_counter() - start
        result["codings"], result["sources"] = len(table), len(corpus)
    else:
        result.update(reference(folder, codings))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def reference(folder: Path, codings: Path) -> dict:
    """Zip the texts with a same-shaped XML built by plain ElementTree, then parse it and write the texts out."""
    import zipfile
    from xml.etree import ElementTree as ET

    import pandas as pd

    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))}
    table = pd.read_parquet(codings, columns=["source_id", "start", "end", "code_id", "coder"])
    start = time.perf_counter()
    root = ET.Element("Project")
    sources = ET.SubElement(root, "Sources")
    by_source = {sid: part for sid, part in table.groupby("source_id")}
    for sid in texts:
        element = ET.SubElement(sources, "TextSource", {"name": sid, "plainTextPath": f"internal://{sid}.txt"})
        part = by_source.get(sid)
        for s, e, code, coder in ([] if part is None else part[["start", "end", "code_id", "coder"]].itertuples(index=False)):
            selection = ET.SubElement(element, "PlainTextSelection", {"startPosition": str(s), "endPosition": str(e)})
            ET.SubElement(ET.SubElement(selection, "Coding", {"creatingUser": coder}), "CodeRef", {"targetGUID": code})
    path = WORK / "reference.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as zf:  # as write_qdpx does
        zf.writestr("project.qde", ET.tostring(root))
        for sid, text in texts.items():
            zf.writestr(f"sources/{sid}.txt", text.encode("utf-8"))
    written = time.perf_counter() - start
    start = time.perf_counter()
    out = WORK / "reference-out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    with zipfile.ZipFile(path) as zf:
        parsed = ET.fromstring(zf.read("project.qde"))
        for element in parsed.iter("TextSource"):
            name = element.get("name")
            (out / f"{name}.txt").write_bytes(zf.read(f"sources/{name}.txt"))
    return {"seconds": written + time.perf_counter() - start, "write_seconds": written,
            "codings": len(table), "sources": len(texts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--codings-file", type=Path)
    args = parser.parse_args()
    if args.phase:
        if args.phase == "setup":
            make_codings(args.folder, args.codings, args.codings_file)
            print(json.dumps({"phase": "setup"}))
        else:
            print(json.dumps(phase(args.phase, args.folder, args.codings_file)))
        return
    folder = generate(default_dir(args.transcripts, args.words), args.transcripts, args.words)
    codings = WORK / f"codings-{args.transcripts}x{args.words}-{args.codings}.parquet"
    WORK.mkdir(parents=True, exist_ok=True)
    # In its own process: Linux keeps a parent's peak RSS in the children it starts afterwards.
    run_phase("bench_refi", "setup", "--folder", str(folder), "--codings-file", str(codings), "--codings", str(args.codings))
    print(f"corpus: {folder}; codings: {codings}; median of {args.repeat} runs per phase")
    common = ("--folder", str(folder), "--codings-file", str(codings))
    results = {}
    for name in ("export", "import", "read", "reference"):
        if name == "import":  # the project every import phase reads: the export's output
            shutil.copyfile(WORK / "export.qdpx", WORK / "project.qdpx")
        results[name] = r = median_runs("bench_refi", name, args.repeat, *common)
        extra = f" (+ {r['load_seconds']:.2f} s loading corpus and codings first)" if "load_seconds" in r else ""
        size = f", {r['mb']:.1f} MB" if "mb" in r else ""
        print(f"{name:>10}: {r['seconds']:7.2f} s (runs {r['all_seconds']}){extra}  {r['sources']:,} sources "
              f"{r['codings']:,} codings{size}  peak RSS {r['peak_rss_mb']:,.0f} MB")
    print(f"export {results['export']['seconds']:.1f} s and import {results['import']['seconds']:.1f} s "
          f"(read_qdpx {results['read']['seconds']:.1f} s): goal each direction < 20 s and < 1 GB")


if __name__ == "__main__":
    main()

"""The browser workspace's speed (issue 17): the source page, a decision's round trip, the overview.

    python -m benchmarks.bench_workspace [--repeat 15] [--overview-transcripts 1000 --overview-words 8000]

Two generated studies (benchmarks/corpus_gen.py), each made into a project, each served by a real
``qualcode.workspace.Workspace`` on 127.0.0.1 (in this process, on its own thread):

- **source**: one transcript of 10,000 words with 500 codings (random spans of participant turns, random codes
  of the shipped codebook; a third suggested by rules, a third by meaning with calibrated scores, a third by
  hand). Measured: the server's time to produce the source page (its ``Server-Timing`` header: the project
  calls and the view; and the whole request as a client sees it), the time until the page is usable in the
  system Chromium (navigation start to the page's script having drawn the highlights and margin stripes:
  ``document.body.dataset.readyAt``), and an accept or reject round trip (``POST /api/decide``, as the review
  queue sends it). References in the same run: a static file through the same server (the floor of any
  request), and ``Project.codings()`` called directly (the project's share of the page).
- **overview**: ``--overview-transcripts`` transcripts of ``--overview-words`` words (default 1,000 x 8,000:
  the benchmark corpus, 8 M words; the project is made once, by the rules coder, and reused); ``GET /`` timed, and a source page of
  that project (its 10,000-word page is above; here, the cost of a project with many codings).

Goals (issue 17): source page < 300 ms on the server and usable < 1 s in the browser; accept/reject < 100 ms;
overview of the 1,000-transcript corpus < 2 s. Medians of ``--repeat`` runs; the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.corpus_gen import ROOT, generate
from benchmarks.measure import peak_rss_mb

CODEBOOK = ROOT / "codebooks" / "social_prescribing.yaml"
WORK = Path("/tmp/qualcode-bench/workspace")


def make_source_project(folder: Path, codings: int, seed: int = 0):
    import pandas as pd

    import qualcode
    from qualcode.coding.table import CODING_COLUMNS
    from qualcode.project import Project

    generate(folder, 1, 10_000, seed=seed)
    corpus = qualcode.load_corpus(folder)
    book = qualcode.Codebook.from_yaml(CODEBOOK)
    rng = random.Random(seed)
    turns = corpus.segments("turn", include_researchers=False)
    codes = [n for n in book.nodes.values() if n.level >= 2]
    rows = []
    for i in range(codings):
        turn = turns.iloc[rng.randrange(len(turns))]
        start, end = int(turn.start), int(turn.end)
        if end - start > 160:
            a = rng.randrange(start, end - 80)
            start, end = a, min(end, a + rng.randrange(60, 400))
        node = rng.choice(codes)
        origin = "rule" if i % 2 else "meaning"
        rows.append({"source_id": turn.source_id, "segment_id": turn.segment_id, "participant_id": turn.participant_id,
                     "group": turn.group, "label": turn.label, "method": turn.method, "start": start, "end": end,
                     "text": corpus.text(turn.source_id)[start:end], "code_id": node.id, "code": node.label,
                     "theme_id": node.theme_id, "theme": book.nodes[node.theme_id].label,
                     "subtheme_id": node.subtheme_id, "subtheme": book.nodes[node.subtheme_id].label if node.subtheme_id else None,
                     "coder": "rules@bench" if origin == "rule" else "meaning@bench", "origin": origin,
                     "score": float(rng.randrange(1, 4)) if origin == "rule" else rng.random(),
                     "evidence": "bench", "codebook_version": book.version})
    machine = pd.DataFrame(rows, columns=CODING_COLUMNS)
    hand = machine.iloc[: codings // 3]
    project = Project.init(folder, book, corpus=corpus, codings=machine.iloc[codings // 3:])
    for row in hand.itertuples(index=False):
        project.code(row.source_id, row.start, row.end, row.code_id, coder="carol")
    project.close()
    return corpus.source_ids[0]


def serve(folder: Path, coder: str):
    from qualcode.workspace import Workspace

    workspace = Workspace(folder, coder)
    import uvicorn

    config = uvicorn.Config(workspace.app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [workspace.socket]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return workspace, server, thread


def timed(url: str, token: str, *, body=None) -> tuple[float, dict, str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET",
                                     headers={"X-Qualcode-Token": token, "Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        text = response.read().decode()
        headers = dict(response.headers)
    return time.perf_counter() - t0, headers, text


def median_ms(values) -> float:
    return round(statistics.median(values) * 1000, 1)


def browser_usable(url: str, pages: list[str], repeat: int) -> list[float]:
    import shutil as sh

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = sh.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(sh.which("chromedriver")), options=options)
    try:
        driver.get(url)
        times = []
        for _ in range(repeat):
            for page in pages:
                driver.get(page)
                WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.readyAt"))
                times.append(float(driver.execute_script("return document.body.dataset.readyAt")) / 1000)
        return times
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--codings", type=int, default=500)
    parser.add_argument("--overview-transcripts", type=int, default=1000)
    parser.add_argument("--overview-words", type=int, default=8000)
    parser.add_argument("--skip-overview", action="store_true")
    args = parser.parse_args()
    from qualcode.project import Project

    results: dict = {}
    folder = WORK / f"source-10000w-{args.codings}c"
    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    source_id = make_source_project(folder, args.codings)
    results["source_project_made_s"] = round(time.perf_counter() - t0, 1)
    with Project(folder) as p:
        codings_table = p.codings()
        reference = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            p.codings()
            reference.append(time.perf_counter() - t)
    results["source_codings"] = int((codings_table.source_id == source_id).sum())
    results["project_codings_direct_ms"] = median_ms(reference)
    workspace, server, _ = serve(folder, "bench")
    base, token = workspace.url.split("/?token=")
    page = f"{base}/source/{source_id}"
    timed(page, token)  # warm: the corpus is loaded once per server
    client, build = [], []
    for _ in range(args.repeat):
        seconds, headers, text = timed(page, token)
        client.append(seconds)
        build.append(float(headers["server-timing"].split("dur=")[1]) / 1000)
    results["source_page_server_ms"] = median_ms(build)
    results["source_page_request_ms"] = median_ms(client)
    results["source_page_kb"] = round(len(text.encode()) / 1024)
    static = [timed(f"{base}/static/workspace.css", token)[0] for _ in range(args.repeat)]
    results["reference_static_request_ms"] = median_ms(static)
    results["source_page_usable_in_browser_ms"] = median_ms(browser_usable(workspace.url, [page], max(5, args.repeat // 2)))
    suggested = codings_table[codings_table.status == "suggested"].coding_id.tolist()
    decisions = []
    for i, coding_id in enumerate(suggested[: args.repeat * 4]):
        body = {"coding_id": coding_id, "decision": "accept" if i % 2 else "reject"}
        decisions.append(timed(f"{base}/api/decide", token, body=body)[0])
    results["decision_round_trip_ms"] = median_ms(decisions)
    results["decisions_timed"] = len(decisions)
    server.should_exit = True
    time.sleep(0.5)
    workspace.app.close()

    if not args.skip_overview:
        big = WORK / f"overview-{args.overview_transcripts}x{args.overview_words}"
        if not (big / "qualcode-project.db").exists():
            generate(big, args.overview_transcripts, args.overview_words)
            t0 = time.perf_counter()
            Project.init(big, CODEBOOK).close()
            results["overview_project_made_s"] = round(time.perf_counter() - t0, 1)
        with Project(big) as p:
            results["overview_codings"] = len(p.codings())
            t = time.perf_counter()
            p.status()
            results["project_status_direct_ms"] = round((time.perf_counter() - t) * 1000, 1)
        t0 = time.perf_counter()
        workspace, server, _ = serve(big, "bench")
        base, token = workspace.url.split("/?token=")
        first = timed(f"{base}/", token)[0]
        results["overview_server_start_and_first_page_s"] = round(time.perf_counter() - t0, 2)
        results["overview_first_ms"] = round(first * 1000, 1)
        runs = [timed(f"{base}/", token)[0] for _ in range(max(3, args.repeat // 3))]
        results["overview_page_ms"] = median_ms(runs)
        results["overview_sources"] = args.overview_transcripts
        with Project(big) as p:
            first_source = sorted(p.codings().source_id.unique())[0]
        pages = [timed(f"{base}/source/{first_source}", token)[1] for _ in range(3)]
        results["large_project_source_page_server_ms"] = round(statistics.median(
            float(h["server-timing"].split("dur=")[1]) for h in pages), 1)
        server.should_exit = True
        time.sleep(0.5)
        workspace.app.close()
    results["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

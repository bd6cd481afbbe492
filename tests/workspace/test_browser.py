"""The workspace as a person uses it: real `qualcode review` servers, the system Chromium driven by Selenium.

One project, two servers (alice and bob, as two coders would run them), one browser with a window each; the
tests run in file order and each works on its own source or coding, so the shared state stays readable.
Set ``QUALCODE_SCREENSHOTS=1`` to have the run write the README's screenshots into docs/images/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..conftest import ROOT, SAMPLE

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a test dependency (pip install -e '.[test]')")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

import qualcode  # noqa: E402
from qualcode.project import Project  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="the system Chromium is not installed: the browser tests need Debian's chromium and chromium-driver "
           "(apt-get install chromium chromium-driver; .ci/run installs them when it runs as root)")

BOOK = ROOT / "codebooks" / "social_prescribing.yaml"
HOSTILE = ('<script>window.__pwned = 1</script> I said "it\'s <b>fine</b>" & then </script><img src=x '
           'onerror="window.__pwned = 2"> left it there.')


def _study(folder: Path) -> Path:
    """Three sources of the sample study and one whose text holds HTML, a script and quote characters."""
    folder.mkdir()
    keep = {"clients/C1.txt", "referrers/GP-FG1.txt", "link_workers/LW1-w1.txt"}
    for rel in keep:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / rel, folder / rel)
    lines = (SAMPLE / "sources.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in keep]
    rows.append("clients/X1.txt,X1,interview,X1,2023-09-01,1,Interviewer,,,,")
    (folder / "sources.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    people = (SAMPLE / "participants.csv").read_text(encoding="utf-8").splitlines()
    wanted = {"C1", "GP1", "GP2", "GP3", "GP4", "LW1"}
    out = [people[0]] + [p for p in people[1:] if p.split(",")[0] in wanted] + ["X1,Clients,Client <X1>,,"]
    (folder / "participants.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
    (folder / "clients" / "X1.txt").write_text(
        f"Interviewer: What happened at the surgery?\n\nClient <X1>: {HOSTILE}\n\nInterviewer: Thanks.\n", encoding="utf-8")
    return folder


class Server:
    """A `qualcode review` process, as a user starts it."""

    def __init__(self, folder: Path, coder: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from qualcode.cli import main; main()", "review", str(folder), "--coder", coder,
             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.coder = coder

    def wait(self):
        line = self.proc.stdout.readline()
        if "http://" not in line:
            raise RuntimeError(f"qualcode review did not start: {line}{self.proc.stderr.read()}")
        self.url = line.split("Open ", 1)[1].strip()
        self.base, self.token = self.url.split("/?token=")
        self.port = int(self.base.rsplit(":", 1)[1])
        return self


@pytest.fixture(scope="session")
def study(tmp_path_factory):
    folder = _study(tmp_path_factory.mktemp("workspace") / "study")
    project = Project.init(folder, BOOK)
    assert len(project.codings(status="suggested")) > 50
    # a hand coding on the hostile passage, so its text also travels in the page's data
    text = qualcode.load_corpus(folder).text("X1")
    start = text.index("<script>")
    project.code("X1", start, start + len(HOSTILE), "buddying", coder="carol", memo='<i>memo</i> "quoted"')
    project.close()
    return folder


@pytest.fixture(scope="session")
def servers(study):
    alice, bob = Server(study, "alice"), Server(study, "bob")
    started = {"alice": alice.wait(), "bob": bob.wait()}
    yield started
    for server in started.values():
        if server.proc.poll() is None:
            server.proc.send_signal(signal.SIGINT)
            try:
                server.proc.wait(10)
            except subprocess.TimeoutExpired:
                server.proc.kill()


@pytest.fixture(scope="session")
def browser(servers):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--force-device-scale-factor=1"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    windows = {}
    for name, server in servers.items():
        if windows:
            driver.switch_to.new_window("window")
        driver.get(server.url)  # the printed address: sets this server's cookie and drops the token from the URL
        windows[name] = driver.current_window_handle
    driver.windows = windows
    yield driver
    driver.quit()


@pytest.fixture
def as_alice(browser, servers):
    browser.switch_to.window(browser.windows["alice"])
    return browser, servers["alice"]


@pytest.fixture
def as_bob(browser, servers):
    browser.switch_to.window(browser.windows["bob"])
    return browser, servers["bob"]


# -- helpers ------------------------------------------------------------------------------------------------
def open_page(driver, url):
    driver.get(url)
    wait_ready(driver)


def wait_ready(driver, timeout=15):
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && document.body.dataset.ready === '1' && !window.__before"))


def mark(driver):
    """Mark the current page, so a wait can tell when it has been replaced by a reload."""
    driver.execute_script("window.__before = 1")


def flash(driver) -> str:
    box = driver.find_element(By.ID, "flash")
    return box.text if box.is_displayed() else ""


def wait_flash(driver, contains: str, timeout=15) -> str:
    WebDriverWait(driver, timeout).until(lambda d: contains in flash(d))
    return flash(driver)


def project(study) -> Project:
    return Project(study)


def request(url, *, method="GET", headers=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def api(server, path, body):
    status, text = request(server.base + path, method="POST", headers={"X-Qualcode-Token": server.token}, body=body)
    return status, json.loads(text)


def drag_select(driver, run, first: int, last: int) -> str:
    """Select characters ``first``..``last`` of a run's text by dragging the mouse across them; returns the
    selection as the browser has it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", run)
    x1, y1, x2, y2 = driver.execute_script("""
        const node = arguments[0].firstChild, range = document.createRange();
        range.setStart(node, arguments[1]); range.setEnd(node, arguments[1] + 1);
        const a = range.getBoundingClientRect();
        range.setStart(node, arguments[2] - 1); range.setEnd(node, arguments[2]);
        const b = range.getBoundingClientRect();
        return [a.left + 1, a.top + a.height / 2, b.right - 1, b.top + b.height / 2];""", run, first, last)
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(x1), int(y1))
    actions.pointer_action.pointer_down()
    actions.pointer_action.move_to_location(int((x1 + x2) / 2), int(y2))
    actions.pointer_action.move_to_location(int(x2), int(y2))
    actions.pointer_action.pointer_up()
    actions.perform()
    return driver.execute_script("return window.getSelection().toString()")


# -- the tests ------------------------------------------------------------------------------------------------
def test_a_request_without_the_token_is_refused(servers):
    alice = servers["alice"]
    assert request(alice.base + "/")[0] == 403
    assert request(alice.base + "/source/C1")[0] == 403
    assert request(alice.base + "/?token=wrong")[0] == 403
    status, text = request(alice.base + "/api/undo", method="POST", body={})
    assert status == 403 and "token" in text
    # another site's page could make the browser send the cookie, never the header: changes need the header
    cookie = {"Cookie": f"qualcode_{alice.port}={alice.token}"}
    assert request(alice.base + "/api/undo", method="POST", headers=cookie, body={})[0] == 403
    assert request(alice.base + "/", headers={"Host": f"evil.example:{alice.port}", **cookie})[0] == 403
    status, page = request(alice.base + "/", headers=cookie)
    assert status == 200 and "Overview" in page
    assert alice.base.startswith("http://127.0.0.1:")


def test_select_a_passage_with_the_mouse_apply_a_code_and_see_it_after_a_reload(as_alice, study):
    driver, alice = as_alice
    open_page(driver, alice.base + "/source/LW1-w1")
    run = driver.execute_script("""
        for (const block of document.querySelectorAll('#text .block:not(.researcher):not(.gap)')) {
          const free = Array.from(block.querySelectorAll('span.r:not([data-c])')).find((r) => r.textContent.length > 60);
          if (free) return free;
        }""")
    start = int(run.get_attribute("data-s"))
    chosen = drag_select(driver, run, 4, 40)
    assert chosen == run.text[4:40] or chosen.strip() == run.text[4:40].strip()
    assert "Selected" in driver.find_element(By.ID, "selection-info").text
    box = driver.find_element(By.ID, "code-search")
    box.send_keys("buddying")
    mark(driver)
    driver.find_element(By.CSS_SELECTOR, '#codebook-tree button.apply[data-code="buddying"]').click()
    wait_ready(driver)
    assert "Coded" in flash(driver)
    driver.refresh()
    wait_ready(driver)
    with project(study) as p:
        mine = p.codings(status="human")
        mine = mine[(mine.decided_by == "alice") & (mine.source_id == "LW1-w1")]
    assert len(mine) == 1
    coding = mine.iloc[0]
    assert coding.code_id == "buddying" and coding.start == start + 4 and coding.text == chosen
    shown = driver.find_elements(By.CSS_SELECTOR, f'span.r[data-c~="{coding.coding_id}"]')
    assert "".join(r.text for r in shown).strip() == chosen.strip()
    stripe = driver.find_element(By.CSS_SELECTOR, f'#stripes .stripe[data-coding="{coding.coding_id}"]')
    assert stripe.get_attribute("title").startswith("Buddying")
    # a click on the highlight shows where the coding came from
    shown[0].click()
    details = driver.find_element(By.ID, "coding-details").text
    assert "human" in details and "alice" in details

    # propose a new code from another passage: a candidate node with the passage as its example
    run = driver.execute_script("""
        return Array.from(document.querySelectorAll('#text .block:not(.researcher) span.r:not([data-c])'))
          .filter((r) => r.textContent.length > 60)[1];""")
    passage = drag_select(driver, run, 0, 30)
    summary = driver.find_element(By.CSS_SELECTOR, "#propose summary")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    driver.find_element(By.ID, "propose-label").send_keys("Weather and getting out")
    mark(driver)
    driver.find_element(By.ID, "propose-button").click()
    wait_ready(driver)
    assert "candidate" in flash(driver)
    with project(study) as p:
        node = p.codebook.node("weather-and-getting-out")
    assert node.status == "candidate" and node.examples == (passage.strip(),)
    assert driver.find_element(By.CSS_SELECTOR, 'li.node[data-code="weather-and-getting-out"] .tag').text == "candidate"


def test_accept_and_reject_from_the_queue_with_the_keyboard_then_undo(as_alice, study):
    driver, alice = as_alice
    open_page(driver, alice.base + "/queue?code=nature-value")
    first = driver.find_element(By.ID, "suggestion").get_attribute("data-coding")
    mark(driver)
    driver.find_element(By.TAG_NAME, "body").send_keys("a")
    wait_ready(driver)
    assert "Accepted" in flash(driver)
    second = driver.find_element(By.ID, "suggestion").get_attribute("data-coding")
    assert second != first
    mark(driver)
    driver.find_element(By.TAG_NAME, "body").send_keys("r")
    wait_ready(driver)
    third = driver.find_element(By.ID, "suggestion").get_attribute("data-coding")
    mark(driver)
    driver.find_element(By.TAG_NAME, "body").send_keys("s")  # skip: the next one, nothing decided
    wait_ready(driver)
    assert driver.find_element(By.ID, "suggestion").get_attribute("data-coding") not in (first, second, third)
    with project(study) as p:
        table = p.codings().set_index("coding_id")
        assert table.loc[first, "status"] == "accepted" and table.loc[first, "decided_by"] == "alice"
        assert table.loc[second, "status"] == "rejected"
        assert table.loc[third, "status"] == "suggested"
    mark(driver)
    driver.find_element(By.TAG_NAME, "body").send_keys("u")
    wait_ready(driver)
    assert "Undone" in flash(driver) and "reject" in flash(driver)
    with project(study) as p:
        table = p.codings().set_index("coding_id")
        assert table.loc[second, "status"] == "suggested" and table.loc[first, "status"] == "accepted"


def test_write_memos_on_the_project_and_a_participant(as_alice, study):
    driver, alice = as_alice
    open_page(driver, alice.base + "/memos")
    driver.find_element(By.ID, "memo-text").send_keys("Journal: clients talk about <weather> & \"getting out\".")
    mark(driver)
    driver.find_element(By.CSS_SELECTOR, "#memo-form button[type=submit]").click()
    wait_ready(driver)
    assert 'Journal: clients talk about <weather> & "getting out".' in driver.find_element(By.CSS_SELECTOR, ".memo-table").text
    open_page(driver, alice.base + "/source/C1")
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "memo-target")).select_by_value("participant:C1")
    driver.find_element(By.ID, "memo-text").send_keys("Lives alone; referral came through the GP.")
    mark(driver)
    driver.find_element(By.CSS_SELECTOR, "#memo-form button[type=submit]").click()
    wait_ready(driver)
    assert "Lives alone" in driver.find_element(By.CSS_SELECTOR, "#memo-panel ul.memos").text
    with project(study) as p:
        memos = p.memos()
    assert set(memos[memos.coder == "alice"].kind) == {"project", "participant"}
    assert memos[memos.kind == "participant"].iloc[0].target == "C1"


def test_two_coders_at_once_lose_nothing_and_a_stale_page_is_refused(browser, servers, study):
    alice, bob = servers["alice"], servers["bob"]
    browser.switch_to.window(browser.windows["alice"])
    open_page(browser, alice.base + "/queue?code=accessing-lw-support")
    seen_by_alice = browser.find_element(By.ID, "suggestion").get_attribute("data-coding")
    browser.switch_to.window(browser.windows["bob"])
    open_page(browser, bob.base + "/queue?code=accessing-lw-support")
    assert browser.find_element(By.ID, "suggestion").get_attribute("data-coding") == seen_by_alice
    # alice accepts; bob's page still shows the suggestion as waiting
    browser.switch_to.window(browser.windows["alice"])
    mark(browser)
    browser.find_element(By.TAG_NAME, "body").send_keys("a")
    wait_ready(browser)
    browser.switch_to.window(browser.windows["bob"])
    browser.find_element(By.TAG_NAME, "body").send_keys("r")
    message = wait_flash(browser, "Not saved")
    assert "changed since" in message and seen_by_alice in message
    with project(study) as p:
        table = p.codings().set_index("coding_id")
    assert table.loc[seen_by_alice, "status"] == "accepted" and table.loc[seen_by_alice, "decided_by"] == "alice"
    # both code by hand at the same moment, through their own servers
    results = {}

    def code(server, code_id):
        results[server.coder] = api(server, "/api/code", {"source_id": "C1", "start": 700, "end": 760, "code_id": code_id})

    threads = [threading.Thread(target=code, args=(s, c)) for s, c in ((alice, "buddying"), (bob, "tapering-support"))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert all(status == 200 for status, _ in results.values()), results
    with project(study) as p:
        human = p.codings(status="human")
    both = human[(human.source_id == "C1") & (human.start == 700)]
    assert sorted(zip(both.decided_by, both.code_id)) == [("alice", "buddying"), ("bob", "tapering-support")]
    # bob, reloading, sees alice's coding too
    open_page(browser, bob.base + "/source/C1")
    ids = " ".join(r.get_attribute("data-c") or "" for r in browser.find_elements(By.CSS_SELECTOR, "span.r[data-c]"))
    assert all(coding_id in ids for coding_id in both.coding_id)


def test_recode_a_suggestion_from_the_source_page_and_filter_what_is_shown(as_bob, study):
    driver, bob = as_bob
    open_page(driver, bob.base + "/source/GP-FG1?status=suggested")
    codings = json.loads(driver.find_element(By.ID, "codings-data").get_attribute("textContent"))
    assert codings and {c["status"] for c in codings} == {"suggested"}
    target = codings[0]
    run = driver.find_element(By.CSS_SELECTOR, f'span.r[data-c~="{target["id"]}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", run)
    run.click()
    card = driver.find_element(By.CSS_SELECTOR, f'.coding-card[data-coding="{target["id"]}"]')
    assert "suggested" in card.text and target["origin"] in card.text
    from selenium.webdriver.support.ui import Select

    new_code = "relationship-listening" if target["code_id"] != "relationship-listening" else "buddying"
    mark(driver)
    Select(card.find_element(By.CSS_SELECTOR, "select")).select_by_value(new_code)
    wait_ready(driver)
    assert "Recoded" in flash(driver)
    with project(study) as p:
        table = p.codings()
    old = table[table.coding_id == target["id"]].iloc[0]
    assert old.status == "rejected" and old.decided_by == "bob"
    new = table[(table.status == "human") & (table.start == target["start"]) & (table.end == target["end"])]
    assert list(new.code_id) == [new_code] and list(new.decided_by) == ["bob"]
    open_page(driver, bob.base + "/source/GP-FG1?status=human&coder=bob")
    shown = json.loads(driver.find_element(By.ID, "codings-data").get_attribute("textContent"))
    assert [c["code_id"] for c in shown] == [new_code]


def test_a_transcript_holding_html_and_script_is_shown_literally_and_runs_nothing(as_bob):
    driver, bob = as_bob
    open_page(driver, bob.base + "/source/X1")
    text = driver.find_element(By.ID, "text").text
    assert HOSTILE in text
    assert "Client <X1>" in text
    assert driver.execute_script("return window.__pwned === undefined")
    assert driver.find_elements(By.CSS_SELECTOR, "#text b, #text img, #text script") == []
    run = driver.find_element(By.CSS_SELECTOR, "span.r[data-c]")
    run.click()
    details = driver.find_element(By.ID, "coding-details").text
    assert '<i>memo</i> "quoted"' in details and "<script>" in details
    assert driver.execute_script("return window.__pwned === undefined")


def test_search_a_phrase_from_the_header_and_follow_a_hit_to_its_source(as_bob, study):
    driver, bob = as_bob
    open_page(driver, bob.base + "/")
    box = driver.find_element(By.ID, "search-q")
    mark(driver)  # so the waits below wait for the results page, not the page being left
    box.send_keys("waiting lists" + Keys.ENTER)  # a plural: found only through lemmas
    wait_ready(driver)
    assert driver.find_element(By.ID, "search-count").text.startswith("0 hits")
    driver.find_element(By.CSS_SELECTOR, "form.search input[name=lemma]").click()
    box = driver.find_element(By.ID, "search-q")
    box.clear()
    mark(driver)
    box.send_keys("waiting lists" + Keys.ENTER)
    wait_ready(driver)
    rows = driver.find_elements(By.CSS_SELECTOR, "#hits tbody tr")
    assert driver.find_element(By.ID, "search-count").text.startswith(f"{len(rows)} hit")
    hit = next(r for r in rows if r.find_element(By.CSS_SELECTOR, "a.hit").text == "LW1-w1")
    assert hit.find_element(By.CSS_SELECTOR, "td.match").text.lower() == "waiting list"
    text = qualcode.load_corpus(study).text("LW1-w1")
    href = hit.find_element(By.CSS_SELECTOR, "a.hit").get_attribute("href")
    start, end = (int(x) for x in href.split("#at=")[1].split("-"))
    assert text[start:end].lower() == "waiting list"
    mark(driver)
    hit.find_element(By.CSS_SELECTOR, "td.match a").click()
    wait_ready(driver)
    assert driver.current_url.split("#")[0].endswith("/source/LW1-w1")
    marked = driver.find_elements(By.CSS_SELECTOR, "span.r.hit")
    assert marked and "waiting list" in "".join(m.text for m in marked).lower()
    assert driver.execute_script("const r = arguments[0].getBoundingClientRect(); "
                                 "return r.top >= 0 && r.bottom <= window.innerHeight", marked[0])
    # a pattern that would match every word: the library's message on the page, not a server error
    open_page(driver, bob.base + "/search?q=*")
    assert "would match every word" in driver.find_element(By.ID, "search-error").text
    status, page = request(bob.base + "/search?q=*", headers={"X-Qualcode-Token": bob.token})
    assert status == 400 and "add some letters" in page


def test_bad_input_gets_a_clear_answer(as_bob, study):
    driver, bob = as_bob
    open_page(driver, bob.base + "/source/C1")
    status, _ = request(bob.base + "/source/NOPE", headers={"X-Qualcode-Token": bob.token})
    assert status == 404
    driver.get(bob.base + "/source/C11")
    assert "no source 'C11'" in driver.find_element(By.ID, "error-message").text
    assert "did you mean 'C1'" in driver.find_element(By.ID, "error-message").text
    driver.get(bob.base + "/coding/c000nothing")
    assert "no coding 'c000nothing'" in driver.find_element(By.ID, "error-message").text
    driver.get(bob.base + "/queue?code=no-such-code")
    assert "no code 'no-such-code'" in driver.find_element(By.ID, "error-message").text
    # a code applied with nothing selected
    open_page(driver, bob.base + "/source/C1")
    driver.find_element(By.CSS_SELECTOR, '#codebook-tree button.apply[data-code="buddying"]').click()
    assert "selection is empty" in wait_flash(driver, "selection")
    # requests a page cannot make, but a script could
    status, answer = api(bob, "/api/code", {"source_id": "C1", "start": 50, "end": 50, "code_id": "buddying"})
    assert status == 400 and "selection is empty" in answer["error"]
    status, answer = api(bob, "/api/code", {"source_id": "C1", "start": 10, "end": 90, "end_source_id": "LW1-w1",
                                             "code_id": "buddying"})
    assert status == 400 and "one source" in answer["error"]
    status, answer = api(bob, "/api/code", {"source_id": "C1", "start": 10, "end": 90, "code_id": "buddyng"})
    assert status == 400 and "'buddyng' is not in the project's codebook" in answer["error"]
    assert "buddying" in answer["error"]  # the closest id
    status, answer = api(bob, "/api/decide", {"coding_id": "c000nothing", "decision": "accept"})
    assert status == 404 and "no coding" in answer["error"]
    status, answer = api(bob, "/api/code", {"source_id": "C1", "start": 10, "end": 10 ** 7, "code_id": "buddying"})
    assert status == 400 and "outside source C1" in answer["error"]


def test_a_locked_project_is_waited_for_and_the_page_says_so(as_bob, study):
    driver, bob = as_bob
    open_page(driver, bob.base + "/queue")
    coding = driver.find_element(By.ID, "suggestion").get_attribute("data-coding")
    lock = sqlite3.connect(study / "qualcode-project.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # a long write by someone else
    try:
        mark(driver)
        driver.find_element(By.ID, "accept").click()
        WebDriverWait(driver, 10).until(lambda d: "busy" in d.find_element(By.ID, "busy").text)
        with project(study) as p:
            assert p.codings().set_index("coding_id").loc[coding, "status"] == "suggested"
    finally:
        lock.execute("COMMIT")
        lock.close()
    wait_ready(driver)
    assert "Accepted" in flash(driver)
    with project(study) as p:
        assert p.codings().set_index("coding_id").loc[coding, "status"] == "accepted"


def test_screenshots_of_a_coded_source_and_the_queue(browser, servers, tmp_path):
    """The README's two screenshots, made by this browser: with QUALCODE_SCREENSHOTS=1 they are written to
    docs/images/ (otherwise to a temporary folder, and only checked)."""
    images = ROOT / "docs" / "images" if os.environ.get("QUALCODE_SCREENSHOTS") else tmp_path
    browser.switch_to.window(browser.windows["alice"])
    open_page(browser, servers["alice"].base + "/source/GP-FG1")
    assert int(browser.execute_script("return document.body.dataset.stripes")) > 20  # stripes in the margin
    browser.execute_script("document.querySelectorAll('#text .block')[9].scrollIntoView({block: 'start'});"
                           "window.scrollBy(0, -60)")
    time.sleep(0.3)
    assert browser.save_screenshot(str(images / "workspace-source.png"))
    open_page(browser, servers["alice"].base + "/queue?code=buddying")
    assert browser.find_element(By.ID, "suggestion").is_displayed()
    assert browser.save_screenshot(str(images / "workspace-queue.png"))
    for name in ("workspace-source.png", "workspace-queue.png"):
        assert (images / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_port_in_use_is_a_clear_error(servers, study):
    from typer.testing import CliRunner

    from qualcode.cli import app

    port = servers["alice"].port
    result = CliRunner().invoke(app, ["review", str(study), "--coder", "dan", "--port", str(port), "--no-browser"])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.output and "--port " in result.output


def test_ctrl_c_stops_the_server_cleanly(servers):
    bob = servers["bob"]
    bob.proc.send_signal(signal.SIGINT)
    out, err = bob.proc.communicate(timeout=15)
    assert bob.proc.returncode == 0, err
    assert "Stopped" in err and "Traceback" not in err
    with pytest.raises(urllib.error.URLError):
        request(bob.base + "/", headers={"X-Qualcode-Token": bob.token})

"""End-to-end: a real `streamlit run` server driven by Chromium through Playwright.

Opens every page (screenshots in tests/artifacts/), uploads files through the uploader, moves a
slider with the keyboard, edits a cell of the thresholds table, searches a seller, checks that
two browser sessions with different uploads each see only their own data, and that a hostile upload in
one session is read in a bounded child process (killed by a reload, refused with a message) while
another session keeps working and the server's memory stays flat. Needs Debian's
/usr/bin/chromium (`.ci/run` installs it): skipped without it on a developer machine, failed
without it in CI.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from core import Policy, evaluate, load_dataset
from core.explain import status_counts
from core.formatting import count
from core.sample import generate
from ui.components import CATEGORY_COL_PX, NUMBER_COL_PX, ROW_PX

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WAIT_MS = 30_000
ACCOUNTS_UPLOADER = "Accounts (or a workbook with both sheets)"
REVENUE_UPLOADER = "Revenue"

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=WAIT_MS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The upload budget of the test server (core.bounded): small, so a hostile upload is refused in seconds.
LOAD_BUDGET = {"DPE_LOAD_MEMORY_MB": "2048", "DPE_LOAD_SECONDS": "15"}
# Data is released 2 s after the last session holding it disconnects (ui.datastore), and the log says so.
RELEASE = {"DPE_LINGER_SECONDS": "2", "DPE_DATA_LOG": "1"}


@contextlib.contextmanager
def running_streamlit(folder: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run app.py` on a free port with ``env`` added to the environment, its log in ``folder``:
    (url, process) once it answers its health check; stopped on exit."""
    port = _free_port()
    log_path = folder / "streamlit.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    proc.log_path = log_path  # type: ignore[attr-defined]  # for the tests that read the server's log
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The running server: (url, process)."""
    with running_streamlit(tmp_path_factory.mktemp("server"), {**LOAD_BUDGET, **RELEASE}) as running:
        yield running


@pytest.fixture(scope="session")
def server_url(server):
    return server[0]


@pytest.fixture
def page(request, browser, server_url):
    # A tall window so one screenshot shows a whole page (Streamlit scrolls inside its own container).
    context = browser.new_context(viewport={"width": 1500, "height": 2400})
    page = context.new_page()
    page.goto(server_url)
    wait_ready(page)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # what the page showed when the test failed
        shoot(page, f"FAILED_{request.node.name}")
    context.close()


@pytest.fixture(scope="session")
def uploads(tmp_path_factory):
    """Two small generated datasets in the upload format, as CSV files (tests may write files)."""
    folder = tmp_path_factory.mktemp("uploads")
    out = {}
    for name, companies, seed in (("a", 40, 101), ("b", 70, 202)):
        accounts, revenue = generate(companies=companies, seed=seed)
        paths = folder / f"accounts_{name}.csv", folder / f"revenue_{name}.csv"
        accounts.to_csv(paths[0], index=False)
        revenue.to_csv(paths[1], index=False)
        out[name] = (paths, accounts)
    bad = folder / "accounts_bad.csv"
    bad.write_text("account_id,nip\nx,123\n", encoding="utf-8")
    out["bad"] = bad
    return out


# -- helpers ----------------------------------------------------------------------------------------


def wait_ready(page) -> None:
    """Wait until the app is connected and its script has finished running.

    Streamlit marks both on the app's root element. A rerun that the last action asked for reaches that
    mark a moment later, hence the short pause first; callers that can, also wait for the specific
    outcome of their action (a heading, a file name, a number)."""
    app = page.locator('[data-testid="stApp"]')
    expect(app).to_be_visible()
    page.wait_for_timeout(250)
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    expect(app).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.locator('[data-testid="stMainBlockContainer"] h1').first).to_be_visible()


def go(page, title: str) -> None:
    """Navigate with the sidebar (a full reload would start a new session)."""
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    expect(page.locator('[data-testid="stMainBlockContainer"] h1').first).to_contain_text(
        {"Seller check": "Seller check", "What-if": "What-if", "Data": "Data", "Overview": "Allegro Diamond Partners"}[
            title
        ]
    )
    wait_ready(page)


def metric(page, label: str):
    """The value of the metric whose label is exactly ``label`` (after a status's icon, a Material Symbols
    ligature such as 'check_circle' in the page's text)."""
    exact = page.locator(
        '[data-testid="stMetricLabel"]', has_text=re.compile(f"^\\s*(?:[a-z_]+\\s+)?{re.escape(label)}\\s*$")
    )
    return page.locator('[data-testid="stMetric"]').filter(has=exact).locator('[data-testid="stMetricValue"]').first


def number(page, label: str) -> int:
    return int("".join(ch for ch in metric(page, label).inner_text() if ch.isdigit()))


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)  # let plotly finish drawing
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def upload(page, accounts: Path, revenue: Path | None, ok: bool = True) -> None:
    """Upload through the Data page's uploaders and press the button; wait for the upload to be used
    (the sidebar names the files) or, with ``ok=False``, refused."""
    for label, path in ((ACCOUNTS_UPLOADER, accounts), (REVENUE_UPLOADER, revenue)):
        if path is None:
            continue
        # By label, never by position: the uploaders mount lazily, after the run has finished, so a
        # positional locator can resolve while only one is there (CI once put the accounts file into
        # the revenue uploader).
        dropzone = page.get_by_role("region", name=label, exact=True)
        file_input = dropzone.locator('input[type="file"]')
        expect(file_input).to_be_enabled()
        file_input.set_input_files(str(path))
        expect(dropzone).to_contain_text(path.name)  # uploaded, then the app reruns
        wait_ready(page)
    button = page.get_by_role("button", name="Use the uploaded data")
    expect(button).to_be_enabled()
    button.click()
    if ok:
        expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(accounts.name)
    else:
        expect(page.get_by_text("The upload was not used")).to_be_visible()
    wait_ready(page)


# -- tests ------------------------------------------------------------------------------------------


def sample_companies() -> str:
    import pandas as pd

    n = pd.read_csv(ROOT / "sample_data" / "accounts.csv", dtype=str)["nip"].nunique()
    return count(n)


def test_every_page_opens(page):
    expect(metric(page, "Companies (NIPs)")).to_have_text(sample_companies())
    # per category, the funnel, the revenue distribution, the qualifiers at each month
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(4)
    shoot(page, "overview")
    for title, name in (("Data", "data"), ("What-if", "whatif"), ("Seller check", "seller")):
        go(page, title)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        shoot(page, name)


def test_upload_through_the_uploader_changes_the_overview(page, uploads):
    (accounts_path, revenue_path), accounts = uploads["a"]
    before = number(page, "Companies (NIPs)")
    go(page, "Data")
    accounts_before = metric(page, "Accounts").inner_text()
    upload(page, uploads["bad"], revenue_path, ok=False)
    expect(metric(page, "Accounts")).to_have_text(accounts_before)
    shoot(page, "data_bad_upload")
    with page.expect_download() as download:  # the problems as an Excel workbook, built on click
        page.get_by_role("button", name="⬇ Excel").first.click()
    assert download.value.suggested_filename == "upload_problems.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("file", "row", "column", "value", "problem") and len(rows) > 1
    upload(page, accounts_path, revenue_path)
    expect(metric(page, "Accounts")).to_have_text(str(len(accounts)))
    go(page, "Overview")
    expect(metric(page, "Companies (NIPs)")).to_have_text(str(accounts["nip"].nunique()))
    assert number(page, "Companies (NIPs)") != before
    shoot(page, "overview_uploaded")


def test_slider_moves_the_scenario(page):
    go(page, "What-if")
    baseline = metric(page, "Qualified — scenario").inner_text()
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart_before = chart.inner_text()
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="Scale every threshold").get_by_role("slider")
    thumb.focus()
    for _ in range(10):  # +5 % a press: 150 %
        thumb.press("ArrowRight")
    expect(thumb).to_have_value("150")
    expect(metric(page, "Qualified — scenario")).not_to_have_text(baseline)
    wait_ready(page)
    assert int(metric(page, "Qualified — scenario").inner_text()) < int(baseline)
    expect(chart).not_to_have_text(chart_before)
    expect(page.get_by_text("Who enters and who leaves")).to_be_visible()
    shoot(page, "whatif_scaled")
    for tab, name in (("All categories", "whatif_table"), ("Other rules", "whatif_rules")):
        page.get_by_role("tab", name=tab).click()
        shoot(page, name)
    scenario = metric(page, "Qualified — scenario").inner_text()
    go(page, "Overview")  # the scenario survives the page switch
    expect(metric(page, "Qualified")).to_have_text(scenario)


def settled_box(locator) -> dict:
    """The element's bounding box once it has stopped moving (the grid is drawn on a canvas, so a
    cell can only be reached by coordinates, and they are only right once the layout is still)."""
    previous = None
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None and box == previous:
            return box
        previous = box
        locator.page.wait_for_timeout(200)
    raise AssertionError(f"{locator} kept moving")


def test_thresholds_table_edit_changes_the_scenario(page):
    go(page, "What-if")
    baseline = metric(page, "Qualified — scenario").inner_text()
    page.get_by_role("tab", name="All categories").click()
    grid = page.get_by_role("tabpanel", name="All categories").locator('[data-testid="stDataFrame"]')
    expect(grid.locator("canvas").first).to_be_visible()
    wait_ready(page)
    category = grid.get_by_test_id("glide-cell-0-0").inner_text()  # the grid's accessible twin: row 0
    box = settled_box(grid)
    page.mouse.dblclick(box["x"] + CATEGORY_COL_PX + NUMBER_COL_PX / 2, box["y"] + ROW_PX * 1.5)  # row 0, Company
    editor = page.locator("#portal input.gdg-input")
    expect(editor).to_be_visible()
    editor.fill("1")
    editor.press("Enter")
    page.get_by_role("button", name="Apply table edits").click()  # edits wait for Apply (issue 8)
    expect(metric(page, "Qualified — scenario")).not_to_have_text(baseline)
    wait_ready(page)
    shoot(page, "whatif_table_edited")

    # The count is the engine's under the same edit (the conditional threshold follows the company
    # one down, as the table promises).
    dataset = load_dataset(ROOT / "sample_data" / "accounts.csv", ROOT / "sample_data" / "revenue.csv")
    policy = Policy.from_dict({"categories": {category: {"company": 1, "conditional": 1}}})
    expected = status_counts(evaluate(dataset, policy))["qualified"]
    assert number(page, "Qualified — scenario") == expected > int(baseline)


def test_seller_search(page):
    go(page, "Seller check")
    box = page.get_by_role("textbox", name="Find a company")
    box.fill("Sp. z o.o.")
    box.press("Enter")
    expect(page.get_by_role("heading", name="Checklist")).to_be_visible()
    wait_ready(page)
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)
    shoot(page, "seller_found")


# The windows a stakeholder opens the app in: a laptop, and a projector.
SCREENS = {"1280x720": (1280, 720), "1600x1000": (1600, 1000)}


def _shown_text(page) -> str:
    """The text of the page as a person reads it: the body's text and the charts' SVG text."""
    charts = page.evaluate(
        "() => Array.from(document.querySelectorAll('.main-svg text')).map(t => t.textContent).join('\\n')"
    )
    return page.inner_text("body") + "\n" + charts


def test_numbers_in_one_format_and_the_key_chart_above_the_fold(browser, server_url):
    """Issue 11: at 1280×720 and 1600×1000 the Overview's per-category chart is whole above the fold (its
    axis included), its axis text is at least 14 px and near-black; no page writes a number in a format
    other than core.formatting's (the scan of tests/test_number_format.py over every page's text)."""
    from test_number_format import other_formats

    ARTIFACTS.mkdir(exist_ok=True)
    found: list[str] = []
    for screen, (width, height) in SCREENS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            page.goto(server_url)
            wait_ready(page)
            chart = page.locator('[data-testid="stPlotlyChart"]').first
            axis = chart.locator(".xtick text")
            expect(axis.first).to_be_visible()
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / f"overview_{screen}.png"))  # the viewport: above the fold
            box = chart.bounding_box()
            assert box is not None and box["y"] + box["height"] <= height, f"{screen}: chart ends at {box}"
            last_tick = axis.last.bounding_box()
            assert last_tick is not None and last_tick["y"] + last_tick["height"] <= height
            for tick in (axis.first, chart.locator(".ytick text").first):
                size, fill = tick.evaluate("e => [getComputedStyle(e).fontSize, getComputedStyle(e).fill]")
                assert float(size.removesuffix("px")) >= 14 and fill == "rgb(17, 17, 17)", (size, fill)
            found += [f"{screen} Overview: {p}" for p in other_formats(_shown_text(page))]
            for title in ("Data", "What-if", "Seller check"):
                go(page, title)
                if title == "Seller check":
                    box = page.get_by_role("textbox", name="Find a company")
                    box.fill("Sp. z o.o.")
                    box.press("Enter")
                    expect(page.get_by_role("heading", name="Checklist")).to_be_visible()
                    wait_ready(page)
                page.wait_for_timeout(300)
                page.screenshot(path=str(ARTIFACTS / f"{title.split()[0].lower().replace('-', '')}_{screen}.png"))
                found += [f"{screen} {title}: {p}" for p in other_formats(_shown_text(page))]
        finally:
            context.close()
    assert not found, "\n".join(found[:30])


def test_two_sessions_see_only_their_own_data(browser, server_url, uploads):
    sessions = {}
    for name in ("a", "b"):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(server_url)
        wait_ready(page)
        sessions[name] = (context, page)
    try:
        for name, (_, page) in sessions.items():
            (accounts_path, revenue_path), _ = uploads[name]
            go(page, "Data")
            upload(page, accounts_path, revenue_path)
        for name, (_, page) in sessions.items():
            _, accounts = uploads[name]
            go(page, "Overview")
            expect(metric(page, "Companies (NIPs)")).to_have_text(str(accounts["nip"].nunique()))
            expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(f"accounts_{name}.csv")
            other = "b" if name == "a" else "a"
            expect(page.locator('[data-testid="stSidebar"]')).not_to_contain_text(f"accounts_{other}.csv")
            # The other session's companies can't be found here, its own can.
            go(page, "Seller check")
            box = page.get_by_role("textbox", name="Find a company")
            for who, visible in ((other, False), (name, True)):
                box.fill(str(uploads[who][1]["nip"].iloc[0]))
                box.press("Enter")
                wait_ready(page)
                expect(page.get_by_text("No company matches this search.")).to_have_count(0 if visible else 1)
        # A fresh session still starts on the sample.
        fresh = browser.new_context()
        page = fresh.new_page()
        page.goto(server_url)
        wait_ready(page)
        expect(metric(page, "Companies (NIPs)")).to_have_text(sample_companies())
        fresh.close()
    finally:
        for context, _ in sessions.values():
            context.close()


RELEASED = "released: no session holds it"


def test_a_closed_session_lets_its_data_go(browser, server, tmp_path):
    """An upload lives in the server's memory as long as a session holds it: once read, its files are dropped
    (the uploaders are empty again); the tab closes, the session disconnects, and after the grace period the
    data is released (ui.datastore logs each release)."""
    url, proc = server
    log = proc.log_path
    accounts, revenue = generate(companies=25, seed=303)  # data no other test uploads
    paths = tmp_path / "accounts_closing.csv", tmp_path / "revenue_closing.csv"
    accounts.to_csv(paths[0], index=False)
    revenue.to_csv(paths[1], index=False)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    go(page, "Data")
    upload(page, *paths)
    for label, path in ((ACCOUNTS_UPLOADER, paths[0]), (REVENUE_UPLOADER, paths[1])):
        expect(page.get_by_role("region", name=label, exact=True)).not_to_contain_text(path.name)
    expect(page.get_by_text("The upload is in use")).to_be_visible()
    time.sleep(3)  # whatever an earlier test let go is released by now
    before = log.read_text(errors="replace").count(RELEASED)
    context.close()
    _wait_for(lambda: log.read_text(errors="replace").count(RELEASED) > before, 20, "the closed tab's data is released")


def test_seller_names_show_literally_never_as_html_or_markdown(page, tmp_path):
    accounts, revenue = generate(companies=30, seed=5)
    evil = "**Bold** <img src=x onerror=alert(1)> _it_"
    accounts["account_name"] = accounts["account_name"].astype(object)
    accounts.loc[:, "account_name"] = [f"{evil} {i}" for i in range(len(accounts))]
    paths = tmp_path / "accounts_evil.csv", tmp_path / "revenue_evil.csv"
    accounts.to_csv(paths[0], index=False)
    revenue.to_csv(paths[1], index=False)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    go(page, "Data")
    upload(page, *paths)
    go(page, "Seller check")
    box = page.get_by_role("textbox", name="Find a company")
    box.fill(str(accounts.loc[0, "account_id"]))
    box.press("Enter")
    expect(page.get_by_role("heading", name="Checklist")).to_be_visible()
    wait_ready(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("**Bold** <img src=x onerror=alert(1)> _it_").first).to_be_visible()
    expect(main.locator('img[src="x"]')).to_have_count(0)
    expect(main.locator("strong", has_text="Bold")).to_have_count(0)
    expect(main.locator("em", has_text="it")).to_have_count(0)
    shoot(page, "seller_evil_name")
    assert dialogs == []


# -- a hostile upload ----------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _reader(server_pid: int) -> int | None:
    """The upload reader at work (core.bounded): the oldest of the server's reader children (the one that
    was idle and ready when the upload came; the younger one is the next idle reader)."""

    def started(pid: int) -> int:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])

    readers = []
    for pid in _children(server_pid):
        try:
            if b"_child_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                readers.append((started(pid), pid))
        except OSError:
            continue
    return min(readers)[1] if len(readers) > 1 else None


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _rss_mb(pid: int) -> float:
    return int(re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) / 1024


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


BOMB_NAME = "accounts_bomb.xlsx"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A budget this upload's read cannot meet: the loader needs about 5 s for the file below (it now refuses the
# first bombs the issue listed, a 10 MB header of `a,`, in a fraction of a second).
HOSTILE_BUDGET = {"DPE_LOAD_MEMORY_MB": "2048", "DPE_LOAD_SECONDS": "3"}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A server of its own whose upload budget is 3 seconds: (url, process)."""
    with running_streamlit(tmp_path_factory.mktemp("hostile_server"), HOSTILE_BUDGET) as running:
        yield running


def _slow_workbook() -> bytes:
    """An 82 KB workbook whose accounts sheet holds 590,000 rows of empty cells: within every limit of the
    Excel reader, so it is read to the end, which takes seconds of CPU; a stand-in for a file nobody has
    thought of yet."""
    from test_hostile_xlsx import ACCOUNTS_HEADER, rows_xml, sheet_xml, workbook

    body = rows_xml([ACCOUNTS_HEADER]) + ("<row>" + "<c/>" * 9 + "</row>") * 590_000
    return workbook([("accounts", sheet_xml(body))])


def _start_hostile_upload(page, data: bytes, revenue: Path) -> None:
    """Put ``data`` (in memory, never on disk) into the accounts uploader, a good revenue file into the other,
    and press the button; return once the server is reading it."""
    for label, payload in (
        (ACCOUNTS_UPLOADER, {"name": BOMB_NAME, "mimeType": XLSX_MIME, "buffer": data}),
        (REVENUE_UPLOADER, str(revenue)),
    ):
        dropzone = page.get_by_role("region", name=label, exact=True)
        file_input = dropzone.locator('input[type="file"]')
        expect(file_input).to_be_enabled()
        file_input.set_input_files(payload)
        expect(dropzone).to_contain_text(BOMB_NAME if label == ACCOUNTS_UPLOADER else revenue.name)
        wait_ready(page)
    page.get_by_role("button", name="Use the uploaded data").click()
    expect(page.get_by_text("Reading the upload")).to_be_visible()


@pytest.mark.timeout(120)
def test_a_hostile_upload_leaves_the_server_and_other_sessions_standing(browser, hostile_server, uploads):
    """Session A uploads a workbook that takes longer to read than the server's budget; the reader runs in a
    child with that budget, a reload of A kills it, a second try is refused with a message, and session B keeps
    answering with the same numbers throughout. The server's memory stays flat."""
    url, proc = hostile_server
    bomb = _slow_workbook()
    (_, revenue_path), _ = uploads["a"]
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        a, b = (context.new_page() for context in contexts)
        for page in (a, b):
            page.goto(url)
            wait_ready(page)
        qualified = metric(b, "Qualified").inner_text()
        rss_before = _rss_mb(proc.pid)

        go(a, "Data")
        _start_hostile_upload(a, bomb, revenue_path)
        reader = _wait_for(lambda: _reader(proc.pid), 10, "the upload is read in a child process")
        a.reload()  # a reload stops A's script: the reader is killed, not left running
        _wait_for(lambda: not _alive(reader), 10, "the reload kills the reader")
        wait_ready(a)

        go(a, "Data")
        _start_hostile_upload(a, bomb, revenue_path)
        reader = _wait_for(lambda: _reader(proc.pid), 10, "the second try is being read")
        assert _alive(reader), "A's upload is still being read when B asks for its page"
        b.reload()  # meanwhile B is served as usual
        wait_ready(b)
        expect(metric(b, "Qualified")).to_have_text(qualified)

        expect(a.get_by_text("The upload was not used")).to_be_visible(timeout=40_000)
        wait_ready(a)
        expect(
            a.locator('[data-testid="stMain"]').get_by_text(re.compile(r"limit of (2\.0 GB|3 seconds)"))
        ).not_to_have_count(0)
        expect(a.locator('[data-testid="stException"]')).to_have_count(0)
        shoot(a, "data_hostile_upload_refused")

        assert proc.poll() is None, "the server is alive"
        assert not _alive(reader)
        assert _rss_mb(proc.pid) - rss_before < 300, "the server's memory stayed flat"
        b.reload()
        wait_ready(b)
        expect(metric(b, "Qualified")).to_have_text(qualified)
    finally:
        for context in contexts:
            context.close()


# -- issue 11 §2, §3: prospect exports and the bulk check -------------------------------------------------


def grid(page, first_header: str):
    """The st.dataframe whose first column is ``first_header``."""
    header = page.locator("th", has_text=re.compile(f"^\\s*{re.escape(first_header)}\\s*$"))
    return page.locator('[data-testid="stDataFrame"]').filter(has=header).first


def grid_rows(table) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) the grid shows, from its accessible table (only rows on screen are in it: keep lists short)."""
    expect(table.locator("tbody tr").first).to_be_attached()  # visually hidden: it is for screen readers
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    rows = [[c.strip() for c in row.locator("td").all_inner_texts()] for row in table.locator("tbody tr").all()]
    total = int(table.locator('table[role="grid"]').get_attribute("aria-rowcount")) - 1  # minus the header
    assert total == len(rows), f"the grid has {total} rows but shows {len(rows)}: pick a shorter list"
    return headers, rows


def download(page, key: str) -> bytes:
    """The file the download button with widget key ``key`` gives (Streamlit marks its container st-key-KEY)."""
    with page.expect_download() as info:
        page.locator(f".st-key-{key}").get_by_role("button").first.click()
    return Path(info.value.path()).read_bytes()


@pytest.fixture
def seller_page(request, browser, server_url):
    """A new session opened straight on the Seller check (its own URL), so these tests don't wait for the Overview."""
    context = browser.new_context(viewport={"width": 1500, "height": 2400}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server_url}/seller")
    wait_ready(page)
    expect(page.locator('[data-testid="stMainBlockContainer"] h1').first).to_contain_text("Seller check")
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shoot(page, f"FAILED_{request.node.name}")
    context.close()


def test_filtered_prospects_export_exactly_the_filtered_rows(seller_page):
    page = seller_page
    import pandas as pd

    from core.prospects import ProspectFilter, prospects

    dataset = load_dataset(ROOT / "sample_data" / "accounts.csv", ROOT / "sample_data" / "revenue.csv")
    decisions = evaluate(dataset)
    counts = prospects(decisions)["Main category"].value_counts()
    category = counts[(counts >= 2) & (counts <= 8)].index[0]  # a short list: every row on screen
    expected = prospects(decisions, ProspectFilter(categories=(category,)))

    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Main categories").locator("input")
    box.fill(category)
    box.press("Enter")
    box.press("Escape")
    wait_ready(page)
    table = grid(page, "Company")
    expect(table.locator('table[role="grid"]')).to_have_attribute("aria-rowcount", str(len(expected) + 1))
    headers, rows = grid_rows(table)
    shown_nips = [r[headers.index("NIP")] for r in rows]
    shown_names = [r[headers.index("Company")] for r in rows]
    assert shown_nips == expected["NIP"].tolist()
    shoot(page, "prospects_filtered")

    csv_bytes = download(page, "dl_csv_prospects")
    csv = pd.read_csv(io.BytesIO(csv_bytes), dtype={"NIP": str}, encoding="utf-8-sig")
    assert csv["NIP"].tolist() == shown_nips and csv["Company"].tolist() == shown_names
    assert list(csv.columns)[: len(headers)] == headers  # the same columns, in the same order
    assert set(csv["Main category"]) == {category}

    book = openpyxl.load_workbook(io.BytesIO(download(page, "dl_xlsx_prospects")))
    assert book.sheetnames[0] == "About"
    about = {row[0].value: row[1].value for row in book["About"].iter_rows()}
    assert about["Main categories"] == category and about["As-of month"] == "2026-10"
    sheet = book.worksheets[1]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == list(csv.columns)
    assert [r[1] for r in values[1:]] == shown_nips
    gap = values[0].index("Gap (PLN)")
    assert sheet.cell(row=2, column=gap + 1).number_format.endswith('"PLN"')


def test_bulk_check_of_a_pasted_list(seller_page):
    page = seller_page
    dataset = load_dataset(ROOT / "sample_data" / "accounts.csv", ROOT / "sample_data" / "revenue.csv")
    decisions = evaluate(dataset)
    nip = decisions["nip"].iloc[0]
    account = dataset.accounts["account_id"].iloc[3]
    entries = [f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}", account, "1234567890", "nobody"]
    area = page.get_by_role("textbox", name="Paste a list")
    area.fill("\n".join(entries))
    area.press("Control+Enter")
    wait_ready(page)
    table = grid(page, "Entry")
    expect(table.locator('table[role="grid"]')).to_have_attribute("aria-rowcount", str(len(entries) + 1))
    headers, rows = grid_rows(table)
    assert [r[0] for r in rows] == entries
    status = [r[headers.index("Status")] for r in rows]
    assert status[2:] == ["malformed", "unknown"]
    assert rows[0][headers.index("NIP")] == nip
    shoot(page, "bulk_check")
    import pandas as pd

    csv = pd.read_csv(io.BytesIO(download(page, "dl_csv_bulk")), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert csv["Entry"].tolist() == entries and csv["Status"].tolist() == status

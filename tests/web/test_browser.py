"""The dashboard in a real browser (Debian's chromium driven by Playwright): every page draws its charts, zoom
follows across charts, live points arrive, nothing breaks the CSP, and text chosen by processes and users
(names, command lines, comments) stays inert text on every page that shows it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.cache.memcached_server import Memcached
from tests.conftest import launched_chromium
from tests.web.dashboard import Dashboard, login, serve
from tests.web.recording import record

from hostward.activities import BY_NAME
from hostward.collect.fchost import fc_hosts
from hostward.web import data
from hostward.web.data import PAGE_ACTIVITIES

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCRIPT_COMM = "<script>alert(1)</script>"  # the kernel keeps 15 bytes: "<script>alert(1"
IMG_ARG = '"><img src=x onerror=alert(1)>'
COMMENT = "see javascript:alert(document.cookie) <img src=x onerror=alert(2)>"
HOSTNAME = "db1<svg onload=alert(3)>"
PAGES = ["/", "/time", "/cache", *(f"/activity/{a.name}" for a in PAGE_ACTIVITIES)]
# Activities whose source this host lacks: nothing is recorded, and the page says so (Fibre Channel adapters).
NO_SOURCE = set() if fc_hosts() else {"/activity/net_fc"}

# Counts, on every chart canvas, the pixels drawn in one of the series colours (charts.js PALETTE): axes and
# grid are grey and black, event lines have their own colours, so a non-zero count means data was drawn;
# -1 for a chart charts.js marked as having no value in the range.
COUNT_LINE_PIXELS = """() => {
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31"].map(h => [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16)));
  return Array.from(document.querySelectorAll('.plot canvas')).map(c => {
    if (c.closest('.plot').dataset.empty) return -1;  // no value in the range: charts.js says so
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 200 && palette.some(p => Math.abs(d[i] - p[0]) + Math.abs(d[i + 1] - p[1]) + Math.abs(d[i + 2] - p[2]) < 30)) n++;
    }
    return n;
  });
}"""
# expect()'s own default (5 s) is shorter than a page takes to come back on a loaded host; this is Playwright's
# default for actions and navigations.
PAGE_WAIT = 30_000
X_SCALES = "() => window.hostwardCharts.map(c => [c.plot.scales.x.min, c.plot.scales.x.max])"


@pytest.fixture(scope="module")
def hostile_process() -> Iterator[int]:
    """A real process whose name and command line carry markup."""
    # oom_score_adj 1000 (raising needs no privilege) makes it the next OOM victim: shown on / and /oom.
    code = (
        f"open('/proc/self/comm', 'w').write({SCRIPT_COMM!r}); open('/proc/self/oom_score_adj', 'w').write('1000');"
        " import time; time.sleep(600)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, IMG_ARG])
    try:
        for _ in range(100):  # both writes done: the comm first, then the oom_score_adj
            if Path(f"/proc/{proc.pid}/oom_score_adj").read_text().strip() == "1000":
                break
            time.sleep(0.05)
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def _kernel_scores() -> dict[int, tuple[int, str]]:
    scores = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                scores[int(entry.name)] = (
                    int((entry / "oom_score").read_text()),
                    (entry / "comm").read_text().strip(),
                )
            except (OSError, ValueError):
                continue  # gone, or a kernel thread's
    return scores


def wait_until_next_victim(pid: int, timeout: float = 120.0) -> None:
    """Wait until the kernel ranks ``pid`` strictly above every other process (/proc/PID/oom_score). The host is
    shared: another process with oom_score_adj 1000 (another run of this very test, an OOM test's hog) outranks
    or ties ours while it lives, and then the dashboard rightly marks that one as the victim."""
    deadline = time.monotonic() + timeout
    while True:
        scores = _kernel_scores()
        ours = scores.pop(pid)[0]
        rival = max(scores.items(), key=lambda kv: kv[1][0], default=None)
        if rival is None or ours > rival[1][0]:
            return
        assert time.monotonic() < deadline, (
            f"pid {rival[0]} ({rival[1][1]}) outranks the hostile process: {rival}"
        )
        time.sleep(0.2)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, hostile_process: int) -> Iterator[Dashboard]:
    data_dir = tmp_path_factory.mktemp("dash")
    cache = (
        Memcached()
    )  # the recorded cache activity (/activity/cache, the history on /cache) from a real one
    try:
        record(data_dir, samples=4, step=1.0, comment=COMMENT, nodename=HOSTNAME, memcached_port=cache.port)
        with serve(data_dir, interval_seconds=1.0) as running:
            yield running
    finally:
        cache.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium(ARGS) as launched:
        yield launched


class Watched:
    """A logged-in page whose console messages and dialogs are kept."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.console.append(m.text))
        page.on("pageerror", lambda e: self.console.append(f"page error: {e}"))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


@pytest.fixture
def viewer(browser: Any, dashboard: Dashboard) -> Iterator[Watched]:
    context = browser.new_context()
    login(context, dashboard, "viewer")
    watched = Watched(context.new_page())
    yield watched
    context.close()


def _charts_drawn(page: Any) -> int:
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute(
        "data-charts-expected", re.compile(r"^\d+$"), timeout=20_000
    )
    expected = int(page.locator("body").get_attribute("data-charts-expected"))
    if expected:
        expect(page.locator("body")).to_have_attribute("data-charts-drawn", str(expected), timeout=20_000)
    return expected


def test_every_page_draws_its_charts_without_csp_violations(viewer: Watched, dashboard: Dashboard) -> None:
    page = viewer.page
    for path in PAGES:
        page.goto(dashboard.url + path)
        expected = _charts_drawn(page)
        if path in NO_SOURCE:
            assert expected == 0 and page.get_by_text("No data in this range.").is_visible(), path
            continue
        pixels = page.evaluate(COUNT_LINE_PIXELS)
        assert expected > 0, path
        assert len(pixels) == expected, path
        # Every chart with values draws them; one without (e.g. %ifutil of a link of unknown speed) is marked.
        assert all(n > 0 or n == -1 for n in pixels), (path, pixels)
        assert any(n > 0 for n in pixels), (path, pixels)
    page.goto(dashboard.url + "/oom")
    assert page.get_by_role("heading", name="oom top: who the kernel would kill now").is_visible()
    page.goto(dashboard.url + "/cache")
    assert page.get_by_role("heading", name="The dashboard's page cache").is_visible()
    assert viewer.csp_violations() == []
    assert viewer.dialogs == []


def test_zoom_on_one_chart_zooms_them_all(viewer: Watched, dashboard: Dashboard) -> None:
    page = viewer.page
    page.goto(dashboard.url + "/activity/cpu?item=ALL&view=ALL")
    assert _charts_drawn(page) >= 3
    before = page.evaluate(X_SCALES)
    over = page.locator(".plot .u-over").first
    box = over.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.up()
    after = page.evaluate(X_SCALES)
    assert len({tuple(s) for s in after}) == 1  # every chart shows the same range
    (lo, hi), (lo0, hi0) = after[0], before[0]
    assert lo0 < lo < hi < hi0  # ... and it is the dragged, narrower one
    assert viewer.csp_violations() == []


def test_live_points_arrive(viewer: Watched, dashboard: Dashboard) -> None:
    from playwright.sync_api import expect

    page = viewer.page
    page.goto(dashboard.url + "/")
    _charts_drawn(page)
    before = page.evaluate("() => window.hostwardCharts[0].plot.data[0].length")
    expect(page.locator("body")).to_have_attribute("data-live-updates", re.compile(r"^[1-9]"), timeout=20_000)
    assert page.evaluate("() => window.hostwardCharts[0].plot.data[0].length") > before
    assert page.locator("#live-time").text_content() != "waiting for the next sample"
    assert viewer.csp_violations() == []


def test_oom_top_refreshes_live(viewer: Watched, dashboard: Dashboard, hostile_process: int) -> None:
    from playwright.sync_api import expect

    page = viewer.page
    wait_until_next_victim(hostile_process)
    page.goto(dashboard.url + "/oom")
    expect(page.locator("body")).to_have_attribute("data-oom-updates", re.compile(r"^[1-9]"), timeout=20_000)
    row = page.locator("#oom-top tr", has_text=str(hostile_process))
    assert row.locator("td.comm").text_content() == SCRIPT_COMM[:15]  # redrawn by script, still text
    assert page.locator("#oom-top tr.victim").count() == 1
    assert viewer.dialogs == [] and viewer.csp_violations() == []


def test_hostile_names_and_comments_stay_text(
    viewer: Watched, dashboard: Dashboard, hostile_process: int
) -> None:
    page = viewer.page
    wait_until_next_victim(hostile_process)
    page.goto(dashboard.url + "/oom")
    row = page.locator("#oom-top tr", has_text=str(hostile_process))
    assert row.locator("td.comm").text_content() == SCRIPT_COMM[:15]
    assert IMG_ARG in row.locator("td.cmd").text_content()
    assert "victim" in (row.get_attribute("class") or "")
    page.goto(dashboard.url + "/")
    _charts_drawn(page)
    assert page.locator("table.events td.text", has_text=COMMENT).count() == 1
    assert page.locator(".card .comm").text_content() == SCRIPT_COMM[:15]
    assert page.locator("h1").text_content().startswith(HOSTNAME + ":")
    assert page.locator("svg[onload]").count() == 0
    assert IMG_ARG in page.locator(".card p.cmd").text_content()
    for path in ("/", "/oom"):
        page.goto(dashboard.url + path)
        assert page.locator("img[src=x]").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        assert page.locator("script:not([src])").count() == 0
    assert viewer.dialogs == []
    assert viewer.csp_violations() == []


def test_table_and_downloads_show_what_is_drawn(
    viewer: Watched, dashboard: Dashboard, tmp_path: Path
) -> None:
    page = viewer.page
    page.goto(dashboard.url + "/activity/cpu")
    assert _charts_drawn(page) == 1
    page.locator("#table-toggle").click()
    rows = page.locator("#table-view table tr")
    points = page.evaluate(
        "() => window.hostwardCharts[0].plot.data[0].filter((t, k, a) => t !== null).length"
    )
    assert rows.count() == points + 1  # header + one row per interval
    first = rows.nth(1).locator("td").all_text_contents()
    assert len(first) == 1 + len(BY_NAME["cpu"].view(""))
    with page.expect_download() as caught:
        page.get_by_role("link", name="CSV (sadf -d)").click()
    downloaded = Path(caught.value.path()).read_text()
    assert downloaded.startswith(
        "# hostname;interval;timestamp;CPU;%user;%nice;%system;%iowait;%steal;%idle\n"
    )
    numbers = [
        line.split(";")[4:] for line in downloaded.splitlines() if ";-1;" not in line and ";all;" not in line
    ]
    # the table shows the same numbers sadf -d writes ("all" is written -1 by sadf: CPU rows are the ";-1;" ones)
    csv_rows = [line.split(";") for line in downloaded.splitlines() if not line.startswith("#")]
    csv_values = [r[4:] for r in csv_rows if r[3] == "-1"]
    assert first[1:] == csv_values[0]
    del numbers


def test_comment_form_for_operators_only(browser: Any, dashboard: Dashboard) -> None:
    """Each step waits for what it reads (the overview's HTML, the POST's answer, the row on the page it redirects
    to), not for the page's "load" event: charts' scripts on a loaded host can outlast a default timeout."""
    from playwright.sync_api import expect

    context = browser.new_context()
    login(context, dashboard, "viewer")
    page = context.new_page()
    page.goto(dashboard.url + "/", wait_until="domcontentloaded")
    expect(page.locator("section.timeline h2")).to_have_text("Events")  # where an operator's form would be
    expect(page.locator("form.comment-form")).to_have_count(0)
    context.close()
    context = browser.new_context()
    login(context, dashboard, "operator")
    page = context.new_page()
    page.goto(dashboard.url + "/", wait_until="domcontentloaded")
    page.locator("form.comment-form input[name=text]").fill("rolled back <v2>")
    posted = dashboard.url + "/comments"
    with page.expect_response(lambda r: r.url == posted and r.request.method == "POST") as answer:
        page.locator("form.comment-form button").click()
    assert answer.value.status == 303  # stored; the browser follows to the overview
    expect(page.locator("table.events td.text", has_text="rolled back <v2>")).to_have_count(
        1, timeout=PAGE_WAIT
    )
    context.close()
    loaded = data.load(Path(dashboard.app.state.data_dir), data.parse_window(None, None, None))
    assert any(getattr(e, "text", None) == "rolled back <v2>" for e in loaded.recorded.entries)  # type: ignore[union-attr]


def test_logout_ends_the_session(browser: Any, dashboard: Dashboard) -> None:
    context = browser.new_context()
    login(context, dashboard, "viewer")
    page = context.new_page()
    page.goto(dashboard.url + "/")
    _charts_drawn(page)
    cookie_name = dashboard.app.state.cookie_name
    old = next(c["value"] for c in context.cookies() if c["name"] == cookie_name)
    with page.expect_navigation():
        page.locator("form.logout button").click()
    page.goto(dashboard.url + "/activity/cpu")
    assert "/login" in page.url
    # The old session id is dead on the server too, not only forgotten by this browser.
    replay = httpx.get(dashboard.url + "/api/v1/series/cpu", cookies={cookie_name: old}, timeout=30)
    assert replay.status_code == 401
    context.close()

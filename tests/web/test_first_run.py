"""The first run as a new user lives it, in real Chromium: `hostward web serve` (HTTPS with the certificate it makes,
as the daemon serves it) prints its URL and a one-time setup link on stderr; the browser opens the link, creates
the admin, reads the secret off the TOTP page, confirms a code, sees the recovery codes once and then the host's
graphs, with no CSP violation on the way."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from tests.conftest import unavailable
from tests.web.recording import record

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
LINK = re.compile(r"open (https://127\.0\.0\.1:\d+/setup\?token=[A-Za-z0-9_-]{43}) ")
URL = re.compile(r"dashboard at (https://127\.0\.0\.1:\d+/)")


class Served:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, pattern: re.Pattern[str], limit: float = 30.0) -> str:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = pattern.search(line)
                if found:
                    return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"not printed: {pattern.pattern}; stderr: {''.join(self.lines)[-2000:]}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data_dir = tmp_path / "data"
    record(data_dir, samples=3, step=1.0)
    config = tmp_path / "hostward.toml"
    config.write_text(f'[record]\ndata_dir = "{data_dir}"\n')
    env = {**os.environ, "HOSTWARD_CONFIG": str(config)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hostward", "web", "serve", "--listen", "127.0.0.1:0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    served = Served(proc)
    try:
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        served.thread.join(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield launched
        launched.close()


def test_first_run_in_a_real_browser(served: Served, browser: Any) -> None:
    from playwright.sync_api import expect

    url = served.wait_for(URL)
    link = served.wait_for(LINK)
    assert link.startswith(url + "setup?token=")
    # The made certificate is self-signed: a person accepts it once; the browser is told to here.
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: console.append(f"page error: {e}"))

    page.goto(link)
    page.locator("input[name=username]").fill("owner")
    page.locator("input[name=password]").fill("a long passphrase of mine")
    page.locator("input[name=password2]").fill("a long passphrase of mine")
    with page.expect_navigation():
        page.locator("form.setup button[type=submit]").click()

    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    assert page.evaluate("() => document.querySelector('img.qr').naturalWidth") > 0  # the QR code is drawn
    secret = page.locator("code.secret").inner_text()
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.locator("form.totp button[type=submit]").click()

    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    with page.expect_navigation():
        page.locator("a.continue").click()
    assert page.url == url  # the overview, logged in
    expect(page.locator("header .who")).to_contain_text("owner (admin)")
    body = page.locator("body")
    expect(body).to_have_attribute("data-charts-expected", re.compile(r"^[1-9]\d*$"), timeout=20_000)
    expected = body.get_attribute("data-charts-expected")
    expect(body).to_have_attribute("data-charts-drawn", str(expected), timeout=20_000)
    assert [m for m in console if "Content Security Policy" in m or m.startswith("page error")] == []

    # The link was for one use: opening it again is refused, and the server keeps running.
    again = context.new_page()
    response = again.goto(link)
    assert response is not None and response.status == 404  # setup is over: an account exists
    assert served.proc.poll() is None
    context.close()

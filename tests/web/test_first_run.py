"""The first run as a new user lives it, in real Chromium: `hostward web serve` (HTTPS with the certificate it makes,
as the daemon serves it) prints its URL and a one-time setup link on stderr; the browser opens the link, creates
the admin, reads the secret off the TOTP page, confirms a code, sees the recovery codes once and then the host's
graphs, with no CSP violation on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from tests.conftest import launched_chromium
from tests.web.recording import record
from tests.web.served import LINK, URL, Served, web_serve


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data_dir = tmp_path / "data"
    record(data_dir, samples=3, step=1.0)
    with web_serve(tmp_path, data_dir) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


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

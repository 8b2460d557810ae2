"""A running dashboard for the browser and API tests: the real app (security core + pages) on 127.0.0.1 and a
free port, in a thread, plain HTTP (the tests ask for it explicitly), with real accounts: every login creates a
fresh user of the wanted role with TOTP enrolled and logs in with password and a pyotp code, as a person would
(a fresh user each time, because the core refuses a TOTP code already used in its 30 s step)."""

from __future__ import annotations

import itertools
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import uvicorn

from hostward.config import WebConfig
from hostward.web import pages
from hostward.web.app import create_app

_serial = itertools.count(1)


@dataclass
class Dashboard:
    url: str
    app: Any
    users: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # name -> (role, password, secret)

    def new_user(self, role: str) -> tuple[str, str, str]:
        name = f"{role}{next(_serial)}"
        password = secrets.token_urlsafe(16)
        enrolment = self.app.state.accounts.add(name, role, password, totp=True)
        self.users[name] = (role, password, enrolment.totp_secret)
        return name, password, enrolment.totp_secret


@contextmanager
def serve(data_dir: Path, *, interval_seconds: float = 1.0) -> Iterator[Dashboard]:
    app = create_app(WebConfig(plain_http=True), data_dir=data_dir, extra_routes=pages.routes(), tls=False)
    app.state.record_interval_seconds = interval_seconds
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield Dashboard(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def login(context: Any, dashboard: Dashboard, role: str) -> str:
    """Log a browser context in through the login form (password + TOTP); returns the user name. Waits for the
    form's answer, then for the overview it redirects to to be parsed (the page is not closed mid-navigation),
    not for its "load" event."""
    name, password, secret = dashboard.new_user(role)
    page = context.new_page()
    page.goto(dashboard.url + "/login", wait_until="domcontentloaded")
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    posted = dashboard.url + "/login"
    with page.expect_response(lambda r: r.url == posted and r.request.method == "POST") as answer:
        page.locator("form.login button[type=submit]").click()
    if answer.value.status != 303:
        raise AssertionError(f"login as {name} failed: {answer.value.status} {answer.value.text()[:200]!r}")
    page.wait_for_url(dashboard.url + "/", wait_until="domcontentloaded")
    page.close()
    return name


def session_cookie(dashboard: Dashboard, role: str) -> str:
    """A Cookie header value of a logged-in session with the given role (for tools outside the browser)."""
    name, password, secret = dashboard.new_user(role)
    form = {"username": name, "password": password, "code": pyotp.TOTP(secret).now(), "next": "/"}
    with httpx.Client(base_url=dashboard.url, timeout=30) as client:
        done = client.post("/login", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    cookie_name = dashboard.app.state.cookie_name
    return f"{cookie_name}={done.cookies[cookie_name]}"

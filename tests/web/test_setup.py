"""First run through the one-time setup link, and a viewer's opt-in TOTP enrolment: the link works once, for a
limited time, from loopback only, while no account exists; every step needs its CSRF proof and is audited."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pyotp
from core_app import PASSWORD, csrf_of, login, make_app
from starlette.applications import Starlette
from starlette.testclient import TestClient

from hostward.web import setup_token
from hostward.web.accounts import Accounts
from hostward.web.audit import verify
from hostward.web.enrolment import MAX_TRIES, Enrolments
from hostward.web.state import web_dir

NEW_PASSWORD = "a long passphrase of mine"
ORIGIN = {"origin": "https://testserver"}


def _client(app: Starlette, address: str = "127.0.0.1") -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False, client=(address, 50000))


def _field(page: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def _secret(page: str) -> str:
    marker = '<code class="secret">'
    start = page.index(marker) + len(marker)
    return page[start : page.index("<", start)]


def _audit(tmp_path: Path) -> list[dict[str, str]]:
    path = web_dir(tmp_path) / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _start(c: TestClient, token: str, name: str = "root-admin") -> str:
    """Send the setup form; the TOTP page it answers with."""
    response = c.post(
        "/setup",
        data={"token": token, "username": name, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
        headers=ORIGIN,
    )
    assert response.status_code == 200, response.text
    return response.text


def test_token_file_keeps_only_a_hash_mode_0600(tmp_path: Path) -> None:
    state = web_dir(tmp_path)
    token = setup_token.issue(state)
    assert len(token) >= 43  # 32 random bytes
    path = state / setup_token.LINK_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert token not in path.read_text()
    assert setup_token.is_valid(state, token)
    assert not setup_token.is_valid(state, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert setup_token.redeem(state, token)
    assert not setup_token.redeem(state, token)  # once
    assert not path.exists()


def test_token_expires_and_a_new_one_replaces_the_old(tmp_path: Path) -> None:
    state = web_dir(tmp_path)
    old = setup_token.issue(state, now=1000.0, valid_seconds=60)
    assert setup_token.is_valid(state, old, now=1059.0)
    assert not setup_token.is_valid(state, old, now=1060.0)
    assert not setup_token.redeem(state, old, now=1061.0)
    new = setup_token.issue(state)
    assert not setup_token.is_valid(state, old, now=1000.0)
    assert setup_token.is_valid(state, new)


def test_first_run_creates_the_admin_only_after_a_code_and_logs_in(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    token = setup_token.issue(web_dir(tmp_path))
    c = _client(app)
    form = c.get(f"/setup?token={token}")
    assert form.status_code == 200 and 'name="password2"' in form.text
    page = _start(c, token)
    assert 'src="data:image/svg+xml' in page and "<script" not in page
    accounts: Accounts = app.state.accounts
    assert accounts.count() == 0  # not before the code is confirmed
    assert c.get(f"/setup?token={token}").status_code == 403  # the link is spent
    secret = _secret(page)
    wrong = c.post("/setup/confirm", data={"csrf_token": _field(page, "csrf_token"), "code": "000000"})
    assert wrong.status_code == 400 and accounts.count() == 0
    done = c.post(
        "/setup/confirm",
        data={"csrf_token": _field(page, "csrf_token"), "code": pyotp.TOTP(secret).now()},
        headers=ORIGIN,
    )
    assert done.status_code == 200
    assert done.text.count("<li><code>") == 10  # the recovery codes, shown once
    assert done.headers["cache-control"] == "no-store"
    assert accounts.list()[0][:4] == ("root-admin", "admin", True, False)
    assert c.get("/admin").status_code == 200  # logged in by the confirmation
    # Setup is over: the page refuses, whatever the token.
    assert c.get(f"/setup?token={setup_token.issue(web_dir(tmp_path))}").status_code == 404
    # The confirmed code is spent: a login with it again is refused.
    fresh = _client(app)
    assert login(fresh, "root-admin", NEW_PASSWORD, pyotp.TOTP(secret).now()).status_code == 401
    log = _audit(tmp_path)
    results = [(e["action"], e["result"]) for e in log]
    assert ("setup", "form shown") in results
    assert ("setup", "password set, awaiting code") in results
    assert ("setup", "wrong code") in results
    assert ("setup", "ok: admin created") in results
    text = (web_dir(tmp_path) / "audit.jsonl").read_text()
    assert token not in text and secret not in text and NEW_PASSWORD not in text
    assert verify(web_dir(tmp_path) / "audit.jsonl").broken_at is None


def test_setup_refused_from_a_non_loopback_address(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    token = setup_token.issue(web_dir(tmp_path))
    remote = _client(app, "192.0.2.7")
    assert remote.get(f"/setup?token={token}").status_code == 403
    assert remote.post("/setup", data={"token": token}, headers=ORIGIN).status_code == 403
    assert setup_token.is_valid(web_dir(tmp_path), token)  # not spent by the refused attempts
    assert ("setup", "denied: not from a loopback address") in [
        (e["action"], e["result"]) for e in _audit(tmp_path)
    ]


def test_setup_refuses_cross_origin_bad_tokens_and_weak_passwords(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    token = setup_token.issue(web_dir(tmp_path))
    c = _client(app)
    data = {"token": token, "username": "boss", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert c.post("/setup", data=data, headers={"origin": "https://evil.example"}).status_code == 403
    assert c.post("/setup", data=data | {"token": "x" * 43}, headers=ORIGIN).status_code == 403
    weak = c.post("/setup", data=data | {"password": "password", "password2": "password"}, headers=ORIGIN)
    assert weak.status_code == 400 and "commonly used" in weak.text
    differ = c.post("/setup", data=data | {"password2": NEW_PASSWORD + "!"}, headers=ORIGIN)
    assert differ.status_code == 400
    assert setup_token.is_valid(web_dir(tmp_path), token)  # a refused form does not spend the link
    page = _start(c, token, "boss")
    # The confirmation needs the enrolment's CSRF token, and the cookie of the browser that started it.
    code = pyotp.TOTP(_secret(page)).now()
    assert c.post("/setup/confirm", data={"csrf_token": "forged", "code": code}).status_code == 403
    other = _client(app)
    assert (
        other.post(
            "/setup/confirm", data={"csrf_token": _field(page, "csrf_token"), "code": code}
        ).status_code
        == 403
    )
    assert app.state.accounts.count() == 0
    # A second replay of the (spent) link cannot start a parallel setup.
    assert _client(app).post("/setup", data=data, headers=ORIGIN).status_code == 403


def test_wrong_codes_end_an_enrolment(tmp_path: Path) -> None:
    enrolments = Enrolments(web_dir(tmp_path) / "accounts.db")
    _id, pending = enrolments.begin_setup("boss", NEW_PASSWORD)
    for _ in range(MAX_TRIES):
        assert enrolments.confirm(pending.key, "000000") is None
    assert enrolments.pending(pending.key) is None
    assert enrolments.confirm(pending.key, pyotp.TOTP(pending.secret).now()) is None
    _late_id, late = enrolments.begin_setup("boss", NEW_PASSWORD, now=time.time() - 3600)
    assert enrolments.confirm(late.key, pyotp.TOTP(late.secret).now()) is None  # expired
    assert Accounts(web_dir(tmp_path) / "accounts.db").count() == 0


def test_viewer_opts_in_to_totp_from_the_account_page(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    accounts: Accounts = app.state.accounts
    accounts.add("vera", "viewer", PASSWORD)
    c = _client(app)
    assert login(c, "vera").status_code == 303
    assert 'action="/account/totp"' in c.get("/account").text
    csrf = csrf_of(c)
    assert c.post("/account/totp", data={"password": PASSWORD}).status_code == 403  # no CSRF token
    # The password again: a stolen session alone cannot bind the account to someone else's authenticator.
    assert c.post("/account/totp", data={"csrf_token": csrf, "password": "not it at all"}).status_code == 403
    page = c.post("/account/totp", data={"csrf_token": csrf, "password": PASSWORD})
    assert page.status_code == 200
    secret = _secret(page.text)
    assert not accounts.has_totp("vera")
    confirm = c.post("/account/totp/confirm", data={"csrf_token": csrf, "code": pyotp.TOTP(secret).now()})
    assert confirm.status_code == 200 and confirm.text.count("<li><code>") == 10
    assert accounts.has_totp("vera")
    assert 'action="/account/totp"' not in c.get("/account").text
    assert c.post("/account/totp", data={"csrf_token": csrf, "password": PASSWORD}).status_code == 409
    # From now on the password alone does not log vera in.
    assert login(_client(app), "vera").status_code == 401
    results = [(e["action"], e["result"]) for e in _audit(tmp_path)]
    assert ("totp-enrol", "started") in results and ("totp-enrol", "ok") in results
    assert ("totp-enrol", "refused: wrong password") in results
    assert ("denied", "missing or wrong CSRF token") in results


def test_server_issues_a_link_only_without_accounts(tmp_path: Path) -> None:
    from hostward.config import WebConfig
    from hostward.web.server import WebServer

    server = WebServer(WebConfig(listen="127.0.0.1:0"), tmp_path)
    try:
        assert server.setup_link is not None
        assert server.setup_link.startswith(
            f"https://127.0.0.1:{server.socket.getsockname()[1]}/setup?token="
        )
        token = server.setup_link.split("token=")[1]
        assert setup_token.is_valid(web_dir(tmp_path), token)
    finally:
        server.socket.close()
    Accounts(web_dir(tmp_path) / "accounts.db").add("ada", "viewer", PASSWORD)
    server = WebServer(WebConfig(listen="127.0.0.1:0"), tmp_path)
    server.socket.close()
    assert server.setup_link is None
    assert not (web_dir(tmp_path) / setup_token.LINK_FILE).exists()

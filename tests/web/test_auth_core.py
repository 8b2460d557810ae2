"""The dashboard's security core against hostile and careless clients: login, sessions, roles, CSRF, headers."""

from __future__ import annotations

import time
from pathlib import Path

import argon2
import pyotp
import pytest
from core_app import PASSWORD, client, csrf_of, login, make_app

from hostward.errors import UsageError
from hostward.web import accounts as accounts_module
from hostward.web.accounts import Accounts
from hostward.web.audit import verify
from hostward.web.auth_routes import LOGIN_FAILED, safe_next


@pytest.fixture
def env(tmp_path: Path) -> dict[str, object]:
    app = make_app(tmp_path)
    accounts: Accounts = app.state.accounts
    accounts.add("vera", "viewer", PASSWORD)
    op = accounts.add("otto", "operator", PASSWORD)
    adm = accounts.add("ada", "admin", PASSWORD)
    return {"app": app, "accounts": accounts, "otto": op, "ada": adm, "dir": tmp_path}


def _code(enrolment: object) -> str:
    return pyotp.TOTP(enrolment.totp_secret).now()  # type: ignore[attr-defined]


def test_headers_and_cookie_attributes(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    page = c.get("/login")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert "server" not in page.headers
    response = login(c, "vera")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-hostward=")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower()
    assert "domain" not in cookie.lower()


def test_unauthenticated_requests_go_to_login_or_get_401(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    page = c.get("/?day=today")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert c.post("/change").status_code == 401


def test_unknown_user_and_wrong_password_look_the_same(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    unknown = login(c, "nobody-here", "whatever-pass")
    c2 = client(env["app"])  # type: ignore[arg-type]
    wrong = login(c2, "vera", "wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    assert LOGIN_FAILED in unknown.text
    assert unknown.text.replace("nobody-here", "") == wrong.text.replace("vera", "")


def test_unknown_user_costs_the_same_work_as_a_known_one(
    env: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enumeration by timing: an unknown name runs the same argon2 verification as a known one with a wrong
    password (one verify, against a dummy hash of the same parameters), counted rather than timed."""
    accounts: Accounts = env["accounts"]  # type: ignore[assignment]
    real = accounts_module._HASHER
    verified: list[argon2.Parameters] = []

    class CountingHasher:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def verify(self, stored: str, password: str) -> bool:
            verified.append(argon2.extract_parameters(stored))
            return real.verify(stored, password)

    monkeypatch.setattr(accounts_module, "_HASHER", CountingHasher())
    assert accounts.authenticate("vera", "not the password", "") is None
    assert accounts.authenticate("no-such-user", "not the password", "") is None
    assert len(verified) == 2 and verified[0] == verified[1], verified


def test_new_session_id_at_login_no_fixation(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    planted = "attacker-chosen-session-id"
    c.cookies.set("__Host-hostward", planted)
    response = login(c, "vera")
    issued = response.cookies.get("__Host-hostward")
    assert issued and issued != planted
    attacker = client(env["app"])  # type: ignore[arg-type]
    attacker.cookies.set("__Host-hostward", planted)
    assert attacker.get("/").status_code == 303  # the planted id opens nothing


def test_roles_are_checked_server_side_and_denials_audited(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    assert login(c, "vera").status_code == 303
    assert c.get("/").text == "for viewers"
    token = csrf_of(c)
    for method, path in (
        ("post", "/change"),
        ("get", "/admin-only"),
        ("get", "/admin"),
        ("get", "/admin/audit"),
    ):
        response = getattr(c, method)(path, data={"csrf_token": token}) if method == "post" else c.get(path)
        assert response.status_code == 403, path
    entries = env["app"].state.audit.newest(1000)  # type: ignore[attr-defined]
    denied = [e for e in entries if e["action"] == "denied" and e["user"] == "vera"]
    assert {e["object"] for e in denied} == {"/change", "/admin-only", "/admin", "/admin/audit"}


def test_csrf_token_and_origin_are_required_for_changes(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    assert login(c, "otto", code=_code(env["otto"])).status_code == 303
    token = csrf_of(c)
    assert c.post("/change").status_code == 403  # no token
    assert c.post("/change", data={"csrf_token": "forged"}).status_code == 403
    evil = c.post("/change", data={"csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert c.post("/change", headers={"X-CSRF-Token": token}).text == "changed"
    assert (
        c.post("/change", data={"csrf_token": token}, headers={"Origin": "https://testserver"}).text
        == "changed"
    )
    cross_login = client(env["app"]).post(  # type: ignore[arg-type]
        "/login", data={"username": "vera", "password": PASSWORD}, headers={"Origin": "https://evil.example"}
    )
    assert cross_login.status_code == 403


def test_totp_required_for_operators_used_once_and_recovery_codes(env: dict[str, object]) -> None:
    app = env["app"]
    assert login(client(app), "otto").status_code == 401  # type: ignore[arg-type]
    code = _code(env["otto"])
    first = client(app)  # type: ignore[arg-type]
    assert login(first, "otto", code=code).status_code == 303
    assert login(client(app), "otto", code=code).status_code == 401  # type: ignore[arg-type]
    recovery = env["otto"].recovery_codes[0]  # type: ignore[attr-defined]
    assert login(client(app), "otto", code=recovery).status_code == 303  # type: ignore[arg-type]
    assert login(client(app), "otto", code=recovery).status_code == 401  # type: ignore[arg-type]


def test_throttling_slows_guessing_with_retry_after(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    statuses = [login(c, "vera", f"guess number {i}").status_code for i in range(5)]
    assert statuses[:3] == [401, 401, 401]
    assert 429 in statuses[3:]
    blocked = login(c, "vera")  # even the right password waits: the delay, not a lockout
    assert blocked.status_code == 429 and 1 <= int(blocked.headers["retry-after"]) <= 30


def test_logout_disable_and_session_management(env: dict[str, object]) -> None:
    app = env["app"]
    viewer = client(app)  # type: ignore[arg-type]
    login(viewer, "vera")
    admin = client(app)  # type: ignore[arg-type]
    login(admin, "ada", code=_code(env["ada"]))
    token = csrf_of(admin)
    assert "vera" in admin.get("/admin").text
    assert (
        admin.post(
            "/admin/users/disable", data={"csrf_token": token, "name": "vera", "disabled": "1"}
        ).status_code
        == 303
    )
    assert viewer.get("/").status_code == 303  # disabled: session gone
    assert login(client(app), "vera").status_code == 401  # type: ignore[arg-type]
    logout = admin.post("/logout", data={"csrf_token": token})
    assert logout.status_code == 303
    assert admin.get("/admin").status_code == 303


def test_idle_timeout_ends_a_session(tmp_path: Path) -> None:
    app = make_app(tmp_path, session_idle_minutes=0.02)
    app.state.accounts.add("vera", "viewer", PASSWORD)
    c = client(app)
    login(c, "vera")
    assert c.get("/").status_code == 200
    time.sleep(1.5)  # idle 1.2 s: room for a slow login on a busy machine
    assert c.get("/").status_code == 303


def test_password_rules(env: dict[str, object]) -> None:
    accounts: Accounts = env["accounts"]  # type: ignore[assignment]
    # "princess1" is on Django's list only, "hostward123" on hostward's own.
    for bad in ("short", "password123", "qwertyuiop", "newuser1", "BaseBall1", "princess1", "hostward123"):
        with pytest.raises(UsageError):
            accounts.add("newuser1", "viewer", bad)
    accounts.add("newuser2", "viewer", "Ä" * 8)  # any characters, no composition rules
    accounts.add("newuser3", "viewer", "x" * 128)
    with pytest.raises(UsageError):
        accounts.add("bad name!", "viewer", PASSWORD)


def test_open_redirect_refused() -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        assert safe_next(target) == "/"
    assert safe_next("/activity/cpu?day=today") == "/activity/cpu?day=today"


def test_request_body_limit(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    assert c.post("/login", content=b"x" * (100 * 1024)).status_code == 413


def test_hostile_fields_are_encoded_in_the_audit_log_and_the_chain_verifies(env: dict[str, object]) -> None:
    c = client(env["app"])  # type: ignore[arg-type]
    login(c, 'evil\n{"forged": 1}\x1b[31m', "x" * 9)
    path = Path(env["dir"]) / "web" / "audit.jsonl"  # type: ignore[arg-type]
    lines = path.read_text().splitlines()
    assert all(line.startswith("{") and "\x1b" not in line for line in lines)
    assert verify(path).broken_at is None
    tampered = lines[:]
    tampered[0] = tampered[0].replace('"failed"', '"ok"')
    path.write_text("\n".join(tampered) + "\n")
    assert verify(path).broken_at == 1
    path.write_text("\n".join(lines[1:]) + "\n")  # the first entry removed
    assert verify(path).broken_at == 1

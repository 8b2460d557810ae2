"""First run and second-factor enrolment in the browser.

``/setup`` (only from a loopback address, only while no account exists, only with the one-time token the server
logged): the first administrator chooses a name and password, scans the TOTP QR code, proves it with a code, and
is shown the recovery codes once; the account exists from that moment and the browser is logged in. The token
is spent when the form is accepted; the enrolment that follows is bound to a ``__Host-`` cookie and its own
CSRF token. ``/account/totp``: a viewer without a second factor enrols one the same way, inside their session.
Every step checks the Origin and a CSRF token and writes an audit entry; tokens and codes are never logged.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hostward.errors import UsageError
from hostward.hostport import is_loopback
from hostward.web import setup_token
from hostward.web.audit import audit
from hostward.web.authz import client_address, current_user, deny, own_origin, require_role
from hostward.web.enrolment import ENROL_SECONDS, Enrolments, Pending, setup_key, user_key
from hostward.web.render import render

LINK_INVALID = "This setup link is not valid (used, expired or mistyped): restart the server for a new one."


def _enrolments(request: Request) -> Enrolments:
    enrolments: Enrolments = request.app.state.enrolments
    return enrolments


def _setup_cookie(request: Request) -> str:
    return "__Host-hostward-setup" if request.app.state.tls else "hostward_setup"


def _setup_refusal(request: Request) -> Response | None:
    """Why this request may not use /setup at all: not from this host, or accounts exist already."""
    address = request.client.host if request.client else ""
    if not is_loopback(address):
        audit(request, "setup", "-", "denied: not from a loopback address")
        return deny(request, 403, "setup is only possible from the host itself (a loopback address)")
    if request.app.state.accounts.count() > 0:
        audit(request, "setup", "-", "denied: accounts exist")
        return deny(request, 404, "setup is over: accounts exist")
    return None


def _cross_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is not None and origin != own_origin(request)


def _qr(pending: Pending) -> str:
    """The otpauth URI as an SVG data URI: an <img> source, no inline script or style for the CSP to refuse."""
    import segno  # noqa: PLC0415  (a QR code is drawn at enrolment only: not resident in the daemon)

    return str(segno.make(pending.uri, error="m").svg_data_uri(scale=4, border=2))


def _totp_page(request: Request, pending: Pending, action: str, csrf: str, **extra: Any) -> Response:
    context = {"pending": pending, "qr": _qr(pending), "action": action, "csrf_token": csrf, "error": ""}
    return render(request, "totp.html", context | extra, status=400 if extra.get("error") else 200)


async def setup_page(request: Request) -> Response:
    refusal = await run_in_threadpool(_setup_refusal, request)
    if refusal is not None:
        return refusal
    token = request.query_params.get("token", "")
    if not setup_token.is_valid(request.app.state.state_dir, token):
        audit(request, "setup", "-", "denied: invalid link")
        return deny(request, 403, LINK_INVALID)
    audit(request, "setup", "-", "form shown")
    return render(request, "setup.html", {"token": token, "error": "", "name": ""})


async def setup_submit(request: Request) -> Response:
    refusal = await run_in_threadpool(_setup_refusal, request)
    if refusal is not None:
        return refusal
    if _cross_origin(request):
        audit(request, "setup", "-", "denied: cross-origin request")
        return deny(request, 403, "cross-origin request")
    form = await request.form()
    # The one-time token is this form's CSRF token: a page on another site cannot know it.
    token, name = str(form.get("token", ""))[:100], str(form.get("username", ""))[:64]
    password, again = str(form.get("password", ""))[:256], str(form.get("password2", ""))[:256]
    state_dir = request.app.state.state_dir
    if not setup_token.is_valid(state_dir, token):
        audit(request, "setup", name, "denied: invalid link")
        return deny(request, 403, LINK_INVALID)
    enrolments = _enrolments(request)
    try:
        if not hmac.compare_digest(password.encode(), again.encode()):
            raise UsageError("the two passwords differ")
        enrolment_id, pending = await run_in_threadpool(enrolments.begin_setup, name, password)
    except UsageError as exc:  # the link stays good: the person fixes the form and sends it again
        audit(request, "setup", name, "refused: name or password")
        context = {"token": token, "error": str(exc), "name": name}
        return render(request, "setup.html", context, status=400)
    if not setup_token.redeem(state_dir, token):  # spent now: a second browser cannot start another setup
        audit(request, "setup", name, "denied: link used meanwhile")
        return deny(request, 403, LINK_INVALID)
    audit(request, "setup", name, "password set, awaiting code")
    response = _totp_page(request, pending, "/setup/confirm", pending.csrf)
    response.set_cookie(
        _setup_cookie(request),
        enrolment_id,
        max_age=int(ENROL_SECONDS),
        httponly=True,
        secure=request.app.state.tls,
        samesite="strict",
        path="/",
    )
    return response


async def setup_confirm(request: Request) -> Response:
    refusal = await run_in_threadpool(_setup_refusal, request)
    if refusal is not None:
        return refusal
    enrolments = _enrolments(request)
    enrolment_id = request.cookies.get(_setup_cookie(request), "")
    pending = await run_in_threadpool(enrolments.pending, setup_key(enrolment_id))
    if pending is None:
        audit(request, "setup", "-", "denied: no enrolment under way")
        return deny(request, 403, "no setup is under way in this browser (expired?): " + LINK_INVALID)
    form = await request.form()
    if _cross_origin(request) or not hmac.compare_digest(
        str(form.get("csrf_token", "")).encode(), pending.csrf.encode()
    ):
        audit(request, "setup", pending.user, "denied: cross-origin request or wrong CSRF token")
        return deny(request, 403, "cross-origin request or missing CSRF token")
    confirmed = await run_in_threadpool(enrolments.confirm, pending.key, str(form.get("code", ""))[:32])
    if confirmed is None:
        audit(request, "setup", pending.user, "wrong code")
        if await run_in_threadpool(enrolments.pending, pending.key) is None:
            return deny(request, 403, "too many wrong codes: " + LINK_INVALID)
        return _totp_page(request, pending, "/setup/confirm", pending.csrf, error="That code is not right.")
    state = request.app.state
    session_id = await run_in_threadpool(state.sessions.create, confirmed.user.name, client_address(request))
    request.state.user = confirmed.user
    audit(request, "setup", confirmed.user.name, "ok: admin created")
    audit(request, "login", confirmed.user.name, "ok")
    request.state.user = None  # this answer has no session: no logout form without its token in the header
    response = render(request, "recovery.html", {"codes": confirmed.recovery_codes, "csrf_token": ""})
    response.delete_cookie(
        _setup_cookie(request), path="/", secure=state.tls, httponly=True, samesite="strict"
    )
    response.set_cookie(
        state.cookie_name, session_id, httponly=True, secure=state.tls, samesite="strict", path="/"
    )
    return response


@require_role("viewer")
async def totp_begin(request: Request) -> Response:
    """Enrolling a factor needs the password again: a stolen session alone must not bind the account to the
    thief's authenticator (its owner could no longer log in). Failures count in the login throttle."""
    user = current_user(request)
    assert user is not None  # require_role admitted a user
    state = request.app.state
    keys = (f"user:{user.name}", f"addr:{client_address(request)}")
    wait = await run_in_threadpool(state.throttle.wait_seconds, *keys)
    if wait > 0:
        audit(request, "totp-enrol", user.name, "throttled")
        response = deny(request, 429, f"too many failed attempts: wait {int(wait) + 1} s")
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    password = str((await request.form()).get("password", ""))[:256]
    if not await run_in_threadpool(state.accounts.password_matches, user.name, password):
        await run_in_threadpool(state.throttle.failed, *keys)
        audit(request, "totp-enrol", user.name, "refused: wrong password")
        return deny(request, 403, "wrong password")
    await run_in_threadpool(state.throttle.succeeded, *keys)
    try:
        pending = await run_in_threadpool(_enrolments(request).begin_totp, user)
    except UsageError as exc:
        audit(request, "totp-enrol", user.name, "refused: has one")
        return deny(request, 409, str(exc))
    audit(request, "totp-enrol", user.name, "started")
    return _totp_page(request, pending, "/account/totp/confirm", request.state.session.csrf)


@require_role("viewer")
async def totp_confirm(request: Request) -> Response:
    user = current_user(request)
    assert user is not None
    enrolments = _enrolments(request)
    key = user_key(user.name)
    code = str((await request.form()).get("code", ""))[:32]
    confirmed = await run_in_threadpool(enrolments.confirm, key, code)
    if confirmed is None:
        audit(request, "totp-enrol", user.name, "wrong code")
        pending = await run_in_threadpool(enrolments.pending, key)
        if pending is None:
            return deny(request, 403, "no enrolment under way (expired or too many wrong codes): start again")
        csrf = request.state.session.csrf
        return _totp_page(request, pending, "/account/totp/confirm", csrf, error="That code is not right.")
    audit(request, "totp-enrol", user.name, "ok")
    return render(request, "recovery.html", {"codes": confirmed.recovery_codes})


def routes() -> list[BaseRoute]:
    return [
        Route("/setup", setup_page, methods=["GET"]),
        Route("/setup", setup_submit, methods=["POST"]),
        Route("/setup/confirm", setup_confirm, methods=["POST"]),
        Route("/account/totp", totp_begin, methods=["POST"]),
        Route("/account/totp/confirm", totp_confirm, methods=["POST"]),
    ]

"""Login, logout, a user's own sessions, and the admin pages (accounts, every session, the audit log).

Login answers every failure — unknown user, wrong password, wrong or missing code, disabled account — with the
same page, status and text after the same password-hashing work. Throttling (see throttle.py) counts the
account and the source address; a success clears both. A new session id is issued at every login.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hostward.errors import UsageError
from hostward.web.audit import audit
from hostward.web.authz import client_address, current_user, deny, own_origin, require_role, session_of
from hostward.web.render import render

LOGIN_FAILED = "Invalid user name, password or code."
MAX_SEARCH_RESULTS = 200


def safe_next(target: str) -> str:
    """Only a path on this site: an absolute or scheme-relative URL would make login an open redirect."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return "/"


async def login_page(request: Request) -> Response:
    if await session_of(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next", "/")), status_code=303)
    return render(
        request, "login.html", {"next": safe_next(request.query_params.get("next", "/")), "error": ""}
    )


async def login(request: Request) -> Response:
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        audit(request, "login", "-", "denied: cross-origin request")
        return deny(request, 403, "cross-origin request")
    form = await request.form()
    name = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:256]
    code = str(form.get("code", ""))[:32]
    target = safe_next(str(form.get("next", "/")))
    state = request.app.state
    keys = (f"user:{name}", f"addr:{client_address(request)}")
    wait = await run_in_threadpool(state.throttle.wait_seconds, *keys)
    if wait > 0:
        audit(request, "login", name, "throttled")
        response = render(
            request,
            "login.html",
            {"next": target, "error": f"Too many failed attempts: wait {int(wait) + 1} s and try again."},
            status=429,
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    user = await run_in_threadpool(state.accounts.authenticate, name, password, code)
    if user is None:
        await run_in_threadpool(state.throttle.failed, *keys)
        audit(request, "login", name, "failed")
        return render(request, "login.html", {"next": target, "error": LOGIN_FAILED}, status=401)
    await run_in_threadpool(state.throttle.succeeded, *keys)
    old = request.cookies.get(state.cookie_name)
    if old:
        await run_in_threadpool(state.sessions.end, old)  # never carry a session id across a login
    session_id = await run_in_threadpool(state.sessions.create, user.name, client_address(request))
    request.state.user = user
    audit(request, "login", user.name, "ok")
    redirect = RedirectResponse(target, status_code=303)
    redirect.set_cookie(
        state.cookie_name, session_id, httponly=True, secure=state.tls, samesite="strict", path="/"
    )
    return redirect


@require_role("viewer")
async def logout(request: Request) -> Response:
    state = request.app.state
    await run_in_threadpool(state.sessions.end, request.cookies.get(state.cookie_name, ""))
    audit(request, "logout", request.state.user.name, "ok")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(state.cookie_name, path="/", secure=state.tls, httponly=True, samesite="strict")
    return response


@require_role("viewer")
async def account(request: Request) -> Response:
    user = current_user(request)
    assert user is not None  # require_role admitted a user
    sessions = await run_in_threadpool(request.app.state.sessions.list, user.name)
    has_totp = await run_in_threadpool(request.app.state.accounts.has_totp, user.name)
    context = {"sessions": sessions, "current": request.state.session.key, "has_totp": has_totp}
    return render(request, "account.html", context)


@require_role("viewer")
async def end_own_session(request: Request) -> Response:
    user = current_user(request)
    assert user is not None
    key = str((await request.form()).get("key", ""))
    ended = await run_in_threadpool(request.app.state.sessions.end_key, key, user=user.name)
    audit(request, "end-session", key[:12], "ok" if ended else "not found")
    return RedirectResponse("/account", status_code=303)


@require_role("admin")
async def admin(request: Request) -> Response:
    state = request.app.state
    users = await run_in_threadpool(state.accounts.list)
    sessions = await run_in_threadpool(state.sessions.list)
    return render(request, "admin.html", {"users": users, "sessions": sessions})


@require_role("admin")
async def admin_disable(request: Request) -> Response:
    form = await request.form()
    name, disabled = str(form.get("name", "")), form.get("disabled") == "1"
    try:
        await run_in_threadpool(request.app.state.accounts.set_disabled, name, disabled)
    except UsageError:  # an unknown name: say so in the audit log and the answer, nothing else
        audit(request, "disable" if disabled else "enable", name, "not found")
        return deny(request, 404, "no such user")
    audit(request, "disable" if disabled else "enable", name, "ok")
    return RedirectResponse("/admin", status_code=303)


@require_role("admin")
async def admin_end_session(request: Request) -> Response:
    key = str((await request.form()).get("key", ""))
    ended = await run_in_threadpool(request.app.state.sessions.end_key, key)
    audit(request, "end-session", key[:12], "ok" if ended else "not found")
    return RedirectResponse("/admin", status_code=303)


@require_role("admin")
async def admin_audit(request: Request) -> Response:
    query = request.query_params.get("q", "")[:100].lower()

    def wanted(entry: dict[str, object]) -> bool:
        return not query or any(query in str(value).lower() for value in entry.values())

    found = await run_in_threadpool(request.app.state.audit.newest, MAX_SEARCH_RESULTS, wanted)
    return render(request, "audit.html", {"q": query, "entries": found})


def routes() -> list[BaseRoute]:
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/account", account, methods=["GET"]),
        Route("/account/sessions/end", end_own_session, methods=["POST"]),
        Route("/admin", admin, methods=["GET"]),
        Route("/admin/users/disable", admin_disable, methods=["POST"]),
        Route("/admin/sessions/end", admin_end_session, methods=["POST"]),
        Route("/admin/audit", admin_audit, methods=["GET"]),
    ]

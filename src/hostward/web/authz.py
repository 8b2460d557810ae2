"""Who is asking, and may they: every page and API endpoint is wrapped in ``require_role``.

The check runs on the server for every request: a missing or expired session gets the login page (pages) or a
401 (API); a role below the endpoint's gets 403 and an audit entry; a state-changing method must carry the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``) and, when the browser sends one, an
Origin equal to our own. GET never changes state, so only unsafe methods are checked for CSRF.
"""

from __future__ import annotations

import functools
import hmac
import urllib.parse
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from hostward.web.accounts import ROLE_RANK, User
from hostward.web.audit import audit
from hostward.web.sessions import Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Endpoint = Callable[[Request], Awaitable[Response]]


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def session_of(request: Request) -> Session | None:
    """The request's live session (cached on the request), or None."""
    if "session" in request.state._state:
        found: Session | None = request.state.session
        return found
    session_id = request.cookies.get(request.app.state.cookie_name, "")
    session = await run_in_threadpool(request.app.state.sessions.lookup, session_id) if session_id else None
    request.state.session = session
    if session is not None:
        request.state.user = User(session.user, session.role)
    return session


def current_user(request: Request) -> User | None:
    """The user ``require_role`` admitted for this request (None outside a guarded endpoint)."""
    user: User | None = getattr(request.state, "user", None)
    return user


def client_address(request: Request) -> str:
    """The peer's address as sessions and the login throttle key it ("-" when the server does not know it)."""
    return request.client.host if request.client else "-"


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def csrf_problem(request: Request, session: Session) -> str | None:
    """Why an unsafe request must be refused as cross-site, or None when it carries proof of our own page."""
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        return "cross-origin request"
    token = request.headers.get("x-csrf-token")
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            token = str((await request.form()).get("csrf_token", ""))
    if not token or not hmac.compare_digest(token.encode(), session.csrf.encode()):
        return "missing or wrong CSRF token"
    return None


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urllib.parse.urlencode({"next": target}), status_code=303)


def deny(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return PlainTextResponse(message, status_code=status)


def require_role(role: str) -> Callable[[Endpoint], Endpoint]:
    """Admit only sessions whose role is ``role`` or higher (viewer < operator < admin)."""
    needed = ROLE_RANK[role]

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            session = await session_of(request)
            if session is None:
                if is_api(request) or request.method not in SAFE_METHODS:
                    return deny(request, 401, "authentication required")
                return login_redirect(request)
            if ROLE_RANK.get(session.role, -1) < needed:
                audit(request, "denied", request.url.path, f"needs role {role}")
                return deny(request, 403, f"this needs the {role} role")
            if request.method not in SAFE_METHODS:
                problem = await csrf_problem(request, session)
                if problem:
                    audit(request, "denied", request.url.path, problem)
                    return deny(request, 403, problem)
            else:
                audit(request, "read", request.url.path, "ok")
            return await endpoint(request)

        return guarded

    return decorate

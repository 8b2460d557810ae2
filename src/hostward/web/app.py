"""The dashboard's ASGI application: security core (accounts, sessions, audit, headers) plus the pages.

``create_app`` wires state that every route reads from ``request.app.state``: the accounts database, sessions,
throttle and audit log under DATA_DIR/web, the session cookie's name (``__Host-`` prefixed under TLS, which pins
it to this origin, path / and Secure), and the data directory the pages read recordings from.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from hostward.config import WebConfig
from hostward.web import auth_routes, setup_routes
from hostward.web.accounts import Accounts
from hostward.web.audit import AuditLog
from hostward.web.enrolment import Enrolments
from hostward.web.security import SecurityHeaders
from hostward.web.sessions import Sessions
from hostward.web.state import web_dir
from hostward.web.throttle import Throttle

STATIC = Path(__file__).parent / "static"


def create_app(
    config: WebConfig, *, data_dir: Path, extra_routes: Sequence[BaseRoute] = (), tls: bool | None = None
) -> Starlette:
    """The app for ``config`` with the security routes, ``extra_routes`` (the dashboard's pages and API) and the
    static files; ``tls`` says whether it is served over HTTPS (default: unless plain_http)."""
    secure = (not config.plain_http) if tls is None else tls
    state_dir = web_dir(data_dir)
    db = state_dir / "accounts.db"
    app = Starlette(
        routes=[
            *auth_routes.routes(),
            *setup_routes.routes(),
            *extra_routes,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders, tls=secure)],
    )
    app.state.data_dir = data_dir
    app.state.state_dir = state_dir  # made and checked above: the certificate and the setup pages use it too
    app.state.tls = secure
    app.state.cookie_name = "__Host-hostward" if secure else "hostward_session"
    app.state.accounts = Accounts(db)
    app.state.enrolments = Enrolments(db)
    app.state.sessions = Sessions(
        db,
        idle_seconds=config.session_idle_minutes * 60,
        absolute_seconds=config.session_absolute_hours * 3600,
    )
    app.state.throttle = Throttle(db)
    app.state.audit = AuditLog(state_dir / "audit.jsonl")
    return app

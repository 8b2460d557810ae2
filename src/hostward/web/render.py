"""Server-side rendering: one Jinja2 environment with autoescaping on for every template.

Nothing shown in a page is marked safe: process names, command lines, host names, comments and log text are
escaped wherever they appear. Pages carry the session's CSRF token for their forms and are never cached by the
browser or a proxy (``no-store``): they show who is logged in.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hostward.web.authz import current_user


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hostward.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["timestamp"] = lambda stamp: dt.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S")
    return env


def render(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    page = (
        environment()
        .get_template(template)
        .render(
            {
                **context,
                "user": current_user(request),
                "csrf_token": session.csrf if session else context.get("csrf_token", ""),
            }
        )
    )
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})

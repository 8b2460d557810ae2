"""A security-core app for tests: the real login/session/audit stack plus two guarded endpoints of our own."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from hostward.config import WebConfig
from hostward.web.app import create_app
from hostward.web.authz import require_role

PASSWORD = "correct horse battery"


@require_role("viewer")
async def viewer_page(request: Request) -> Response:
    return PlainTextResponse("for viewers")


@require_role("operator")
async def operator_change(request: Request) -> Response:
    return PlainTextResponse("changed")


@require_role("admin")
async def admin_only(request: Request) -> Response:
    return PlainTextResponse("for admins")


def make_app(data_dir: Path, **config: object) -> Starlette:
    return create_app(
        WebConfig(**config),  # type: ignore[arg-type]
        data_dir=data_dir,
        extra_routes=[
            Route("/", viewer_page),
            Route("/change", operator_change, methods=["POST"]),
            Route("/admin-only", admin_only),
        ],
        tls=True,
    )


def client(app: Starlette) -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def login(c: TestClient, name: str, password: str = PASSWORD, code: str = "") -> Response:
    return c.post("/login", data={"username": name, "password": password, "code": code, "next": "/"})


def csrf_of(c: TestClient) -> str:
    """The session's CSRF token, read from a page that carries it (the account page)."""
    page = c.get("/account").text
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]

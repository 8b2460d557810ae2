"""A running dashboard for the browser tests: the real app on 127.0.0.1 and a free port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from hostward.web.app import create_app


@dataclass
class Dashboard:
    url: str
    app: Any


@contextmanager
def serve(data_dir: Path, *, interval_seconds: float = 1.0) -> Iterator[Dashboard]:
    app = create_app(None, data_dir=data_dir)  # type: ignore[arg-type]
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


def login(context: Any, dashboard: Dashboard, role: str) -> None:
    """Log a browser context in with the given role."""
    context.add_cookies([{"name": "role", "value": role, "url": dashboard.url}])


def session_cookie(dashboard: Dashboard, role: str) -> str:
    """A Cookie header value of a logged-in session with the given role (for tools outside the browser)."""
    return f"role={role}"

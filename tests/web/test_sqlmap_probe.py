"""sqlmap, the tool attackers use, against a live dashboard: the login form and the audit search parameter.

sqlmap exits 0 whether or not it finds an injection, so the verdict is read from its own words on stdout.
Throttling is opened wide for this run: it would otherwise answer sqlmap's probes with 429s and hide what the
database layer does with hostile input, which is what this test is about.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from core_app import PASSWORD, make_app
from tests.conftest import unavailable

from hostward.web import throttle

pytestmark = pytest.mark.slow
NOT_INJECTABLE = "do not appear to be injectable"


def _sqlmap() -> list[str]:
    found = shutil.which("sqlmap", path=str(Path(sys.executable).parent))
    if found is None:
        unavailable("sqlmap is not installed in the virtual environment")
    return [str(found)]


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, str]]:
    monkeypatch.setattr(throttle, "FREE_TRIES", 10**6)
    app = make_app(tmp_path, plain_http=True)
    app.state.accounts.add("ada", "admin", PASSWORD)
    session_id = app.state.sessions.create("ada", "127.0.0.1")
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield port, session_id
    server.should_exit = True
    thread.join(5)


def _run(args: list[str], out: Path) -> str:
    result = subprocess.run(
        [
            *_sqlmap(),
            "--batch",
            "--flush-session",
            "--disable-coloring",
            f"--output-dir={out}",
            "--level=1",
            "--risk=1",
            "--timeout=5",
            "--retries=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result.stdout + result.stderr


def test_login_form_not_injectable(server: tuple[int, str], tmp_path: Path) -> None:
    port, _ = server
    log = _run(
        [
            f"--url=http://127.0.0.1:{port}/login",
            "--data=username=ada&password=x&code=1&next=/",
            "-p",
            "username,password,code",
            "--ignore-code=401",
        ],
        tmp_path / "sqlmap-login",
    )
    assert NOT_INJECTABLE in log, log[-2000:]
    assert "is vulnerable" not in log


def test_audit_search_not_injectable(server: tuple[int, str], tmp_path: Path) -> None:
    port, session_id = server
    log = _run(
        [
            f"--url=http://127.0.0.1:{port}/admin/audit?q=login",
            f"--cookie=hostward_session={session_id}",
            "-p",
            "q",
        ],
        tmp_path / "sqlmap-audit",
    )
    assert "403" not in log.split("testing connection to the target URL")[-1][:300]
    assert NOT_INJECTABLE in log, log[-2000:]

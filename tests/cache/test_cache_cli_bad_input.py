"""`hostward cache` on bad input: no server, a server that is not memcached, bad arguments — one line, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.cache.memcached_server import Memcached, free_port
from tests.cache.test_stats_client import _peer

from hostward.cli import main


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("HOSTWARD_CONFIG", str(tmp_path / "empty.toml"))


def _hostward(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hostward", *args], capture_output=True, text=True, timeout=timeout
    )


def test_a_port_with_no_server_is_one_line_and_exit_2() -> None:
    port = free_port()
    result = _hostward("cache", "stats", f"127.0.0.1:{port}")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"hostward cache: memcached 127.0.0.1:{port}: connection refused (is memcached running there?)\n"
    )


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            "not a memcached stats reply: 'HTTP/1.1 400",
        ),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage", "not a memcached stats reply"),
        (b"STAT pid 1\r\nSTAT uptime\r\nEND\r\n", "not a STAT line: 'STAT uptime'"),
    ],
)
def test_a_peer_that_is_not_memcached_is_named(reply: bytes, expected: str) -> None:
    with _peer(reply) as port:
        result = _hostward("cache", "stats", f"127.0.0.1:{port}", "--timeout", "2")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_silent_peer_is_a_timeout_within_the_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    with _peer(None) as port:
        started = time.monotonic()
        code = main(["cache", "slabs", f"127.0.0.1:{port}", "--timeout", "0.5"])
        spent = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"hostward cache: memcached 127.0.0.1:{port}: no complete reply to 'stats' within 0.5 s\n"
    assert spent < 5  # one timeout, not one per command (generous: the machine is shared)


@pytest.mark.peer
def test_one_bad_server_among_good_ones_still_reports_the_good(capsys: pytest.CaptureFixture[str]) -> None:
    server = Memcached()
    try:
        dead = f"127.0.0.1:{free_port()}"
        code = main(["cache", "stats", server.address, dead, "--json"])
    finally:
        server.stop()
    body = json.loads(capsys.readouterr().out)
    assert code == 2 and body["exit_status"] == 2
    good, bad = body["servers"]
    assert good["verdict"]["level"] == "ok" and good["raw"]["pid"] == str(server.proc.pid)
    assert bad["verdict"]["level"] == "error" and "connection refused" in bad["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "localhost"], "'localhost' is not HOST:PORT"),
        (["stats", "unix:relative.sock"], "a unix socket needs an absolute path"),
        (["stats", "127.0.0.1:99999"], "is not HOST:PORT with a port from 1 to 65535"),
        (["stats", "--interval", "0"], "--interval N must be between 0.1 and 86400"),
        (["stats", "--interval", "1", "0"], "COUNT must be at least 1"),
        (["stats", "--interval", "1", "2", "3"], "takes N seconds and an optional COUNT"),
        (["stats", "--interval", "x"], "is not N [COUNT]"),
        (["stats", "--interval", "1", "127.0.0.1:11211"], "name SERVERs before --interval"),
        (["stats", "--interval", "1", "-3"], "COUNT '-3' is not a whole number"),
        (["settings", "--timeout", "0"], "--timeout: invalid value '0' (expected a number from 0.01 to 60"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cache", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_help_documents_exit_codes_and_examples() -> None:
    result = _hostward("cache", "--help")
    assert result.returncode == 0
    for text in ("0  healthy", "1  warning", "2  error", "3  critical", "unix:/path"):
        assert text in result.stdout
    stats_help = _hostward("cache", "stats", "--help").stdout
    assert "[--interval N [COUNT]]" in stats_help and "COUNT ..." not in stats_help
    assert "hostward cache stats --interval 1 3" in stats_help

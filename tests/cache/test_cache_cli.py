"""`hostward cache` against a real memcached: every printed figure equals the server's own raw stats."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cache.memcached_server import Memcached, unix_memcached
from tests.conftest import require_binary

from hostward.cache.counters import interval
from hostward.cache.explain import explain_stats
from hostward.cache.health import check
from hostward.cli import main
from hostward.cli.cache_text import rate_row, render_slabs, render_stats

pytestmark = pytest.mark.peer

# Counters a `stats` poll itself does not move (it moves connections and bytes).
STILL = (
    "pid", "version", "cmd_get", "get_hits", "get_misses", "get_expired", "cmd_set", "curr_items",
    "total_items", "evictions", "evicted_unfetched", "reclaimed", "expired_unfetched", "bytes",
    "limit_maxbytes", "max_connections", "rejected_connections", "listen_disabled_num", "store_too_large",
    "store_no_memory", "threads",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("HOSTWARD_CONFIG", str(tmp_path / "empty.toml"))


@pytest.fixture
def memcached() -> Iterator[Memcached]:
    server = Memcached()
    yield server
    server.stop()


def _talk(port: int, request: bytes, replies: int) -> list[bytes]:
    """Send ``request`` and read ``replies`` terminal lines (STORED/END/DELETED/NOT_FOUND ...)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn, conn.makefile("rb") as reader:
        conn.sendall(request)
        out = []
        while len(out) < replies:
            line = reader.readline()
            if not line.startswith((b"VALUE", b"x", b"y", b"v")):
                out.append(line)
        return out


def _traffic(port: int, *, sets: int, hits: int, misses: int, size: int = 10, prefix: str = "k") -> None:
    value = b"v" * size
    body = b"".join(f"set {prefix}{i} 0 0 {size}\r\n".encode() + value + b"\r\n" for i in range(sets))
    _talk(port, body, sets)
    gets = b"".join(f"get {prefix}{i % sets}\r\n".encode() for i in range(hits))
    gets += b"".join(f"get absent{i}\r\n".encode() for i in range(misses))
    _talk(port, gets, hits + misses)


def _stats_over(conn: socket.socket) -> dict[str, str]:
    """``stats`` over an open connection, as a name -> raw value map."""
    conn.sendall(b"stats\r\n")
    reply = b""
    while not reply.endswith(b"END\r\n"):
        chunk = conn.recv(65536)
        assert chunk, "memcached closed the connection"
        reply += chunk
    return {
        p[1]: p[2] for p in (line.split(" ", 2) for line in reply.decode().split("\r\n")) if p[0] == "STAT"
    }


def _nc(port: int, command: str = "stats") -> dict[str, str]:
    nc = require_binary("nc")["nc"]
    out = subprocess.run(
        [nc, "-N", "127.0.0.1", str(port)],
        input=f"{command}\r\nquit\r\n".encode(),
        capture_output=True,
        timeout=10,
        check=True,
    ).stdout.decode()
    return {p[1]: p[2] for p in (line.split(" ", 2) for line in out.split("\r\n")) if p[0] == "STAT"}


def test_every_printed_figure_is_the_raw_value_of_the_same_reply(memcached: Memcached) -> None:
    _traffic(memcached.port, sets=300, hits=900, misses=100)
    health = check(memcached.address, timeout=2)
    assert health.stats is not None
    fields = health.stats.fields
    text = render_stats(health)
    lines = text.splitlines()
    shown = 0
    for group in explain_stats(fields):
        assert group.title in lines
        for fig in group.figures:
            line = next(line for line in lines if line.startswith(f"  {fig.label} "))
            for name, value in fig.raw:
                assert fields[name] == value
                # one-value figures print the raw text; derived ones print "name value" pairs
                assert (
                    (line.split()[len(fig.label.split())] == value)
                    if len(fig.raw) == 1
                    else (f"{name} {value}" in line)
                ), line
            shown += 1
    assert shown >= 25
    assert "hit ratio" in text and "90.0 %" in text  # 900 of 1000 gets
    assert fields["get_hits"] == "900" and fields["get_misses"] == "100" and fields["cmd_set"] == "300"


def test_json_equals_echo_stats_nc(memcached: Memcached, capsys: pytest.CaptureFixture[str]) -> None:
    _traffic(memcached.port, sets=50, hits=200, misses=30)
    assert main(["cache", "stats", memcached.address, "--json"]) == 0
    raw = _nc(memcached.port)  # the same moment: nothing but stats polls in between
    body = json.loads(capsys.readouterr().out)
    server = body["servers"][0]
    assert body["exit_status"] == 0 and server["verdict"]["level"] == "ok"
    for name in STILL:
        assert server["raw"][name] == raw[name], name
    figures = server["figures"]
    assert figures["gets"] == int(raw["cmd_get"]) == 230
    assert figures["hits"] == int(raw["get_hits"]) == 200
    assert figures["misses"] == int(raw["get_misses"]) == 30
    assert figures["hit_ratio"] == int(raw["get_hits"]) / int(raw["cmd_get"])
    assert figures["fill"] == int(raw["bytes"]) / int(raw["limit_maxbytes"])
    assert figures["items"] == int(raw["curr_items"]) == 50
    assert figures["evictions"] == int(raw["evictions"]) == 0
    assert figures["version"] == raw["version"]


def test_evictions_on_a_full_4_mib_server_are_critical_too_small(capsys: pytest.CaptureFixture[str]) -> None:
    server = Memcached(extra=("-m", "4"))
    try:
        _traffic(server.port, sets=6000, hits=100, misses=0, size=1000)
        code = main(["cache", "stats", server.address])
        out = capsys.readouterr().out
        raw = _nc(server.port)
    finally:
        server.stop()
    assert int(raw["evictions"]) > 0
    assert code == 3
    line = next(line for line in out.splitlines() if line.startswith("  evictions "))
    assert line.split()[1] == raw["evictions"]
    assert "Verdict: CRITICAL" in out and "too small" in out
    assert f"{raw['evictions']} evictions for {raw['total_items']} items stored" in out.replace("\n    ", " ")


def test_slabs_show_calcification_with_automove_off(capsys: pytest.CaptureFixture[str]) -> None:
    server = Memcached(extra=("-m", "4", "-o", "slab_reassign,slab_automove=0"))
    try:
        _traffic(server.port, sets=20, hits=0, misses=0, size=5000, prefix="big")  # class of 5 KB chunks
        _traffic(server.port, sets=40000, hits=0, misses=0, size=50, prefix="small")  # takes all other pages
        _talk(server.port, b"".join(f"delete small{i}\r\n".encode() for i in range(40000)), 40000)
        _traffic(server.port, sets=2000, hits=0, misses=0, size=5000, prefix="more")  # evicts in its class
        health = check(server.address, timeout=2)
        code = main(["cache", "slabs", server.address, "--json"])
        body = json.loads(capsys.readouterr().out)
        slabs_raw, items_raw = _nc(server.port, "stats slabs"), _nc(server.port, "stats items")
    finally:
        server.stop()
    assert health.verdict is not None and health.slabs is not None
    codes = {f.code for f in health.verdict.findings}
    assert "slab_calcification" in codes and "too_small" not in codes  # memory is free, in the wrong class
    assert code == 1 and body["exit_status"] == 1
    rows = {row["id"]: row for row in body["servers"][0]["slabs"]}
    for ident, row in rows.items():
        assert row["chunk_bytes"] == int(slabs_raw[f"{ident}:chunk_size"])
        assert row["pages"] == int(slabs_raw[f"{ident}:total_pages"])
        assert row["used_chunks"] == int(slabs_raw[f"{ident}:used_chunks"])
        assert row["free_chunks"] == int(slabs_raw[f"{ident}:free_chunks"]) + int(
            slabs_raw[f"{ident}:free_chunks_end"]
        )
        if f"items:{ident}:number" in items_raw:
            assert row["items"] == int(items_raw[f"items:{ident}:number"])
            assert row["evicted"] == int(items_raw[f"items:{ident}:evicted"])
            assert row["outofmemory"] == int(items_raw[f"items:{ident}:outofmemory"])
    evicting = [row for row in rows.values() if row["evicted"]]
    assert evicting and any(row["free_chunks"] >= row["chunks_per_page"] for row in rows.values())
    text = render_slabs(health)
    assert "slabs reassign" in text and f"nc -N 127.0.0.1 {server.port}" in text
    assert "slab_automove 0" in text


def test_rejected_connections_are_critical(capsys: pytest.CaptureFixture[str]) -> None:
    # -c 20 with one thread leaves 7 client connections (the rest are memcached's reserved descriptors).
    server = Memcached(extra=("-c", "20", "-t", "1"))
    held: list[socket.socket] = []
    try:
        refused = b""
        first = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        held.append(first)
        alone = int(_stats_over(first)["curr_connections"])
        for _ in range(30):
            conn = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            held.append(conn)
            conn.sendall(b"version\r\n")
            reply = conn.recv(100)
            if not reply.startswith(b"VERSION"):
                refused = reply
                break
        assert refused == b"ERROR Too many open connections\r\n"
        at_limit = main(["cache", "stats", server.address])  # its own connection is refused too
        err = capsys.readouterr().err
        # memcached frees a slot only when its worker has taken up the close, after our close() returns: under
        # load the next connection could still be refused. Keep the first connection (counted before the others
        # were opened) and ask the server itself, over it, until its count is back to that.
        probe = held[0]
        for conn in held[1:]:
            conn.close()
        del held[1:]
        deadline = time.monotonic() + 10  # a bound on a hang, not a timing claim
        while int(_stats_over(probe)["curr_connections"]) > alone:
            assert time.monotonic() < deadline, "memcached did not take up the closed connections"
            time.sleep(0.01)
        raw = _nc(server.port)
        code = main(["cache", "stats", server.address])
        out = capsys.readouterr().out
    finally:
        for conn in held:
            conn.close()
        server.stop()
    assert at_limit == 3 and err.count("\n") == 1 and "Too many open connections" in err
    assert int(raw["rejected_connections"]) >= 2
    assert code == 3 and "connection limit hit" in out
    line = next(line for line in out.splitlines() if line.startswith("  rejected "))
    assert line.split()[1] == raw["rejected_connections"]


def test_unix_socket_server(capsys: pytest.CaptureFixture[str]) -> None:
    with unix_memcached() as server:
        assert main(["cache", "settings", server.address]) == 0
        out = capsys.readouterr().out
    assert f"domain_socket           {server.unix_path}" in out
    assert "Verdict: OK" in out


def test_a_restart_between_samples_is_shown_without_negative_rates() -> None:
    first = Memcached()
    try:
        _traffic(first.port, sets=100, hits=500, misses=50)
        before = check(first.address, timeout=2)
    finally:
        first.stop()
    second = Memcached(port=first.port)
    try:
        _traffic(second.port, sets=10, hits=20, misses=5)
        after = check(second.address, timeout=2, before=before.stats)
    finally:
        second.stop()
    assert before.stats is not None and after.stats is not None
    step = interval(before.stats.fields, after.stats.fields, after.stats.fetched_at - before.stats.fetched_at)
    assert step.restart and step.since_start
    assert all(r.per_second is None or r.per_second >= 0 for r in step.rates.values())
    row = rate_row("12:00:00", second.address, step, after)
    assert "RESTART" in row and not re.search(r"(^|\s)-\d", row)
    assert after.verdict is not None and after.verdict.window == "since start"


def test_interval_rows_follow_traffic(memcached: Memcached) -> None:
    """The CLI's --interval loop in a subprocess, with traffic sent between its first and second row."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostward",
            "cache",
            "stats",
            memcached.address,
            "--interval",
            "1",
            "3",
            "--json",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    _traffic(memcached.port, sets=40, hits=120, misses=40)
    rest, _ = proc.communicate(timeout=30)
    rows = [json.loads(line) for line in rest.splitlines()]
    assert proc.returncode == 0
    assert first["since_start"] and not first["restart"]
    steps, summary = rows[:2], rows[2]
    assert not any(step["since_start"] for step in steps)
    gets = sum(step["rates"]["cmd_get"] * step["seconds"] for step in steps)
    sets = sum(step["rates"]["cmd_set"] * step["seconds"] for step in steps)
    assert round(gets) == 160 and round(sets) == 40
    assert summary["server"] == memcached.address and summary["verdict"]["level"] == "ok"
    assert all(v is None or v >= 0 for step in steps for v in step["rates"].values())


def test_settings_figures_are_the_raw_settings(
    memcached: Memcached, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cache", "settings", memcached.address, "--json"]) == 0
    raw = _nc(memcached.port, "stats settings")
    settings = json.loads(capsys.readouterr().out)["servers"][0]["settings"]
    assert settings == raw  # every setting, unchanged
    assert main(["cache", "settings", memcached.address]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name, value in raw.items():
        assert any(line.split()[:2] == [name, value] for line in lines if line.startswith("  ")), name


@pytest.mark.slow
def test_interval_run_across_a_restart_shows_it_and_no_negative_rate() -> None:
    """A real restart on the same port while `hostward cache stats --interval 1 4` runs."""
    first = Memcached()
    _traffic(first.port, sets=200, hits=2000, misses=300)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hostward", "cache", "stats", first.address, "--interval", "1", "4"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    header, row = proc.stdout.readline(), proc.stdout.readline()
    first.stop()
    second = Memcached(port=first.port)
    try:
        _traffic(second.port, sets=5, hits=10, misses=1)
        rest, _ = proc.communicate(timeout=30)
    finally:
        second.stop()
    assert "get/s" in header and "average since start" in row
    rows = rest.splitlines()
    assert any("RESTART" in line for line in rows[:3]), rest
    assert not any(re.search(r"(^|\s)-\d", line) for line in [row, *rows])
    assert any(line.startswith("Average:") for line in rows)
    assert proc.returncode in (0, 2)  # 2 only when a row met the server down mid-restart


def test_an_ipv6_server(capsys: pytest.CaptureFixture[str]) -> None:
    server = Memcached(listen="127.0.0.1,[::1]")
    try:
        code = main(["cache", "stats", f"[::1]:{server.port}", "--json"])
    finally:
        server.stop()
    body = json.loads(capsys.readouterr().out)["servers"][0]
    assert code == 0 and body["server"] == f"[::1]:{server.port}"
    assert body["raw"]["pid"] == str(server.proc.pid)

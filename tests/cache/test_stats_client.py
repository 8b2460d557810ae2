"""hostward.cache.stats against a real memcached, the raw `nc` view of it, and peers that are not memcached."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.cache.memcached_server import Memcached, free_port, unix_memcached
from tests.conftest import require_binary

from hostward.cache.stats import MAX_REPLY_BYTES, fetch_stats, parse_stats_reply
from hostward.errors import ProbeError, ProbeTimeout


@pytest.fixture
def memcached() -> Iterator[Memcached]:
    server = Memcached()
    yield server
    server.stop()


def _nc_stats(port: int, command: str) -> dict[str, str]:
    nc = require_binary("nc")["nc"]
    out = subprocess.run(
        [nc, "-q", "1", "127.0.0.1", str(port)],
        input=f"{command}\r\nquit\r\n".encode(),
        capture_output=True,
        timeout=10,
        check=True,
    ).stdout.decode()
    return {
        parts[1]: parts[2]
        for parts in (line.split(" ", 2) for line in out.split("\r\n"))
        if parts[0] == "STAT"
    }


def test_stats_equal_the_raw_reply_nc_shows(memcached: Memcached) -> None:
    for command in ("stats settings", "stats slabs", "stats items"):
        ours = fetch_stats(memcached.address, timeout=2, command=command).fields
        assert ours == _nc_stats(memcached.port, command), command
    reply = fetch_stats(memcached.address, timeout=2)
    raw = _nc_stats(memcached.port, "stats")
    # Counters that do not move between two idle reads are equal; the clock and rusage fields may tick.
    moving = {"time", "uptime", "rusage_user", "rusage_system", "curr_connections", "total_connections"}
    moving |= {"cmd_get", "get_misses", "bytes_read", "bytes_written", "conn_yields", "rejected_connections"}
    assert list(reply.fields) == list(raw)
    assert {k: v for k, v in reply.fields.items() if k not in moving} == {
        k: v for k, v in raw.items() if k not in moving
    }
    assert reply.fields["version"].startswith("1.6")
    assert int(reply.fields["pid"]) == memcached.proc.pid


def test_counters_follow_real_traffic(memcached: Memcached) -> None:
    before = fetch_stats(memcached.address, timeout=2).fields
    with socket.create_connection(("127.0.0.1", memcached.port), timeout=2) as conn:
        conn.sendall(b"set k 0 0 3\r\nabc\r\nget k\r\nget nothere\r\n")
        time.sleep(0.2)
    after = fetch_stats(memcached.address, timeout=2).fields
    assert int(after["cmd_set"]) - int(before["cmd_set"]) == 1
    assert int(after["get_hits"]) - int(before["get_hits"]) == 1
    assert int(after["get_misses"]) - int(before["get_misses"]) == 1
    assert after["curr_items"] == "1"


def test_unix_socket() -> None:
    with unix_memcached() as server:
        fields = fetch_stats(server.address, timeout=2).fields
        assert int(fields["pid"]) == server.proc.pid


def test_refused_port_is_one_line() -> None:
    with pytest.raises(ProbeError, match="connection refused") as caught:
        fetch_stats(f"127.0.0.1:{free_port()}", timeout=1)
    assert "\n" not in str(caught.value)


@contextmanager
def _peer(reply: bytes | None, *, endless: bytes = b"") -> Iterator[int]:
    """A TCP peer that answers every connection with ``reply`` (None = says nothing), then ``endless`` forever."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(100)
                try:
                    if reply is not None:
                        conn.sendall(reply)
                    while endless and not stop.is_set():
                        conn.sendall(endless)
                    stop.wait(5)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_an_http_server_is_named_as_not_memcached() -> None:
    reply = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    with (
        _peer(reply) as port,
        pytest.raises(ProbeError, match=r"not a memcached stats reply: 'HTTP/1\.1 400"),
    ):
        fetch_stats(f"127.0.0.1:{port}", timeout=2)


def test_a_silent_peer_times_out_within_the_timeout() -> None:
    with _peer(None) as port:
        started = time.monotonic()
        with pytest.raises(ProbeTimeout, match=r"within 0\.3 s"):
            fetch_stats(f"127.0.0.1:{port}", timeout=0.3)
        assert time.monotonic() - started < 2


def test_an_endless_reply_is_cut_at_the_size_bound() -> None:
    endless = b"STAT x " + b"1" * 1000 + b"\r\n"
    with (
        _peer(b"", endless=endless) as port,
        pytest.raises(ProbeError, match=f"longer than {MAX_REPLY_BYTES}"),
    ):
        fetch_stats(f"127.0.0.1:{port}", timeout=10)


def test_a_trickling_peer_cannot_stretch_the_deadline() -> None:
    with _peer(b"STAT a 1\r\n", endless=b"S") as port, pytest.raises(ProbeError):
        fetch_stats(f"127.0.0.1:{port}", timeout=0.5)


def test_an_error_line_is_refused() -> None:
    with _peer(b"ERROR\r\n") as port, pytest.raises(ProbeError, match="'ERROR⏎'"):
        fetch_stats(f"127.0.0.1:{port}", timeout=2)


_names = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)
_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@given(st.dictionaries(_names, _values, max_size=30))
def test_parse_round_trips_any_well_formed_reply(fields: dict[str, str]) -> None:
    reply = "".join(f"STAT {name} {value}\r\n" for name, value in fields.items()) + "END\r\n"
    assert parse_stats_reply(reply.encode()) == fields


@given(st.binary(max_size=300))
def test_parse_hostile_bytes_gives_fields_or_one_line_error(data: bytes) -> None:
    try:
        fields = parse_stats_reply(data)
    except ProbeError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 300
    else:
        assert all(name and " " not in name for name in fields)

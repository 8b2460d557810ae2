"""StatsConnection, the recorder's kept connection: one connection across polls, a fresh one after the server
restarted (within the same poll), and the same one-line refusals as fetch_stats."""

from __future__ import annotations

import socket

import pytest
from tests.cache.memcached_server import Memcached, free_port, unix_memcached

from hostward.cache.stats import StatsConnection, fetch_stats
from hostward.errors import ConfigError, ProbeError, ProbeTimeout

pytestmark = pytest.mark.peer


def test_polls_share_one_connection_and_see_what_fetch_stats_sees() -> None:
    server = Memcached()
    connection = StatsConnection(server.address, timeout=2.0)
    try:
        first = connection.fetch()
        kept = connection._sock.getsockname() if connection._sock else None
        later = [connection.fetch() for _ in range(5)]
        assert kept is not None and connection._sock is not None and connection._sock.getsockname() == kept
        # Only one connection was ever made for the six polls (the server counts each accept).
        assert int(later[-1].fields["total_connections"]) == int(first.fields["total_connections"])
        assert later[-1].fields["pid"] == fetch_stats(server.address, timeout=2.0).fields["pid"]
        assert connection.fetch("stats settings").fields["tcpport"] == str(server.port)
    finally:
        connection.close()
        server.stop()


def test_a_restarted_server_is_reached_again_within_the_same_poll() -> None:
    server = Memcached()
    connection = StatsConnection(server.address, timeout=2.0)
    try:
        before = connection.fetch().fields["pid"]
        port = server.port
        server.proc.kill()
        server.proc.wait(5)
        server = Memcached(port=port)
        assert connection.fetch().fields["pid"] != before  # the dead kept connection is replaced
    finally:
        connection.close()
        server.stop()


def test_unix_socket() -> None:
    with unix_memcached() as server:
        connection = StatsConnection(server.address, timeout=2.0)
        try:
            assert connection.fetch().fields["pid"] == connection.fetch().fields["pid"]
        finally:
            connection.close()


def test_refusals_are_one_line_and_the_next_poll_tries_again() -> None:
    port = free_port()
    connection = StatsConnection(f"127.0.0.1:{port}", timeout=1.0)
    with pytest.raises(ProbeError, match="connection refused") as refused:
        connection.fetch()
    assert "\n" not in str(refused.value)
    server = Memcached(port=port)
    try:
        assert connection.fetch().fields["pid"]  # up now: the next poll connects
    finally:
        connection.close()
        server.stop()


def test_a_silent_peer_and_bad_arguments() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        connection = StatsConnection(f"127.0.0.1:{silent.getsockname()[1]}", timeout=0.2)
        with pytest.raises(ProbeTimeout, match=r"within 0\.2 s"):
            connection.fetch()
        connection.close()
    with pytest.raises(ConfigError, match="absolute path"):
        StatsConnection("unix:relative", timeout=1.0)
    with pytest.raises(ValueError, match="unsupported"):
        StatsConnection("127.0.0.1:1", timeout=1.0).fetch("flush_all")

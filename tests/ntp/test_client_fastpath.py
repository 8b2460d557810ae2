"""The client's cheap paths keep their guarantees: the kernel-bounded receive wait, the pooled random cookies,
and the inline header checks (wrong version still counted as such)."""

from __future__ import annotations

import math
import os
import socket
import struct
import threading

import pytest
from tests.ntp.fakes import SERVER, FakeClock, FakeNet, fake_resolver, reply_for

from hostward.ntp.client import _URANDOM, ServerAddress, query_server, udp_socket
from hostward.ntp.packet import Drop

_TIMEVAL = struct.Struct("@ll")


def _rcvtimeo(sock: socket.socket) -> float:
    """SO_RCVTIMEO as the kernel keeps it: rounded up to whole jiffies (HZ 100-1000), so up to 10 ms more."""
    sec, usec = _TIMEVAL.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _TIMEVAL.size))
    return float(sec + usec / 1e6)


def test_the_receive_wait_is_the_kernels_and_never_zero() -> None:
    sock = udp_socket(socket.AF_INET)
    assert isinstance(sock, socket.socket)
    try:
        sock.settimeout(1.25)
        assert 1.25 <= _rcvtimeo(sock) <= 1.26
        assert sock.gettimeout() is None  # Python's own timeout (poll before every call) stays off
        # A zero timeval would mean "wait forever": the shortest wait asked for is one microsecond.
        sock.settimeout(1e-9)
        assert 0 < _rcvtimeo(sock) <= 0.01
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.01)
        with pytest.raises(BlockingIOError):
            sock.recvfrom(64)  # nobody sends: the kernel ends the wait
    finally:
        sock.close()


@pytest.mark.parametrize("bad", [None, 0.0, -1.0, math.inf, math.nan])
def test_an_unbounded_receive_wait_is_refused(bad: float | None) -> None:
    sock = udp_socket(socket.AF_INET)
    try:
        with pytest.raises(ValueError, match="finite positive"):
            sock.settimeout(bad)
    finally:
        sock.close()


def test_a_silent_real_server_is_a_timeout_not_a_hang() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        result = query_server(ServerAddress("127.0.0.1", port), samples=1, retries=1, timeout=0.05)
        assert len(silent.recvfrom(64)[0]) == 48  # the request did arrive
    assert result.samples == ()
    assert result.requests_sent == 2
    assert result.error == "timeout: no reply within 0.05 s to 2 request(s)"


def test_pooled_cookies_are_distinct_across_threads() -> None:
    drawn: list[int] = []

    def draw() -> None:
        values = [_URANDOM.getrandbits(64) for _ in range(500)]
        drawn.extend(values)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == 2000
    assert len(set(drawn)) == 2000  # no draw handed out twice (pool refills included)


def test_a_forked_child_does_not_repeat_its_parents_cookies() -> None:
    _URANDOM.getrandbits(64)  # the pool now holds unused draws that a child would inherit
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (child)
        try:
            os.write(write_end, _URANDOM.getrandbits(64).to_bytes(8, "big"))
        finally:
            os._exit(0)
    os.close(write_end)
    child = int.from_bytes(os.read(read_end, 8), "big")
    os.close(read_end)
    os.waitpid(pid, 0)
    assert child != _URANDOM.getrandbits(64)  # the parent's next draw from the inherited pool


def test_a_reply_with_a_bad_version_is_counted_as_such() -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(reply_for(req, clock, version=0), SERVER)])
    result = query_server(
        ServerAddress(*SERVER),
        samples=1,
        interval=0.0,
        timeout=0.5,
        retries=0,
        socket_factory=net.socket,
        resolver=fake_resolver,
        clock=clock.as_clock(),
    )
    assert result.samples == ()
    assert result.drops == {Drop.BAD_VERSION: 1}
    assert (
        result.error
        == "replied, but with a malformed packet (bad version) ×1; no valid reply to 1 request(s)"
    )

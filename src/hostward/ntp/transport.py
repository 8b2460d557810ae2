"""How the NTP client reaches a server: server addresses (parsing, resolution with a bounded wait), UDP
sockets whose receive wait the kernel bounds, the random request cookies, and the injectable clock.
Split from client.py, which validates the exchange and computes the samples."""

from __future__ import annotations

import math
import os
import socket
import struct
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from hostward.digits import is_digits
from hostward.errors import UsageError
from hostward.frozen import frozen

NTP_PORT = 123


class SocketLike(Protocol):
    def settimeout(self, value: float | None, /) -> None: ...
    def sendto(self, data: bytes, address: Any, /) -> int: ...
    def recvfrom(self, bufsize: int, /) -> tuple[bytes, Any]: ...
    def close(self) -> None: ...


class RandomSource(Protocol):
    def getrandbits(self, k: int, /) -> int: ...


class _Urandom:
    """The kernel's CSPRNG (getrandom(2)), as random.SystemRandom uses, without importing ``random``.

    64-bit draws (the cookies) come from a pool filled 512 bytes at a time: one system call per 64 queries
    instead of one per query. ``next()`` on the pool's iterator is atomic under the GIL, so concurrent queries
    (query_servers' threads) never share a draw; a child after fork() starts with an empty pool, so it never
    repeats its parent's cookies.
    """

    __slots__ = ("_pool",)

    def __init__(self) -> None:
        self._pool: Iterator[tuple[int]] = iter(())

    def drain(self) -> None:
        self._pool = iter(())

    def getrandbits(self, k: int, /) -> int:
        if k == 64:
            for (value,) in self._pool:
                return value
            # Take the first draw from the new pool before publishing it: another thread may drain it at once.
            pool: Iterator[tuple[int]] = _U64.iter_unpack(os.urandom(_POOL_BYTES))
            (value,) = next(pool)
            self._pool = pool
            return value
        return int.from_bytes(os.urandom((k + 7) // 8)) >> (-k % 8)


_U64 = struct.Struct("!Q")
_POOL_BYTES = 512
_URANDOM = _Urandom()
os.register_at_fork(after_in_child=_URANDOM.drain)


SocketFactory = Callable[[int], SocketLike]
Resolver = Callable[[str, int, float], tuple[int, tuple[Any, ...]]]


class _UdpSocket(socket.socket):
    """A UDP socket whose receive wait is bounded by the kernel (SO_RCVTIMEO) instead of by Python.

    socket.settimeout() makes the socket non-blocking (an ioctl per call) and every send and receive poll(2)
    first; with SO_RCVTIMEO a receive is one system call that fails with EAGAIN (BlockingIOError) when the
    time is up. Only receives wait: a UDP send does not block for long.
    """

    __slots__ = ()

    def settimeout(self, value: float | None, /) -> None:
        if value is None or not 0 < value < math.inf:
            raise ValueError(f"a finite positive timeout is required, not {value!r}")
        # A zero timeval means "wait forever" to the kernel: never ask for less than a microsecond.
        usec = max(1, round(value * 1e6))
        self.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _TIMEVAL.pack(*divmod(usec, 1_000_000)))


_TIMEVAL = struct.Struct("@ll")  # struct timeval {time_t tv_sec; suseconds_t tv_usec} (Linux: two longs)


def udp_socket(family: int) -> SocketLike:
    return _UdpSocket(family, socket.SOCK_DGRAM)


@frozen
class Clock:
    """Injectable time: wall clock for T1, monotonic clock for elapsed time, and sleeping between samples."""

    wall_ns: Callable[[], int] = time.time_ns
    mono_ns: Callable[[], int] = time.monotonic_ns
    sleep: Callable[[float], None] = time.sleep


_SYSTEM_CLOCK = Clock()


@frozen
class ServerAddress:
    host: str
    port: int = NTP_PORT

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == NTP_PORT else f"{host}:{self.port}"


def parse_server(text: str) -> ServerAddress:
    """'host', 'host:port', '[v6]', '[v6]:port' or a bare IPv6 address (more than one colon)."""
    text = text.strip()
    host, port = text, NTP_PORT
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UsageError(f"bad server {text!r}: missing ']'")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"bad server {text!r}: expected ':PORT' after ']'")
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        port = _port(port_text, text)
    if not host:
        raise UsageError(f"bad server {text!r}: empty host")
    return ServerAddress(host, port)


def _port(text: str, whole: str) -> int:
    if not is_digits(text) or not 0 < int(text) < 65536:
        raise UsageError(f"bad server {whole!r}: port must be 1-65535")
    return int(text)


def resolve(host: str, port: int, timeout: float) -> tuple[int, tuple[Any, ...]]:
    """First UDP address for host (IPv4 or IPv6). Names resolve in a worker thread so the wait is bounded."""
    # Fast path for the common numeric forms (no name service, no IDNA encoding): a third of a query's CPU.
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return int(family), (host, port) if family == socket.AF_INET else (host, port, 0, 0)
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM, 0, socket.AI_NUMERICHOST)
    except socket.gaierror:
        import concurrent.futures  # noqa: PLC0415  (names only: numeric addresses never need a thread)

        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        future = pool.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_DGRAM)
        pool.shutdown(wait=False)
        try:
            infos = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError as exc:
            raise OSError(f"name lookup for {host} took longer than {timeout:g} s") from exc
    family, _, _, _, sockaddr = infos[0]
    return int(family), tuple(sockaddr)

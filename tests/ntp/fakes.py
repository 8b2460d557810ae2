"""In-memory stand-ins for the network and the clock, so client logic is tested without time or sockets."""

from __future__ import annotations

import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hostward.ntp import timestamps as ts
from hostward.ntp.client import Clock
from hostward.ntp.packet import Leap, Mode, Packet, decode

BASE_WALL_NS = 1_795_799_832 * ts.NS_PER_S  # 2026-11-27


@dataclass
class FakeClock:
    """Every reading advances time by ``tick_ns``, so deadlines always arrive."""

    now_ns: int = 0
    tick_ns: int = 1_000
    slept: list[float] = field(default_factory=list)

    def wall_ns(self) -> int:
        self.now_ns += self.tick_ns
        return BASE_WALL_NS + self.now_ns

    def mono_ns(self) -> int:
        self.now_ns += self.tick_ns
        return self.now_ns

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_ns += int(seconds * 1e9)

    def as_clock(self) -> Clock:
        return Clock(self.wall_ns, self.mono_ns, self.sleep)


Datagram = tuple[bytes, tuple[Any, ...]]
Responder = Callable[[bytes], list[Datagram]]


@dataclass
class FakeNet:
    respond: Responder
    sent: list[bytes] = field(default_factory=list)
    queue: deque[Datagram] = field(default_factory=deque)

    def socket(self, family: int) -> FakeSocket:
        assert family in (socket.AF_INET, socket.AF_INET6)
        return FakeSocket(self)


@dataclass
class FakeSocket:
    net: FakeNet
    timeout: float | None = None
    closed: bool = False

    def settimeout(self, value: float | None) -> None:
        assert value is not None and value > 0, "every wait must have a finite timeout"
        self.timeout = value

    def sendto(self, data: bytes, address: Any) -> int:
        self.net.sent.append(data)
        self.net.queue.extend(self.net.respond(data))
        return len(data)

    def recvfrom(self, bufsize: int) -> Datagram:
        if not self.net.queue:
            raise TimeoutError
        data, source = self.net.queue.popleft()
        return data[:bufsize], source

    def close(self) -> None:
        self.closed = True


SERVER = ("127.0.0.9", 123)


def fake_resolver(host: str, port: int, timeout: float) -> tuple[int, tuple[Any, ...]]:
    return socket.AF_INET, (host, port)


def reply_for(request: bytes, clock: FakeClock, offset_s: float = 0.0, **fields: Any) -> bytes:
    """A correct server reply to ``request`` from a server whose clock is ``offset_s`` ahead."""
    req = decode(request)
    offset_ns = int(offset_s * 1e9)
    receive = ts.unix_ns_to_ntp(BASE_WALL_NS + clock.now_ns + offset_ns)
    transmit = ts.unix_ns_to_ntp(BASE_WALL_NS + clock.now_ns + offset_ns + 500)
    values: dict[str, Any] = {
        "leap": Leap.NONE,
        "version": req.version,
        "mode": Mode.SERVER,
        "stratum": 2,
        "precision": -20,
        "reference_id": bytes([192, 0, 2, 1]),
        "origin_ts": req.transmit_ts,
        "receive_ts": receive,
        "transmit_ts": transmit,
    }
    values.update(fields)
    return Packet(**values).encode()

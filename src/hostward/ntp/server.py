"""A small NTP server for drills and tests: answers client requests from the local clock plus a deliberate
offset, so clients can be shown a clock that is wrong by a known amount.

Safety rules (the 2013-2014 NTP DDoS waves abused mode 6/7 queries whose replies were far larger than the
request, and servers that answered anyone at any rate):
  * only mode 3 (client) requests get a reply; control (6), private (7), symmetric and broadcast are refused;
  * a reply is exactly 48 bytes and only sent for a 48-byte request: never larger than what came in;
  * a per-client-address token bucket limits replies; past it we send one RATE kiss-o'-death (RFC 5905 §7.4,
    also 48 bytes) and then stay silent until the bucket refills;
  * junk of any kind is counted by reason and never answered;
  * the listener defaults to 127.0.0.1.
"""

from __future__ import annotations

import math
import socket
import struct
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from hostward.errors import ProbeError, UsageError
from hostward.ntp import timestamps as ts
from hostward.ntp.client import OUR_PRECISION_LOG2
from hostward.ntp.packet import PACKET_SIZE, Drop, Leap, Mode, Packet
from hostward.ntp.transport import Clock

# chronyd serving its local clock ("local stratum N") uses the reference ID 127.127.1.1; so do we, so that
# clients show something familiar.
LOCAL_REFID = bytes([127, 127, 1, 1])
ANSWERED = "answered"
RATE_KOD_SENT = "rate-kod-sent"


@dataclass(frozen=True, slots=True)
class ServeSettings:
    offset_seconds: float = 0.0  # added to every timestamp we hand out
    stratum: int = 10  # like chrony's "local stratum" default
    rate_per_second: float = 2.0  # sustained replies per client address; 0 disables the limit
    burst: int = 8  # replies a client may get back-to-back (an iburst is 4-8)
    max_clients: int = 4096  # rate-limit table size; least recently seen addresses are forgotten


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_ns: int
    kod_sent: bool = False


@dataclass(slots=True)
class RateLimiter:
    """Token bucket per client address, in a bounded LRU table so a spoofed-source flood cannot grow it."""

    rate_per_second: float
    burst: int
    max_clients: int = 4096
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict)

    def check(self, client: str, now_mono_ns: int) -> str:
        """'allow', 'kod' (first refusal: send RATE) or 'drop'."""
        if self.rate_per_second <= 0:
            return "allow"
        bucket = self._buckets.pop(client, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now_mono_ns)
        elapsed = max(0, now_mono_ns - bucket.updated_ns) / ts.NS_PER_S
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate_per_second)
        bucket.updated_ns = now_mono_ns
        self._buckets[client] = bucket
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.kod_sent = False
            return "allow"
        if not bucket.kod_sent:
            bucket.kod_sent = True
            return "kod"
        return "drop"


class Responder:
    """The pure part of the server: one datagram in, at most one (no larger) datagram out."""

    def __init__(self, settings: ServeSettings | None = None, clock: Clock | None = None) -> None:
        self.settings = settings or ServeSettings()
        if not 1 <= self.settings.stratum <= 15:
            raise UsageError("stratum must be 1-15 (16 means unsynchronised)")
        if not math.isfinite(self.settings.offset_seconds) or abs(self.settings.offset_seconds) >= 2**31:
            raise UsageError("offset must be a finite number of seconds, less than 68 years")
        if not 0 <= self.settings.rate_per_second < math.inf or self.settings.burst < 1:
            raise UsageError("rate must be >= 0 replies per second (0: unlimited) and burst >= 1")
        self.clock = clock or Clock()
        self.offset_fixed = ts.seconds_to_fixed(self.settings.offset_seconds)
        self.offset_ns = round(self.settings.offset_seconds * ts.NS_PER_S)
        self.limiter = RateLimiter(
            self.settings.rate_per_second, self.settings.burst, self.settings.max_clients
        )
        self.stats: Counter[str] = Counter()
        self.limited = self.settings.rate_per_second > 0
        self._heads = _reply_heads(self.settings.stratum)

    def respond(self, data: bytes, client: str, rx_wall_ns: int) -> bytes | None:
        # The checks decode() makes, on the three fields a request needs (this is the per-reply hot path;
        # tests compare both): exactly 48 bytes, version 1-4, mode 3.
        if len(data) != PACKET_SIZE:
            self.stats[Drop.TRUNCATED if len(data) < PACKET_SIZE else Drop.OVERSIZED] += 1
            return None
        first = data[0]
        version = (first >> 3) & 7
        if not 1 <= version <= 4:
            self.stats[Drop.BAD_VERSION] += 1
            return None
        if first & 7 != Mode.CLIENT:
            self.stats[Drop.WRONG_MODE] += 1
            return None
        poll = data[2] - 256 if data[2] > 127 else data[2]
        verdict = self.limiter.check(client, self.clock.mono_ns()) if self.limited else "allow"
        if verdict == "drop":
            self.stats[Drop.RATE_LIMITED] += 1
            return None
        if verdict == "kod":
            # RFC 5905 §7.4: stratum 0 and the ASCII code in the reference ID; timestamps are not to be used.
            self.stats[RATE_KOD_SENT] += 1
            reply = Packet(
                leap=Leap.UNSYNCHRONISED,
                version=version,
                mode=Mode.SERVER,
                stratum=0,
                poll=poll,
                reference_id=b"RATE",
                origin_ts=int.from_bytes(data[40:48]),
            )
            return reply.encode()
        receive = ts.unix_ns_to_ntp(rx_wall_ns + self.offset_ns)
        transmit = ts.unix_ns_to_ntp(self.clock.wall_ns() + self.offset_ns)
        self.stats[ANSWERED] += 1
        # Answer in the client's version, as RFC 5905's fast_xmit() does; the origin is the client's transmit
        # field copied byte for byte, whatever it holds; the reference time is the whole second we are in.
        return _REPLY_TAIL.pack(
            self._heads[version][max(-6, min(17, poll))],
            receive & ~0xFFFFFFFF,
            data[40:48],
            receive,
            transmit,
        )


_REPLY_TAIL = struct.Struct(">16s Q 8s Q Q")  # fixed head, reference, origin, receive, transmit: 48 bytes


def _reply_heads(stratum: int) -> dict[int, dict[int, bytes]]:
    """The first 16 bytes of a reply (LI 0, version, mode 4, stratum, poll, precision, zero root delay and
    dispersion, reference ID) for every version and poll a reply can carry: they do not change per request."""
    heads: dict[int, dict[int, bytes]] = {}
    for version in range(1, 5):
        heads[version] = {}
        for poll in range(-6, 18):
            packet = Packet(
                leap=Leap.NONE,
                version=version,
                mode=Mode.SERVER,
                stratum=stratum,
                poll=poll,
                precision=OUR_PRECISION_LOG2,
                reference_id=LOCAL_REFID,
            )
            heads[version][poll] = packet.encode()[:16]
    return heads


class NtpServer:
    """UDP listener around a Responder. ``port=0`` picks a free port (see ``address``)."""

    def __init__(
        self,
        listen: str = "127.0.0.1",
        port: int = 123,
        settings: ServeSettings | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not 0 <= port <= 65535:
            raise UsageError(f"port must be 1-65535 (0: any free port), not {port}")
        self.responder = Responder(settings, clock)
        try:
            infos = socket.getaddrinfo(listen, port, 0, socket.SOCK_DGRAM, 0, socket.AI_NUMERICHOST)
        except socket.gaierror as exc:
            raise UsageError(f"--listen needs a numeric IPv4 or IPv6 address, not {listen!r}") from exc
        family, _, _, _, sockaddr = infos[0]
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self.sock.bind(sockaddr)
        except OSError as exc:
            self.sock.close()
            raise ProbeError(f"cannot listen on {listen} port {port}: {exc.strerror}") from exc
        self._stop = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.sock.getsockname()[:2]
        return str(host), int(port)

    @property
    def stats(self) -> Counter[str]:
        return self.responder.stats

    def serve_forever(self, poll_seconds: float = 0.2) -> None:
        """Answer until stop() (checked every ``poll_seconds``)."""
        clock = self.responder.clock
        self.sock.settimeout(poll_seconds)
        while not self._stop.is_set():
            try:
                data, source = self.sock.recvfrom(PACKET_SIZE * 64)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    break
                continue
            rx_wall_ns = clock.wall_ns()
            reply = self.responder.respond(data, str(source[0]), rx_wall_ns)
            if reply is not None:
                try:
                    self.sock.sendto(reply, source)
                except OSError:
                    self.responder.stats["send-failed"] += 1

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="hostward-ntp-serve", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()

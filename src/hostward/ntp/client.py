"""An NTP client that measures, rather than sets: bursts of queries per server, strict reply validation.

What it checks on every reply (RFC 5905 §8, "packet sanity tests", and §7.4):
  * it came from the address we asked, is exactly 48 bytes, version 1-4, mode 4 (server);
  * its origin timestamp equals the transmit timestamp of our outstanding request. We put a random 64-bit
    number there instead of our clock (as chrony does, and as the NTP data-minimisation draft recommends), so
    an off-path attacker cannot forge a reply and the request leaks nothing about our clock. The real T1 is
    kept locally. A reply to a request that was already answered is a duplicate; one to an earlier request
    we had given up on (and re-sent) is stale;
  * kiss-o'-death (stratum 0): DENY and RSTR stop all traffic to that server; RATE asks us to slow down,
    which a one-shot burst can only do by stopping: the samples already taken are kept;
  * LI=3 or stratum 16+ means the server itself is unsynchronised: the reply counts for reach, not as a sample;
  * receive and transmit timestamps are non-zero.
Everything else is counted by reason and ignored; only the deadline ends the wait, so junk cannot make us
give up early or accept a wrong answer. T4 is T1 plus elapsed *monotonic* time, so a clock step during a
query cannot corrupt the measurement.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Sequence
from typing import Any, NamedTuple

from hostward.errors import UsageError
from hostward.frozen import field, frozen
from hostward.ntp import timestamps as ts
from hostward.ntp.packet import (
    HEADER,
    PACKET_SIZE,
    Drop,
    Leap,
    Mode,
    PacketError,
    decode_fields,
    reference_text,
)
from hostward.ntp.transport import (
    _SYSTEM_CLOCK,
    _U64,
    _URANDOM,
    Clock,
    RandomSource,
    Resolver,
    ServerAddress,
    SocketFactory,
    SocketLike,
    resolve,
    udp_socket,
)

PHI = 15e-6  # RFC 5905 Appendix A: frequency tolerance, 15 ppm; dispersion grows by PHI per second
MINDISP = 0.01  # RFC 5905 Appendix A: floor of root delay + delay in the root distance, 10 ms
# Our own clock precision: time.time_ns() from Python costs about a microsecond to read (2^-20 s).
OUR_PRECISION_LOG2 = -20
_RECV_BUFFER = 4096  # larger than any valid reply, so an oversized one is seen whole and counted


class Sample(NamedTuple):
    """One validated exchange. Seconds throughout; θ>0 means the server's clock is ahead of ours.

    A NamedTuple rather than a frozen dataclass: one is built per reply, and a frozen dataclass's __init__
    (object.__setattr__ per field) cost a tenth of the client's own CPU per query."""

    offset_seconds: float
    delay_seconds: float
    dispersion_seconds: float  # ε = server precision + our precision + PHI·(T4−T1) (RFC 5905 §8)
    stratum: int
    leap: int
    poll: int
    precision: int
    root_delay_seconds: float
    root_dispersion_seconds: float
    reference: str
    received_unix_ns: int  # our wall clock at T4


@frozen
class ServerResult:
    """What a burst of queries to one server produced, with every ignored datagram counted by reason."""

    server: ServerAddress
    address: str | None
    samples: tuple[Sample, ...] = ()
    requests_sent: int = 0
    reach: int = 0  # one bit per sample (answered after any retry), newest in bit 0, like chronyc reach
    drops: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # why the server is unusable, in words (timeout, denied, unsynchronised)
    kiss_code: str | None = None
    interval_seconds: float = 0.0  # the interval actually used (after any RATE back-off)

    @property
    def best(self) -> Sample | None:
        """RFC 5905 §10 clock filter: the sample with the least delay has the least error from asymmetry."""
        return min(self.samples, key=lambda s: s.delay_seconds) if self.samples else None

    @property
    def usable(self) -> bool:
        return self.best is not None

    @property
    def jitter_seconds(self) -> float:
        """RMS of the other samples' offsets about the best one (RFC 5905 §10), floored at our precision."""
        best = self.best
        if best is None or len(self.samples) < 2:
            return 2.0**OUR_PRECISION_LOG2
        others = [s.offset_seconds - best.offset_seconds for s in self.samples if s is not best]
        return max(math.sqrt(sum(d * d for d in others) / len(others)), 2.0**OUR_PRECISION_LOG2)

    @property
    def dispersion_seconds(self) -> float:
        """Filter dispersion: Σ εᵢ/2^(i+1) over samples sorted by delay (RFC 5905 §10).

        The RFC fills empty filter slots with MAXDISP (16 s) because a daemon has only just started; a
        one-shot measurement has exactly the samples it took, so we sum over those.
        """
        ordered = sorted(self.samples, key=lambda s: s.delay_seconds)
        return sum(s.dispersion_seconds / float(1 << (i + 1)) for i, s in enumerate(ordered))

    @property
    def root_distance_seconds(self) -> float:
        """λ: half the round trip to the primary reference plus every dispersion (RFC 5905 A.5.5.2)."""
        best = self.best
        if best is None:
            return math.inf
        return (
            max(MINDISP, best.root_delay_seconds + best.delay_seconds) / 2
            + best.root_dispersion_seconds
            + self.dispersion_seconds
            + self.jitter_seconds
        )


class _Exchange(NamedTuple):
    sample: Sample | None = None
    answered: bool = False
    kiss: str | None = None
    unsynchronised: bool = False


_SILENCE = _Exchange()
_ANSWERED = _Exchange(answered=True)
_UNSYNCHRONISED = _Exchange(answered=True, unsynchronised=True)


def query_server(
    server: ServerAddress,
    *,
    samples: int = 4,
    interval: float = 2.0,
    timeout: float = 1.0,
    retries: int = 1,
    version: int = 4,
    socket_factory: SocketFactory = udp_socket,
    resolver: Resolver = resolve,
    clock: Clock | None = None,
    rng: RandomSource | None = None,
) -> ServerResult:
    """Send a burst of ``samples`` requests ``interval`` s apart; each waits at most ``timeout`` s and is
    retried ``retries`` times. Never raises for network trouble: the result's ``error`` says what went wrong.
    """
    if samples < 1 or not 0 < timeout < math.inf or not 0 <= interval < math.inf or retries < 0:
        raise UsageError("samples must be >= 1, timeout > 0, interval and retries >= 0 (finite seconds)")
    clock = clock or _SYSTEM_CLOCK
    rng = rng or _URANDOM
    try:
        family, sockaddr = resolver(server.host, server.port, timeout)
    except OSError as exc:
        return ServerResult(server, None, error=f"cannot resolve {server.host}: {exc}")
    drops: dict[str, int] = {}
    answered: set[int] = set()  # cookies whose reply we accepted
    sent_cookies: set[int] = set()  # every cookie we sent
    got: list[Sample] = []
    reach = sent = 0
    kiss: str | None = None
    error: str | None = None
    saw_unsync = False
    try:
        sock = socket_factory(family)
    except OSError as exc:
        return ServerResult(server, sockaddr[0], error=f"cannot open a UDP socket: {exc.strerror or exc}")
    try:
        for index in range(samples):
            if index:
                clock.sleep(interval)
            outcome = _SILENCE
            for _ in range(retries + 1):
                sent += 1
                try:
                    outcome = _exchange(
                        sock,
                        sockaddr,
                        version=version,
                        clock=clock,
                        rng=rng,
                        timeout=timeout,
                        answered=answered,
                        sent_cookies=sent_cookies,
                        drops=drops,
                    )
                except OSError as exc:  # e.g. ENETUNREACH, EADDRNOTAVAIL: retrying will not help
                    error = f"send failed: {exc.strerror or exc}"
                    break
                if outcome.answered:
                    break
            if error:
                break
            reach = ((reach << 1) | int(outcome.answered)) & 0xFF
            if outcome.sample is not None:
                got.append(outcome.sample)
            saw_unsync |= outcome.unsynchronised
            if outcome.kiss in ("DENY", "RSTR"):
                # RFC 5905 §7.4: the server refuses us; we MUST stop sending to it.
                kiss, error = outcome.kiss, f"access denied by the server (kiss-o'-death {outcome.kiss})"
                break
            if outcome.kiss == "RATE":
                # RFC 5905 §7.4: reduce the rate at once. A daemon doubles its poll interval; a one-shot
                # query would then wait minutes for a burst, so it stops asking and keeps what it has.
                kiss = "RATE"
                if not got:
                    error = "rate-limiting: the server answered kiss-o'-death RATE; not asked again"
                break
            if outcome.kiss:
                kiss = outcome.kiss
            if not outcome.answered and not got:
                error = _no_answer(drops, timeout, sent)
                break
    finally:
        sock.close()
    if not got and error is None:
        if saw_unsync:
            error = "server is not synchronised (leap indicator 3, or stratum 0 or 16)"
        elif kiss:
            error = f"only kiss-o'-death replies ({kiss})"
        else:
            error = _no_answer(drops, timeout, sent)
    return ServerResult(
        server,
        str(sockaddr[0]),
        tuple(got),
        sent,
        reach,
        drops,
        error if not got else None,
        kiss,
        interval,
    )


def _request(version: int, cookie: int) -> bytes:
    """A client request: LI 0, this version, mode 3, every field zero but the transmit timestamp (the cookie).
    The same bytes as ``Packet(version=version, mode=Mode.CLIENT, transmit_ts=cookie).encode()``, built
    without the generic encoder (this is on every query's path)."""
    return _REQUEST_HEAD[version & 7] + _U64.pack(cookie)


_REQUEST_HEAD = tuple(bytes([(v << 3) | Mode.CLIENT]) + bytes(39) for v in range(8))


# What a server did wrong, for datagrams that came from it but could not be used (the source address matched).
_REPLIED_WRONGLY = {
    Drop.BOGUS_ORIGIN: "a wrong origin timestamp",
    Drop.WRONG_MODE: "the wrong mode",
    Drop.TRUNCATED: "a malformed packet (truncated)",
    Drop.OVERSIZED: "a malformed packet (longer than 48 bytes)",
    Drop.BAD_VERSION: "a malformed packet (bad version)",
    Drop.ZERO_TIMESTAMP: "a zero receive or transmit timestamp",
    Drop.STALE: "a late reply to an earlier request",
    Drop.DUPLICATE: "a duplicate reply",
}


def _no_answer(drops: dict[str, int], timeout: float, sent: int) -> str:
    """Why a server gave no usable sample: it replied wrongly (say how, and how often), or it was silent."""
    wrong = [f"{what} ×{drops[reason]}" for reason, what in _REPLIED_WRONGLY.items() if reason in drops]
    if wrong:
        return f"replied, but with {', '.join(wrong)}; no valid reply to {sent} request(s)"
    return f"timeout: no reply within {timeout:g} s to {sent} request(s)"


def _exchange(
    sock: SocketLike,
    sockaddr: tuple[Any, ...],
    *,
    version: int,
    clock: Clock,
    rng: RandomSource,
    timeout: float,
    answered: set[int],
    sent_cookies: set[int],
    drops: dict[str, int],
) -> _Exchange:
    cookie = rng.getrandbits(64)  # our "transmit timestamp": random, see the module docstring
    sent_cookies.add(cookie)
    request = _request(version, cookie)
    mono_ns = clock.mono_ns
    t1_wall = clock.wall_ns()
    t1_mono = mono_ns()
    sock.sendto(request, sockaddr)
    deadline = t1_mono + int(timeout * ts.NS_PER_S)
    host, port = sockaddr[0], sockaddr[1]
    while True:
        remaining = deadline - mono_ns()
        if remaining <= 0:
            return _SILENCE
        sock.settimeout(remaining / ts.NS_PER_S)
        try:
            data, source = sock.recvfrom(_RECV_BUFFER)
        except (TimeoutError, BlockingIOError):  # BlockingIOError: SO_RCVTIMEO ran out (see _UdpSocket)
            return _SILENCE
        except OSError:  # ICMP errors surface here on some systems; treat like silence and keep the deadline
            continue
        t4_mono = mono_ns()
        if source[0] != host or source[1] != port:
            _count(drops, Drop.WRONG_SOURCE)
            continue
        # The fields, not a Packet: this is every query's path (a Packet costs a third of the client's own CPU
        # per query). A 48-byte datagram is unpacked here; anything else goes to decode_fields() for its reason.
        if len(data) != PACKET_SIZE or not 1 <= (data[0] >> 3) & 7 <= 4:
            try:
                decode_fields(data)
            except PacketError as exc:
                _count(drops, exc.reason)
            continue
        first, stratum, poll, precision, rdelay, rdisp, refid, _ref, origin, receive, transmit = (
            HEADER.unpack(data)
        )
        if first & 7 != Mode.SERVER:
            _count(drops, Drop.WRONG_MODE)
            continue
        if origin != cookie:
            # RFC 5905 §8: only a reply to the outstanding request counts. Say why the others do not.
            if origin in answered:
                _count(drops, Drop.DUPLICATE)
            elif origin in sent_cookies:
                _count(drops, Drop.STALE)
            else:
                _count(drops, Drop.BOGUS_ORIGIN)
            continue
        answered.add(cookie)
        leap = first >> 6
        if stratum == 0:  # RFC 5905 §7.4: a server-mode reply with stratum 0 carries a kiss code
            if refid == b"\0\0\0\0":
                # Stratum 0 without a kiss code is "unspecified": chronyd answers so (with LI=3) until it
                # has a reference. That is an unsynchronised server, not a kiss-o'-death.
                _count(drops, Drop.UNSYNCHRONISED)
                return _UNSYNCHRONISED
            _count(drops, Drop.KISS_OF_DEATH)
            return _Exchange(answered=True, kiss=reference_text(0, refid))
        if leap == Leap.UNSYNCHRONISED or stratum >= 16:
            _count(drops, Drop.UNSYNCHRONISED)
            return _UNSYNCHRONISED
        if receive == 0 or transmit == 0:
            _count(drops, Drop.ZERO_TIMESTAMP)
            return _ANSWERED
        elapsed_ns = t4_mono - t1_mono
        t1 = ts.unix_ns_to_ntp(t1_wall)
        theta, delta = ts.offset_and_delay(t1, receive, transmit, ts.add(t1, ts.ns_to_fixed(elapsed_ns)))
        # RFC 5905 A.5.1.1: a delay below the clock precision is noise; clamp it.
        delta = max(delta, _OUR_PRECISION)
        return _Exchange(
            Sample(
                theta,
                delta,
                # ε = server precision + our precision + PHI·(T4−T1) (RFC 5905 §8)
                2.0**precision + _OUR_PRECISION + PHI * elapsed_ns / ts.NS_PER_S,
                stratum,
                leap,
                poll,
                precision,
                rdelay / 65536,  # NTP short format, 16.16 (timestamps.short_to_seconds)
                rdisp / 65536,
                socket.inet_ntoa(refid) if stratum >= 2 else reference_text(stratum, refid),
                t1_wall + elapsed_ns,
            ),
            True,
        )


def _count(drops: dict[str, int], reason: Drop) -> None:
    drops[reason] = drops.get(reason, 0) + 1


_OUR_PRECISION = 2.0**OUR_PRECISION_LOG2


def query_servers(
    servers: Sequence[ServerAddress],
    *,
    samples: int = 4,
    interval: float = 2.0,
    timeout: float = 1.0,
    retries: int = 1,
    version: int = 4,
    socket_factory: SocketFactory = udp_socket,
    resolver: Resolver = resolve,
    clock: Clock | None = None,
) -> list[ServerResult]:
    """Query every server concurrently (one thread and socket each); results keep the order given."""
    if not servers:
        return []

    def one(server: ServerAddress) -> ServerResult:
        return query_server(
            server,
            samples=samples,
            interval=interval,
            timeout=timeout,
            retries=retries,
            version=version,
            socket_factory=socket_factory,
            resolver=resolver,
            clock=clock,
        )

    if len(servers) == 1:
        return [one(servers[0])]  # no thread (nor thread pool import) for the common one-server check
    import concurrent.futures  # noqa: PLC0415

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(servers), 16)) as pool:
        return list(pool.map(one, servers))

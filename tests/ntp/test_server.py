from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.ntp.fakes import BASE_WALL_NS, FakeClock

from hostward.errors import UsageError
from hostward.ntp import timestamps as ts
from hostward.ntp.client import Clock, ServerAddress, query_server
from hostward.ntp.packet import Drop, Leap, Mode, Packet, decode
from hostward.ntp.server import ANSWERED, RATE_KOD_SENT, NtpServer, RateLimiter, Responder, ServeSettings


def request(mode: int = Mode.CLIENT, version: int = 4, transmit: int = 0xDEADBEEF_01234567) -> bytes:
    return Packet(mode=mode, version=version, poll=6, transmit_ts=transmit).encode()


def test_reply_carries_offset_and_echoes_origin_and_version() -> None:
    clock = FakeClock()
    responder = Responder(ServeSettings(offset_seconds=-45.0, rate_per_second=0), clock.as_clock())
    rx_ns = clock.wall_ns()
    reply = responder.respond(request(version=3), "127.0.0.1", rx_ns)
    assert reply is not None and len(reply) == 48
    pkt = decode(reply)
    assert pkt.mode == Mode.SERVER and pkt.version == 3 and pkt.leap == Leap.NONE and pkt.stratum == 10
    assert pkt.origin_ts == 0xDEADBEEF_01234567
    assert ts.fixed_to_seconds(ts.diff(pkt.receive_ts, ts.unix_ns_to_ntp(rx_ns))) == pytest.approx(
        -45.0, abs=1e-6
    )
    assert 0 <= ts.diff(pkt.transmit_ts, pkt.receive_ts) < ts.FRAC  # transmit follows receive
    assert responder.stats == {ANSWERED: 1}


@pytest.mark.parametrize("mode", [0, 1, 2, 4, 5, 6, 7])
def test_non_client_modes_are_refused(mode: int) -> None:
    responder = Responder(ServeSettings(rate_per_second=0), FakeClock().as_clock())
    assert responder.respond(request(mode=mode), "127.0.0.1", BASE_WALL_NS) is None
    assert responder.stats == {Drop.WRONG_MODE: 1}


def test_mode7_monlist_style_query_gets_nothing() -> None:
    # An ntpdc monlist request: 8 bytes of header plus padding, mode 7 - the 2014 amplification vector.
    monlist = bytes([0x17, 0x00, 0x03, 0x2A]) + b"\0" * 4
    responder = Responder(ServeSettings(), FakeClock().as_clock())
    assert responder.respond(monlist, "127.0.0.1", BASE_WALL_NS) is None
    assert responder.stats == {Drop.TRUNCATED: 1}


def test_rate_limit_allows_a_burst_then_one_rate_kod_then_silence() -> None:
    clock = FakeClock(tick_ns=1_000)
    responder = Responder(ServeSettings(rate_per_second=1.0, burst=4), clock.as_clock())
    replies = [responder.respond(request(), "127.0.0.7", BASE_WALL_NS) for _ in range(7)]
    assert all(r is not None for r in replies[:4])
    kod = replies[4]
    assert kod is not None
    kod_packet = decode(kod)
    assert kod_packet.is_kiss_of_death and kod_packet.kiss_code == "RATE"
    assert replies[5:] == [None, None]
    assert responder.stats == {ANSWERED: 4, RATE_KOD_SENT: 1, Drop.RATE_LIMITED: 2}
    # Another client is not affected; after a second the first gets a token back.
    assert responder.respond(request(), "127.0.0.8", BASE_WALL_NS) is not None
    clock.now_ns += 1_000_000_000
    assert responder.respond(request(), "127.0.0.7", BASE_WALL_NS) is not None


def test_rate_limiter_table_is_bounded() -> None:
    limiter = RateLimiter(rate_per_second=1.0, burst=2, max_clients=10)
    for i in range(1000):
        limiter.check(f"10.0.{i // 256}.{i % 256}", i)
    assert len(limiter._buckets) == 10


def test_stratum_must_be_valid() -> None:
    with pytest.raises(UsageError):
        Responder(ServeSettings(stratum=16))


@pytest.mark.parametrize(
    "settings_",
    [
        ServeSettings(offset_seconds=float("nan")),
        ServeSettings(offset_seconds=float("inf")),
        ServeSettings(burst=0),
        ServeSettings(rate_per_second=-1),
    ],
)
def test_nonsense_settings_are_usage_errors(settings_: ServeSettings) -> None:
    with pytest.raises(UsageError):
        Responder(settings_)


def test_port_out_of_range_is_a_usage_error_not_a_silent_wrap() -> None:
    # bind() would take 99999 modulo 65536 and listen on 34463.
    with pytest.raises(UsageError, match="port must be"):
        NtpServer("127.0.0.1", 99999)


@settings(max_examples=300)
@given(data=st.binary(max_size=600))
def test_fuzzed_requests_never_crash_never_amplify(data: bytes) -> None:
    responder = Responder(ServeSettings(rate_per_second=0), FakeClock().as_clock())
    reply = responder.respond(data, "127.0.0.1", BASE_WALL_NS)
    assert sum(responder.stats.values()) == 1
    valid_request = len(data) == 48 and data[0] & 7 == Mode.CLIENT and 1 <= (data[0] >> 3) & 7 <= 4
    if reply is None:
        assert not valid_request
        assert ANSWERED not in responder.stats
    else:
        assert valid_request
        assert len(reply) <= len(data)
        assert decode(reply).origin_ts == int.from_bytes(data[40:48], "big")


@pytest.fixture
def live_server() -> Iterator[NtpServer]:
    server = NtpServer("127.0.0.1", 0, ServeSettings(offset_seconds=7.5, rate_per_second=0))
    thread = server.start()
    yield server
    server.close()
    thread.join(timeout=2)


def test_live_server_answers_our_client(live_server: NtpServer) -> None:
    host, port = live_server.address
    result = query_server(ServerAddress(host, port), samples=3, interval=0.0, timeout=1.0)
    assert result.error is None
    assert result.best is not None
    assert abs(result.best.offset_seconds - 7.5) < 0.05
    assert result.best.stratum == 10


def test_server_past_the_2036_rollover_is_measured_right() -> None:
    offset = ts.ERA1_START_UNIX_S + 30 - time.time()
    server = NtpServer("127.0.0.1", 0, ServeSettings(offset_seconds=offset, rate_per_second=0))
    thread = server.start()
    try:
        result = query_server(ServerAddress(*server.address), samples=2, interval=0.0, timeout=1.0)
    finally:
        server.close()
        thread.join(timeout=2)
    assert result.best is not None
    assert abs(result.best.offset_seconds - offset) < 0.05


def test_live_server_ignores_junk_and_counts_it(live_server: NtpServer) -> None:
    host, port = live_server.address
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        for junk in (b"x", b"\x1b" + b"\0" * 100, request(mode=Mode.CONTROL), request(mode=Mode.PRIVATE)):
            sock.sendto(junk, (host, port))
        sock.sendto(request(), (host, port))  # a good one last: its reply proves the junk was processed
        data, _ = sock.recvfrom(1024)
        assert decode(data).origin_ts == 0xDEADBEEF_01234567
        with pytest.raises(TimeoutError):
            sock.recvfrom(1024)  # and nothing else came back
    assert live_server.stats[Drop.TRUNCATED] == 1
    assert live_server.stats[Drop.OVERSIZED] == 1
    assert live_server.stats[Drop.WRONG_MODE] == 2
    assert live_server.stats[ANSWERED] == 1


def test_ipv6_loopback_round_trip() -> None:
    try:
        server = NtpServer("::1", 0, ServeSettings(offset_seconds=-3.0, rate_per_second=0))
    except Exception as exc:
        pytest.skip(f"no IPv6 loopback: {exc}")
    thread = server.start()
    try:
        _, port = server.address
        result = query_server(ServerAddress("::1", port), samples=2, interval=0.0, timeout=1.0)
        assert result.best is not None
        assert abs(result.best.offset_seconds + 3.0) < 0.05
        assert result.address == "::1"
    finally:
        server.close()
        thread.join(timeout=2)


def generic_reply(data: bytes, stratum: int, rx_ns: int, tx_ns: int) -> bytes | None:
    """The reply built with the generic codec (decode, Packet.encode), as the server did before its fast path."""
    try:
        req = decode(data)
    except ValueError:
        return None
    if req.mode != Mode.CLIENT:
        return None
    receive = ts.unix_ns_to_ntp(rx_ns)
    return Packet(
        leap=Leap.NONE,
        version=req.version,
        mode=Mode.SERVER,
        stratum=stratum,
        poll=max(-6, min(17, req.poll)),
        precision=-20,
        reference_id=bytes([127, 127, 1, 1]),
        reference_ts=receive & ~0xFFFFFFFF,
        origin_ts=req.transmit_ts,
        receive_ts=receive,
        transmit_ts=ts.unix_ns_to_ntp(tx_ns),
    ).encode()


@given(
    first=st.integers(0, 255),
    middle=st.binary(min_size=39, max_size=39),
    transmit=st.integers(0, 2**64 - 1),
    stratum=st.integers(1, 15),
)
def test_fast_reply_path_equals_the_generic_codec(
    first: int, middle: bytes, transmit: int, stratum: int
) -> None:
    data = bytes([first]) + middle + transmit.to_bytes(8, "big")
    wall = iter((BASE_WALL_NS + 2_000, BASE_WALL_NS + 9_000))
    clock = Clock(lambda: next(wall), lambda: 0, lambda _s: None)
    responder = Responder(ServeSettings(stratum=stratum, rate_per_second=0), clock)
    rx_ns = BASE_WALL_NS + 1_000
    expected = generic_reply(data, stratum, rx_ns, BASE_WALL_NS + 2_000)
    assert responder.respond(data, "127.0.0.1", rx_ns) == expected

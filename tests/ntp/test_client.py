from __future__ import annotations

import random
import socket
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.ntp.fakes import SERVER, FakeClock, FakeNet, fake_resolver, reply_for

from hostward.errors import UsageError
from hostward.ntp.client import _request, query_server
from hostward.ntp.packet import Drop, Leap, Mode, Packet, decode
from hostward.ntp.transport import ServerAddress, parse_server, resolve

TARGET = ServerAddress(*SERVER)


def run(net: FakeNet, clock: FakeClock, **kwargs: Any):  # type: ignore[no-untyped-def]
    options: dict[str, Any] = {"samples": 1, "interval": 0.0, "timeout": 0.5, "retries": 0}
    options.update(kwargs)
    return query_server(
        TARGET, socket_factory=net.socket, resolver=fake_resolver, clock=clock.as_clock(), **options
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ntp.example.net", ServerAddress("ntp.example.net", 123)),
        ("127.0.0.2:11123", ServerAddress("127.0.0.2", 11123)),
        ("[::1]:11123", ServerAddress("::1", 11123)),
        ("[::1]", ServerAddress("::1", 123)),
        ("fe80::1", ServerAddress("fe80::1", 123)),
    ],
)
def test_parse_server(text: str, expected: ServerAddress) -> None:
    assert parse_server(text) == expected


@pytest.mark.parametrize("text", ["", "host:", "host:0", "host:99999", "[::1", "[::1]x", ":123"])
def test_parse_server_rejects_nonsense(text: str) -> None:
    with pytest.raises(UsageError):
        parse_server(text)


def test_measures_offset_and_uses_a_random_transmit_timestamp() -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(reply_for(req, clock, offset_s=3.25), SERVER)])
    result = run(net, clock, samples=3, rng=random.Random(7))
    assert result.error is None
    assert len(result.samples) == 3
    assert result.best is not None
    assert abs(result.best.offset_seconds - 3.25) < 1e-4
    assert 0 < result.best.delay_seconds < 1e-4
    assert result.reach == 0b111
    # The transmit field carries the random cookie, not our clock: nothing to forge, nothing leaked.
    expected = random.Random(7)
    assert [decode(d).transmit_ts for d in net.sent] == [expected.getrandbits(64) for _ in range(3)]


def test_best_sample_is_the_one_with_least_delay() -> None:
    clock = FakeClock()
    slow = iter([5_000_000, 100_000, 2_000_000])  # server-side extra wait per request, ns

    def respond(req: bytes) -> list[tuple[bytes, tuple[Any, ...]]]:
        clock.now_ns += next(slow)  # the reply "arrives later": a longer round trip
        return [(reply_for(req, clock, offset_s=1.0), SERVER)]

    result = run(FakeNet(respond), clock, samples=3)
    assert result.best is not None
    delays = sorted(s.delay_seconds for s in result.samples)
    assert result.best.delay_seconds == delays[0]


def test_bogus_origin_is_ignored_and_the_real_reply_still_counts() -> None:
    clock = FakeClock()

    def respond(req: bytes) -> list[tuple[bytes, tuple[Any, ...]]]:
        forged = reply_for(req, clock, offset_s=-100.0, origin_ts=12345)
        return [(forged, SERVER), (reply_for(req, clock, offset_s=0.5), SERVER)]

    result = run(FakeNet(respond), clock)
    assert result.drops == {Drop.BOGUS_ORIGIN: 1}
    assert result.best is not None
    assert abs(result.best.offset_seconds - 0.5) < 1e-4


def test_duplicate_reply_is_counted_as_duplicate() -> None:
    clock = FakeClock()
    previous: list[bytes] = []

    def respond(req: bytes) -> list[tuple[bytes, tuple[Any, ...]]]:
        good = reply_for(req, clock, offset_s=0.5)
        out = [(p, SERVER) for p in previous] + [(good, SERVER)]
        previous.append(good)
        return out

    result = run(FakeNet(respond), clock, samples=3)
    assert result.drops == {Drop.DUPLICATE: 1 + 2}
    assert len(result.samples) == 3


def test_late_reply_to_a_retried_request_is_stale() -> None:
    clock = FakeClock()
    requests: list[bytes] = []

    def respond(req: bytes) -> list[tuple[bytes, tuple[Any, ...]]]:
        requests.append(req)
        if len(requests) == 1:
            return []  # lost... until the retry, when it turns up together with the retry's reply
        return [
            (reply_for(requests[0], clock, offset_s=9.0), SERVER),
            (reply_for(req, clock, offset_s=0.5), SERVER),
        ]

    result = run(FakeNet(respond), clock, retries=1)
    assert result.drops == {Drop.STALE: 1}
    assert result.best is not None and abs(result.best.offset_seconds - 0.5) < 1e-4


def test_reply_from_another_address_is_ignored() -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(reply_for(req, clock), ("127.0.0.66", 123))])
    result = run(net, clock)
    assert result.drops == {Drop.WRONG_SOURCE: 1}
    assert result.error is not None and result.error.startswith("timeout")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"leap": Leap.UNSYNCHRONISED}, Drop.UNSYNCHRONISED),
        ({"stratum": 16}, Drop.UNSYNCHRONISED),
        # chronyd without a reference: stratum 0, LI=3, no kiss code. Unsynchronised, not a kiss-o'-death.
        ({"stratum": 0, "leap": Leap.UNSYNCHRONISED, "reference_id": b"\0\0\0\0"}, Drop.UNSYNCHRONISED),
        ({"receive_ts": 0}, Drop.ZERO_TIMESTAMP),
        ({"transmit_ts": 0}, Drop.ZERO_TIMESTAMP),
        ({"mode": Mode.SYMMETRIC_PASSIVE}, Drop.WRONG_MODE),
    ],
)
def test_unusable_replies_give_no_sample(fields: dict[str, Any], reason: Drop) -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(reply_for(req, clock, **fields), SERVER)])
    result = run(net, clock, samples=2)
    assert result.samples == ()
    assert result.drops.get(reason, 0) >= 1
    assert result.error is not None
    if reason is Drop.UNSYNCHRONISED:
        assert "not synchronised" in result.error
        assert result.reach == 0b11  # it did answer: reachable, but useless


@pytest.mark.parametrize("code", ["DENY", "RSTR"])
def test_kiss_of_death_deny_stops_all_traffic(code: str) -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(reply_for(req, clock, stratum=0, reference_id=code.encode()), SERVER)])
    result = run(net, clock, samples=4, retries=2)
    assert len(net.sent) == 1
    assert result.kiss_code == code
    assert result.error is not None and code in result.error and "denied" in result.error


def test_kiss_of_death_rate_ends_the_burst_and_keeps_what_it_has() -> None:
    """A one-shot query cannot slow down without waiting doubled intervals (28 s for a default query): after
    RATE it sends nothing more to that server and uses the samples it already has."""
    clock = FakeClock()
    count = iter(range(100))

    def respond(req: bytes) -> list[tuple[bytes, tuple[Any, ...]]]:
        if next(count) == 1:
            return [(reply_for(req, clock, stratum=0, reference_id=b"RATE"), SERVER)]
        return [(reply_for(req, clock, offset_s=0.25), SERVER)]

    net = FakeNet(respond)
    result = run(net, clock, samples=4, interval=0.5)
    assert result.kiss_code == "RATE"
    assert len(net.sent) == 2 and result.requests_sent == 2  # the RATE reply ended the burst
    assert clock.slept == [0.5]
    assert len(result.samples) == 1 and result.error is None


def test_kiss_of_death_rate_on_the_first_request_reports_rate_limiting() -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(reply_for(req, clock, stratum=0, reference_id=b"RATE"), SERVER)])
    result = run(net, clock, samples=4, interval=2.0, retries=2)
    assert len(net.sent) == 1 and clock.slept == []
    assert result.error is not None and result.error.startswith("rate-limiting")
    assert result.kiss_code == "RATE" and not result.usable


@pytest.mark.parametrize(
    ("fields", "data", "words"),
    [
        ({"origin_ts": 0xDEAD_BEEF}, None, "replied, but with a wrong origin timestamp ×2"),
        ({"mode": Mode.BROADCAST}, None, "replied, but with the wrong mode ×2"),
        ({}, b"\x24" + b"\0" * 20, "replied, but with a malformed packet (truncated) ×2"),
    ],
)
def test_a_server_that_replies_wrongly_is_not_reported_as_a_timeout(
    fields: dict[str, Any], data: bytes | None, words: str
) -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(data or reply_for(req, clock, **fields), SERVER)])
    result = run(net, clock, samples=4, retries=1, timeout=0.25)
    assert len(net.sent) == 2  # the first sample and its retry, then give up as for silence
    assert result.error == f"{words}; no valid reply to 2 request(s)"


def test_a_forged_kiss_of_death_is_ignored() -> None:
    clock = FakeClock()

    def respond(req: bytes) -> list[tuple[bytes, tuple[Any, ...]]]:
        forged = reply_for(req, clock, stratum=0, reference_id=b"DENY", origin_ts=1)
        return [(forged, SERVER), (reply_for(req, clock), SERVER)]

    result = run(FakeNet(respond), clock)
    assert result.kiss_code is None
    assert len(result.samples) == 1


def test_timeout_retries_then_reports_per_server() -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [])
    result = run(net, clock, samples=4, retries=2, timeout=0.25)
    assert len(net.sent) == 3  # one request and two retries, then give up: nothing ever answered
    assert result.error == "timeout: no reply within 0.25 s to 3 request(s)"
    assert result.reach == 0


def test_a_lost_reply_later_in_the_burst_only_clears_a_reach_bit() -> None:
    clock = FakeClock()
    answers = iter([True, False, True])
    net = FakeNet(lambda req: [(reply_for(req, clock), SERVER)] if next(answers) else [])
    result = run(net, clock, samples=3)
    assert result.reach == 0b101
    assert len(result.samples) == 2
    assert result.error is None


def test_resolution_failure_is_reported_not_raised() -> None:
    def broken(host: str, port: int, timeout: float) -> Any:
        raise OSError("Name or service not known")

    result = query_server(ServerAddress("nowhere.invalid"), resolver=broken, samples=1)
    assert result.error == "cannot resolve nowhere.invalid: Name or service not known"


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        query_server(TARGET, samples=0)
    with pytest.raises(UsageError):
        query_server(TARGET, timeout=0)
    for bad in ({"timeout": float("inf")}, {"timeout": float("nan")}, {"interval": float("inf")}):
        with pytest.raises(UsageError, match="finite"):
            query_server(TARGET, **bad)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(junk=st.lists(st.binary(max_size=200), min_size=1, max_size=8))
def test_fuzzed_replies_are_counted_and_never_accepted(junk: list[bytes]) -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(data, SERVER) for data in junk])
    result = run(net, clock, timeout=0.5)
    assert result.samples == ()
    assert sum(result.drops.values()) == len(junk)
    assert result.error is not None


@given(
    packet=st.builds(
        Packet,
        leap=st.integers(0, 3),
        version=st.integers(1, 4),
        mode=st.integers(0, 7),
        stratum=st.integers(0, 255),
        receive_ts=st.integers(0, 2**64 - 1),
        transmit_ts=st.integers(0, 2**64 - 1),
        origin_ts=st.integers(0, 2**64 - 1),
    )
)
def test_fuzzed_well_formed_packets_with_a_wrong_origin_are_rejected(packet: Packet) -> None:
    clock = FakeClock()
    net = FakeNet(lambda req: [(packet.encode(), SERVER)])
    result = run(net, clock)
    assert result.samples == ()
    assert sum(result.drops.values()) == 1


@given(st.integers(1, 4), st.integers(0, 2**64 - 1))
def test_request_bytes_equal_the_generic_encoder(version: int, cookie: int) -> None:
    expected = Packet(version=version, mode=Mode.CLIENT, poll=0, transmit_ts=cookie).encode()
    assert _request(version, cookie) == expected


def test_numeric_addresses_resolve_without_the_name_service() -> None:
    assert resolve("127.0.0.1", 123, 1.0) == (socket.AF_INET, ("127.0.0.1", 123))
    assert resolve("::1", 11123, 1.0) == (socket.AF_INET6, ("::1", 11123, 0, 0))


def test_default_random_source_gives_k_bits() -> None:
    from hostward.ntp.client import _URANDOM

    values = [_URANDOM.getrandbits(k) for k in (1, 7, 64) for _ in range(50)]
    assert all(0 <= v < 2**64 for v in values)
    assert all(v < 2 for v in values[:50]) and all(v < 128 for v in values[50:100])
    assert len(set(values[100:])) == 50  # 64 random bits: no repeats in 50 draws

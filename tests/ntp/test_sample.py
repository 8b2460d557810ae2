from __future__ import annotations

import dataclasses

import pytest

from hostward.errors import CollectError
from hostward.ntp.adjtimex import STA_PLL, STA_UNSYNC, RawTimex
from hostward.ntp.client import ServerAddress
from hostward.ntp.sample import TimeSample, detect_step, sample_time_health
from hostward.ntp.server import NtpServer, ServeSettings


def fake_adjtimex(status: int = STA_PLL) -> RawTimex:
    return RawTimex(0, status, 0, 655360, 2000, 100, 6, 1, 0, 10000, 0)


def test_kernel_only_sample_is_typed_and_frozen() -> None:
    sample = sample_time_health(adjtimex=fake_adjtimex, wall_ns=lambda: 10, monotonic_ns=lambda: 20)
    assert sample == TimeSample(
        wall_ns=10,
        monotonic_ns=20,
        synchronised=True,
        clock_state="TIME_OK",
        maxerror_seconds=0.002,
        esterror_seconds=0.0001,
        frequency_ppm=10.0,
        kernel_offset_seconds=0.0,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample.offset_seconds = 1.0  # type: ignore[misc]


def test_sample_never_raises_when_sources_fail() -> None:
    def broken() -> RawTimex:
        raise CollectError("adjtimex failed: errno 38")

    sample = sample_time_health(["127.0.0.1:1"], timeout=0.2, adjtimex=broken)
    assert sample.synchronised is None and sample.frequency_ppm is None
    assert sample.offset_seconds is None
    assert sample.servers_queried == 1 and sample.servers_agreeing == 0
    assert sample.problem is not None
    assert "adjtimex failed" in sample.problem and "No server answered" in sample.problem


def test_sample_with_servers_measures_offset() -> None:
    servers = [
        NtpServer("127.0.0.1", 0, ServeSettings(offset_seconds=3.0, rate_per_second=0)) for _ in range(3)
    ]
    threads = [s.start() for s in servers]
    try:
        addresses = [ServerAddress(*s.address) for s in servers]
        sample = sample_time_health(addresses, timeout=1.0, adjtimex=lambda: fake_adjtimex(STA_UNSYNC))
    finally:
        for s, t in zip(servers, threads, strict=True):
            s.close()
            t.join(timeout=2)
    assert sample.synchronised is False
    assert sample.offset_seconds is not None and abs(sample.offset_seconds - 3.0) < 0.05
    assert sample.offset_error_seconds is not None and 0 < sample.offset_error_seconds < 0.1
    assert sample.servers_queried == 3 and sample.servers_agreeing == 3
    assert sample.problem is None


def test_detect_step() -> None:
    base = TimeSample(0, 0, True, "TIME_OK", 0.0, 0.0, 0.0)
    ran = dataclasses.replace(base, wall_ns=10_000_000_000, monotonic_ns=10_000_000_000)
    stepped_back = dataclasses.replace(base, wall_ns=7_000_000_000, monotonic_ns=10_000_000_000)
    slewed = dataclasses.replace(base, wall_ns=10_005_000_000, monotonic_ns=10_000_000_000)
    assert detect_step(base, ran) is None
    assert detect_step(base, slewed) is None
    assert detect_step(base, stepped_back) == pytest.approx(-3.0)

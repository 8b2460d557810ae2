from __future__ import annotations

from pathlib import Path

import pytest

from hostward.errors import CollectError
from hostward.ntp.adjtimex import (
    STA_NANO,
    STA_PLL,
    STA_UNSYNC,
    ClockState,
    RawTimex,
    interpret,
    libc_adjtimex,
)
from hostward.ntp.daemons import ChronyView, parse_chronyc_sources, parse_chronyc_tracking
from hostward.ntp.explain import explain
from hostward.ntp.status import gather, judge
from hostward.procfs import ProcFS

FIX = Path(__file__).parent.parent / "fixtures" / "ntp"


def raw(
    state: int = 0, status: int = STA_PLL | STA_NANO, freq: int = 0, maxerror: int = 1000, esterror: int = 50
) -> RawTimex:
    return RawTimex(state, status, 2500, freq, maxerror, esterror, 6, 1, 32768000, 10000, 37)


def test_interpret_synchronised_clock() -> None:
    clock = interpret(raw(freq=-1_310_720))  # -20 ppm in the kernel's 16.16 format
    assert clock.synchronised and clock.state is ClockState.TIME_OK
    assert clock.frequency_ppm == -20.0
    assert clock.frequency_seconds_per_day == pytest.approx(-1.728)  # 20 × 86.4 ms
    assert clock.offset_seconds == pytest.approx(2.5e-6)  # STA_NANO: nanoseconds
    assert clock.maxerror_seconds == pytest.approx(0.001)
    assert clock.status_flags == ("PLL", "NANO")


def test_interpret_unsynchronised() -> None:
    assert not interpret(raw(state=5, status=STA_UNSYNC)).synchronised
    assert not interpret(raw(state=0, status=STA_UNSYNC)).synchronised
    assert not interpret(raw(state=5, status=0)).synchronised
    assert interpret(raw(status=0)).offset_seconds == pytest.approx(2.5e-3)  # microseconds without STA_NANO


def test_live_adjtimex_is_read_only_and_sane() -> None:
    before = libc_adjtimex()
    after = libc_adjtimex()
    assert before.state in {s.value for s in ClockState}
    assert 9000 <= before.tick_us <= 11000  # USER_HZ 100 nominal tick, ±10 % is all adjtimex allows
    assert before.freq == after.freq  # nothing changed it
    assert 0 <= before.maxerror_us <= 16_000_000


def test_judge_no_daemon_is_critical() -> None:
    verdict = judge(interpret(raw(state=5, status=STA_UNSYNC)), None, (), None, None)
    assert verdict.level == "critical"
    assert any("No NTP daemon" in step for step in verdict.details)


def test_gather_with_injected_sources(tmp_path: Path) -> None:
    (tmp_path / "77").mkdir()
    (tmp_path / "77" / "comm").write_text("chronyd\n")
    (tmp_path / "77" / "cmdline").write_bytes(b"chronyd\0")
    tracking = parse_chronyc_tracking((FIX / "chronyc-tracking.csv").read_text())
    sources = parse_chronyc_sources((FIX / "chronyc-sources.csv").read_text())
    health = gather(
        adjtimex=lambda: raw(freq=-1_310_720),
        procfs=ProcFS(proc=tmp_path),
        chrony_reader=lambda _socket: ChronyView(tracking, sources, None),
    )
    assert [d.name for d in health.daemons] == ["chronyd"]
    # The fixture's system clock is 2 s behind: critical, as `ntp query` grades 2 s, whoever measured it.
    assert health.verdict.level == "critical"
    assert any("2.000 s behind" in s and "slewing it out" in s for s in health.verdict.details)
    text = " ".join(explain(health))
    assert "86.4 ms per day" in text
    assert "-20.000 ppm" in text and "1728.0 ms per day" in text


def test_gather_survives_adjtimex_failure(tmp_path: Path) -> None:
    def broken() -> RawTimex:
        raise CollectError("adjtimex failed: errno 1")

    health = gather(
        adjtimex=broken, procfs=ProcFS(proc=tmp_path), chrony_reader=lambda _s: ChronyView(None, (), "x")
    )
    assert health.kernel is None and health.kernel_problem == "adjtimex failed: errno 1"
    assert health.verdict.level == "critical"


def test_healthy_host_is_ok() -> None:
    from hostward.ntp.daemons import RunningDaemon

    verdict = judge(interpret(raw()), None, (RunningDaemon("chronyd", 5, "chronyd"),), None, None)
    assert verdict.level == "ok"
    assert "synchronised by chronyd" in verdict.summary

"""Time health in recordings: the store's optional "time" group, the recorder's poll policy, and end to end
``hostward record`` then ``hostward sar --time`` on the live kernel (and against a local NTP server)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tests.record.conftest import SRC
from tests.store.conftest import HOST, series

from hostward.collect.sample import ClockSample, SystemSample
from hostward.ntp.adjtimex import (
    STA_NANO,
    STA_PLL,
    STA_UNSYNC,
    RawTimex,
    Timex,
    libc_adjtimex,
    read_kernel_clock,
)
from hostward.ntp.sample import TimeSample, sample_time_health
from hostward.ntp.server import NtpServer, ServeSettings
from hostward.recorder.timehealth import POLL_SECONDS, TimeHealth, clock_sample, direct_clock_sample
from hostward.store import DataFileWriter, day_path, read_file
from hostward.store.layout import Unflattener, flatten
from hostward.store.schema import SCHEMA
from hostward.store.shape import Shape, shape_of

GOLDEN = Path(__file__).parent.parent / "fixtures" / "store" / "hw20261127-format1"
DAY = dt.date(2026, 11, 27)

CLOCK = ClockSample(
    synchronised=True,
    clock_state=0,
    kernel_offset_ns=-123_456,
    frequency_scaled_ppm=-1_234_567,
    maxerror_us=45_678,
    esterror_us=901,
    server_offset_known=True,
    server_offset_ns=2_500_000_123,
    server_error_ns=31_000_000,
    servers_queried=3,
    servers_agreeing=2,
)


# -- store --------------------------------------------------------------------------------------------------------


def test_file_written_before_time_health_reads_with_time_none() -> None:
    samples = [e for e in read_file(GOLDEN).entries if isinstance(e, SystemSample)]
    assert len(samples) == 40
    assert all(s.time is None for s in samples)


def test_time_fields_round_trip_through_a_data_file(tmp_path: Path) -> None:
    plain = series(70)  # more than a keyframe period, so deltas of the time group are exercised
    samples: list[SystemSample] = []
    for i, s in enumerate(plain):
        if i < 3:
            samples.append(s)  # recorded without time health: the shape changes when it appears
        elif i % 5 == 0:
            samples.append(dataclasses.replace(s, time=ClockSample(False, 5, 0, 0, 16_000_000, 16_000_000)))
        else:
            samples.append(
                dataclasses.replace(
                    s,
                    time=dataclasses.replace(
                        CLOCK, kernel_offset_ns=CLOCK.kernel_offset_ns + 1000 * i, maxerror_us=45_678 + i
                    ),
                )
            )
    samples[40] = plain[40]  # adjtimex failed once: time None in the middle
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for sample in samples:
            writer.write_sample(sample)
    back = [e for e in read_file(path).entries if isinstance(e, SystemSample)]
    assert back == samples
    assert back[4].time is not None and back[4].time.server_offset_seconds == pytest.approx(2.500000123)
    assert back[4].time.frequency_ppm == -1_234_567 / 65536
    # Flags come back as bools, not as the 0/1 they are stored as (equality alone would not tell).
    assert type(back[4].time.synchronised) is bool and type(back[4].time.server_offset_known) is bool


def test_shape_without_time_is_encoded_as_in_format_1() -> None:
    sample = series(1)[0]
    shape = dataclasses.replace(shape_of(sample), extras=())  # without -v / SOCK records, as format 1 had
    assert not shape.time
    with_time = dataclasses.replace(shape, time=True)
    assert with_time.encode() == shape.encode() + b"\x01"  # one trailing flag, only when present
    assert Shape.decode(shape.encode()) == shape and Shape.decode(with_time.encode()) == with_time


def test_older_schema_without_the_time_group_still_builds() -> None:
    sample = series(1)[0]
    old = {group: names for group, names in SCHEMA.items() if group != "time"}
    ints, floats = flatten(sample)
    assert Unflattener(old).build(shape_of(sample), ints, floats) == sample


# -- what the recorder stores ----------------------------------------------------------------------------------


def raw(*, offset: int = -1234, freq: int = -491_520, status: int = STA_PLL, state: int = 0) -> RawTimex:
    return RawTimex(state, status, offset, freq, 12_500, 750, 6, 1, 32_768_000, 10_000, 37)


def test_clock_sample_keeps_the_kernels_integers_exactly() -> None:
    for timex, offset_ns in ((raw(status=STA_PLL | STA_NANO), -1234), (raw(), -1_234_000)):
        stored = clock_sample(sample_time_health(adjtimex=lambda t=timex: t))  # type: ignore[misc]
        assert stored == ClockSample(True, 0, offset_ns, -491_520, 12_500, 750)
        kernel = read_kernel_clock(lambda t=timex: t)  # type: ignore[misc]
        assert stored is not None and stored.frequency_ppm == kernel.frequency_ppm
        assert stored.kernel_offset_seconds == pytest.approx(kernel.offset_seconds)
    unsync = clock_sample(sample_time_health(adjtimex=lambda: raw(status=STA_UNSYNC, state=5)))
    assert unsync is not None and (unsync.synchronised, unsync.clock_state) == (False, 5)


def test_adjtimex_failure_stores_nothing() -> None:
    def broken() -> RawTimex:
        from hostward.errors import CollectError

        raise CollectError("adjtimex failed: errno 1")

    assert clock_sample(sample_time_health(adjtimex=broken)) is None


class Clocks:
    """Monotonic seconds and the kernel readings a TimeHealth sees, advanced by the test."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall_offset = 0.0  # wall - monotonic, seconds: a step changes it

    def monotonic(self) -> float:
        return self.mono

    def kernel(self) -> TimeSample:
        base = sample_time_health(adjtimex=raw)
        mono_ns = round(self.mono * 1e9)
        return dataclasses.replace(
            base, monotonic_ns=mono_ns, wall_ns=mono_ns + round(self.wall_offset * 1e9)
        )


def health(clocks: Clocks, answers: list[float | Exception | None]) -> tuple[TimeHealth, list[float]]:
    """A TimeHealth with one server whose successive answers are ``answers`` (None: no reply)."""
    asked: list[float] = []

    def query() -> TimeSample:
        asked.append(clocks.mono)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        base = clocks.kernel()
        return dataclasses.replace(
            base,
            offset_seconds=answer,
            offset_error_seconds=0.01,
            servers_queried=1,
            servers_agreeing=int(answer is not None),
        )

    th = TimeHealth(
        ("127.0.0.1",), kernel=clocks.kernel, query=query, monotonic=clocks.monotonic, background=False
    )
    return th, asked


def test_servers_are_polled_at_most_every_64_s_and_the_offset_is_repeated_in_between() -> None:
    clocks = Clocks()
    th, asked = health(clocks, [0.25, 0.5])
    first = th()
    assert first is not None and first.server_offset_seconds == 0.25 and first.servers_agreeing == 1
    for _ in range(6):  # 60 s of 10 s samples: no new query, the same offset
        clocks.mono += 10
        again = th()
        assert again is not None and again.server_offset_seconds == 0.25
    assert asked == [1000.0]
    clocks.mono += 10  # 70 s after the first burst
    later = th()
    assert later is not None and later.server_offset_seconds == 0.5
    assert asked == [1000.0, 1070.0]


def test_no_answer_means_no_offset_and_a_failing_query_goes_stale() -> None:
    clocks = Clocks()
    th, _ = health(clocks, [None, 0.25, RuntimeError("bug"), RuntimeError("bug"), RuntimeError("bug")])
    silent = th()
    assert silent is not None and not silent.server_offset_known and silent.servers_queried == 1
    clocks.mono += POLL_SECONDS
    assert (good := th()) is not None and good.server_offset_seconds == 0.25
    for _ in range(3):  # queries keep failing: the last offset is repeated for 3 poll intervals, then dropped
        clocks.mono += POLL_SECONDS
        kept = th()
        assert kept is not None and kept.server_offset_known
    clocks.mono += 1
    stale = th()
    assert stale is not None and not stale.server_offset_known


def test_a_clock_step_drops_the_old_offset_and_measures_again_at_once() -> None:
    clocks = Clocks()
    th, asked = health(clocks, [0.25, -1.75])
    th()
    clocks.mono += 10
    clocks.wall_offset += 2.0  # someone ran date -s
    stepped = th()
    assert stepped is not None and stepped.server_offset_seconds == -1.75
    assert asked == [1000.0, 1010.0]


def test_without_servers_nothing_is_queried() -> None:
    clocks = Clocks()
    asked: list[float] = []

    def query() -> TimeSample:
        asked.append(clocks.mono)
        return clocks.kernel()

    th = TimeHealth((), kernel=clocks.kernel, query=query, background=False)
    for _ in range(3):
        stored = th()
        assert stored is not None and not stored.server_offset_known and stored.servers_queried == 0
    assert asked == []


# -- end to end ----------------------------------------------------------------------------------------------------


def run_hostward(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": str(config or os.devnull), "LANG": "C"}
    env.pop("LC_ALL", None)
    env.pop("S_TIME_FORMAT", None)
    return subprocess.run(
        [sys.executable, "-m", "hostward", *args], env=env, capture_output=True, text=True, timeout=120
    )


def sar_time(path: Path, *, average: bool = False) -> tuple[list[str], list[dict[str, float]]]:
    """The header words and the data rows (not Average, or only Average) of ``hostward sar --time -f path``.

    Cells are cut at sar's fixed widths (an 11-character time, then " %9.2f" per column), so an empty cell
    (a value not measured) reads as NaN instead of shifting the columns after it."""
    done = run_hostward("sar", "--time", "-f", str(path))
    assert done.returncode == 0, done.stderr
    header: list[str] = []
    rows: list[dict[str, float]] = []
    for line in done.stdout.splitlines():
        words = line.split()
        if "offset" in words:
            header = words[1:]
        elif header and words and line.startswith("Average") == average and words[0][:1].isdigit() != average:
            cells = [line[11 + 10 * k : 21 + 10 * k].strip() for k in range(len(header))]
            rows.append({h: float(c) if c else math.nan for h, c in zip(header, cells, strict=True)})
    return header, rows


def record(tmp_path: Path, config: Path | None = None) -> Path:
    data = tmp_path / "data"
    done = run_hostward(
        "record",
        "--interval",
        "1",
        "--count",
        "3",
        "--data-dir",
        str(data),
        "--no-housekeeping",
        config=config,
    )
    assert done.returncode == 0, done.stderr
    (path,) = sorted(data.glob("hw*"))
    return path


def test_record_then_sar_time_shows_the_kernels_clock(tmp_path: Path) -> None:
    before = read_kernel_clock(libc_adjtimex)
    path = record(tmp_path)
    after = read_kernel_clock(libc_adjtimex)

    samples = [e for e in read_file(path).entries if isinstance(e, SystemSample)]
    assert len(samples) == 3 and all(s.time is not None for s in samples)

    header, rows = sar_time(path)
    assert header == ["offset", "koffset", "maxerr", "esterr", "freq", "sync", "steps", "agreeing"]
    assert len(rows) == 2  # 3 samples: 2 intervals
    low_freq, high_freq = sorted((before.frequency_ppm, after.frequency_ppm))
    low_max, high_max = sorted((before.maxerror_seconds * 1e3, after.maxerror_seconds * 1e3))
    for values in rows:
        assert low_freq - 0.005 <= values["freq"] <= high_freq + 0.005  # printed with 2 decimals
        assert low_max - 0.005 <= values["maxerr"] <= high_max + 0.005
        if before.synchronised == after.synchronised:
            assert values["sync"] == float(before.synchronised)
        assert values["steps"] == 0  # nobody steps this machine's clock during the test
        assert values["agreeing"] == 0  # no [ntp] servers configured: no θ, and the kernel's is apart
        assert math.isnan(values["offset"])
        assert (
            abs(values["koffset"]) < 1000 * max(abs(before.offset_seconds), abs(after.offset_seconds)) + 0.01
        )

    # sadf -j carries the same definition under its JSON keys.
    done = run_hostward("sadf", "-j", "--time", str(path))
    assert done.returncode == 0, done.stderr
    assert '"time-health": {"offset": null, "kernel-offset": ' in done.stdout
    assert '"servers-agreeing": 0' in done.stdout


def test_record_with_a_configured_server_stores_its_offset(tmp_path: Path) -> None:
    server = NtpServer("127.0.0.1", 0, ServeSettings(offset_seconds=2.5, rate_per_second=0))
    server.start()
    try:
        host, port = server.address
        config = tmp_path / "hostward.toml"
        config.write_text(
            f'[ntp]\nservers = ["{host}:{port}"]\nsamples_per_server = 1\ntimeout_seconds = 1.0\n'
        )
        path = record(tmp_path, config)
    finally:
        server.close()
    samples = [e for e in read_file(path).entries if isinstance(e, SystemSample)]
    last = samples[-1].time
    # The first burst starts with the first sample, in the background; by the last sample (2 s later) a
    # loopback reply has long arrived.
    assert last is not None and last.servers_queried == 1 and last.servers_agreeing == 1
    assert last.server_offset_seconds == pytest.approx(2.5, abs=0.05)
    _, rows = sar_time(path)
    assert rows[-1]["offset"] == pytest.approx(2500, abs=50) and rows[-1]["agreeing"] == 1


def test_sar_time_with_a_late_first_burst_never_mixes_kernel_offset_and_theta(tmp_path: Path) -> None:
    """The first samples of a recording with servers come before the first burst completes: their θ cell is
    empty (not 0, not the kernel's offset) and the Average of offset is the mean of the measured rows only."""
    plain = series(6)
    kernel_only = dataclasses.replace(CLOCK, server_offset_known=False, server_offset_ns=0, servers_queried=0)
    clocks = [kernel_only] * 3 + [
        dataclasses.replace(CLOCK, server_offset_ns=2_400_000_000),
        dataclasses.replace(CLOCK, server_offset_ns=2_600_000_000),
        dataclasses.replace(CLOCK, server_offset_ns=2_800_000_000),
    ]
    path = day_path(tmp_path, DAY)
    with DataFileWriter.open(path, DAY, HOST) as writer:
        for s, clock in zip(plain, clocks, strict=True):
            writer.write_sample(dataclasses.replace(s, time=clock))
    _, rows = sar_time(path)
    assert len(rows) == 5
    assert [math.isnan(r["offset"]) for r in rows] == [True, True, False, False, False]
    assert [r["offset"] for r in rows[2:]] == [2400.0, 2600.0, 2800.0]
    assert all(r["koffset"] == pytest.approx(-0.12) for r in rows)  # the kernel's -123 456 ns, apart
    (average,) = sar_time(path, average=True)[1]
    assert average["offset"] == pytest.approx(2600.0)  # not (0 + 0 + 2400 + 2600 + 2800) / 5
    assert average["koffset"] == pytest.approx(-0.12)


# C longs, with the huge ones drawn on purpose: past 2**53 the general path's floats no longer hold them exactly
_LONG = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.integers(min_value=2**53, max_value=2**63 - 1)
    | st.integers(min_value=-(2**63), max_value=-(2**53))
)


@given(
    state=st.integers(min_value=0, max_value=2**31 - 1) | st.sampled_from([0, 1, 2, 3, 4, 5]),
    status=st.integers(min_value=-(2**31), max_value=2**31 - 1) | st.sampled_from([0, STA_UNSYNC, STA_NANO]),
    offset=_LONG | st.integers(min_value=-(10**9), max_value=10**9),
    freq=_LONG | st.integers(min_value=-(500 << 16), max_value=500 << 16),
    maxerror=_LONG | st.integers(min_value=0, max_value=16_000_000),
    esterror=_LONG | st.integers(min_value=0, max_value=16_000_000),
)
# Values whose float round trips lose digits (past 2**53), a state adjtimex never returns, ns offsets:
@example(state=0, status=0, offset=0, freq=0, maxerror=2**62 + 1, esterror=0)
@example(state=0, status=0, offset=0, freq=0, maxerror=0, esterror=-(2**62) - 3)
@example(state=1, status=STA_NANO, offset=2**60 + 7, freq=0, maxerror=0, esterror=0)
@example(state=1, status=0, offset=-(2**58) - 1, freq=2**61 + 5, maxerror=0, esterror=0)
@example(state=9, status=STA_UNSYNC, offset=0, freq=0, maxerror=0, esterror=0)
def test_the_direct_clock_sample_is_the_general_paths(
    *, state: int, status: int, offset: int, freq: int, maxerror: int, esterror: int
) -> None:
    """What the recorder stores without servers (one adjtimex into a kept buffer) equals what the records of
    the general path (RawTimex -> KernelClock -> TimeSample -> clock_sample) give, for any values."""
    timex = Timex(status=status, offset=offset, freq=freq, maxerror=maxerror, esterror=esterror)
    raw = RawTimex(
        state=state,
        status=timex.status,
        offset=timex.offset,
        freq=timex.freq,
        maxerror_us=timex.maxerror,
        esterror_us=timex.esterror,
        constant=0,
        precision_us=0,
        tolerance=0,
        tick_us=10000,
        tai=0,
    )
    assert direct_clock_sample(state, timex) == clock_sample(sample_time_health(adjtimex=lambda: raw))


def test_the_recorder_reads_the_kernel_clock_directly_without_servers() -> None:
    direct = TimeHealth()
    assert direct._direct is not None and TimeHealth(["127.0.0.1"])._direct is None
    first, general = direct(), clock_sample(sample_time_health())
    assert first is not None and general is not None
    # maxerror grows by 500 us a second between the two calls; the rest is the kernel's state
    assert dataclasses.replace(first, maxerror_us=general.maxerror_us) == general
    assert abs(first.maxerror_us - general.maxerror_us) <= 1000

"""hostward sar --time: clock offset, error bounds, frequency correction, sync state and clock steps.

hostward-specific (sysstat has no such report). The recorder stores the kernel's adjtimex(2) state with every
sample, and the offset measured against the ``[ntp] servers`` when some are configured (collect.sample
.ClockSample, recorder/timehealth.py). Columns, in sar's style (ms so that a synchronised clock does not read
0.00):

* ``offset``: RFC 5905 theta against the servers (server - local: positive means this host is behind), empty
  when no measurement is known (no servers configured, before the first burst completes, servers silent);
  ``agreeing`` says how many servers formed the majority behind it.
* ``koffset``: the offset the kernel PLL is still slewing in (timex.offset, same sign: positive means the
  kernel will advance the clock). A different quantity from theta: what the daemon has yet to correct, not
  how wrong the clock is. The two are never mixed in one column or one average.
* ``maxerr`` / ``esterr``: the time daemon's worst-case and estimated error (timex.maxerror/esterror). Without
  a daemon resetting it, maxerror grows by 500 us per second until the kernel declares the clock unsynchronised
  at 16 s.
* ``freq``: the frequency correction in ppm (1 ppm = 86.4 ms per day).
* ``sync``: 1 when the kernel says synchronised (STA_UNSYNC clear and state != TIME_ERROR; node_exporter
  tests state != TIME_ERROR alone, the same thing on Linux, which returns TIME_ERROR whenever STA_UNSYNC is set).
* ``steps``: clock steps within the interval. The recorder measures intervals on /proc/uptime (CLOCK_BOOTTIME:
  slewed like the wall clock, never stepped, counts suspend), so ``wall delta - uptime delta`` is what the wall
  clock jumped. Up to ``STEP_THRESHOLD_S`` plus ``SLEW_PPM`` of the interval is read noise and slewing (the
  kernel PLL corrects at most 500 ppm); beyond that the clock was stepped (settimeofday, ``date -s``, chronyd
  makestep) or slewed so fast that it amounts to one. Found from timestamps alone, so recordings made before
  time health was recorded show steps on graphs too (series.py), though they have no ``--time`` rows.

``Average:`` holds the mean of offset over the rows that have one (empty when none has), the means of koffset,
errors and frequency, the minimum of ``sync`` and ``agreeing`` (1 only if
synchronised throughout), and the total of ``steps`` (a mean count would round a step away).
"""

from __future__ import annotations

import math

from hostward.activities.base import Activity, Averager, Column, Interval, Kind, Row, Tolerance
from hostward.collect.sample import ClockSample, SystemSample

STEP_THRESHOLD_S = 0.5  # as hostward.ntp.sample.STEP_THRESHOLD_S
SLEW_PPM = 500.0  # the kernel's MAXFREQ: the fastest the NTP PLL slews the clock

_T = Tolerance("hostward-only report: no sar value to compare with")


def clock_step_seconds(prev: SystemSample, curr: SystemSample) -> float | None:
    """How far the wall clock jumped between two samples (seconds, + forward), or None if it only ran.

    None as well when no interval can be measured (the host rebooted between the samples: uptime went back).
    """
    uptime = curr.uptime_seconds - prev.uptime_seconds
    if uptime <= 0:
        return None
    jump = (curr.timestamp - prev.timestamp) - uptime
    return jump if abs(jump) > STEP_THRESHOLD_S + SLEW_PPM * 1e-6 * uptime else None


def offset_seconds(clock: ClockSample) -> float:
    """Theta against the servers when measured, else NaN (printed as an empty cell)."""
    server = clock.server_offset_seconds
    return server if server is not None else math.nan


def _values(clock: ClockSample, steps: int) -> tuple[float, ...]:
    return (
        offset_seconds(clock) * 1e3,
        clock.kernel_offset_seconds * 1e3,
        clock.maxerror_seconds * 1e3,
        clock.esterror_seconds * 1e3,
        clock.frequency_ppm,
        1.0 if clock.synchronised else 0.0,
        float(steps),
        float(clock.servers_agreeing if clock.server_offset_known else 0),
    )


def time_rows(span: Interval) -> list[Row]:
    clock = span.curr.time
    if clock is None:
        return []  # recorded without time health: no row (sar: activity not in the file)
    steps = 1 if clock_step_seconds(span.prev, span.curr) is not None else 0
    return [Row(None, _values(clock, steps))]


class _TimeAverage(Averager):
    """Means of the offsets, errors and frequency over the samples with time health (the server offset over
    those that measured it), the least synchronised state and agreement seen, and the steps counted."""

    def __init__(self) -> None:
        self.count = 0
        self.sums = [0.0] * 4  # kernel offset, max error, estimated error, frequency
        self.measured = 0
        self.measured_sum = 0.0  # server offset, where measured
        self.synchronised = math.inf
        self.agreeing = math.inf
        self.steps = 0

    def add(self, prev: SystemSample, curr: SystemSample) -> None:
        if curr.time is None:
            return
        if clock_step_seconds(prev, curr):
            self.steps += 1
        values = _values(curr.time, 0)
        self.count += 1
        if not math.isnan(values[0]):
            self.measured += 1
            self.measured_sum += values[0]
        self.sums = [total + v for total, v in zip(self.sums, values[1:5], strict=True)]
        self.synchronised = min(self.synchronised, values[5])
        self.agreeing = min(self.agreeing, values[7])

    def rows(self, span: Interval) -> list[Row]:
        if not self.count:
            return []
        n = self.count
        offset = self.measured_sum / self.measured if self.measured else math.nan
        means = tuple(total / n for total in self.sums)
        return [Row(None, (offset, *means, self.synchronised, float(self.steps), self.agreeing))]


def time_average() -> _TimeAverage:
    return _TimeAverage()


TIME = Activity(
    name="time",
    flag="--time",
    order=1000,  # after every sysstat report
    title="clock offset, error bounds, frequency correction, sync state, clock steps (hostward)",
    kind=Kind.GAUGE,
    columns=(
        Column("offset", "offset", "ms", parity=_T),
        Column("koffset", "kernel-offset", "ms", node_exporter="node_timex_offset_seconds * 1e3", parity=_T),
        Column("maxerr", "maxerror", "ms", node_exporter="node_timex_maxerror_seconds * 1e3", parity=_T),
        Column(
            "esterr", "esterror", "ms", node_exporter="node_timex_estimated_error_seconds * 1e3", parity=_T
        ),
        Column(
            "freq",
            "freq",
            "ppm",
            node_exporter="(node_timex_frequency_adjustment_ratio - 1) * 1e6",
            parity=_T,
        ),
        Column("sync", "sync", "flag", decimals=0, node_exporter="node_timex_sync_status", parity=_T),
        Column("steps", "steps", "count", decimals=0, parity=_T),
        Column("agreeing", "servers-agreeing", "count", decimals=0, parity=_T),
    ),
    rows=time_rows,
    average=time_average,
    json_section="time-health",
)

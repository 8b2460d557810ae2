"""sar -q: run queue, task list and load averages (rd_stats.c read_loadavg, pr_stats.c stub_print_queue_stats).

runq-sz is the kernel's count of runnable tasks minus one: the reader of /proc/loadavg (sadc, or hostward's
sampler) is itself running when it reads, and sysstat does not count it. Load averages are kept as hundredths
(sadc parses "0.52" as 0*100 + 52), so their averages are means of integers divided by 100, as in sysstat.
"""

from __future__ import annotations

from hostward.activities.base import Activity, Averager, Column, Interval, Kind, Row, Sums, Tolerance
from hostward.collect.sample import SystemSample

_T_RUN = Tolerance("instantaneous: tasks that become runnable or sleep between the reads", abs=3.0)
_T_PL = Tolerance("instantaneous: threads created or reaped between the reads", abs=30.0, rel=0.05)
_T_LD = Tolerance(
    "the kernel recomputes load averages every 5 s: equal, or one update apart", abs=0.1, rel=0.1
)
_T_BL = Tolerance("instantaneous: tasks entering or leaving uninterruptible sleep", abs=2.0)


def _raw(s: SystemSample) -> tuple[int, int, int, int, int, int]:
    running = s.load.runnable - 1 if s.load.runnable else 0
    return (
        running,
        s.load.threads,
        round(s.load.load1 * 100),
        round(s.load.load5 * 100),
        round(s.load.load15 * 100),
        s.cpu.procs_blocked,
    )


def queue_rows(span: Interval) -> list[Row]:
    r = _raw(span.curr)
    return [Row(None, (r[0], r[1], r[2] / 100, r[3] / 100, r[4] / 100, r[5]))]


def queue_average() -> Averager:
    return Sums(_raw, _queue_average)


def _queue_average(sums: list[float], n: int, span: Interval) -> list[Row]:
    return [
        Row(
            None,
            (
                sums[0] / n,
                sums[1] / n,
                sums[2] / (n * 100),
                sums[3] / (n * 100),
                sums[4] / (n * 100),
                sums[5] / n,
            ),
        )
    ]


QUEUE = Activity(
    name="queue",
    flag="-q",
    order=9,
    title="queue length and load averages",
    kind=Kind.GAUGE,
    columns=(
        Column(
            "runq-sz", "runq-sz", "count", decimals=0, node_exporter="node_procs_running - 1", parity=_T_RUN
        ),
        Column("plist-sz", "plist-sz", "count", decimals=0, parity=_T_PL),
        Column("ldavg-1", "ldavg-1", "load", node_exporter="node_load1", parity=_T_LD),
        Column("ldavg-5", "ldavg-5", "load", node_exporter="node_load5", parity=_T_LD),
        Column("ldavg-15", "ldavg-15", "load", node_exporter="node_load15", parity=_T_LD),
        Column("blocked", "blocked", "count", decimals=0, node_exporter="node_procs_blocked", parity=_T_BL),
    ),
    rows=queue_rows,
    average=queue_average,
    json_section="queue",
)

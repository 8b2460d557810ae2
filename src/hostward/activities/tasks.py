"""sar -w: task creation and context switches, from /proc/stat "processes" and "ctxt" (pr_stats.c print_pcsw_stats)."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Interval, Kind, Row, Tolerance, rate

_P = Tolerance("forks between the two reads (ms apart) by any process on the host", abs=5.0, rel=0.05)
_C = Tolerance("context switches between the reads: hundreds per ms under load", abs=300.0, rel=0.2)


def tasks_rows(span: Interval) -> list[Row]:
    p, c = span.prev.cpu, span.curr.cpu
    return [
        Row(
            None,
            (rate(p.forks, c.forks, span.itv_cs), rate(p.context_switches, c.context_switches, span.itv_cs)),
        )
    ]


TASKS = Activity(
    name="tasks",
    flag="-w",
    order=1,
    title="task creation and context switches",
    kind=Kind.COUNTER,
    columns=(
        Column("proc/s", "proc", "per_second", node_exporter="node_forks_total", parity=_P),
        Column("cswch/s", "cswch", "per_second", node_exporter="node_context_switches_total", parity=_C),
    ),
    rows=tasks_rows,
    json_section="process-and-context-switch",
)

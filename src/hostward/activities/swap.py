"""sar -S: swap space utilisation from /proc/meminfo SwapTotal/SwapFree/SwapCached (pr_stats.c
stub_print_memory_stats, second output of sysstat's memory activity: it prints right after -r)."""

from __future__ import annotations

from hostward.activities.base import Activity, Averager, Column, Interval, Kind, Row, Sums, Tolerance

_T = Tolerance(
    "instantaneous; swap does not move between the reads without swapping (no swap here)",
    abs=1024.0,
    rel=0.01,
)


def swap_rows(span: Interval) -> list[Row]:
    m = span.curr.memory
    used = m.swap_total_kb - m.swap_free_kb
    return [
        Row(
            None,
            (
                float(m.swap_free_kb),
                float(used),
                used / m.swap_total_kb * 100 if m.swap_total_kb else 0.0,
                float(m.swap_cached_kb),
                m.swap_cached_kb / used * 100 if used else 0.0,
            ),
        )
    ]


def swap_average() -> Averager:
    return Sums(
        lambda s: (s.memory.swap_free_kb, s.memory.swap_total_kb, s.memory.swap_cached_kb), _swap_average
    )


def _swap_average(sums: list[float], n: int, span: Interval) -> list[Row]:
    free, total, cached = (total / n for total in sums)
    used = total - free
    return [
        Row(
            None,
            (free, used, used / total * 100 if total else 0.0, cached, cached / used * 100 if used else 0.0),
        )
    ]


SWAP = Activity(
    name="swap",
    flag="-S",
    order=6.5,  # printed with memory's record (A_MEMORY), before A_HUGE
    title="swap space utilisation",
    kind=Kind.GAUGE,
    columns=(
        Column(
            "kbswpfree", "swpfree", "kB", decimals=0, node_exporter="node_memory_SwapFree_bytes", parity=_T
        ),
        Column("kbswpused", "swpused", "kB", decimals=0, parity=_T),
        Column("%swpused", "swpused-percent", "percent", parity=_T),
        Column(
            "kbswpcad", "swpcad", "kB", decimals=0, node_exporter="node_memory_SwapCached_bytes", parity=_T
        ),
        Column("%swpcad", "swpcad-percent", "percent", parity=_T),
    ),
    rows=swap_rows,
    average=swap_average,
    json_section="memory",
)

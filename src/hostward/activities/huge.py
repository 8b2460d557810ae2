"""sar -H: hugepages (rd_stats.c read_meminfo's HugePages_* lines times Hugepagesize, pr_stats.c
stub_print_huge_stats). Gauges in kB; ``%hugused`` of the pool, 0 without one. The ``Average:`` row takes
means, and ``%hugused`` from the sums, as sysstat does. No row where the data has no hugepage figures (an
imported sa file without A_HUGE)."""

from __future__ import annotations

from hostward.activities.base import Activity, Averager, Column, Interval, Kind, Row, Sums, Tolerance
from hostward.collect.memory import MemInfo

_T = Tolerance(
    "the hugepage pool changes only when an administrator resizes it or a mapping reserves pages", abs=2048.0
)


def _kb(m: MemInfo) -> tuple[int, int, int, int] | None:
    """(free, total, reserved, surplus) in kB, or None when the data has no hugepage figures."""
    if "HugePages_Total" in m.missing:
        return None
    size = m.hugepage_size_kb
    return m.hugepages_free * size, m.hugepages_total * size, m.hugepages_rsvd * size, m.hugepages_surp * size


def _row(free: float, total: float, rsvd: float, surp: float) -> Row:
    used = total - free
    return Row(None, (free, used, used / total * 100 if total else 0.0, rsvd, surp))


def huge_rows(span: Interval) -> list[Row]:
    kb = _kb(span.curr.memory)
    return [] if kb is None else [_row(*map(float, kb))]


def huge_average() -> Averager:
    return Sums(lambda s: _kb(s.memory), _huge_average)


def _huge_average(sums: list[float], n: int, span: Interval) -> list[Row]:
    free, total, rsvd, surp = sums
    used = total - free
    return [Row(None, (free / n, used / n, used / total * 100 if total else 0.0, rsvd / n, surp / n))]


HUGE = Activity(
    name="huge",
    flag="-H",
    order=7,
    title="hugepages utilisation",
    kind=Kind.GAUGE,
    columns=(
        Column(
            "kbhugfree", "hugfree", "kB", decimals=0, node_exporter="node_memory_HugePages_Free", parity=_T
        ),
        Column("kbhugused", "hugused", "kB", decimals=0, parity=_T),
        Column("%hugused", "hugused-percent", "percent", parity=_T),
        Column(
            "kbhugrsvd", "hugrsvd", "kB", decimals=0, node_exporter="node_memory_HugePages_Rsvd", parity=_T
        ),
        Column(
            "kbhugsurp", "hugsurp", "kB", decimals=0, node_exporter="node_memory_HugePages_Surp", parity=_T
        ),
    ),
    rows=huge_rows,
    average=huge_average,
    json_section="hugepages",
)

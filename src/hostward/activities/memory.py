"""sar -r [ALL]: memory utilisation from /proc/meminfo (rd_stats.c read_meminfo, pr_stats.c
stub_print_memory_stats).

kbmemused is MemTotal minus (MemFree + Buffers + Cached + Slab), the subtrahend capped at MemTotal; %commit is
Committed_AS over RAM + swap. Averages reproduce sysstat's integer arithmetic: ``nousedmem / avg_count`` is an
integer division in %memused and %commit, a floating one in kbmemused.
"""

from __future__ import annotations

from hostward.activities.base import Activity, Averager, Column, Interval, Kind, Row, Sums, Tolerance
from hostward.collect.memory import MemInfo

_NM = "node_memory_{}_bytes"
_T = Tolerance("instantaneous: allocations and page-cache changes between the reads", abs=65536.0, rel=0.01)
_T_PC = Tolerance(
    "instantaneous: the same changes, as a share of RAM (64 MiB of 24 GiB is 0.26 point)", abs=0.3
)


def _c(
    header: str, key: str, meminfo: str | None, tol: Tolerance = _T, *, unit: str = "kB", decimals: int = 0
) -> Column:
    ne = _NM.format(meminfo) if meminfo else None
    return Column(header, key, unit, decimals=decimals, node_exporter=ne, parity=tol)


COLUMNS = (
    _c("kbmemfree", "memfree", "MemFree"),
    _c("kbavail", "avail", "MemAvailable"),
    _c("kbmemused", "memused", None),
    _c("%memused", "memused-percent", None, _T_PC, unit="percent", decimals=2),
    _c("kbbuffers", "buffers", "Buffers"),
    _c("kbcached", "cached", "Cached"),
    _c("kbcommit", "commit", "Committed_AS"),
    _c("%commit", "commit-percent", None, _T_PC, unit="percent", decimals=2),
    _c("kbactive", "active", "Active"),
    _c("kbinact", "inactive", "Inactive"),
    _c("kbdirty", "dirty", "Dirty"),
    _c("kbanonpg", "anonpg", "AnonPages"),
    _c("kbslab", "slab", "Slab"),
    _c("kbkstack", "kstack", "KernelStack"),
    _c("kbpgtbl", "pgtbl", "PageTables"),
    _c("kbvmused", "vmused", "VmallocUsed"),
)

_PLAIN = tuple(c.header for c in COLUMNS[:11])


def _gauges(m: MemInfo) -> tuple[int, ...]:
    """The stored fields sysstat averages, in this order: free, avail, buffers, cached, commit, active,
    inactive, dirty, anonpg, slab, kstack, pgtbl, vmused."""
    return (
        m.mem_free_kb,
        m.mem_available_kb,
        m.buffers_kb,
        m.cached_kb,
        m.committed_as_kb,
        m.active_kb,
        m.inactive_kb,
        m.dirty_kb,
        m.anon_pages_kb,
        m.slab_kb,
        m.kernel_stack_kb,
        m.page_tables_kb,
        m.vmalloc_used_kb,
    )


def memory_rows(span: Interval) -> list[Row]:
    m = span.curr.memory
    total = m.mem_total_kb
    not_used = min(m.mem_free_kb + m.buffers_kb + m.cached_kb + m.slab_kb, total)
    g = _gauges(m)
    values = (
        g[0],
        g[1],
        total - not_used,
        (total - not_used) / total * 100 if total else 0.0,
        g[2],
        g[3],
        g[4],
        g[4] / (total + m.swap_total_kb) * 100 if total + m.swap_total_kb else 0.0,
        *g[5:],
    )
    return [Row(None, tuple(float(v) for v in values))]


def memory_average() -> Averager:
    return Sums(lambda s: _gauges(s.memory), _memory_average)


def _memory_average(sums: list[float], n: int, span: Interval) -> list[Row]:
    last = span.curr.memory  # sysstat takes MemTotal/SwapTotal from the last sample
    total = last.mem_total_kb
    not_used = sums[0] + sums[2] + sums[3] + sums[9]  # not capped in the average, as in sysstat
    avg = [s / n for s in sums]
    values = (
        avg[0],
        avg[1],
        total - not_used / n,
        (total - not_used // n) / total * 100 if total else 0.0,
        avg[2],
        avg[3],
        avg[4],
        (sums[4] // n) / (total + last.swap_total_kb) * 100 if total + last.swap_total_kb else 0.0,
        *avg[5:],
    )
    return [Row(None, tuple(values))]


MEMORY = Activity(
    name="memory",
    flag="-r",
    order=6,
    title="memory utilisation (-r [ALL])",
    kind=Kind.GAUGE,
    columns=COLUMNS,
    rows=memory_rows,
    average=memory_average,
    json_section="memory",
    views={"": _PLAIN, "ALL": tuple(c.header for c in COLUMNS)},
)

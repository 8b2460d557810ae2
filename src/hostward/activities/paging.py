"""sar -B: paging, from /proc/vmstat (pr_stats.c print_paging_stats; sums of pgsteal_*/pgscan_* as rd_stats.c
read_vmstat_paging, done by collect.memory.parse_vmstat)."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Interval, Kind, Row, Tolerance, rates, unsigned

_KB = Tolerance(
    "kB paged in/out between the reads (a page-cache fill can move MBs in a ms)", abs=1024.0, rel=0.1
)
_EV = Tolerance(
    "faults/frees between the reads: one process start or exit is ~1000s of pages", abs=5000.0, rel=0.1
)
_MAJ = Tolerance("major faults between the reads", abs=50.0, rel=0.1)
_SCAN = Tolerance("reclaim between the reads (none on an idle 24 GiB host)", abs=2000.0, rel=0.1)
_EFF = Tolerance("ratio of two reclaim deltas; 0 without reclaim", abs=5.0)
# The counters of the columns before %vmeff, in order.
_COUNTERS = (
    "pgpgin",
    "pgpgout",
    "pgfault",
    "pgmajfault",
    "pgfree",
    "pgscan_kswapd",
    "pgscan_direct",
    "pgsteal",
)


def paging_rows(span: Interval) -> list[Row]:
    p, c, itv = span.prev.vmstat, span.curr.vmstat, span.itv_cs
    # %vmeff: pages stolen per page scanned, 0 when nothing was scanned; unsigned long arithmetic, as
    # print_paging_stats's SP_VALUE(pgsteal, scanned) computes it (a counter that went back: wrapped).
    scanned = unsigned(p.pgscan_kswapd + p.pgscan_direct, c.pgscan_kswapd + c.pgscan_direct)
    vmeff = float(unsigned(p.pgsteal, c.pgsteal)) / scanned * 100 if scanned else 0.0
    return [Row(None, (*rates(p, c, _COUNTERS, itv), vmeff))]


PAGING = Activity(
    name="paging",
    flag="-B",
    order=4,
    title="paging statistics",
    kind=Kind.COUNTER,
    columns=(
        Column("pgpgin/s", "pgpgin", "kB_per_second", node_exporter="node_vmstat_pgpgin", parity=_KB),
        Column("pgpgout/s", "pgpgout", "kB_per_second", node_exporter="node_vmstat_pgpgout", parity=_KB),
        Column("fault/s", "fault", "per_second", node_exporter="node_vmstat_pgfault", parity=_EV),
        Column("majflt/s", "majflt", "per_second", node_exporter="node_vmstat_pgmajfault", parity=_MAJ),
        Column("pgfree/s", "pgfree", "per_second", parity=_EV),
        Column("pgscank/s", "pgscank", "per_second", parity=_SCAN),
        Column("pgscand/s", "pgscand", "per_second", parity=_SCAN),
        Column("pgsteal/s", "pgsteal", "per_second", parity=_SCAN),
        Column("%vmeff", "vmeff-percent", "percent", parity=_EFF),
    ),
    rows=paging_rows,
    json_section="paging",
)

"""sar -v: kernel tables (rd_stats.c read_kernel_tables, pr_stats.c stub_print_ktables_stats): unused
dentries, file handles, inodes and pseudo-terminals in use. Gauges, printed ``%9llu`` and averaged ``%9.0f``
over the displayed samples (sysstat's avg_count)."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Kind, Tolerance, gauge_average, gauge_rows
from hostward.collect.kernel import KernelTables
from hostward.collect.sample import SystemSample

_D = Tolerance(
    "the dentry cache grows and shrinks with every path lookup between the reads", abs=3000.0, rel=0.02
)
_F = Tolerance(
    "files opened or closed between the reads (sadc's own and ours among them)", abs=64.0, rel=0.05
)
_I = Tolerance("inodes allocated or freed between the reads", abs=3000.0, rel=0.02)
_P = Tolerance("a terminal opened or closed between the reads", abs=1.0)


def _values(sample: SystemSample) -> tuple[float, ...] | None:
    k: KernelTables | None = sample.ktables
    if k is None:
        return None
    return (float(k.dentunusd), float(k.file_used), float(k.inode_used), float(k.pty_nr))


KTABLES = Activity(
    name="ktables",
    flag="-v",
    order=8,
    title="inode, file and other kernel tables",
    kind=Kind.GAUGE,
    columns=(
        Column("dentunusd", "dentunusd", "count", decimals=0, parity=_D),
        Column("file-nr", "file-nr", "count", decimals=0, node_exporter="node_filefd_allocated", parity=_F),
        Column("inode-nr", "inode-nr", "count", decimals=0, parity=_I),
        Column("pty-nr", "pty-nr", "count", decimals=0, parity=_P),
    ),
    rows=gauge_rows(_values),
    average=gauge_average(_values),
    json_section="kernel",
)

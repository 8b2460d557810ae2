"""One sample of every system-wide activity: what the recorder stores and what live reports read."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hostward.collect.cpu import CpuStat, read_stat
from hostward.collect.disk import DiskStats, read_diskstats
from hostward.collect.load import LoadAvg, read_loadavg, read_uptime
from hostward.collect.memory import MemInfo, VmStat, read_meminfo, read_vmstat
from hostward.collect.net import NetDev, read_net_dev
from hostward.collect.pressure import PressureSet, read_pressure
from hostward.collect.procs import ProcessInfo
from hostward.procfs import ProcFS


@dataclass(frozen=True, slots=True)
class SystemSample:
    """Raw cumulative counters and gauges at one instant. Rates are computed between two samples, later."""

    timestamp: float  # wall clock, seconds since the epoch: only for labelling rows
    uptime_seconds: float  # /proc/uptime: intervals are measured with this, never with the wall clock
    cpu: CpuStat
    load: LoadAvg
    memory: MemInfo
    vmstat: VmStat
    disks: tuple[DiskStats, ...]
    nets: tuple[NetDev, ...]
    pressure: PressureSet | None
    # The largest processes by resident memory at this instant (RecordConfig.top_processes of them), filled
    # by the recorder for post-mortems; sample_system leaves it empty.
    top_processes: tuple[ProcessInfo, ...] = ()


def sample_system(procfs: ProcFS, clock: Callable[[], float] = time.time) -> SystemSample:
    """Read every source once. The uptime is read first and the wall clock right after, so both label the
    same instant; /proc/stat next, since CPU percentages are the most sensitive to read skew."""
    uptime = read_uptime(procfs)
    now = clock()
    return SystemSample(
        timestamp=now,
        uptime_seconds=uptime.uptime_seconds,
        cpu=read_stat(procfs),
        load=read_loadavg(procfs),
        memory=read_meminfo(procfs),
        vmstat=read_vmstat(procfs),
        disks=read_diskstats(procfs),
        nets=read_net_dev(procfs),
        pressure=read_pressure(procfs),
    )

"""A day of synthetic samples with known values: every 10 s from 10:00 to 10:10 UTC, a restart at 10:10, a
silence of 20 minutes, then 10:30 to 10:35. Per interval: CPU "all" 25 % user, 5 % system, 70 % idle on
2 CPUs (CPU 0 50 % busy, CPU 1 10 % busy); load 0.25/0.50/0.75; 3 runnable tasks (runq-sz 2); memory
8 GiB total, 2 GiB free, 1 GiB cached, 0.5 GiB buffers, 0.5 GiB slab -> 4 GiB used; disk vda 10 reads/s."""

from __future__ import annotations

import calendar

import pytest

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.host import HostInfo
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.sample import SystemSample
from hostward.plot.figures import PlotFigure
from hostward.plot.mpl import draw
from hostward.store.model import DayData, Entry, RestartMark

HOST = HostInfo("Linux", "6.1.0", "plothost", "x86_64", 2)
T10 = float(calendar.timegm((2026, 11, 27, 10, 0, 0, 0, 0, 0)))
GIB_KB = 1024 * 1024


def sample(ts: float, n: int, uptime0: float) -> SystemSample:
    """The n-th sample since boot; each 10 s interval adds 1000 ticks per CPU (10 s x 100 Hz)."""
    cpu0 = CpuTimes(user=400 * n, system=100 * n, idle=500 * n)  # 50 % busy: 40 user + 10 system
    cpu1 = CpuTimes(user=100 * n, system=0, idle=900 * n)  # 10 % busy
    total = CpuTimes(user=500 * n, system=100 * n, idle=1400 * n)
    return SystemSample(
        timestamp=ts,
        uptime_seconds=uptime0 + 10 * n,
        cpu=CpuStat(total, (cpu0, cpu1), 1000 * n, 5 * n, 3, 1, 0, 0),
        load=LoadAvg(0.25, 0.5, 0.75, 3, 300, 1),
        memory=MemInfo(
            mem_total_kb=8 * GIB_KB,
            mem_free_kb=2 * GIB_KB,
            cached_kb=GIB_KB,
            buffers_kb=GIB_KB // 2,
            slab_kb=GIB_KB // 2,
            mem_available_kb=3 * GIB_KB,
            committed_as_kb=GIB_KB,
        ),
        vmstat=VmStat(pgpgin=80 * n),
        disks=(DiskStats(254, 0, "vda", 100 * n, 0, 800 * n, 50 * n, 0, 0, 0, 0, 0, 200 * n, 300 * n),),
        nets=(NetDev("eth0", 10240 * n, 10 * n, 0, 0, 0, 0, 0, 0, 5120 * n, 5 * n, 0, 0, 0, 0, 0, 0),),
        pressure=None,
    )


def day_entries() -> list[Entry]:
    entries: list[Entry] = [sample(T10 + 10 * i, i, 5000.0) for i in range(61)]  # 10:00:00 .. 10:10:00
    entries.append(RestartMark(T10 + 605, 1.0, HOST))
    entries += [sample(T10 + 1800 + 10 * i, i, 100.0) for i in range(31)]  # 10:30:00 .. 10:35:00
    return entries


@pytest.fixture
def day() -> DayData:
    return DayData(HOST, tuple(day_entries()))


@pytest.fixture(autouse=True)
def _utc(utc: None) -> None:
    """Every test here runs in UTC (tests/conftest.py)."""


class Drawn:
    """A figure as matplotlib draws it (plot/mpl.py), for tests that look into the axes of the PDF/PNG output."""

    def __init__(self, pf: PlotFigure) -> None:
        self.key, self.title, self.view = pf.key, pf.title, pf
        self.figure = draw(pf)


def drawn(figures: list[PlotFigure]) -> list[Drawn]:
    return [Drawn(pf) for pf in figures]

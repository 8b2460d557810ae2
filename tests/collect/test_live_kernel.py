"""Sanity of the collectors on the running kernel: values move the way the kernel's counters must."""

from __future__ import annotations

import os
import time

from hostward.collect.host import read_host
from hostward.collect.sample import sample_system
from hostward.procfs import ProcFS


def test_live_sample_is_consistent() -> None:
    procfs = ProcFS()
    sample = sample_system(procfs)
    assert abs(sample.timestamp - time.time()) < 5
    assert sample.uptime_seconds > 0
    assert len([c for c in sample.cpu.per_cpu if c is not None]) == os.cpu_count()
    assert sample.cpu.all.total > 0
    assert sample.memory.mem_total_kb > 0 and not {"MemTotal", "MemAvailable"} & sample.memory.missing
    assert 0 < sample.memory.mem_available_kb <= sample.memory.mem_total_kb
    assert any(n.name == "lo" for n in sample.nets)
    assert sample.load.threads >= sample.load.runnable >= 1  # the reader itself is running
    # boot time from /proc/stat agrees with uptime (to the second or two both are rounded to)
    assert abs(sample.cpu.boot_time + sample.uptime_seconds - sample.timestamp) < 3


def test_live_counters_never_go_back() -> None:
    procfs = ProcFS()
    first = sample_system(procfs)
    sum(range(200_000))  # burn a little CPU so the counters move
    with open("/proc/self/stat", "rb") as handle:
        handle.read()
    second = sample_system(procfs)
    assert second.uptime_seconds >= first.uptime_seconds
    assert second.cpu.all.total >= first.cpu.all.total
    assert second.cpu.context_switches >= first.cpu.context_switches
    assert second.cpu.forks >= first.cpu.forks
    for a, b in zip(first.nets, second.nets, strict=True):
        assert a.name == b.name and b.rx_bytes >= a.rx_bytes


def test_live_pressure_present_on_this_machine() -> None:
    # MACHINE-NOTES: PSI is available on every machine the tests run on.
    sample = sample_system(ProcFS())
    assert sample.pressure is not None and sample.pressure.memory is not None


def test_live_host_matches_uname() -> None:
    host = read_host(ProcFS(), os.cpu_count() or 1)
    assert host.release == os.uname().release and host.nodename == os.uname().nodename

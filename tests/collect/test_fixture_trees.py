"""Samplers over fixture /proc and /sys trees: exact values, as read by hand from the fixture files."""

from __future__ import annotations

import pytest

from hostward.collect.cpu import CpuTimes, read_stat
from hostward.collect.disk import read_diskstats
from hostward.collect.host import read_host
from hostward.collect.load import read_loadavg, read_uptime
from hostward.collect.memory import read_meminfo, read_vmstat
from hostward.collect.net import read_net_dev
from hostward.collect.pressure import read_pressure
from hostward.collect.sample import sample_system
from hostward.errors import CollectError
from hostward.procfs import ProcFS


def test_old_kernel_stat_has_offline_cpu_and_short_lines(old_kernel: ProcFS) -> None:
    stat = read_stat(old_kernel)
    assert stat.all == CpuTimes(10000, 200, 3000, 500000, 400, 10, 20, 0, 0, 0)
    assert stat.per_cpu[1] is None  # cpu1 offline: no line
    assert stat.per_cpu[0] is not None and stat.per_cpu[2] is not None
    assert len(stat.per_cpu) == 3
    assert (stat.context_switches, stat.forks, stat.procs_running, stat.procs_blocked) == (987654, 4321, 2, 1)
    assert stat.boot_time == 1262304000
    assert stat.interrupts == 123456
    assert stat.all.total == 10000 + 200 + 3000 + 500000 + 400 + 10 + 20


def test_old_kernel_memory_reports_missing_keys(old_kernel: ProcFS) -> None:
    mem = read_meminfo(old_kernel)
    assert mem.mem_total_kb == 4046804
    assert mem.mem_available_kb == 0
    assert "MemAvailable" in mem.missing
    assert "Shmem" in mem.missing
    assert "MemTotal" not in mem.missing
    assert mem.vmalloc_total_kb == 34359738367
    assert mem.hugepage_size_kb == 2048


def test_old_kernel_vmstat_sums_per_zone_reclaim_counters(old_kernel: ProcFS) -> None:
    vm = read_vmstat(old_kernel)
    assert vm.pgsteal == 1010
    assert vm.pgscan_kswapd == 2020
    assert vm.pgscan_direct == 300
    assert (vm.pgpgin, vm.pgpgout, vm.pswpin, vm.pswpout) == (12345678, 23456789, 12, 34)
    assert vm.oom_kill == 0  # absent before 4.13


def test_old_kernel_diskstats_classification_and_short_lines(old_kernel: ProcFS) -> None:
    disks = {d.name: d for d in read_diskstats(old_kernel)}
    assert set(disks) == {"sda", "sda1"}  # sdb's 3-counter line is skipped, as sysstat does
    assert disks["sda"].whole_device and disks["sda"].physical
    assert not disks["sda1"].whole_device and not disks["sda1"].physical
    sda = disks["sda"]
    assert (sda.read_ios, sda.read_sectors, sda.write_sectors, sda.io_ticks_ms, sda.queue_ticks_ms) == (
        120000,
        9600000,
        6800000,
        700000,
        1650000,
    )
    assert sda.discard_ios == 0


def test_old_kernel_net_link_and_no_psi(old_kernel: ProcFS) -> None:
    nets = {n.name: n for n in read_net_dev(old_kernel)}
    assert nets["eth0"].speed_mbps == 1000 and nets["eth0"].full_duplex is False
    assert nets["lo"].speed_mbps == 0 and nets["lo"].full_duplex is True
    assert nets["eth0"].rx_bytes == 1234567890 and nets["eth0"].tx_packets == 1234567
    assert nets["eth0"].rx_multicast == 50
    assert read_pressure(old_kernel) is None


def test_old_kernel_load_uptime_host(old_kernel: ProcFS) -> None:
    load = read_loadavg(old_kernel)
    assert (load.load1, load.load5, load.load15, load.runnable, load.threads, load.last_pid) == (
        0.52,
        0.58,
        0.59,
        2,
        467,
        12345,
    )
    assert read_uptime(old_kernel).uptime_seconds == 350000.12
    host = read_host(old_kernel, 3)
    assert host.cpu_count == 3 and host.sysname == "Linux"


def test_debian_vm_tree_classifies_virtual_devices(debian_vm: ProcFS) -> None:
    disks = {d.name: d for d in read_diskstats(debian_vm)}
    assert disks["vda"].physical and disks["vda"].whole_device
    assert disks["loop0"].whole_device and not disks["loop0"].physical
    assert disks["zram0"].whole_device and not disks["zram0"].physical
    assert disks["vda"].discard_ios >= 0 and len(disks) == 10


def test_debian_vm_tree_psi_and_host(debian_vm: ProcFS) -> None:
    pressure = read_pressure(debian_vm)
    assert pressure is not None and pressure.cpu is not None and pressure.memory is not None
    assert pressure.memory.full is not None
    assert pressure.cpu.some.total_us > 0
    assert read_host(debian_vm, 2).nodename == "fixture-host"


def test_sample_system_reads_every_source_once(debian_vm: ProcFS) -> None:
    sample = sample_system(debian_vm, clock=lambda: 1_700_000_000.25)
    assert sample.timestamp == 1_700_000_000.25
    assert sample.uptime_seconds == read_uptime(debian_vm).uptime_seconds
    assert len(sample.cpu.per_cpu) == 2
    assert {n.name for n in sample.nets} == {"lo", "eth0", "ifb0", "ifb1"}


def test_missing_mandatory_file_is_a_collect_error(tmp_path: pytest.TempPathFactory) -> None:
    procfs = ProcFS(proc=tmp_path, sys=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(CollectError, match="stat"):
        read_stat(procfs)

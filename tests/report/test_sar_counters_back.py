"""Counters that go back between two samples, and an interval of 0 centiseconds, as sysstat 12.6.1's sar prints
them. A kernel's counters do not go back on demand (a re-registered network interface does:
test_sar_counters_back_live.py records one), so these samples are written with the store's writer and each
expected value is sysstat's arithmetic written out here from its source:

- ``S_VALUE(m, n, p) = (double) (n - m) / p * 100`` (common.h) on the field's C type (rd_stats.h): the
  unsigned difference modulo 2**64 (unsigned long, unsigned long long) or 2**32 (unsigned int);
- ``get_interval`` (common.c): an interval of 0 is taken as 1;
- pr_stats.c print_io_stats (-b) and print_irq_stats' "all" column: a value that went back prints 0.00;
- sa_common.c check_net_dev_reg, check_net_edev_reg, check_disk_reg: an item "registered again" is compared
  with zeros (print_net_dev_stats, print_net_edev_stats, print_disk_stats);
- pr_stats.c print_psi*_stats: ``((double) n - m) / (100 * itv)``, a difference of doubles.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hostward.cli import main
from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.disk import DiskStats
from hostward.collect.host import HostInfo
from hostward.collect.interrupts import Interrupts
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.pressure import Pressure, PressureLine, PressureSet
from hostward.collect.sample import SystemSample
from hostward.store import DataFileWriter

HOST = HostInfo("Linux", "6.1.0", "backhost", "x86_64", 2)
T0 = 1795773600.0  # 2026-11-27 10:00:00 UTC
U64, U32 = 1 << 64, 1 << 32
BIG = (1 << 63) + 5  # past ~0ULL >> 1


def s_value(m: int, n: int, itv: int, bits: int = 64) -> float:
    """common.h S_VALUE on a ``bits``-bit unsigned C type; itv already through get_interval."""
    return float((n - m) % (1 << bits)) / itv * 100


def get_interval(prev_cs: int, curr_cs: int) -> int:
    """common.c get_interval: curr - prev, 0 taken as 1."""
    return (curr_cs - prev_cs) or 1


def cell(value: float) -> str:
    return f"{value:9.2f}"


def disk(name: str, minor: int, counts: tuple[int, int, int, int]) -> DiskStats:
    ios, rd_sect, wr_sect, ticks = counts
    # read_ios, merges, sectors, ticks; write_ios, merges, sectors, ticks; in flight, io ticks, queue ticks
    return DiskStats(8, minor, name, ios, 0, rd_sect, ticks, 0, 0, wr_sect, ticks, 0, ticks, ticks)


def nic(name: str, counts: tuple[int, int, int, int], errs: tuple[int, int] = (0, 0)) -> NetDev:
    rx_b, rx_p, tx_b, tx_p = counts
    rx_err, tx_err = errs
    return NetDev(name, rx_b, rx_p, rx_err, 0, 0, 0, 0, 0, tx_b, tx_p, tx_err, 0, 0, 0, 0, 0)


def sample(n: int, uptime_cs: int, **parts: object) -> SystemSample:
    """The n-th sample (seconds after T0), with ``parts`` replacing the defaults."""
    cpu = CpuTimes(user=100 * n, idle=100 * n)
    values: dict[str, object] = {
        "timestamp": T0 + n,
        "uptime_seconds": uptime_cs / 100,
        "cpu": CpuStat(cpu, (cpu,), 1000 * n, 10 * n, 1, 0, 0, 0),
        "load": LoadAvg(0.0, 0.0, 0.0, 1, 100, 1),
        "memory": MemInfo(mem_total_kb=1 << 20, mem_free_kb=1 << 19),
        "vmstat": VmStat(),
        "disks": (),
        "nets": (),
        "pressure": None,
    }
    values.update(parts)
    return SystemSample(**values)  # type: ignore[arg-type]


def write(path: Path, samples: list[SystemSample]) -> Path:
    with DataFileWriter.open(path, dt.date(2026, 11, 27), HOST) as writer:
        for entry in samples:
            writer.write_sample(entry)
    return path


def sar(capsys: pytest.CaptureFixture[str], path: Path, *flags: str) -> list[list[str]]:
    """The value lines of ``hostward sar FLAGS -f path``, Average: last (header lines dropped), split."""
    assert main(["sar", *flags, "-f", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()[2:]
    lines = [line[11:].split() for line in out if line[:2].isdigit() or line.startswith("Average:")]
    return [cells for cells in lines if cells and cells[0][0] in "-0123456789"]


def rows_of(capsys: pytest.CaptureFixture[str], path: Path, *flags: str) -> dict[str, list[str]]:
    """Item -> values of each timed row whose first cell is an item (the last row per item wins)."""
    assert main(["sar", *flags, "-f", str(path)]) == 0
    out: dict[str, list[str]] = {}
    for line in capsys.readouterr().out.splitlines()[2:]:
        cells = line[11:].split()
        if (
            line[:2].isdigit()
            and cells
            and not cells[0][0].isdigit()
            and "/s" not in line
            and "%" not in line
        ):
            out[cells[0]] = cells[1:]
    return out


@pytest.fixture(autouse=True)
def _utc(utc: None) -> None:
    """Times print in UTC (tests/conftest.py)."""


def test_task_and_paging_counters_that_went_back_are_read_as_wrapped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-w (print_pcsw_stats: processes unsigned long, context_switch unsigned long long) and -B
    (print_paging_stats: unsigned long; %vmeff SP_VALUE(pgsteal) over the scanned pages' unsigned difference).
    hostward read a decrease as a reset (the current value as the increase)."""
    vm1 = VmStat(pgpgin=5000, pgpgout=10, pgfault=900, pgfree=70, pgscan_kswapd=40, pgsteal=30)
    vm2 = VmStat(pgpgin=4000, pgpgout=12, pgfault=950, pgfree=60, pgscan_kswapd=30, pgsteal=20)
    first = sample(0, 10_000, cpu=CpuStat(CpuTimes(), (CpuTimes(),), 50_000, 700, 1, 0, 0, 0), vmstat=vm1)
    second = sample(1, 10_100, cpu=CpuStat(CpuTimes(), (CpuTimes(),), 40_000, 800, 1, 0, 0, 0), vmstat=vm2)
    path = write(tmp_path / "hw", [first, second])
    itv = get_interval(10_000, 10_100)
    (row, average) = sar(capsys, path, "-w")
    want = [cell(s_value(700, 800, itv)), cell(s_value(50_000, 40_000, itv))]
    assert [f"{float(v):9.2f}" for v in row] == want and row == [w.strip() for w in want]
    assert average == row
    (row, _) = sar(capsys, path, "-B")
    scanned = (30 - 40) % U64
    want_b = [
        s_value(5000, 4000, itv),
        s_value(10, 12, itv),
        s_value(900, 950, itv),
        s_value(0, 0, itv),
        s_value(70, 60, itv),
        s_value(40, 30, itv),
        s_value(0, 0, itv),
        s_value(30, 20, itv),
        float((20 - 30) % U64) / scanned * 100,
    ]
    assert row == [cell(v).strip() for v in want_b]


def test_a_zero_centisecond_interval_is_taken_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """get_interval's 0 -> 1: -w and -I print the counters' differences per hundredth of a second (hostward
    printed 0.00)."""
    irqs = [Interrupts(("0", "1"), 2, (5 * n, 7 * n, 3 * n, 0)) for n in (1, 2, 3)]
    samples = [
        sample(n, up, interrupts=irq)
        for n, up, irq in zip((1, 2, 3), (10_000, 10_100, 10_100), irqs, strict=True)
    ]
    path = write(tmp_path / "hw", samples)
    rows = sar(capsys, path, "-w")
    assert rows[1] == [cell(s_value(20, 30, 1)).strip(), cell(s_value(2000, 3000, 1)).strip()]
    assert main(["sar", "-I", "ALL", "-P", "ALL", "-f", str(path)]) == 0
    second = [
        line[11:].split() for line in capsys.readouterr().out.splitlines() if line.startswith("10:00:03")
    ]
    # sum: all = 15 a sample, CPU0 8, CPU1 7; interrupt 0: 12, 5, 7; interrupt 1: 3, 3, 0
    assert second == [
        ["sum", *(cell(s_value(0, d, 1)).strip() for d in (15, 8, 7))],
        ["0", *(cell(s_value(0, d, 1)).strip() for d in (12, 5, 7))],
        ["1", *(cell(s_value(0, d, 1)).strip() for d in (3, 3, 0))],
    ]


def test_disks_wrap_unless_every_counter_went_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check_disk_reg: sda's requests and sectors all went back (another disk in its place): from zeros; sdb's
    requests went back but not its sectors: unsigned differences (compute_ext_disk_stats: sectors and requests
    64 bits, ticks 32, the three ticks summed as unsigned int)."""
    before = (disk("sda", 0, (500, 9000, 100, 4000)), disk("sdb", 16, (500, 9000, 100, 4000)))
    after = (disk("sda", 0, (20, 300, 10, 50)), disk("sdb", 16, (20, 9500, 100, 50)))
    path = write(tmp_path / "hw", [sample(0, 10_000, disks=before), sample(1, 10_100, disks=after)])
    itv = 100
    rows = rows_of(capsys, path, "-d")

    def expected(p: DiskStats, c: DiskStats) -> list[str]:
        ios = (c.total_ios - p.total_ios) % U64
        sectors = [(c.read_sectors - p.read_sectors) % U64, (c.write_sectors - p.write_sectors) % U64, 0]
        ticks = (
            sum(
                (a - b) % U32
                for a, b in ((c.read_ticks_ms, p.read_ticks_ms), (c.write_ticks_ms, p.write_ticks_ms))
            )
            % U32
        )
        arqsz = float(sum(sectors) % U64) / float(ios) if ios else 0.0
        values = [
            s_value(p.total_ios, c.total_ios, itv),
            *(float(d) / itv * 100 / 2 for d in sectors),
            arqsz / 2,
            s_value(p.queue_ticks_ms, c.queue_ticks_ms, itv, 32) / 1000.0,
            ticks / float(ios) if ios else 0.0,
            s_value(p.io_ticks_ms, c.io_ticks_ms, itv, 32) / 10.0,
        ]
        return [cell(v).strip() for v in values]

    zero = disk("sda", 0, (0, 0, 0, 0))
    assert rows["sda"] == expected(zero, after[0])
    assert rows["sdb"] == expected(before[1], after[1])


def test_io_sums_that_went_back_print_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """print_io_stats (-b): a sum over the disks that went back (sdb gone) prints 0.00, ``sic->dk_drive <
    sip->dk_drive ? 0.0 : S_VALUE(...)`` for each of tps, rtps, wtps, dtps, bread/s, bwrtn/s, bdscd/s; the sums
    that went on (written sectors) are rates as ever."""
    before = (disk("sda", 0, (500, 9000, 100, 4000)), disk("sdb", 16, (300, 2000, 50, 700)))
    after = (disk("sda", 0, (700, 9500, 400, 4100)),)
    path = write(tmp_path / "hw", [sample(0, 10_000, disks=before), sample(1, 10_250, disks=after)])
    itv = get_interval(10_000, 10_250)

    def sums(disks: tuple[DiskStats, ...]) -> list[int]:
        # rd_stats.c read_diskstats_io: dk_drive, _rio, _wio, _dio, _rblk, _wblk, _dblk over the whole disks
        return [
            sum(d.total_ios for d in disks),
            sum(d.read_ios for d in disks),
            sum(d.write_ios for d in disks),
            sum(d.discard_ios for d in disks),
            sum(d.read_sectors for d in disks),
            sum(d.write_sectors for d in disks),
            sum(d.discard_sectors for d in disks),
        ]

    want = [
        cell(0.0 if c < p else s_value(p, c, itv)).strip()
        for p, c in zip(sums(before), sums(after), strict=True)
    ]
    assert want == ["0.00", "0.00", "0.00", "0.00", "0.00", "100.00", "0.00"]  # the case is what it says
    (row, average) = sar(capsys, path, "-b")
    assert row == want
    assert average == row


def test_interfaces_registered_again_are_read_from_zeros_others_wrap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check_net_dev_reg: eth0's tx bytes went back while its packets went on, from below 2**63: registered
    again, every rate from zeros (its packets too); eth1's rx bytes went back from past 2**63 with packets
    going on: a wrap, each difference modulo 2**64. check_net_edev_reg: eth0's rx errors went back alone (not
    in its list): a wrap; eth1's tx errors went back: from zeros."""
    before = (nic("eth0", (1000, 10, 5000, 50), (9, 0)), nic("eth1", (BIG, 10, 700, 7), (0, 9)))
    after = (nic("eth0", (1500, 15, 400, 60), (4, 0)), nic("eth1", (100, 11, 800, 8), (3, 2)))
    path = write(tmp_path / "hw", [sample(0, 10_000, nets=before), sample(1, 10_100, nets=after)])
    itv = 100
    rows = rows_of(capsys, path, "-n", "DEV")

    def dev(p: NetDev, c: NetDev) -> list[str]:
        rx, tx = s_value(p.rx_bytes, c.rx_bytes, itv), s_value(p.tx_bytes, c.tx_bytes, itv)
        values = [s_value(p.rx_packets, c.rx_packets, itv), s_value(p.tx_packets, c.tx_packets, itv)]
        return [cell(v).strip() for v in (*values, rx / 1024, tx / 1024, 0.0, 0.0, 0.0, 0.0)]

    assert rows["eth0"] == dev(nic("eth0", (0, 0, 0, 0)), after[0])
    assert rows["eth1"] == dev(before[1], after[1])
    rows = rows_of(capsys, path, "-n", "EDEV")
    assert rows["eth0"][:2] == [cell(s_value(9, 4, itv)).strip(), "0.00"]
    assert rows["eth1"][:2] == [cell(s_value(0, 3, itv)).strip(), cell(s_value(0, 2, itv)).strip()]


def test_a_stall_total_that_went_back_gives_a_negative_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """print_psicpu_stats: ((double) some_cpu_total - previous) / (100 * itv), no unsigned arithmetic."""

    def psi(total: int) -> PressureSet:
        line = PressureLine(1.0, 2.0, 3.0, total)
        return PressureSet(Pressure(line, None), None, None)

    path = write(
        tmp_path / "hw", [sample(0, 10_000, pressure=psi(900_000)), sample(1, 10_100, pressure=psi(400_000))]
    )
    (row, _) = sar(capsys, path, "-q", "CPU")
    assert row[-1] == cell((float(400_000) - 900_000) / (100 * 100)).strip()

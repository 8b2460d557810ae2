"""Reports of two frozen /proc trees (tests/fixtures/report/t0, t1: one second apart), checked against values
worked out by hand from sysstat's formulas (the arithmetic is in the comments)."""

from __future__ import annotations

import calendar
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostward.activities import BY_NAME
from hostward.activities.irq import irq_activity
from hostward.collect.filesystems import Filesystem
from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.report.formatting import C_FORMAT, ReportFormat
from hostward.report.sar_text import render_file
from hostward.report.selection import CPU_ALL_BITS, ReportOptions, Selected
from hostward.store.model import DayData

T0 = calendar.timegm((2026, 11, 27, 10, 0, 0))
HOST = HostInfo("Linux", "6.1.0-test", "fixturehost", "x86_64", 2)
BANNER = "Linux 6.1.0-test (fixturehost) \t11/27/26 \t_x86_64_\t(2 CPU)\n"


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def fixture_sample(fixtures_dir: Path, name: str, offset: float) -> SystemSample:
    root = fixtures_dir / "report" / name
    return sample_system(ProcFS(proc=root / "proc", sys=root / "sys"), clock=lambda: T0 + offset)


@pytest.fixture
def data(fixtures_dir: Path) -> DayData:
    return DayData(HOST, (fixture_sample(fixtures_dir, "t0", 0), fixture_sample(fixtures_dir, "t1", 1)))


def report(data: DayData, *selected: Selected, fmt: ReportFormat = C_FORMAT, **options: object) -> str:
    return "".join(render_file(data, ReportOptions(reports=selected, **options), fmt))  # type: ignore[arg-type]


def test_cpu_all_and_per_cpu(data: DayData) -> None:
    # CPU "all" is the sum of the per-CPU lines: 200 ticks; user 30+10=40 (20 %), nice 5 (2.5 %),
    # system = sys 30 + irq 3 + soft 2 = 35 (17.5 %), iowait 10 (5 %), idle 60+50=110 (55 %).
    # CPU 0: 100 ticks: user 30, sys 10, idle 60. CPU 1: user 10, nice 5, sys 20+3+2, iowait 10, idle 50.
    text = report(data, Selected(BY_NAME["cpu"], items=None, header_weight=CPU_ALL_BITS))
    assert text == (
        BANNER
        + "\n10:00:00        CPU     %user     %nice   %system   %iowait    %steal     %idle\n"
        + "10:00:01        all     20.00      2.50     17.50      5.00      0.00     55.00\n"
        + "10:00:01          0     30.00      0.00     10.00      0.00      0.00     60.00\n"
        + "10:00:01          1     10.00      5.00     25.00     10.00      0.00     50.00\n"
        + "Average:        all     20.00      2.50     17.50      5.00      0.00     55.00\n"
        + "Average:          0     30.00      0.00     10.00      0.00      0.00     60.00\n"
        + "Average:          1     10.00      5.00     25.00     10.00      0.00     50.00\n"
    )


def test_cpu_all_view_splits_irq_and_softirq(data: DayData) -> None:
    text = report(data, Selected(BY_NAME["cpu"], "ALL", frozenset({"all"}), 1))
    lines = text.splitlines()
    assert lines[2] == (
        "10:00:00        CPU      %usr     %nice      %sys   %iowait    %steal      %irq     %soft    %guest"
        "    %gnice     %idle"
    )
    assert lines[3].split()[1:] == [
        "all",
        "20.00",
        "2.50",
        "15.00",
        "5.00",
        "0.00",
        "1.50",
        "1.00",
        "0.00",
        "0.00",
        "55.00",
    ]


def values(text: str, line: int) -> list[str]:
    return text.splitlines()[line].split()[1:]


@pytest.mark.parametrize(
    ("name", "view", "expected"),
    [
        # forks 300 -> 312, context switches 5000 -> 5450 in 1.00 s
        ("tasks", "", ["12.00", "450.00"]),
        # runq-sz: 3 runnable minus the reader itself; plist-sz 467; blocked from /proc/stat procs_blocked
        ("queue", "", ["2", "467", "0.52", "0.58", "0.59", "1"]),
        # used = 1000000 - (400000 free + 50000 buffers + 200000 cached + 50000 slab) = 300000 (30 %);
        # %commit = 750000 / (1000000 RAM + 500000 swap) = 50 %
        (
            "memory",
            "",
            [
                "400000",
                "600000",
                "300000",
                "30.00",
                "50000",
                "200000",
                "750000",
                "50.00",
                "300000",
                "150000",
                "1000",
            ],
        ),
        (
            "memory",
            "ALL",
            [
                "400000",
                "600000",
                "300000",
                "30.00",
                "50000",
                "200000",
                "750000",
                "50.00",
                "300000",
                "150000",
                "1000",
                "250000",
                "50000",
                "4000",
                "8000",
                "20000",
            ],
        ),
        # swap used 100000 of 500000 (20 %); cached 10000 of the used 100000 (10 %)
        ("swap", "", ["400000", "100000", "20.00", "10000", "10.00"]),
        ("swapping", "", ["2.00", "5.00"]),
        # %vmeff = stolen (150 + 50) / scanned (200 + 100) = 66.67 %
        (
            "paging",
            "",
            ["400.00", "100.00", "2000.00", "1.00", "3000.00", "200.00", "100.00", "200.00", "66.67"],
        ),
        # -b: physical disks only (vda; not loop0, not the partition vda1): 50 reads + 50 writes + 2 discards
        ("io", "", ["102.00", "50.00", "50.00", "2.00", "800.00", "1000.00", "20.00"]),
    ],
)
def test_system_wide_reports(data: DayData, name: str, view: str, expected: list[str]) -> None:
    text = report(data, Selected(BY_NAME[name], view))
    assert values(text, 3) == expected
    assert text.splitlines()[4].startswith("Average:")


def test_disk_shows_whole_devices_that_did_io(data: DayData) -> None:
    # loop0 (virtual) is reported by -d; vda1 (partition) and zram0 (never used) are not.
    # vda: 102 I/Os; 800/1000/20 sectors read/written/discarded = 400/500/10 kB/s; areq-sz = 1820 sectors
    # / 102 / 2 = 8.92 kB; aqu-sz = 50 ms of queue time / 1000 = 0.05; await = (20 + 30 + 1) ms / 102 = 0.50;
    # %util = 200 ms busy of 1000 = 20 %.
    text = report(data, Selected(BY_NAME["disk"]))
    lines = text.splitlines()
    assert (
        lines[2]
        == "10:00:00          DEV       tps     rkB/s     wkB/s     dkB/s   areq-sz    aqu-sz     await     %util"
    )
    assert (
        lines[3]
        == "10:00:01        loop0     10.00     40.00      0.00      0.00      4.00      0.00      0.40      0.40"
    )
    assert (
        lines[4]
        == "10:00:01          vda    102.00    400.00    500.00     10.00      8.92      0.05      0.50     20.00"
    )
    assert len(lines) == 7


def test_pretty_puts_the_device_last(data: DayData) -> None:
    text = report(data, Selected(BY_NAME["disk"]), pretty=True)
    lines = text.splitlines()
    assert (
        lines[2]
        == "10:00:00          tps     rkB/s     wkB/s     dkB/s   areq-sz    aqu-sz     await     %util DEV"
    )
    assert lines[4].endswith("     20.00 vda")


def test_network_traffic_and_errors(data: DayData) -> None:
    # eth0: 1024000 bytes in (1000 kB/s), 512000 out; %ifutil = max(rx, tx) * 800 / (1000 Mb/s * 10^6)
    # = 1024000 * 800 / 10^9 = 0.82 % (full duplex)
    dev = report(data, Selected(BY_NAME["net_dev"]))
    assert values(dev, 3) == ["lo", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"]
    assert values(dev, 4) == [
        "eth0",
        "1000.00",
        "500.00",
        "1000.00",
        "500.00",
        "0.00",
        "0.00",
        "2.00",
        "0.82",
    ]
    edev = report(data, Selected(BY_NAME["net_edev"]))
    assert values(edev, 4) == ["eth0", "2.00", "0.00", "0.00", "0.00", "1.00", "0.00", "1.00", "0.00", "0.00"]


def test_locale_decimal_comma_and_twelve_hour_clock(data: DayData) -> None:
    fmt = ReportFormat(
        time_fmt="%I:%M:%S %p", date_fmt="%m/%d/%Y", decimal_point=",", average_label="Durchschn.:"
    )
    text = report(data, Selected(BY_NAME["queue"]), fmt=fmt)
    assert text.splitlines() == [
        "Linux 6.1.0-test (fixturehost) \t11/27/2026 \t_x86_64_\t(2 CPU)",
        "",
        "10:00:00 AM   runq-sz  plist-sz   ldavg-1   ldavg-5  ldavg-15   blocked",
        "10:00:01 AM         2       467      0,52      0,58      0,59         1",
        "Durchschn.:         2       467      0,52      0,58      0,59         1",
    ]


def test_missing_proc_field_is_a_collect_error(fixtures_dir: Path, tmp_path: Path) -> None:
    import shutil

    from hostward.errors import CollectError

    root = tmp_path / "t0"
    shutil.copytree(fixtures_dir / "report" / "t0", root)
    (root / "proc" / "loadavg").write_text("0.50 0.58\n")
    with pytest.raises(CollectError, match="loadavg"):
        sample_system(ProcFS(proc=root / "proc", sys=root / "sys"))


def test_kernel_tables_sockets_and_pressure(data: DayData) -> None:
    # -v: dentry-state's 2nd field; file-nr 2100 - 0 free; inode-state 50300 - 1100 free; pty/nr.
    # -n SOCK(6): t1's counts. -q PSI: averages as printed; %s.. = stall µs of the 1.00 s interval / 10^4:
    # cpu 250000 -> 25.00; io some 100000 -> 10.00, full 50000 -> 5.00; memory 10000 -> 1.00, 5000 -> 0.50.
    text = report(
        data, *(Selected(BY_NAME[n]) for n in ("ktables", "sock", "sock6", "psi_cpu", "psi_io", "psi_mem"))
    )
    blocks = text.split("\n\n")[1:]
    assert [b.splitlines()[1] for b in blocks] == [
        "10:00:01       100400      2100     49200         3",
        "10:00:01          110        14         5         1         2        50",
        "10:00:01            5         2         1         0",
        "10:00:01        14.50     10.50      5.75     25.00",
        "10:00:01         3.00      2.50      3.10     10.00      1.50      1.20      1.52      5.00",
        "10:00:01         0.00      0.00      0.00      1.00      0.00      0.00      0.00      0.50",
    ]
    assert [b.splitlines()[2][11:] == b.splitlines()[1][11:] for b in blocks] == [
        True
    ] * 6  # one row: its mean
    assert blocks[3].splitlines()[0] == "10:00:00     %scpu-10  %scpu-60 %scpu-300     %scpu"


def test_ipv4_protocol_rates(data: DayData) -> None:
    # /proc/net/snmp differences over the 1.00 s interval, fields by name (Ip OutTransmits and the Icmp
    # OutRateLimit* columns of newer kernels shift nothing): IP InReceives +250, ForwDatagrams +1, InDelivers
    # +200, OutRequests +150; EIP InHdrErrors +1, InDiscards +2, OutNoRoutes +1; TCP +10 +5 +120 +130; ETCP
    # AttemptFails +3, EstabResets +1, RetransSegs +4, OutRsts +5; UDP +40 in, +50 out, NoPorts +8.
    names = ("net_ip", "net_eip", "net_tcp", "net_etcp", "net_udp")
    text = report(data, *(Selected(BY_NAME[n]) for n in names))
    assert [b.splitlines()[1] for b in text.split("\n\n")[1:]] == [
        "10:00:01       250.00      1.00    200.00    150.00      0.00      0.00      0.00      0.00",
        "10:00:01         1.00      0.00      0.00      2.00      0.00      1.00      0.00      0.00",
        "10:00:01        10.00      5.00    120.00    130.00",
        "10:00:01         3.00      1.00      4.00      0.00      5.00",
        "10:00:01        40.00     50.00      8.00      0.00",
    ]


def test_hugepages(data: DayData) -> None:
    # t1: 64 pages of 2048 kB, 32 free (65536 kB), 32 used (65536 kB, 50 %), 4 reserved (8192 kB), 2 surplus.
    # Average over the one displayed sample: the same; %hugused from the sums.
    text = report(data, Selected(BY_NAME["huge"]))
    assert text.splitlines()[2:] == [
        "10:00:00    kbhugfree kbhugused  %hugused kbhugrsvd kbhugsurp",
        "10:00:01        65536     65536     50.00      8192      4096",
        "Average:        65536     65536     50.00      8192      4096",
    ]


def test_ipv6_protocol_rates(data: DayData) -> None:
    # /proc/net/snmp6 differences over the 1.00 s interval, by name (Ip6 octets, Icmp6 OutEchos and InType*,
    # UdpLite6 NoPorts +500 move too and show nowhere): IP6 +300 +2 +290 +280 +4 +2 +6 +7 +1 +3; EIP6 +1 to
    # +11 in column order; ICMP6 +40 +41 +10 +9 +10, group membership +1..+5, router +6..+8, neighbour
    # +11..+14; EICMP6 +1 +20 +21 +2 ... +9; UDP6 +60 in, +70 out, NoPorts +20, InErrors +1.
    names = ("net_ip6", "net_eip6", "net_icmp6", "net_eicmp6", "net_udp6")
    text = report(data, *(Selected(BY_NAME[n]) for n in names))
    rows = [b.splitlines()[1].split() for b in text.split("\n\n")[1:]]
    assert [[float(v) for v in row[1:]] for row in rows] == [
        [300, 2, 290, 280, 4, 2, 6, 7, 1, 3],
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        [40, 41, 10, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14],
        [1, 20, 21, 2, 3, 4, 5, 6, 7, 8, 9],
        [60, 70, 20, 1],
    ]
    assert text.split("\n\n")[5].splitlines()[:2] == [
        "10:00:00      idgm6/s   odgm6/s noport6/s idgmer6/s",
        "10:00:01        60.00     70.00     20.00      1.00",
    ]


def test_icmp_messages_and_errors_by_field_name(data: DayData) -> None:
    # t0 -> t1 Icmp: InMsgs +30, InEchos +10, InEchoReps +10, OutMsgs +30, OutEchos +10, OutEchoReps +10;
    # InErrors +2, InDestUnreachs +10, InTimeExcds +1, OutDestUnreachs +10. OutRateLimitGlobal +7 and
    # OutRateLimitHost +3 sit between OutErrors and OutDestUnreachs (kernel 6.0+) and show in no column.
    text = report(data, Selected(BY_NAME["net_icmp"]), Selected(BY_NAME["net_eicmp"]))
    blocks = text.split("\n\n")[1:]
    assert blocks[0].splitlines()[:2] == [
        "10:00:00       imsg/s    omsg/s    iech/s   iechr/s    oech/s   oechr/s     itm/s    itmr/s     otm/s"
        "    otmr/s  iadrmk/s iadrmkr/s  oadrmk/s oadrmkr/s",
        "10:00:01        30.00     30.00     10.00     10.00     10.00     10.00      0.00      0.00      0.00"
        "      0.00      0.00      0.00      0.00      0.00",
    ]
    assert blocks[1].splitlines()[:2] == [
        "10:00:00       ierr/s    oerr/s idstunr/s odstunr/s   itmex/s   otmex/s iparmpb/s oparmpb/s   isrcq/s"
        "   osrcq/s  iredir/s  oredir/s",
        "10:00:01         2.00      0.00     10.00     10.00      1.00      0.00      0.00      0.00      0.00"
        "      0.00      0.00      0.00",
    ]


def test_interrupts_per_cpu_in_32_bits(data: DayData) -> None:
    # /proc/interrupts over the 1.00 s interval: CPU0's LOC goes 4294967000 -> 204, a wrap of sadc's unsigned int:
    # +500; CPU1's +250 (all: 750); IRQ 36 +250 on CPU1; ERR (one count, CPU0's column) +3. "sum" per CPU: CPU0
    # 4294967100 -> 307 wraps too: +503; CPU1 +500; all: +1003. 24 and NMI do not move.
    text = report(data, Selected(irq_activity(2)))
    assert text.splitlines()[2:9] == [
        "10:00:00         INTR       all      CPU0      CPU1",
        "10:00:01          sum   1003.00    503.00    500.00",
        "10:00:01           24      0.00      0.00      0.00",
        "10:00:01           36    250.00      0.00    250.00",
        "10:00:01          NMI      0.00      0.00      0.00",
        "10:00:01          LOC    750.00    500.00    250.00",
        "10:00:01          ERR      3.00      3.00      0.00",
    ]
    only = report(data, Selected(irq_activity(2, ["1"]), items=frozenset({"sum", "LOC"})))
    assert only.splitlines()[2:8] == [
        "10:00:00         INTR      CPU1",
        "10:00:01          sum    500.00",
        "10:00:01          LOC    250.00",
        "",
        "Average:         INTR      CPU1",
        "Average:          sum    500.00",
    ]


def test_nfs_client_and_server(data: DayData) -> None:
    # Client t0 -> t1: rpc calls +100, retrans +2; NFSv3 GETATTR +40, ACCESS +10, READ +30, WRITE +5 and
    # NFSv4 READ +2, WRITE +1, ACCESS +3, GETATTR +4 (summed, as sadc does).
    # Server: rpc +136, bad +1; net +140 (udp +10, tcp +130); rc hits +3, misses +30; v3 GETATTR +30,
    # ACCESS +10, READ +50, WRITE +20; v4 ops ACCESS +2, GETATTR +25, READ +1, WRITE +5.
    text = report(data, Selected(BY_NAME["net_nfs"]), Selected(BY_NAME["net_nfsd"]))
    blocks = text.split("\n\n")[1:]
    assert blocks[0].splitlines()[:2] == [
        "10:00:00       call/s retrans/s    read/s   write/s  access/s  getatt/s",
        "10:00:01       100.00      2.00     32.00      6.00     13.00     44.00",
    ]
    assert blocks[1].splitlines()[:2] == [
        "10:00:00      scall/s badcall/s  packet/s     udp/s     tcp/s     hit/s    miss/s   sread/s  swrite/s"
        " saccess/s sgetatt/s",
        "10:00:01       136.00      1.00    140.00     10.00    130.00      3.00     30.00     51.00     25.00"
        "     12.00     55.00",
    ]


def test_serial_lines_per_port_in_32_bits(data: DayData) -> None:
    # /proc/tty/driver/serial over 1.00 s: ttyS0 rx +500, tx 4294967200 -> 104 (an unsigned int wrap: +200);
    # ttyS1 tx +10, fe +3, pe 0 -> 1 (printed only once non-zero), oe +5; ttyS2 has no UART (no tx:, not a
    # line), ttyS3 appears in t1 only: left out, as sar leaves out a line without a previous sample.
    text = report(data, Selected(BY_NAME["tty"]), pretty=True)  # -p does not move the port number
    assert text.splitlines()[2:] == [
        "10:00:00          TTY   rcvin/s   xmtin/s framerr/s prtyerr/s     brk/s   ovrun/s",
        "10:00:01            0    500.00    200.00      0.00      0.00      0.00      0.00",
        "10:00:01            1      0.00     10.00      3.00      1.00      0.00      5.00",
        "Average:            0    500.00    200.00      0.00      0.00      0.00      0.00",
        "Average:            1      0.00     10.00      3.00      1.00      0.00      5.00",
    ]


def test_softnet_per_cpu_in_32_bits(data: DayData) -> None:
    # /proc/net/softnet_stat over the 1.00 s interval: CPU0 processed 0xffffff00 -> 0x2c, a wrap: +300, dropped
    # +1, backlog 3 now; CPU1 processed +250, squeezed +2, RPS +2, flow limit +1, backlog 0 now. "all": the sums.
    every_cpu = Selected(BY_NAME["softnet"], items=frozenset({"all", "0", "1"}))
    assert report(data, every_cpu).splitlines()[2:6] == [
        "10:00:00        CPU   total/s   dropd/s squeezd/s  rx_rps/s flw_lim/s   blg_len",
        "10:00:01        all    550.00      1.00      2.00      2.00      1.00         3",
        "10:00:01          0    300.00      1.00      0.00      0.00      0.00         3",
        "10:00:01          1    250.00      0.00      2.00      2.00      1.00         0",
    ]


def test_filesystems_summary_is_each_ones_last_values(data: DayData) -> None:
    # vda: 100 GiB, 40 GiB free (40960 MB free, 61440 used, 60.00 %), 35 GiB for users (65.00 %), 250000 of
    # 1e6 inodes used (25.00 %); then 512 MB and 1000 inodes more used. The loop filesystem (64 MB, 16.5 MB
    # free: %.0f rounds the tie to even, 16; 47.5 used -> 48; 74.22 %, 78.91 % with 3 MB reserved; 384 of
    # 16384 inodes used, 2.34 %) is mounted for the second sample only: Summary shows it with those values,
    # after vda (first seen first), and vda with its last ones.
    gib, mib = 1 << 30, 1 << 20
    vda = Filesystem("/dev/vda", "/", 100 * gib, 40 * gib, 35 * gib, 1_000_000, 750_000)
    vda2 = dataclasses.replace(vda, free_bytes=vda.free_bytes - 512 * mib, avail_bytes=vda.avail_bytes - 512 * mib,
                               inodes_free=749_000)  # fmt: skip
    loop = Filesystem(
        "/dev/loop0", "/mnt/a b", 64 * mib, 16 * mib + 512 * 1024, 13 * mib + 512 * 1024, 16384, 16000
    )
    s0, s1 = data.entries
    assert isinstance(s0, SystemSample) and isinstance(s1, SystemSample)
    s2 = dataclasses.replace(s1, timestamp=s1.timestamp + 1, uptime_seconds=s1.uptime_seconds + 1)
    days = DayData(HOST, (dataclasses.replace(s0, filesystems=(vda,)), dataclasses.replace(s1, filesystems=(vda, loop)),
                          dataclasses.replace(s2, filesystems=(vda2,))))  # fmt: skip
    head = "\n10:00:00     MBfsfree  MBfsused   %fsused  %ufsused     Ifree     Iused    %Iused "
    v1 = "     40960     61440     60.00     65.00    750000    250000     25.00"
    v2 = "     40448     61952     60.50     65.50    749000    251000     25.10"
    lp = "        16        48     74.22     78.91     16000       384      2.34"
    assert report(days, Selected(BY_NAME["filesystems"]), pretty=True) == (
        f"{BANNER}{head}FILESYSTEM\n10:00:01   {v1} /dev/vda\n10:00:01   {lp} /dev/loop0\n"
        f"10:00:02   {v2} /dev/vda\nSummary:   {v2} /dev/vda\nSummary:   {lp} /dev/loop0\n"
    )
    german = ReportFormat(decimal_point=",", average_label="Durchschn.:", summary_label="Zusammenfassung:")
    text = report(days, Selected(BY_NAME["filesystems_mount"], items=frozenset({"/mnt/a b"})), fmt=german)
    assert text.splitlines()[-3:] == [
        head.strip("\n") + "MOUNTPOINT",
        "10:00:01   " + lp.replace(".", ",") + " /mnt/a b",
        "Zusammenfassung:" + lp.replace(".", ",") + " /mnt/a b",
    ]


def test_cpu_frequencies_of_the_current_sample(data: DayData) -> None:
    # /proc/cpuinfo at t1: CPU0 2400.127 MHz (sadc keeps 240012 hundredths: ".127" / 10), CPU1 1199.999
    # (119999); "all" is their integer mean, 180005 (not 1800.06). Average: the one displayed sample.
    every_cpu = Selected(BY_NAME["pwr_cpu"], items=frozenset({"all", "0", "1"}))
    assert report(data, every_cpu).splitlines()[2:] == [
        "10:00:00        CPU       MHz",
        "10:00:01        all   1800.05",
        "10:00:01          0   2400.12",
        "10:00:01          1   1199.99",
        "Average:        all   1800.05",
        "Average:          0   2400.12",
        "Average:          1   1199.99",
    ]


def test_cpu_frequency_average_counts_offline_samples_as_zero_and_skips_cpus_offline_at_the_end(
    data: DayData,
) -> None:
    """sar's stub_print_pwr_cpufreq_stats: a CPU at 0 gets no row; the average sums what was shown and
    divides by the number of samples; a CPU offline in the last sample gets no Average row."""
    from hostward.collect.power import CpuFrequency

    first = data.entries[0]

    def at(offset: float, *freqs: int) -> SystemSample:
        assert isinstance(first, SystemSample)
        named = tuple(CpuFrequency(name, f) for name, f in zip(("all", "0", "1", "2"), freqs, strict=False))
        return dataclasses.replace(
            first, timestamp=T0 + offset, uptime_seconds=1000.0 + offset, cpufreq=named
        )

    samples = (at(0, 1, 1, 1, 1), at(1, 200000, 100000, 300000, 0), at(2, 150000, 100000, 0, 200000),
               at(3, 100001, 100001, 100001, 100001))  # fmt: skip
    every_cpu = Selected(BY_NAME["pwr_cpu"], items=frozenset({"all", "0", "1", "2"}))
    lines = report(DayData(HOST, samples), every_cpu).splitlines()
    assert [line for line in lines if line.startswith("10:00:02")] == [
        "10:00:02        all   1500.00",
        "10:00:02          0   1000.00",  # CPU1 at 0: no row
        "10:00:02          2   2000.00",
    ]
    assert lines[-4:] == [
        "Average:        all   1500.00",  # (200000 + 150000 + 100001) / 300 = 1500.0033
        "Average:          0   1000.00",
        "Average:          1   1333.34",  # (300000 + 0 + 100001) / 300 = 1333.3366...
        "Average:          2   1000.00",  # (0 + 200000 + 100001) / 300 = 1000.0033
    ]

"""``hostward sar`` and ``hostward sadf`` end to end: argv parsing, data sources, errors."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostward.cli import main
from hostward.cli.sar_args import parse_sar_args
from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.fchost import FcHost, fc_hosts
from hostward.collect.host import HostInfo
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.sample import SystemSample
from hostward.errors import UsageError
from hostward.store import DataFileWriter, day_path
from hostward.store.model import CommentMark

HOST = HostInfo("Linux", "6.1.0", "testhost", "x86_64", 2)


@pytest.fixture(autouse=True)
def c_locale_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("LC_ALL", "LC_TIME", "LC_NUMERIC", "LC_MESSAGES", "LANGUAGE", "S_TIME_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def synthetic(ts: float, n: int) -> SystemSample:
    """Sample number n of a host forking 5 tasks a second, with 3 runnable tasks."""
    cpu = CpuTimes(user=n * 50, idle=n * 150)
    return SystemSample(
        timestamp=ts,
        uptime_seconds=1000.0 + n,
        cpu=CpuStat(cpu, (cpu, cpu), n * 100, n * 5, 3, 0, 0, 0),
        load=LoadAvg(0.25, 0.5, 0.75, 3, 200, 1),
        memory=MemInfo(mem_total_kb=2000, mem_free_kb=1000),
        vmstat=VmStat(),
        disks=(),
        nets=(),
        pressure=None,
    )


def write_day(
    data_dir: Path, day: dt.date, start: dt.datetime, count: int, *, step: int = 10, first: int = 0
) -> None:
    with DataFileWriter.open(day_path(data_dir, day), day, HOST) as writer:
        for i in range(count):
            ts = start.timestamp() + i * step
            writer.write_sample(synthetic(ts, first + i * step))


def sar(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["sar", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "message", "code"),
    [
        (["-Z"], "hostward sar: unknown option -Z (try --help)\n", 2),
        (["--frobnicate"], "hostward sar: unknown option '--frobnicate' (try --help)\n", 2),
        (["-x"], "hostward sar: sar option -x (extended output) is not supported by hostward\n", 2),
        (["-I", "LOC"], "hostward sar: -I takes SUM or ALL, not 'LOC': pick interrupts with --int=LOC\n", 2),
        (["-I", "--int=LOC,,TOOLONGNAME"], "hostward sar: --int: invalid interrupt list 'LOC,,TOOLONGNAME' (expected names as sar -I prints them, e.g. LOC,CAL,24)\n", 2),
        (["-n", "XYZ"], "hostward sar: -n: unknown keyword 'XYZ' (supported: DEV, EDEV, NFS, NFSD, SOCK, IP, EIP, ICMP, EICMP, TCP, ETCP, UDP, SOCK6, IP6, EIP6, ICMP6, EICMP6, UDP6, SOFT, FC, ALL)\n", 2),
        (["-s", "25:00"], "hostward sar: -s: invalid time '25:00' (expected HH:MM[:SS])\n", 2),
        (["-i", "0", "-f", "x"], "hostward sar: -i: invalid value '0' (expected a whole number from 1 to 86400 seconds)\n", 2),
        (["-f", "-f"], "hostward sar: give the data once: -f FILE, -f DIR, -f alone, or -N (N days ago)\n", 2),
        (["1", "2", "3"], "hostward sar: unexpected argument '3': interval and count are already given\n", 2),
        (["--since", "2026-11-27 10:00", "--until", "2026-11-27 09:00"],
         "hostward sar: empty time range: --until 2026-11-27 09:00:00 is before --since\n", 2),
        (["-f", "/nonexistent/hw20261127"], "hostward sar: /nonexistent/hw20261127: no such data file\n", 1),
        (["-s", "10:00", "1", "1"], "hostward sar: -s, -e and -i apply to recorded data (use -f, --date or --since)\n", 2),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_nonzero(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str, code: int
) -> None:
    assert sar(capsys, *argv) == (code, "", message)


def test_empty_data_directory_range(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = sar(
        capsys, "--data-dir", str(tmp_path), "--since", "2026-11-20", "--until", "2026-11-21"
    )
    assert (code, out) == (1, "")
    assert err == (
        f"hostward sar: no data recorded between 2026-11-20 00:00:00 and 2026-11-21 00:00:00 in {tmp_path}: "
        "start 'hostward daemon' (or 'hostward record') to record, or import sysstat files with 'hostward import'\n"
    )


def test_a_directory_given_to_f_reads_todays_file_there(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """sysstat 12.6: `sar -f DIR` reads today's file in DIR; an empty DIR says so in one line."""
    code, out, err = sar(capsys, "-f", str(tmp_path))
    assert (code, out) == (1, "")
    assert err.startswith(f"hostward sar: no data recorded for {dt.date.today().isoformat()} in {tmp_path}")
    assert err.count("\n") == 1


def test_range_with_files_but_no_samples_in_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    day = dt.date(2026, 11, 27)
    write_day(tmp_path, day, dt.datetime(2026, 11, 27, 8, 0, 0), 3)
    code, out, err = sar(
        capsys, "--data-dir", str(tmp_path), "--since", "2026-11-27 09:00", "--until", "2026-11-27 10:00"
    )
    assert (code, out) == (1, "")
    assert err.startswith("hostward sar: no samples recorded in ") and err.count("\n") == 1


def test_unsupported_cpu_number(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    day = dt.date(2026, 11, 27)
    write_day(tmp_path, day, dt.datetime(2026, 11, 27, 8, 0, 0), 3)
    code, _, err = sar(capsys, "-P", "2", "--date", "2026-11-27", "--data-dir", str(tmp_path))
    assert code == 2
    assert err == "hostward sar: -P: not that many processors: CPU 2 (this data has 2 CPU)\n"


def test_help_is_a_manual(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = sar(capsys, "--help")
    assert code == 0
    for flag in ("-u [ALL]", "-P {N", "-q", "-r [ALL]", "-S", "-W", "-B", "-b", "-d", "-n {DEV|EDEV|NFS|NFSD|SOCK|IP|EIP|ICMP|EICMP|TCP|ETCP|UDP|SOCK6|IP6|EIP6|ICMP6|EICMP6|UDP6|FC|SOFT|ALL}", "-v", "-H", "-w",
                 "-A", "-F [MOUNT]", "--fs=NAME", "-f FILE", "--date", "--since", "--until", "--data-dir", "-s hh:mm", "-i SECONDS", "exit status"):  # fmt: skip
        assert flag in out


def test_today_by_default_from_the_data_dir(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    today = dt.date.today()
    write_day(tmp_path, today, dt.datetime.combine(today, dt.time(8, 0)), 3)
    code, out, err = sar(capsys, "-q", "-w", "--data-dir", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Linux 6.1.0 (testhost) \t{today:%m/%d/%y} \t_x86_64_\t(2 CPU)",
        "",
        "08:00:00       proc/s   cswch/s",
        "08:00:10         5.00    100.00",
        "08:00:20         5.00    100.00",
        "Average:         5.00    100.00",
        "",
        "08:00:00      runq-sz  plist-sz   ldavg-1   ldavg-5  ldavg-15   blocked",
        "08:00:10            2       200      0.25      0.50      0.75         0",
        "08:00:20            2       200      0.25      0.50      0.75         0",
        "Average:            2       200      0.25      0.50      0.75         0",
    ]


def test_data_dir_from_configuration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTWARD_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text(f'[record]\ndata_dir = "{tmp_path}"\n')
    day = dt.date(2026, 11, 26)
    write_day(tmp_path, day, dt.datetime(2026, 11, 26, 23, 0), 2)
    code, out, _ = sar(capsys, "-w", "--date", "2026-11-26")
    assert code == 0 and "23:00:10         5.00    100.00" in out


def test_range_across_midnight_computes_the_rate_across_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_day(tmp_path, dt.date(2026, 11, 26), dt.datetime(2026, 11, 26, 23, 59, 30), 3)  # ..:30 :40 :50
    write_day(
        tmp_path, dt.date(2026, 11, 27), dt.datetime(2026, 11, 27, 0, 0, 0), 3, first=30
    )  # 00:00 :10 :20
    code, out, err = sar(
        capsys,
        "-w",
        "--data-dir",
        str(tmp_path),
        "--since",
        "2026-11-26 23:59:35",
        "--until",
        "2026-11-27 00:00:15",
    )
    assert (code, err) == (0, "")
    # the last sample before --since (23:59:30) is the reference, so 23:59:40 has a row; 00:00:20 is out.
    assert out.splitlines()[2:] == [
        "23:59:30       proc/s   cswch/s",
        "23:59:40         5.00    100.00",
        "23:59:50         5.00    100.00",
        "00:00:00         5.00    100.00",
        "00:00:10         5.00    100.00",
        "Average:         5.00    100.00",
    ]


def test_file_with_comments_and_resampling(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "hw"
    day = dt.date(2026, 11, 27)
    with DataFileWriter.open(path, day, HOST) as writer:
        base = dt.datetime(2026, 11, 27, 12, 0).timestamp()
        for i in range(7):
            writer.write_sample(synthetic(base + i * 10, i * 10))
            if i == 2:
                writer.write_comment(CommentMark(base + 25, "backup started"))
    code, out, _ = sar(capsys, "-w", "-C", "-i", "30", "-f", str(path))
    assert code == 0
    # As in sar, a comment met before the first row of a block comes before its header.
    assert out.splitlines()[1:] == [
        "12:00:25     COM backup started",
        "",
        "12:00:00       proc/s   cswch/s",
        "12:00:30         5.00    100.00",
        "12:01:00         5.00    100.00",
        "Average:         5.00    100.00",
    ]


def test_sadf_csv_and_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write_day(tmp_path, dt.date(2026, 11, 27), dt.datetime(2026, 11, 27, 8, 0), 3)
    # -P alone selects no activity when another one is asked for (sa_common.c select_default_activity)
    assert (
        main(["sadf", "-d", "--date", "2026-11-27", "--data-dir", str(tmp_path), "--", "-P", "ALL", "-q"])
        == 0
    )
    assert capsys.readouterr().out.startswith("# hostname;interval;timestamp;runq-sz;plist-sz;")
    assert (
        main(
            ["sadf", "-d", "--date", "2026-11-27", "--data-dir", str(tmp_path), "--", "-u", "-P", "ALL", "-q"]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "# hostname;interval;timestamp;CPU;%user;%nice;%system;%iowait;%steal;%idle",
        "testhost;10;2026-11-27 08:00:10 UTC;-1;25.00;0.00;0.00;0.00;0.00;75.00",
        "testhost;10;2026-11-27 08:00:10 UTC;0;25.00;0.00;0.00;0.00;0.00;75.00",
        "testhost;10;2026-11-27 08:00:10 UTC;1;25.00;0.00;0.00;0.00;0.00;75.00",
        "testhost;10;2026-11-27 08:00:20 UTC;-1;25.00;0.00;0.00;0.00;0.00;75.00",
        "testhost;10;2026-11-27 08:00:20 UTC;0;25.00;0.00;0.00;0.00;0.00;75.00",
        "testhost;10;2026-11-27 08:00:20 UTC;1;25.00;0.00;0.00;0.00;0.00;75.00",
        "# hostname;interval;timestamp;runq-sz;plist-sz;ldavg-1;ldavg-5;ldavg-15;blocked",
        "testhost;10;2026-11-27 08:00:10 UTC;2;200;0.25;0.50;0.75;0",
        "testhost;10;2026-11-27 08:00:20 UTC;2;200;0.25;0.50;0.75;0",
    ]
    assert (
        main(["sadf", "-j", "--date", "2026-11-27", "--data-dir", str(tmp_path), "--", "-r", "-S", "-w"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    stats = doc["sysstat"]["hosts"][0]["statistics"]
    assert len(stats) == 2
    assert stats[0]["timestamp"] == {"date": "2026-11-27", "time": "08:00:10", "utc": 1, "interval": 10}
    assert stats[0]["process-and-context-switch"] == {"proc": 5.0, "cswch": 100.0}
    assert stats[0]["memory"]["memfree"] == 1000 and stats[0]["memory"]["memused-percent"] == 50.0
    assert "swpfree" in stats[0]["memory"]  # -r and -S share sysstat's "memory" object


def test_sadf_needs_one_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sadf", "--", "-u"]) == 2
    assert (
        capsys.readouterr().err
        == "hostward sadf: choose exactly one output format: -d (CSV), -j (JSON), -p (awk), -x (XML) or -g (SVG)\n"
    )


def test_grouped_flags_and_option_words() -> None:
    args = parse_sar_args(["-bBq", "-u", "ALL", "-r", "ALL", "-n", "DEV,EDEV", "-P", "0,1", "-p", "5", "3"])
    assert args.flags == {"io", "paging", "queue", "cpu", "memory", "net_dev", "net_edev"}
    assert (args.cpu_view, args.memory_view, args.cpus, args.pretty, args.interval, args.count) == (
        "ALL", "ALL", "0,1", True, 5, 3
    )  # fmt: skip
    reports = args.selection(cpu_count=2)
    assert [s.activity.name for s in reports] == [
        "cpu",
        "paging",
        "io",
        "memory",
        "queue",
        "net_dev",
        "net_edev",
    ]
    assert reports[0].items == frozenset({"0", "1"}) and reports[0].header_weight == 2
    with pytest.raises(UsageError):
        parse_sar_args(["-n", "DEV,BOGUS"])


def test_missing_proc_field_in_live_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import hostward.cli.sar as sar_cli
    from hostward.procfs import ProcFS

    root = tmp_path / "t0"
    shutil.copytree(fixtures_dir / "report" / "t0", root)
    (root / "proc" / "loadavg").write_text("0.50 0.58\n")
    monkeypatch.setattr(sar_cli, "ProcFS", lambda: ProcFS(proc=root / "proc", sys=root / "sys"))
    code, out, err = sar(capsys, "-q", "1", "1")
    assert (code, out) == (1, "")
    assert err == "hostward sar: /proc/loadavg: unexpected content '0.50 0.58'\n"


def test_damaged_file_reports_what_precedes_the_damage_then_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "hw"
    day = dt.date(2026, 11, 27)
    base = dt.datetime(2026, 11, 27, 12, 0).timestamp()
    ends = []
    with DataFileWriter.open(path, day, HOST) as writer:
        for i in range(6):
            writer.write_sample(synthetic(base + i * 10, i * 10))
            ends.append(path.stat().st_size)
    data = bytearray(path.read_bytes())
    data[ends[3] + 6] ^= 0xFF  # inside the fifth sample's frame: samples 1-4 stay readable
    path.write_bytes(bytes(data))

    code, out, err = sar(capsys, "-w", "-f", str(path))

    assert code == 2  # as sar exits on a damaged sa file, after printing what it could read
    assert out.splitlines()[1:] == [
        "",
        "12:00:00       proc/s   cswch/s",
        "12:00:10         5.00    100.00",
        "12:00:20         5.00    100.00",
        "12:00:30         5.00    100.00",
        "Average:         5.00    100.00",
    ]
    assert (
        err
        == f"hostward sar: {path}: corrupt data at offset {ends[3]}: checksum mismatch; the report stops there\n"
    )


def test_fibre_channel_alone_reports_nothing_as_sar_without_adapters(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """sar -n FC on a host without /sys/class/fc_host prints only "Requested activities not available";
    hostward says why in one line."""
    monkeypatch.setattr("hostward.collect.fchost.fc_hosts", lambda: ())
    code, out, err = sar(capsys, "-n", "FC", "1", "1")
    assert (code, out) == (1, "")
    assert err == (
        "hostward sar: -n FC: nothing to report: this host has no Fibre Channel adapter"
        " (/sys/class/fc_host is absent or holds no host* entry)\n"
    )


def test_fibre_channel_within_all_is_left_out_without_adapters(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hostward.collect.fchost.fc_hosts", lambda: ())
    monkeypatch.setattr("hostward.collect.fchost.fc_statistics", lambda _root: None)
    code, out, err = sar(capsys, "-n", "FC,SOCK", "1", "1")
    assert code == 0 and err == "" and "totsck" in out and "FCHOST" not in out  # silent, as sar
    code, out, err = sar(capsys, "-n", "ALL", "1", "1")
    assert code == 0 and "totsck" in out and "total/s" in out and "FCHOST" not in out


def test_fibre_channel_live_reads_the_adapters(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live -n FC: two reads of the adapters' counters, one row each (the name last, as sar)."""
    reads = iter([(FcHost("host0", 100, 0, 0, 0),), (FcHost("host0", 300, 0, 0, 8),)])
    monkeypatch.setattr("hostward.collect.fchost.fc_hosts", lambda: ("host0",))
    monkeypatch.setattr("hostward.collect.fchost.fc_statistics", lambda _root: next(reads))
    code, out, err = sar(capsys, "-n", "FC", "1", "1")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[2].split()[1:] == ["fch_rxf/s", "fch_txf/s", "fch_rxw/s", "fch_txw/s", "FCHOST"]
    assert lines[3].endswith(" host0") and lines[-1].startswith("Average:")


def test_fc_hosts_lists_the_class_directory(tmp_path: Path) -> None:
    assert fc_hosts(tmp_path) == ()
    (tmp_path / "class/fc_host/host7").mkdir(parents=True)
    (tmp_path / "class/fc_host/host2").mkdir()
    assert fc_hosts(tmp_path) == ("host2", "host7")
    if not Path("/sys/class/fc_host").exists():  # these machines: no adapters, as sar finds
        assert fc_hosts() == ()

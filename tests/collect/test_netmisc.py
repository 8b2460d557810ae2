"""Collectors of sar -n ICMP/EICMP (the Icmp lines of /proc/net/snmp), NFS/NFSD (/proc/net/rpc/nfs, nfsd) and
SOFT (/proc/net/softnet_stat),
on kernel-format text and on the live kernel (under loopback traffic the test makes; this machine has no NFS)."""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import require_root
from tests.report.sidebyside import ping_loopback

from hostward.cli import main
from hostward.collect.nfs import (
    NfsClient,
    NfsServer,
    parse_nfs_client,
    parse_nfs_server,
    read_nfs_client,
    read_nfs_server,
)
from hostward.collect.snmp import parse_snmp, read_snmp
from hostward.collect.softnet import FIELDS as SOFTNET_FIELDS
from hostward.collect.softnet import parse_softnet, read_softnet
from hostward.procfs import ProcFS

# net/ipv4/proc.c icmp_put since 6.0: OutRateLimitGlobal and OutRateLimitHost follow OutErrors.
ICMP_6_0 = (
    "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos "
    "InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutRateLimitGlobal "
    "OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps "
    "OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps\n"
    "Icmp: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29\n"
)
# Before 6.0 (and before 3.10, without InCsumErrors): the same names, fewer columns.
ICMP_3_10 = (
    "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos "
    "InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutDestUnreachs "
    "OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps "
    "OutAddrMasks OutAddrMaskReps\n"
    "Icmp: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 19 20 21 22 23 24 25 26 27 28 29\n"
)


def test_icmp_counters_are_taken_by_name_on_every_layout() -> None:
    for text in (ICMP_6_0, ICMP_3_10):
        snmp = parse_snmp(text)
        assert (snmp.Icmp_InMsgs, snmp.Icmp_InErrors, snmp.Icmp_InDestUnreachs, snmp.Icmp_InEchos) == (
            1,
            2,
            4,
            9,
        )
        assert (snmp.Icmp_OutMsgs, snmp.Icmp_OutErrors, snmp.Icmp_OutDestUnreachs) == (15, 16, 19)
        assert (snmp.Icmp_OutSrcQuenchs, snmp.Icmp_OutRedirects, snmp.Icmp_OutEchos) == (22, 23, 24)
        assert (snmp.Icmp_OutTimestampReps, snmp.Icmp_OutAddrMaskReps) == (27, 29)


def test_live_icmp_counters_move_with_pings_and_closed_ports() -> None:
    require_root()  # a raw ICMP socket, as ping uses
    procfs = ProcFS()
    before = read_snmp(procfs.read_optional)
    ping_loopback(20)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        for _ in range(5):
            udp.sendto(b"x", closed)  # port unreachable, sent and received over loopback
    time.sleep(0.05)  # the replies travel through the backlog: let them arrive
    after = read_snmp(procfs.read_optional)
    assert after.Icmp_InEchos - before.Icmp_InEchos >= 20
    assert after.Icmp_OutEchos - before.Icmp_OutEchos >= 20
    assert after.Icmp_OutEchoReps - before.Icmp_OutEchoReps >= 20
    assert after.Icmp_InEchoReps - before.Icmp_InEchoReps >= 20
    assert after.Icmp_OutDestUnreachs - before.Icmp_OutDestUnreachs >= 5
    assert after.Icmp_InDestUnreachs - before.Icmp_InDestUnreachs >= 5
    assert after.Icmp_InMsgs - before.Icmp_InMsgs >= 45


def test_nfs_client_counts_add_nfsv3_and_nfsv4_as_sadc(fixtures_dir: Path) -> None:
    text = (fixtures_dir / "report/t0/proc/net/rpc/nfs").read_text()
    assert parse_nfs_client(text) == NfsClient(
        rpc_calls=5000, rpc_retrans=12, read=200 + 50, write=100 + 60, access=400 + 70, getattr=1000 + 80
    )
    # No NFSv4 line (an NFSv3-only client) and a short proc3 line: what is missing reads 0.
    assert parse_nfs_client("rpc 7 1 7\nproc3 22 0 5 0 0 9\n") == NfsClient(7, 1, 0, 0, 9, 5)


def test_nfs_server_lines_by_keyword(fixtures_dir: Path) -> None:
    text = (fixtures_dir / "report/t0/proc/net/rpc/nfsd").read_text()
    assert parse_nfs_server(text) == NfsServer(
        rpc_calls=9230, rpc_bad=3, net_packets=9300, net_udp=100, net_tcp=9200, rc_hits=30, rc_misses=200,
        read=700 + 70, write=800 + 80, access=600 + 60, getattr=2000 + 900,
    )  # fmt: skip


def test_nfs_counters_are_32_bits_as_the_kernels() -> None:
    assert parse_nfs_client(f"rpc {2**32 + 5} 1\n").rpc_calls == 5


def test_host_without_nfs_reads_zeros_as_sadc_records_them() -> None:
    procfs = ProcFS()
    if Path("/proc/net/rpc/nfs").exists() or Path("/proc/net/rpc/nfsd").exists():
        pytest.skip("this host has NFS loaded: the absent case is covered by the parsers' None input")
    assert read_nfs_client(procfs.read_optional) == NfsClient()
    assert read_nfs_server(procfs.read_optional) == NfsServer()
    assert parse_nfs_client(None) == NfsClient() and parse_nfs_server(None) == NfsServer()


@settings(deadline=None)
@given(st.text(max_size=300))
def test_nfs_parsers_never_raise(text: str) -> None:
    for record in (parse_nfs_client(text), parse_nfs_server(text)):
        assert all(0 <= getattr(record, name) < 2**32 for name in record.__slots__)


@settings(deadline=None)
@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=80))
def test_nfs_parsers_take_numbers_where_the_kernel_puts_them(values: list[int]) -> None:
    line = " ".join(map(str, values))
    client = parse_nfs_client(f"rpc {line}\nproc3 {line}\n")
    v = [x % 2**32 for x in values]
    at = lambda i: v[i] if i < len(v) else 0  # noqa: E731
    assert (client.rpc_calls, client.rpc_retrans) == (at(0), at(1))
    assert (client.getattr, client.access, client.read, client.write) == (at(2), at(5), at(7), at(8))


def test_softnet_lines_by_cpu_number(fixtures_dir: Path) -> None:
    softnet = parse_softnet((fixtures_dir / "report/t0/proc/net/softnet_stat").read_text())
    assert softnet is not None and softnet.lines == 2
    assert softnet.line(0) == (0, 0xFFFFFF00, 5, 1, 0, 0, 0)
    assert softnet.line(1) == (1, 1000, 0, 0, 7, 0, 2)
    assert softnet.total() == ((0xFFFFFF00 + 1000) & 0xFFFFFFFF, 5, 1, 7, 0, 2)


def test_softnet_before_5_10_has_no_cpu_column_and_offline_cpus_keep_their_number() -> None:
    old = (
        "00000010 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000003\n"
    )
    softnet = parse_softnet(old * 2)
    assert softnet is not None and [softnet.line(i)[0] for i in range(2)] == [0, 1]
    assert softnet.line(1) == (1, 16, 1, 0, 2, 3, 0)  # no backlog column either: 0
    # CPU 1 offline: the kernel skips it, and the CPU column says which line is which.
    new = "00000001 0 0 0 0 0 0 0 0 0 0 0 {} 0 0\n"
    softnet = parse_softnet(new.format("00000000") + new.format("00000002"))
    assert softnet is not None and [softnet.line(i)[0] for i in range(2)] == [0, 2]
    assert parse_softnet(None) is None


@settings(deadline=None)
@given(st.text(max_size=300))
def test_softnet_parser_never_raises(text: str) -> None:
    softnet = parse_softnet(text)
    assert softnet is not None and all(0 <= v < 2**32 for v in softnet.values)
    assert len(softnet.values) == softnet.lines * len(SOFTNET_FIELDS)


def test_live_softnet_counts_loopback_packets() -> None:
    procfs = ProcFS()
    before = read_softnet(procfs.read_optional)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        for _ in range(500):
            udp.sendto(b"x", udp.getsockname())  # each goes through a CPU's backlog: processed + 1
    after = read_softnet(procfs.read_optional)
    assert before is not None and after is not None
    assert after.lines == before.lines == os.cpu_count()
    assert (after.total()[0] - before.total()[0]) % 2**32 >= 500


@pytest.mark.parametrize("nfs", [True, False], ids=["nfs", "no-nfs"])
def test_live_nfs_without_the_module_gives_zeros_and_says_why(
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    nfs: bool,
) -> None:
    """sar prints zeros without a word where /proc/net/rpc/nfs is absent; hostward prints the same zeros and one
    line on stderr saying why."""
    root = tmp_path / "host"
    shutil.copytree(fixtures_dir / "report" / "t1", root)
    if not nfs:
        shutil.rmtree(root / "proc" / "net" / "rpc")
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setattr("hostward.cli.sar.ProcFS", lambda: ProcFS(root / "proc", root / "sys"))
    assert main(["sar", "-n", "NFS", "0"]) == 0  # interval 0: since boot, one row
    out, err = capsys.readouterr()
    row = out.splitlines()[3].split()[1:]
    if nfs:  # t1's client counters over its uptime: not zeros
        assert err == "" and row != ["0.00"] * 6
    else:
        assert row == ["0.00"] * 6
        assert err == (
            "hostward sar: this host has no /proc/net/rpc/nfs (no NFS client loaded): -n NFS shows zeros, "
            "as sar's does\n"
        )

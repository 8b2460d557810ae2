"""sar -v and -n SOCK/SOCK6 collectors: sadc's reading of /proc/sys/fs, /proc/sys/kernel/pty and
/proc/net/sockstat(6), on fixed texts, on any text, and on the running kernel with traffic that moves them."""

from __future__ import annotations

import os
import socket

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.collect.kernel import KernelTables, parse_kernel_tables, read_kernel_tables
from hostward.collect.sample import sample_system
from hostward.collect.snmp import Snmp, parse_snmp, read_snmp
from hostward.collect.sockets import Sockets, Sockets6, parse_sockstat, parse_sockstat6, read_sockets
from hostward.procfs import ProcFS

SOCKSTAT = """sockets: used 22
TCP: inuse 3 orphan 1 tw 4100 alloc 5 mem 325
UDP: inuse 2 mem 0
UDPLITE: inuse 7
RAW: inuse 1
FRAG: inuse 4 memory 0
"""
SOCKSTAT6 = """TCP6: inuse 5
UDP6: inuse 6
UDPLITE6: inuse 9
RAW6: inuse 7
FRAG6: inuse 8 memory 0
"""


def test_kernel_tables_are_read_as_sadc_reads_them() -> None:
    tables = parse_kernel_tables(
        "483551\t482071\t45\t0\t144137\t0\n", "1401\t3\t2466246\n", "332762\t62\n", "2\n"
    )
    # dentunusd: dentry-state's 2nd field; file-nr and inode-nr: allocated minus free; pty-nr as is.
    assert tables == KernelTables(dentunusd=482071, file_used=1398, inode_used=332700, pty_nr=2)


def test_missing_or_unreadable_kernel_files_give_zero_as_in_sadc() -> None:
    assert parse_kernel_tables(None, None, None, None) == KernelTables()
    # A file-nr without its free count, a dentry-state with one field, garbage: 0 each (sadc's rc checks).
    assert parse_kernel_tables("12", "1401", "x 3", "-1") == KernelTables()


def test_sockstat_lines_sadc_reads_and_only_those() -> None:
    assert parse_sockstat(SOCKSTAT) == Sockets(
        sock_inuse=22, tcp_inuse=3, tcp_tw=4100, udp_inuse=2, raw_inuse=1, frag_inuse=4
    )  # UDPLITE is not counted as UDP
    assert parse_sockstat6(SOCKSTAT6) == Sockets6(tcp6_inuse=5, udp6_inuse=6, raw6_inuse=7, frag6_inuse=8)
    assert parse_sockstat(None) == Sockets() and parse_sockstat6(None) == Sockets6()  # no IPv6: zeros


@settings(deadline=None)
@given(st.text(max_size=300), st.text(max_size=60), st.text(max_size=60))
def test_parsers_never_raise_and_never_go_negative(text: str, a: str, b: str) -> None:
    tables = parse_kernel_tables(a, text, b, a)
    assert min(tables.dentunusd, tables.file_used, tables.inode_used, tables.pty_nr) >= 0
    for record in (parse_sockstat(text), parse_sockstat6(text)):
        assert all(getattr(record, name) >= 0 for name in record.__slots__)


def test_live_files_open_and_sockets_move_the_counts() -> None:
    """Real kernel: holding 300 files and 8 TCP connections open raises file-nr and tcpsck by at least that
    much less what other processes closed meanwhile (file-nr is a per-CPU counter the kernel sums
    approximately: up to a batch of 64 per CPU off); closing the client ends first leaves them in TIME_WAIT."""
    procfs = ProcFS()
    before_k, before_s = read_kernel_tables(procfs.read_optional), read_sockets(procfs.read_optional)
    files = [os.open(os.devnull, os.O_RDONLY) for _ in range(300)]
    listener = socket.create_server(("127.0.0.1", 0))
    clients = [socket.create_connection(listener.getsockname(), timeout=5) for _ in range(8)]
    accepted = [listener.accept()[0] for _ in clients]
    try:
        during = sample_system(procfs)
        assert during.ktables is not None and during.sockets is not None and during.sockets6 is not None
        assert during.ktables.file_used >= before_k.file_used + 300 - 64 * (os.cpu_count() or 1) - 50
        assert during.sockets.tcp_inuse >= before_s.tcp_inuse + 16 - 4  # both ends of 8 connections
        assert during.sockets.sock_inuse >= during.sockets.tcp_inuse
        assert during.ktables.inode_used > 0 and during.ktables.dentunusd > 0
    finally:
        for c in clients:
            c.close()  # the active closer's end stays in TIME_WAIT
        for a in accepted:
            a.close()
        listener.close()
        for fd in files:
            os.close(fd)
    after = read_sockets(procfs.read_optional)
    assert after.tcp_tw >= 1
    assert os.path.exists("/proc/sys/fs/file-nr")


def test_snmp_fields_are_taken_by_name_whatever_the_kernel_adds() -> None:
    text = (
        "Ip: Forwarding DefaultTTL InReceives Extra OutRequests\nIp: 1 64 10 99 7\n"
        "Tcp: ActiveOpens InErrs\nTcp: 5 x\nUdp: NoPorts\nUdp: 3\nUdpLite: NoPorts\nUdpLite: 1000\n"
    )
    snmp = parse_snmp(text)
    assert (snmp.Ip_InReceives, snmp.Ip_OutRequests, snmp.Tcp_ActiveOpens, snmp.Udp_NoPorts) == (10, 7, 5, 3)
    assert snmp.Tcp_InErrs == 0 and snmp.Ip_InDelivers == 0  # not a number / not in this kernel's file
    assert parse_snmp(None) == Snmp()


@settings(deadline=None)
@given(st.text(max_size=400))
def test_snmp_parser_never_raises(text: str) -> None:
    assert all(getattr(parse_snmp(text), name) >= 0 for name in Snmp.__slots__)


def test_live_snmp_moves_with_loopback_traffic() -> None:
    procfs = ProcFS()
    before = read_snmp(procfs.read_optional)
    listener = socket.create_server(("127.0.0.1", 0))
    pairs = [
        (socket.create_connection(listener.getsockname(), timeout=5), listener.accept()[0]) for _ in range(5)
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        for _ in range(10):
            udp.sendto(b"x", udp.getsockname())
        for _ in range(10):
            udp.recv(16)  # counted in InDatagrams when read
    after = read_snmp(procfs.read_optional)
    for a, b in pairs:
        a.close()
        b.close()
    listener.close()
    assert after.Tcp_ActiveOpens >= before.Tcp_ActiveOpens + 5
    assert after.Tcp_PassiveOpens >= before.Tcp_PassiveOpens + 5
    assert after.Tcp_InSegs > before.Tcp_InSegs and after.Ip_InReceives > before.Ip_InReceives
    assert after.Udp_OutDatagrams >= before.Udp_OutDatagrams + 10
    assert after.Udp_InDatagrams >= before.Udp_InDatagrams + 10

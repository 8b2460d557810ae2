"""The optional groups of a sysstat sa file's records (sar -v, -n SOCK/SOCK6/IP.../IP6..., -y, -I, -n NFS/NFSD/SOFT,
-F, -m CPU, -n FC) -> the SystemSample fields after ``pressure``. Imported by sa_decode.py only for a file whose
decoding includes one of them: reading a file for -u, -r or -n DEV imports none of these records.
"""

from __future__ import annotations

from hostward.collect.kernel import KernelTables
from hostward.collect.snmp import Snmp
from hostward.collect.sockets import Sockets, Sockets6
from hostward.store.sysstat.sa_decode_fc import decode_fchosts
from hostward.store.sysstat.sa_decode_fs import decode_filesystems
from hostward.store.sysstat.sa_decode_irq import decode_irq
from hostward.store.sysstat.sa_decode_netmisc import ICMP_COUNTERS, nfs_client, nfs_server, softnet
from hostward.store.sysstat.sa_decode_power import decode_cpufreq
from hostward.store.sysstat.sa_decode_serial import decode_serial
from hostward.store.sysstat.sa_decode_snmp6 import snmp6
from hostward.store.sysstat.sa_layouts import A_FS, A_IRQ, A_NET_FC, A_PWR_CPU, A_SERIAL

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

# A_NET_IP, EIP, TCP, ETCP, UDP: the Snmp fields their structures hold, in structure order (rd_stats.h).
_SNMP_COUNTERS: dict[int, tuple[str, ...]] = {
    17: ("Ip_InReceives", "Ip_ForwDatagrams", "Ip_InDelivers", "Ip_OutRequests", "Ip_ReasmReqds", "Ip_ReasmOKs",
         "Ip_FragOKs", "Ip_FragCreates"),
    18: ("Ip_InHdrErrors", "Ip_InAddrErrors", "Ip_InUnknownProtos", "Ip_InDiscards", "Ip_OutDiscards",
         "Ip_OutNoRoutes", "Ip_ReasmFails", "Ip_FragFails"),
    21: ("Tcp_ActiveOpens", "Tcp_PassiveOpens", "Tcp_InSegs", "Tcp_OutSegs"),
    22: ("Tcp_AttemptFails", "Tcp_EstabResets", "Tcp_RetransSegs", "Tcp_InErrs", "Tcp_OutRsts"),
    23: ("Udp_InDatagrams", "Udp_OutDatagrams", "Udp_NoPorts", "Udp_InErrors"),
    **ICMP_COUNTERS,
}  # fmt: skip


def optional_fields(by_id: dict[int, list[Any]], irq_nr2: int) -> dict[str, Any]:
    """SystemSample's optional fields from one record's unpacked structures (``by_id``: activity id -> items);
    a group the record does not hold gets what its field's default is (None or ())."""
    return {
        "ktables": _ktables(by_id.get(8)),
        "sockets": _sockets(by_id.get(16)),
        "snmp": _snmp(by_id),
        "sockets6": Sockets6(*by_id[24][0]) if by_id.get(24) else None,  # "4I": ints already
        "snmp6": snmp6(by_id),
        "serial": decode_serial(by_id.get(A_SERIAL)),
        "interrupts": decode_irq(by_id.get(A_IRQ), irq_nr2),
        "nfs": nfs_client(by_id.get(14)),
        "nfsd": nfs_server(by_id.get(15)),
        "softnet": softnet(by_id.get(39)),
        "filesystems": decode_filesystems(by_id.get(A_FS)),
        "cpufreq": decode_cpufreq(by_id.get(A_PWR_CPU)),
        "fchosts": decode_fchosts(by_id.get(A_NET_FC)),
    }


def _ktables(items: list[tuple[Any, ...]] | None) -> KernelTables | None:
    if not items:
        return None  # not in the file: sar -v shows nothing, and neither does hostward
    file_used, inode_used, dentry_stat, pty_nr = (int(x) for x in items[0])
    return KernelTables(dentunusd=dentry_stat, file_used=file_used, inode_used=inode_used, pty_nr=pty_nr)


def _snmp(by_id: dict[int, list[tuple[Any, ...]]]) -> Snmp | None:
    """A_NET_IP, EIP, ICMP, EICMP, TCP, ETCP and UDP (sadc -S SNMP records them together); their structures hold the
    counters of the report's columns in column order."""
    if not any(by_id.get(aid) for aid in _SNMP_COUNTERS):
        return None
    values: dict[str, int] = {}
    for aid, names in _SNMP_COUNTERS.items():
        items = by_id.get(aid)
        if items:
            values.update(zip(names, items[0], strict=True))  # "Q": ints already
    return Snmp(**values)


def _sockets(items: list[tuple[Any, ...]] | None) -> Sockets | None:
    if not items:
        return None
    sock, tcp, tcp_tw, udp, raw, frag = (int(x) for x in items[0])
    return Sockets(
        sock_inuse=sock, tcp_inuse=tcp, tcp_tw=tcp_tw, udp_inuse=udp, raw_inuse=raw, frag_inuse=frag
    )

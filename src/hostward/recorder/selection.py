"""Which optional activity groups the recorder collects, chosen as sadc's ``-S`` keywords (``[record] activities``).

sadc always collects a base set (CPU, memory, paging, queue, kernel tables, sockets ...) and ``-S`` adds
groups: DISK (block devices and Fibre Channel adapters), SNMP (the IPv4 protocol counters), IPV6, INT (interrupts),
POWER, XDISK (filesystems); ALL is every group but XDISK's, XALL everything. hostward always records its base (its
required records plus sadc's default optional groups) and takes the same keywords for the rest, so an
administrator's sa1 habits carry over and the recorder's cost can be compared with sadc's on the same set.
hostward records disks whatever the setting; DISK adds its Fibre Channel adapters (A_NET_FC is in sadc's G_DISK).
"""

from __future__ import annotations

from hostward import validate as v

# Optional groups (store/shape.py OPTIONAL_GROUPS) that sadc collects without -S: recorded whatever the setting.
BASE: frozenset[str] = frozenset({"ktables", "sockets", "nfs", "nfsd", "serial", "softnet"})
# The optional groups each -S keyword adds.
ADDED_BY: dict[str, frozenset[str]] = {
    "DISK": frozenset({"fchosts"}),
    "SNMP": frozenset({"snmp"}),
    "IPV6": frozenset({"sockets6", "snmp6"}),
    "INT": frozenset({"interrupts"}),
    "POWER": frozenset({"cpufreq"}),
    "XDISK": frozenset({"filesystems"}),
}
# What each keyword adds, in the recorder's --help (the sar reports it feeds).
ADDS: dict[str, str] = {
    "DISK": "Fibre Channel adapters (sar -n FC); hostward always records disks",
    "SNMP": "IPv4, ICMP, TCP and UDP counters (sar -n IP,EIP,ICMP,EICMP,TCP,ETCP,UDP)",
    "IPV6": "IPv6 sockets and IPv6, ICMPv6 and UDPv6 counters (sar -n SOCK6,IP6,EIP6,ICMP6,EICMP6,UDP6)",
    "INT": "interrupts per IRQ and CPU (sar -I)",
    "POWER": "CPU clock frequencies (sar -m CPU); fans, voltages, temperatures and USB devices not yet",
    "XDISK": "filesystems mounted from a device: space and inodes (sar -F)",
    "ALL": "every group above but XDISK's",
    "XALL": "every group above",
}
ALL_GROUPS: frozenset[str] = BASE.union(*ADDED_BY.values())
_ALL: frozenset[str] = BASE.union(*(groups for keyword, groups in ADDED_BY.items() if keyword != "XDISK"))
KEYWORDS: tuple[str, ...] = (*ADDED_BY, "ALL", "XALL")
DEFAULT: tuple[str, ...] = ("DISK", "SNMP", "IPV6")  # what hostward recorded before the setting existed
ACTIVITIES = v.Words(KEYWORDS)


def groups_for(keywords: tuple[str, ...]) -> frozenset[str]:
    """The optional groups recorded for ``keywords`` (already checked against ``KEYWORDS``)."""
    chosen = set(BASE)
    for keyword in keywords:
        if keyword == "XALL":
            chosen |= ALL_GROUPS
        elif keyword == "ALL":
            chosen |= _ALL
        else:
            chosen |= ADDED_BY[keyword]
    return frozenset(chosen)


def describe_keywords(indent: str) -> str:
    """One line per keyword, for --help."""
    return "\n".join(f"{indent}{keyword:<6} {ADDS[keyword]}" for keyword in KEYWORDS)

"""What sysstat 12.x sa-file activities hostward decodes: their ids, structure layouts, and the SystemSample
field each fills. Kept apart from the decoders so that choosing what to decode (parse_sa's ``keep``) and decoding
the always-read activities (CPU, load, memory, disks, networks) import none of the optional groups' records.
"""

from __future__ import annotations

A_IRQ = 3
A_SERIAL = 10
A_PWR_CPU = 30
A_FS = 37
A_NET_FC = 38

Layout = tuple[int, tuple[int, int, int], str]  # magic, types_nr, struct format of one item

IRQ_LAYOUT: Layout = (0x8C, (0, 0, 1), "I8s")  # magic ACTIVITY_MAGIC_BASE + 2, one unsigned int, the name
SERIAL_LAYOUT: Layout = (0x8B, (0, 0, 7), "7I")  # magic ACTIVITY_MAGIC_BASE + 1
PWR_CPU_LAYOUT: Layout = (0x8A, (0, 1, 0), "Q")  # one unsigned long: cpufreq
# 5 unsigned long long, one item: f_blocks f_bfree f_bavail f_files f_ffree fs_name mountp
FS_LAYOUT: Layout = (0x8B, (5, 0, 0), "5Q128s128s")
# 4 unsigned long, one item: f_rxframes f_txframes f_rxwords f_txwords fchost_name
FC_LAYOUT: Layout = (0x8A, (0, 4, 0), "4Q16s")
# stats_net_ip6, eip6, icmp6, eicmp6, udp6 (sa_decode_snmp6.py; activity.c, rd_stats.h of sysstat 12.6.1)
SNMP6_LAYOUTS: dict[int, Layout] = {
    25: (0x8C, (10, 0, 0), "10Q"),  # stats_net_ip6
    26: (0x8C, (11, 0, 0), "11Q"),  # stats_net_eip6
    27: (0x8A, (0, 17, 0), "17Q"),  # stats_net_icmp6
    28: (0x8A, (0, 11, 0), "11Q"),  # stats_net_eicmp6
    29: (0x8A, (0, 4, 0), "4Q"),  # stats_net_udp6
}

# sa.h activity ids, for reporting what an import leaves out.
ACTIVITY_NAMES = {
    1: "A_CPU", 2: "A_PCSW", 3: "A_IRQ", 4: "A_SWAP", 5: "A_PAGE", 6: "A_IO", 7: "A_MEMORY", 8: "A_KTABLES",
    9: "A_QUEUE", 10: "A_SERIAL", 11: "A_DISK", 12: "A_NET_DEV", 13: "A_NET_EDEV", 14: "A_NET_NFS",
    15: "A_NET_NFSD", 16: "A_NET_SOCK", 17: "A_NET_IP", 18: "A_NET_EIP", 19: "A_NET_ICMP", 20: "A_NET_EICMP",
    21: "A_NET_TCP", 22: "A_NET_ETCP", 23: "A_NET_UDP", 24: "A_NET_SOCK6", 25: "A_NET_IP6", 26: "A_NET_EIP6",
    27: "A_NET_ICMP6", 28: "A_NET_EICMP6", 29: "A_NET_UDP6", 30: "A_PWR_CPU", 31: "A_PWR_FAN",
    32: "A_PWR_TEMP", 33: "A_PWR_IN", 34: "A_HUGE", 35: "A_PWR_FREQ", 36: "A_PWR_USB", 37: "A_FS",
    38: "A_NET_FC", 39: "A_NET_SOFT", 40: "A_PSI_CPU", 41: "A_PSI_IO", 42: "A_PSI_MEM",
}  # fmt: skip

# id -> (magic, types_nr, struct format of one item) for the activities hostward stores (activity.c, rd_stats.h).
LAYOUTS: dict[int, Layout] = {
    1: (0x8B, (10, 0, 0), "10Q"),  # stats_cpu
    2: (0x8B, (1, 1, 0), "QQ"),  # stats_pcsw: context_switch, processes
    A_IRQ: IRQ_LAYOUT,  # stats_irq: (CPUs + 1) x (interrupts + 1), sa_decode_irq.py
    A_SERIAL: SERIAL_LAYOUT,  # stats_serial: one per port, sa_decode_serial.py
    4: (0x8A, (0, 2, 0), "QQ"),  # stats_swap
    5: (0x8A, (0, 8, 0), "8Q"),  # stats_paging
    6: (0x8B, (7, 0, 0), "7Q"),  # stats_io
    7: (0x8B, (17, 0, 0), "17Q"),  # stats_memory
    34: (0x8B, (4, 0, 0), "4Q"),  # stats_huge: frhkb tlhkb rsvdhkb surphkb
    8: (0x8B, (4, 0, 0), "4Q"),  # stats_ktables: file_used inode_used dentry_stat pty_nr
    9: (0x8C, (3, 0, 3), "3Q3I4x"),  # stats_queue
    11: (0x8C, (3, 3, 8), "Q16x3Q8I"),  # stats_disk (wwn skipped)
    12: (0x8D, (7, 0, 1), "7QI16sb3x"),  # stats_net_dev
    13: (0x8C, (9, 0, 0), "9Q16s"),  # stats_net_edev
    14: (0x8A, (0, 0, 6), "6I"),  # stats_net_nfs (sa_decode_netmisc.py)
    15: (0x8A, (0, 0, 11), "11I"),  # stats_net_nfsd
    16: (0x8A, (0, 0, 6), "6I"),  # stats_net_sock: sock tcp tcp_tw udp raw frag
    17: (0x8C, (8, 0, 0), "8Q"),  # stats_net_ip: the -n IP columns' counters, in their order
    18: (0x8C, (8, 0, 0), "8Q"),  # stats_net_eip
    19: (0x8A, (0, 14, 0), "14Q"),  # stats_net_icmp (sa_decode_netmisc.py)
    20: (0x8A, (0, 12, 0), "12Q"),  # stats_net_eicmp
    21: (0x8A, (0, 4, 0), "4Q"),  # stats_net_tcp
    22: (0x8A, (0, 5, 0), "5Q"),  # stats_net_etcp
    23: (0x8A, (0, 4, 0), "4Q"),  # stats_net_udp
    24: (0x8A, (0, 0, 4), "4I"),  # stats_net_sock6: tcp6 udp6 raw6 frag6
    **SNMP6_LAYOUTS,  # 25-29: A_NET_IP6, EIP6, ICMP6, EICMP6, UDP6
    39: (0x8A, (0, 0, 6), "6I"),  # stats_softnet: CPU "all" then each CPU (sa_decode_netmisc.py)
    A_PWR_CPU: PWR_CPU_LAYOUT,  # stats_pwr_cpufreq (sa_decode_power.py)
    A_FS: FS_LAYOUT,  # stats_filesystem (sa_decode_fs.py)
    A_NET_FC: FC_LAYOUT,  # stats_fchost (sa_decode_fc.py)
    40: (0x8A, (1, 3, 0), "4Q"),  # stats_psi_cpu
    41: (0x8A, (2, 6, 0), "8Q"),  # stats_psi_io
    42: (0x8A, (2, 6, 0), "8Q"),  # stats_psi_mem
}
# id -> the SystemSample field it fills (store/parts.py's part names). A_CPU, A_PCSW and A_QUEUE are always
# decoded: the CPU and load records take from all three.
SA_PARTS: dict[int, str] = {
    7: "memory", 34: "memory", 4: "vmstat", 5: "vmstat", 6: "disks", 11: "disks", 12: "nets", 13: "nets",
    40: "pressure", 41: "pressure", 42: "pressure", 8: "ktables", 16: "sockets", 24: "sockets6",
    **{aid: "snmp" for aid in (17, 18, 19, 20, 21, 22, 23)}, **{aid: "snmp6" for aid in SNMP6_LAYOUTS},
    A_SERIAL: "serial", A_IRQ: "interrupts", 14: "nfs", 15: "nfsd", 39: "softnet", A_FS: "filesystems",
    A_PWR_CPU: "cpufreq", A_NET_FC: "fchosts",
}  # fmt: skip
# The activities of SystemSample's fields after ``pressure`` (those with defaults): sa_decode_optional.py.
OPTIONAL_IDS = frozenset(LAYOUTS) - {1, 2, 9, 7, 34, 4, 5, 6, 11, 12, 13, 40, 41, 42}


def activity_ids(parts: frozenset[str] | None) -> frozenset[int] | None:
    """The activities to locate in each record (parse_sa's ``keep``) for a decoding of ``parts`` (None: all)."""
    if parts is None:
        return None
    return frozenset(aid for aid in LAYOUTS if SA_PARTS.get(aid, "") in parts or aid not in SA_PARTS)

"""What each figure shows: panels of columns with their unit, scale and limits, per activity.

The column names are the activities' own (activities/*.py); units follow Column.unit. Sizes in kB are drawn
in MiB or GiB, and percentages on a fixed 0-100 axis, so two days' graphs compare at a glance.
"""

from __future__ import annotations

from hostward.frozen import frozen

KIB_TO_GIB = 1 / (1024 * 1024)
KIB_TO_MIB = 1 / 1024


@frozen
class Panel:
    columns: tuple[str, ...]
    ylabel: str
    stacked: bool = False
    percent: bool = False  # fixed 0..100 axis
    scale: float = 1.0  # values are multiplied by this (kB -> GiB)
    labels: tuple[str, ...] = ()  # legend text per column (default: the column name)
    signed: bool = False  # values can be negative (clock offset): the axis follows the data, not from 0

    def label(self, i: int) -> str:
        return self.labels[i] if i < len(self.labels) else self.columns[i]


@frozen
class FigureSpec:
    key: str  # stable name, used for file names: "cpu", "disk-vda"
    activity: str
    title: str
    panels: tuple[Panel, ...]
    per_item: bool = False  # one figure per item (disks, interfaces)


CPU_ALL_MODES = ("%usr", "%nice-guest", "%sys", "%irq", "%soft", "%iowait", "%steal", "%guest", "%gnice")
CPU_ALL_LABELS = ("user", "nice", "system", "irq", "softirq", "iowait", "steal", "guest", "guest nice")
CPU_MODES = ("%user", "%nice", "%system", "%iowait", "%steal")
CPU_LABELS = ("user (+guest)", "nice", "system (+irq, softirq)", "iowait", "steal")

SPECS: tuple[FigureSpec, ...] = (
    FigureSpec("cpu", "cpu", "CPU utilisation by mode (all CPUs)",
               (Panel(CPU_ALL_MODES, "% of CPU time", stacked=True, percent=True, labels=CPU_ALL_LABELS),)),
    FigureSpec("cpu-each", "cpu", "Utilisation of each CPU (100 - %idle)",
               (Panel(("busy",), "% busy", percent=True),)),
    FigureSpec("queue", "queue", "Run queue and load average",
               (Panel(("runq-sz", "blocked"), "tasks", labels=("runnable (runq-sz)", "blocked on I/O")),
                Panel(("ldavg-1", "ldavg-5", "ldavg-15"), "load average", labels=("1 min", "5 min", "15 min")),
                Panel(("plist-sz",), "tasks", labels=("task list size (plist-sz)",)))),
    FigureSpec("memory", "memory", "Memory",
               (Panel(("kbmemused", "kbcached", "kbbuffers", "kbavail"), "GiB", scale=KIB_TO_GIB,
                      labels=("used", "page cache", "buffers", "available")),
                Panel(("%memused", "%commit"), "percent", percent=True, labels=("memory used", "committed (of RAM + swap)")))),
    FigureSpec("swap", "swap", "Swap space",
               (Panel(("kbswpused", "kbswpcad"), "MiB", scale=KIB_TO_MIB, labels=("used", "cached")),
                Panel(("%swpused",), "% of swap", percent=True, labels=("used",)))),
    FigureSpec("swapping", "swapping", "Swapping",
               (Panel(("pswpin/s", "pswpout/s"), "pages/s", labels=("swapped in", "swapped out")),)),
    FigureSpec("paging", "paging", "Paging",
               (Panel(("pgpgin/s", "pgpgout/s"), "kB/s", labels=("paged in", "paged out")),
                Panel(("fault/s", "majflt/s"), "faults/s", labels=("faults", "major faults")),
                Panel(("pgfree/s", "pgscank/s", "pgscand/s", "pgsteal/s"), "pages/s",
                      labels=("freed", "scanned by kswapd", "scanned directly", "reclaimed")))),
    FigureSpec("io", "io", "I/O of physical disks",
               (Panel(("rtps", "wtps", "dtps"), "requests/s", stacked=True, labels=("reads", "writes", "discards")),
                Panel(("bread/s", "bwrtn/s", "bdscd/s"), "blocks/s (512 B)", labels=("read", "written", "discarded")))),
    FigureSpec("disk", "disk", "Block device {item}",
               (Panel(("rkB/s", "wkB/s", "dkB/s"), "kB/s", labels=("read", "written", "discarded")),
                Panel(("tps",), "requests/s", labels=("transfers",)),
                Panel(("await", "aqu-sz"), "ms / requests", labels=("await (ms)", "queue size")),
                Panel(("%util",), "% busy", percent=True, labels=("utilisation",))),
               per_item=True),
    FigureSpec("net", "net_dev", "Network interface {item}",
               (Panel(("rxkB/s", "txkB/s"), "kB/s", labels=("received", "transmitted")),
                Panel(("rxpck/s", "txpck/s"), "packets/s", labels=("received", "transmitted")),
                Panel(("%ifutil",), "% of link", percent=True, labels=("utilisation",))),
               per_item=True),
    FigureSpec("net-errors", "net_edev", "Network errors (all interfaces)",
               (Panel(("rxerr/s", "txerr/s", "coll/s", "txcarr/s", "rxfram/s"), "errors/s",
                      labels=("receive errors", "transmit errors", "collisions", "carrier", "frame")),
                Panel(("rxdrop/s", "txdrop/s", "rxfifo/s", "txfifo/s"), "packets/s",
                      labels=("receive drops", "transmit drops", "receive FIFO", "transmit FIFO")))),
    FigureSpec("hugepages", "huge", "Hugepages",
               (Panel(("kbhugused", "kbhugfree", "kbhugrsvd", "kbhugsurp"), "MiB", scale=KIB_TO_MIB,
                      labels=("used", "free", "reserved", "surplus")),
                Panel(("%hugused",), "% of the pool", percent=True, labels=("used",)))),
    FigureSpec("kernel-tables", "ktables", "Kernel tables: dentries, inodes, file handles, terminals",
               (Panel(("dentunusd", "inode-nr"), "entries", labels=("unused dentries (cached)", "inodes in use")),
                Panel(("file-nr", "pty-nr"), "in use", labels=("file handles", "pseudo-terminals")))),
    FigureSpec("nfs", "net_nfs", "NFS client",
               (Panel(("call/s", "retrans/s"), "RPC calls/s", labels=("calls", "retransmitted")),
                Panel(("read/s", "write/s", "access/s", "getatt/s"), "calls/s",
                      labels=("read", "write", "access", "getattr")))),
    FigureSpec("nfsd", "net_nfsd", "NFS server",
               (Panel(("scall/s", "badcall/s"), "RPC calls/s", labels=("calls", "bad calls")),
                Panel(("packet/s", "udp/s", "tcp/s"), "packets/s", labels=("all", "UDP", "TCP")),
                Panel(("hit/s", "miss/s"), "per second", labels=("reply cache hits", "reply cache misses")),
                Panel(("sread/s", "swrite/s", "saccess/s", "sgetatt/s"), "calls/s",
                      labels=("read", "write", "access", "getattr")))),
    FigureSpec("sockets", "sock", "IPv4 sockets in use",
               (Panel(("totsck", "tcpsck", "udpsck", "rawsck"), "sockets",
                      labels=("all families", "TCP", "UDP", "raw")),
                Panel(("tcp-tw", "ip-frag"), "count", labels=("TCP in TIME_WAIT", "IP fragment queues")))),
    FigureSpec("ip", "net_ip", "IPv4 datagrams",
               (Panel(("irec/s", "idel/s", "orq/s", "fwddgm/s"), "datagrams/s",
                      labels=("received", "delivered", "sent", "forwarded")),
                Panel(("asmrq/s", "asmok/s", "fragok/s", "fragcrt/s"), "per second",
                      labels=("reassemblies needed", "reassembled", "fragmented", "fragments made")))),
    FigureSpec("ip-errors", "net_eip", "IPv4 errors",
               (Panel(("ihdrerr/s", "iadrerr/s", "iukwnpr/s", "idisc/s", "odisc/s", "onort/s", "asmf/s", "fragf/s"),
                      "datagrams/s", labels=("header errors", "bad address", "unknown protocol", "dropped in",
                                             "dropped out", "no route", "reassembly failed", "fragmentation failed")),)),
    FigureSpec("icmp", "net_icmp", "ICMPv4 messages",
               (Panel(("imsg/s", "omsg/s"), "messages/s", labels=("received", "sent")),
                Panel(("iech/s", "iechr/s", "oech/s", "oechr/s"), "messages/s",
                      labels=("echo requests in", "echo replies in", "echo requests out", "echo replies out")),
                Panel(("itm/s", "itmr/s", "otm/s", "otmr/s", "iadrmk/s", "iadrmkr/s", "oadrmk/s", "oadrmkr/s"),
                      "messages/s", labels=("timestamp requests in", "timestamp replies in", "timestamp requests out",
                                            "timestamp replies out", "address mask requests in",
                                            "address mask replies in", "address mask requests out",
                                            "address mask replies out")))),
    FigureSpec("icmp-errors", "net_eicmp", "ICMPv4 errors",
               (Panel(("ierr/s", "oerr/s"), "messages/s", labels=("received in error", "not sent (errors)")),
                Panel(("idstunr/s", "odstunr/s", "itmex/s", "otmex/s", "iparmpb/s", "oparmpb/s", "isrcq/s",
                       "osrcq/s", "iredir/s", "oredir/s"), "messages/s",
                      labels=("unreachable in", "unreachable out", "time exceeded in", "time exceeded out",
                              "parameter problem in", "parameter problem out", "source quench in",
                              "source quench out", "redirect in", "redirect out")))),
    FigureSpec("tcp", "net_tcp", "TCPv4 connections and segments",
               (Panel(("active/s", "passive/s"), "connections/s", labels=("opened (connect)", "accepted")),
                Panel(("iseg/s", "oseg/s"), "segments/s", labels=("received", "sent")))),
    FigureSpec("tcp-errors", "net_etcp", "TCPv4 errors",
               (Panel(("atmptf/s", "estres/s", "orsts/s"), "per second",
                      labels=("failed connection attempts", "established connections reset", "resets sent")),
                Panel(("retrans/s", "isegerr/s"), "segments/s", labels=("retransmitted", "received with errors")))),
    FigureSpec("udp", "net_udp", "UDPv4 datagrams",
               (Panel(("idgm/s", "odgm/s"), "datagrams/s", labels=("received", "sent")),
                Panel(("noport/s", "idgmerr/s"), "datagrams/s", labels=("to no port", "received with errors")))),
    FigureSpec("sockets6", "sock6", "IPv6 sockets in use",
               (Panel(("tcp6sck", "udp6sck", "raw6sck", "ip6-frag"), "count",
                      labels=("TCP", "UDP", "raw", "fragment queues")),)),
    FigureSpec("ip6", "net_ip6", "IPv6 packets",
               (Panel(("irec6/s", "idel6/s", "orq6/s", "fwddgm6/s"), "packets/s",
                      labels=("received", "delivered", "sent", "forwarded")),
                Panel(("imcpck6/s", "omcpck6/s"), "packets/s", labels=("multicast received", "multicast sent")),
                Panel(("asmrq6/s", "asmok6/s", "fragok6/s", "fragcr6/s"), "per second",
                      labels=("reassemblies needed", "reassembled", "fragmented", "fragments made")))),
    FigureSpec("ip6-errors", "net_eip6", "IPv6 errors",
               (Panel(("ihdrer6/s", "iadrer6/s", "iukwnp6/s", "i2big6/s", "itrpck6/s"), "packets/s",
                      labels=("header errors", "bad address", "unknown protocol", "too big", "truncated")),
                Panel(("idisc6/s", "odisc6/s", "inort6/s", "onort6/s", "asmf6/s", "fragf6/s"), "packets/s",
                      labels=("dropped in", "dropped out", "no route in", "no route out", "reassembly failed",
                              "fragmentation failed")))),
    FigureSpec("icmp6", "net_icmp6", "ICMPv6 messages",
               (Panel(("imsg6/s", "omsg6/s", "iech6/s", "iechr6/s", "oechr6/s"), "messages/s",
                      labels=("received", "sent", "echo requests in", "echo replies in", "echo replies out")),
                Panel(("igmbq6/s", "igmbr6/s", "ogmbr6/s", "igmbrd6/s", "ogmbrd6/s"), "messages/s",
                      labels=("group queries in", "group reports in", "group reports out", "group leaves in",
                              "group leaves out")),
                Panel(("irtsol6/s", "ortsol6/s", "irtad6/s", "inbsol6/s", "onbsol6/s", "inbad6/s", "onbad6/s"),
                      "messages/s", labels=("router solicitations in", "router solicitations out",
                                            "router advertisements in", "neighbour solicitations in",
                                            "neighbour solicitations out", "neighbour advertisements in",
                                            "neighbour advertisements out")))),
    FigureSpec("icmp6-errors", "net_eicmp6", "ICMPv6 errors",
               (Panel(("ierr6/s", "idtunr6/s", "odtunr6/s", "itmex6/s", "otmex6/s", "iprmpb6/s", "oprmpb6/s",
                       "iredir6/s", "oredir6/s", "ipck2b6/s", "opck2b6/s"), "messages/s",
                      labels=("bad messages in", "unreachable in", "unreachable out", "time exceeded in",
                              "time exceeded out", "parameter problem in", "parameter problem out",
                              "redirects in", "redirects out", "packet too big in", "packet too big out")),)),
    FigureSpec("udp6", "net_udp6", "UDPv6 datagrams",
               (Panel(("idgm6/s", "odgm6/s"), "datagrams/s", labels=("received", "sent")),
                Panel(("noport6/s", "idgmer6/s"), "datagrams/s", labels=("to no port", "received with errors")))),
    # activities/fchost.py: one figure per Fibre Channel adapter.
    FigureSpec("fc", "net_fc", "Fibre Channel adapter {item}",
               (Panel(("fch_rxf/s", "fch_txf/s"), "frames/s", labels=("received", "transmitted")),
                Panel(("fch_rxw/s", "fch_txw/s"), "words/s (4 B)", labels=("received", "transmitted"))),
               per_item=True),
    # activities/softnet.py: its first row is CPU "all".
    FigureSpec("softnet", "softnet", "Network softirq work (all CPUs)",
               (Panel(("total/s",), "packets/s", labels=("processed",)),
                Panel(("dropd/s", "squeezd/s", "rx_rps/s", "flw_lim/s"), "per second",
                      labels=("dropped (backlog full)", "softirq run cut short", "received by RPS IPI",
                              "flow limit hit")),
                Panel(("blg_len",), "packets", labels=("backlog queue length",)))),
    FigureSpec("fs", "filesystems", "Filesystem {item}",
               (Panel(("%fsused", "%ufsused", "%Iused"), "% used", percent=True,
                      labels=("space", "space (root's reserve counted)", "inodes")),
                Panel(("MBfsfree", "MBfsused"), "MB", stacked=True, labels=("free", "used"))),
               per_item=True),
    # activities/power.py: its first row is CPU "all".
    FigureSpec("cpufreq", "pwr_cpu", "CPU clock frequency (mean of all CPUs)",
               (Panel(("MHz",), "MHz", labels=("clock frequency",)),)),
    FigureSpec("pressure", "pressure", "Pressure stall (share of time tasks waited)",
               (Panel(("cpu some", "memory some", "memory full", "io some", "io full"), "% of time", percent=True),)),
    # activities/irq.py: its first row is "sum", every interrupt on every CPU (the "all" column).
    FigureSpec("interrupts", "irq", "Interrupts (every interrupt, all CPUs)",
               (Panel(("all",), "interrupts/s", labels=("all interrupts",)),)),
    # activities/tty.py: one figure per serial port.
    FigureSpec("serial", "tty", "Serial line ttyS{item}",
               (Panel(("rcvin/s", "xmtin/s"), "characters/s", labels=("received", "sent")),
                Panel(("framerr/s", "prtyerr/s", "brk/s", "ovrun/s"), "per second",
                      labels=("framing errors", "parity errors", "breaks", "overruns"))),
               per_item=True),
    FigureSpec("tasks", "tasks", "Task creation and context switches",
               (Panel(("proc/s",), "tasks/s", labels=("tasks created",)),
                Panel(("cswch/s",), "switches/s", labels=("context switches",)))),
    # activities/time.py; clock steps are drawn as marks on every figure (series.py), like restarts.
    FigureSpec("clock", "time", "Clock: offset, error bounds and frequency correction",
               (Panel(("offset", "koffset"), "ms", signed=True,
                      labels=("offset θ against servers (+: this host is behind)", "kernel offset still to slew")),
                Panel(("maxerr", "esterr"), "ms", labels=("maximum error", "estimated error")),
                Panel(("freq",), "ppm", signed=True, labels=("frequency correction",)))),
    # activities/cache.py: one figure per memcached server of [cache] servers; a gap where it did not answer.
    FigureSpec("memcached", "cache", "memcached {item}",
               (Panel(("get/s", "hit/s", "miss/s", "set/s"), "operations/s",
                      labels=("lookups", "hits", "misses", "stores")),
                Panel(("%hit", "%fill"), "percent", percent=True, labels=("hit ratio", "fill (bytes of -m)")),
                Panel(("evict/s", "recl/s"), "items/s", labels=("evicted (still valid)", "expired, memory reused")),
                Panel(("rxkB/s", "txkB/s"), "kB/s", labels=("received", "sent"))),
               per_item=True),
)  # fmt: skip

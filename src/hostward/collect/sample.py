"""One sample of every system-wide activity: what the recorder stores and what live reports read."""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import import_module

from hostward.collect.cpu import CpuStat, read_stat
from hostward.collect.disk import DiskStats, read_diskstats
from hostward.collect.load import LoadAvg, read_loadavg, read_uptime
from hostward.collect.memory import MemInfo, VmStat, read_meminfo, read_vmstat
from hostward.collect.net import NetDev, read_net_dev
from hostward.collect.pressure import PressureSet, read_pressure
from hostward.frozen import frozen
from hostward.procfs import ProcFS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:  # annotations only: live reports import the process sampler and optional readers they use
    from typing import Any

    from hostward.collect.fchost import FcHost
    from hostward.collect.filesystems import Filesystem
    from hostward.collect.interrupts import Interrupts
    from hostward.collect.kernel import KernelTables
    from hostward.collect.nfs import NfsClient, NfsServer
    from hostward.collect.power import CpuFrequency
    from hostward.collect.procs import ProcessInfo
    from hostward.collect.serial import SerialLine
    from hostward.collect.snmp import Snmp
    from hostward.collect.snmp6 import Snmp6
    from hostward.collect.sockets import Sockets, Sockets6
    from hostward.collect.softnet import Softnet


@frozen
class ClockSample:
    """The kernel clock's NTP state (adjtimex) and, when servers are configured, the offset measured against
    them: integers in the kernel's own units, so the store keeps them exactly and compactly (a float that is
    not a whole number of hundredths would switch a whole sample to 8-byte float patterns). The recorder
    builds it from ``hostward.ntp.sample.TimeSample``; collect itself does not import ntp.
    """

    synchronised: bool  # STA_UNSYNC clear and state != TIME_ERROR (node_timex_sync_status)
    clock_state: int  # adjtimex(2) return value: TIME_OK 0 ... TIME_ERROR 5
    kernel_offset_ns: int  # phase correction the kernel PLL is still slewing in (timex.offset)
    frequency_scaled_ppm: int  # timex.freq: ppm with a 16-bit binary fraction (65536 = 1 ppm)
    maxerror_us: int  # timex.maxerror
    esterror_us: int  # timex.esterror
    # RFC 5905 theta against the configured servers (server - local), valid only when server_offset_known;
    # the recorder measures it at most every few tens of seconds and repeats the last value in between.
    server_offset_known: bool = False
    server_offset_ns: int = 0
    server_error_ns: int = 0  # root distance of the selected server
    servers_queried: int = 0
    servers_agreeing: int = 0

    @property
    def frequency_ppm(self) -> float:
        return self.frequency_scaled_ppm / 65536.0

    @property
    def maxerror_seconds(self) -> float:
        return self.maxerror_us / 1e6

    @property
    def esterror_seconds(self) -> float:
        return self.esterror_us / 1e6

    @property
    def kernel_offset_seconds(self) -> float:
        return self.kernel_offset_ns / 1e9

    @property
    def server_offset_seconds(self) -> float | None:
        return self.server_offset_ns / 1e9 if self.server_offset_known else None


@frozen
class MemcachedSample:
    """One memcached server's ``stats`` counters at one sample, raw (rates are computed when reading).

    ``present`` is False when the server gave no fresh reply for this sample (down, slow, not memcached): the
    counters are then 0 and mean nothing, and reports show a gap. ``age_ms`` is how long before the sample the
    reply was complete (it is polled off the sampling path), so a rate uses the time between the two replies.
    A field the server did not send (an older or odder memcached) is 0. The recorder builds it from
    ``hostward.cache.stats.StatsReply``; collect itself does not import cache.
    """

    server: str  # as configured: HOST:PORT, [v6]:PORT or unix:/path
    present: bool = False
    age_ms: int = 0
    pid: int = 0
    uptime: int = 0  # seconds since the server started (gauge; goes back on a restart)
    cmd_get: int = 0
    get_hits: int = 0
    get_misses: int = 0
    get_expired: int = 0
    cmd_set: int = 0
    cmd_flush: int = 0
    delete_hits: int = 0
    delete_misses: int = 0
    evictions: int = 0
    reclaimed: int = 0
    expired_unfetched: int = 0
    evicted_unfetched: int = 0
    store_too_large: int = 0
    store_no_memory: int = 0
    bytes: int = 0  # gauge: memory used by items
    limit_maxbytes: int = 0  # gauge: -m
    curr_items: int = 0  # gauge
    total_items: int = 0
    curr_connections: int = 0  # gauge
    max_connections: int = 0  # gauge: -c
    total_connections: int = 0
    rejected_connections: int = 0
    listen_disabled_num: int = 0
    bytes_read: int = 0
    bytes_written: int = 0


@frozen
class SystemSample:
    """Raw cumulative counters and gauges at one instant. Rates are computed between two samples, later."""

    timestamp: float  # wall clock, seconds since the epoch: only for labelling rows
    uptime_seconds: float  # /proc/uptime: intervals are measured with this, never with the wall clock
    cpu: CpuStat
    load: LoadAvg
    memory: MemInfo
    vmstat: VmStat
    disks: tuple[DiskStats, ...]
    nets: tuple[NetDev, ...]
    pressure: PressureSet | None
    # The largest processes by resident memory at this instant (RecordConfig.top_processes of them), filled
    # by the recorder for post-mortems; sample_system leaves it empty.
    top_processes: tuple[ProcessInfo, ...] = ()
    # Time health, filled by the recorder (one adjtimex call per sample); None in files written before it was
    # recorded and from sample_system, which reads only /proc.
    time: ClockSample | None = None
    # memcached servers of ``[cache] servers``, one record each in configuration order, filled by the recorder;
    # empty in files written before it was recorded, without servers configured, and from sample_system.
    caches: tuple[MemcachedSample, ...] = ()
    # sar -v, -n SOCK and -n SOCK6: None in files written before they were recorded (reports then show nothing).
    ktables: KernelTables | None = None
    sockets: Sockets | None = None
    sockets6: Sockets6 | None = None
    snmp: Snmp | None = None  # sar -n IP, EIP, TCP, ETCP, UDP
    snmp6: Snmp6 | None = None  # sar -n IP6, EIP6, ICMP6, EICMP6, UDP6
    interrupts: Interrupts | None = None  # sar -I: per interrupt and CPU (not an OPTIONAL_GROUPS record)
    nfs: NfsClient | None = None  # sar -n NFS
    nfsd: NfsServer | None = None  # sar -n NFSD
    serial: tuple[SerialLine, ...] = ()  # sar -y: serial ports with tx/rx accounting (root only)
    softnet: Softnet | None = None  # sar -n SOFT: per CPU (not an OPTIONAL_GROUPS record)
    # sar -F: None when not recorded (sadc records them with -S XDISK), () when no filesystem qualifies.
    filesystems: tuple[Filesystem, ...] | None = None
    # sar -m CPU: "all" then each CPU; None when not recorded (sadc records it with -S POWER) or not readable.
    cpufreq: tuple[CpuFrequency, ...] | None = None
    # sar -n FC: one record per Fibre Channel adapter; None when not recorded (sadc records it with -S DISK) or
    # the host has no adapter.
    fchosts: tuple[FcHost, ...] | None = None


# The optional records (SystemSample fields) and their readers, imported when first read: a live report reads,
# and its command imports, only the records it shows (issue 17: start-up and CPU per live sample).
OPTIONAL_READERS: dict[str, tuple[str, str]] = {
    "ktables": ("hostward.collect.kernel", "read_kernel_tables"),
    "sockets": ("hostward.collect.sockets", "read_sockets"),
    "sockets6": ("hostward.collect.sockets", "read_sockets6"),
    "snmp": ("hostward.collect.snmp", "read_snmp"),
    "snmp6": ("hostward.collect.snmp6", "read_snmp6"),
    "interrupts": ("hostward.collect.interrupts", "read_interrupts"),
    "nfs": ("hostward.collect.nfs", "read_nfs_client"),
    "nfsd": ("hostward.collect.nfs", "read_nfs_server"),
    "serial": ("hostward.collect.serial", "read_serial"),
    "softnet": ("hostward.collect.softnet", "read_softnet"),
    "filesystems": ("hostward.collect.filesystems", "read_filesystems"),
    "cpufreq": ("hostward.collect.power", "read_cpufreq"),
    "fchosts": ("hostward.collect.fchost", "read_fchosts"),
}
# Readers of files under /sys, which ``read_optional`` (under /proc) does not reach: they also take the sysfs root.
SYSFS_READERS = frozenset({"fchosts"})


def optional_reader(name: str, procfs: ProcFS) -> Callable[[Callable[[str], str | None]], Any]:
    """OPTIONAL_READERS' reader of record ``name``, imported, reading /sys under ``procfs.sys`` if it reads /sys."""
    module, reader = OPTIONAL_READERS[name]
    read = getattr(import_module(module), reader)
    if name in SYSFS_READERS:
        return lambda read_optional: read(read_optional, procfs.sys)
    return read  # type: ignore[no-any-return]


def sample_system(
    procfs: ProcFS, clock: Callable[[], float] = time.time, parts: frozenset[str] | None = None
) -> SystemSample:
    """Read every source once (with ``parts``, of the optional records only those: the others keep their
    "not read" defaults). The uptime is read first and the wall clock right after, so both label the same
    instant; /proc/stat next, since CPU percentages are the most sensitive to read skew."""
    uptime = read_uptime(procfs)
    now = clock()
    cpu = read_stat(procfs)
    load, memory, vmstat = read_loadavg(procfs), read_meminfo(procfs), read_vmstat(procfs)
    disks, nets, pressure = read_diskstats(procfs), read_net_dev(procfs), read_pressure(procfs)
    optional: dict[str, Any] = {}
    for field_name in OPTIONAL_READERS:
        if parts is None or field_name in parts:
            optional[field_name] = optional_reader(field_name, procfs)(procfs.read_optional)
    return SystemSample(
        timestamp=now,
        uptime_seconds=uptime.uptime_seconds,
        cpu=cpu,
        load=load,
        memory=memory,
        vmstat=vmstat,
        disks=disks,
        nets=nets,
        pressure=pressure,
        **optional,
    )

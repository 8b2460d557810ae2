"""One sample of every system-wide activity: what the recorder stores and what live reports read."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hostward.collect.cpu import CpuStat, read_stat
from hostward.collect.disk import DiskStats, read_diskstats
from hostward.collect.filesystems import Filesystem, read_filesystems
from hostward.collect.interrupts import Interrupts, read_interrupts
from hostward.collect.kernel import KernelTables, read_kernel_tables
from hostward.collect.load import LoadAvg, read_loadavg, read_uptime
from hostward.collect.memory import MemInfo, VmStat, read_meminfo, read_vmstat
from hostward.collect.net import NetDev, read_net_dev
from hostward.collect.nfs import NfsClient, NfsServer, read_nfs_client, read_nfs_server
from hostward.collect.power import CpuFrequency, read_cpufreq
from hostward.collect.pressure import PressureSet, read_pressure
from hostward.collect.serial import SerialLine, read_serial
from hostward.collect.snmp import Snmp, read_snmp
from hostward.collect.snmp6 import Snmp6, read_snmp6
from hostward.collect.sockets import Sockets, Sockets6, read_sockets, read_sockets6
from hostward.collect.softnet import Softnet, read_softnet
from hostward.procfs import ProcFS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:  # an annotation only: live reports need not import the process sampler
    from hostward.collect.procs import ProcessInfo


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


def sample_system(procfs: ProcFS, clock: Callable[[], float] = time.time) -> SystemSample:
    """Read every source once. The uptime is read first and the wall clock right after, so both label the
    same instant; /proc/stat next, since CPU percentages are the most sensitive to read skew."""
    uptime = read_uptime(procfs)
    now = clock()
    return SystemSample(
        timestamp=now,
        uptime_seconds=uptime.uptime_seconds,
        cpu=read_stat(procfs),
        load=read_loadavg(procfs),
        memory=read_meminfo(procfs),
        vmstat=read_vmstat(procfs),
        disks=read_diskstats(procfs),
        nets=read_net_dev(procfs),
        pressure=read_pressure(procfs),
        ktables=read_kernel_tables(procfs.read_optional),
        sockets=read_sockets(procfs.read_optional),
        sockets6=read_sockets6(procfs.read_optional),
        snmp=read_snmp(procfs.read_optional),
        snmp6=read_snmp6(procfs.read_optional),
        interrupts=read_interrupts(procfs.read_optional),
        nfs=read_nfs_client(procfs.read_optional),
        nfsd=read_nfs_server(procfs.read_optional),
        serial=read_serial(procfs.read_optional),
        softnet=read_softnet(procfs.read_optional),
        filesystems=read_filesystems(procfs.read_optional),
        cpufreq=read_cpufreq(procfs.read_optional),
    )

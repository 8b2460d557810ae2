"""node_exporter 1.5.0's system-wide families, same name, type, labels, unit and value.

Read from the kernel when a scrape arrives. Sources and conversions follow node_exporter's collectors:
cpu (cpu_linux.go), stat (stat_linux.go), loadavg, meminfo (meminfo_linux.go), vmstat (default field set),
pressure (pressure_linux.go), time, timex (timex.go), uname and os (os_release.go). Disks, interfaces and
filesystems are in ``node_devices``; filefd, sockstat and netstat in ``node_net``.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import Metric

from hostward.collect.cpu import CpuTimes, parse_stat
from hostward.collect.fields import parse_meminfo_fields, parse_vmstat_fields
from hostward.collect.load import parse_loadavg
from hostward.collect.pressure import Pressure, parse_pressure
from hostward.errors import CollectError
from hostward.export.families import CounterFamily, GaugeFamily, UntypedFamily
from hostward.export.node_net import filefd_families, netstat_families, sockstat_families
from hostward.export.scrapefiles import ScrapeFiles
from hostward.ntp.adjtimex import RawTimex, libc_adjtimex
from hostward.procfs import ProcFS

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
# USER_HZ: /proc/stat counts in 1/100 s on every architecture Linux exports it for (node_exporter's userHZ).
USER_HZ = 100.0
# node_exporter --collector.vmstat.fields default
VMSTAT_FIELDS = re.compile(r"^(oom_kill|pgpg|pswp|pg.*fault).*")
_PARENS = re.compile(r"\((.*)\)")
_TIME_ERROR = 5  # adjtimex state: clock not synchronised
_STA_NANO = 0x2000
_PPM16FRAC = 1_000_000.0 * 65536.0


def meminfo_metric_name(key: str, in_kb: bool) -> str:
    """node_exporter's rule: ``Active(anon)`` -> ``Active_anon``; a value with a unit is kB, published in bytes."""
    name = _PARENS.sub(r"_\1", key)
    return f"node_memory_{name}_bytes" if in_kb else f"node_memory_{name}"


def cpu_families(stat_text: str) -> Iterator[Metric]:
    stat = parse_stat(stat_text)
    seconds = CounterFamily(
        "node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", labels=("cpu", "mode")
    )
    guest = CounterFamily(
        "node_cpu_guest_seconds_total",
        "Seconds the CPUs spent in guests (VMs) for each mode.",
        labels=("cpu", "mode"),
    )
    for number, times in enumerate(stat.per_cpu):
        if times is None:
            continue  # offline CPU: no line in /proc/stat
        cpu = str(number)
        for mode, ticks in _modes(times):
            seconds.add_metric((cpu, mode), ticks / USER_HZ)
        guest.add_metric((cpu, "nice"), times.guest_nice / USER_HZ)
        guest.add_metric((cpu, "user"), times.guest / USER_HZ)
    yield seconds
    yield guest
    yield GaugeFamily("node_boot_time_seconds", "Node boot time, in unixtime.", value=stat.boot_time)
    yield CounterFamily(
        "node_context_switches_total", "Total number of context switches.", value=stat.context_switches
    )
    yield CounterFamily("node_forks_total", "Total number of forks.", value=stat.forks)
    yield CounterFamily("node_intr_total", "Total number of interrupts serviced.", value=stat.interrupts)
    yield GaugeFamily(
        "node_procs_blocked",
        "Number of processes blocked waiting for I/O to complete.",
        value=stat.procs_blocked,
    )
    yield GaugeFamily(
        "node_procs_running", "Number of processes in runnable state.", value=stat.procs_running
    )


def _modes(t: CpuTimes) -> tuple[tuple[str, int], ...]:
    # node_exporter publishes user and nice as the kernel reports them: guest time is included in both
    # (the kernel adds it to user/nice too), unlike sar's %usr which subtracts it.
    return (
        ("idle", t.idle),
        ("iowait", t.iowait),
        ("irq", t.irq),
        ("nice", t.nice),
        ("softirq", t.softirq),
        ("steal", t.steal),
        ("system", t.system),
        ("user", t.user),
    )


def load_families(loadavg_text: str) -> Iterator[Metric]:
    load = parse_loadavg(loadavg_text)
    yield GaugeFamily("node_load1", "1m load average.", value=load.load1)
    yield GaugeFamily("node_load5", "5m load average.", value=load.load5)
    yield GaugeFamily("node_load15", "15m load average.", value=load.load15)


_MEMINFO_NAMES: dict[tuple[str, bool], tuple[str, str]] = {}  # the kernel's ~55 keys; named once


def _meminfo_name_and_help(key: str, in_kb: bool) -> tuple[str, str]:
    found = _MEMINFO_NAMES.get((key, in_kb))
    if found is None:
        name = meminfo_metric_name(key, in_kb)
        found = (name, f"Memory information field {name.removeprefix('node_memory_')}.")
        if len(_MEMINFO_NAMES) < 1024:  # bounded whatever a fixture or a future kernel writes
            _MEMINFO_NAMES[(key, in_kb)] = found
    return found


def meminfo_families(text: str) -> Iterator[Metric]:
    for f in parse_meminfo_fields(text):
        name, help_text = _meminfo_name_and_help(f.key, f.in_kb)
        yield GaugeFamily(name, help_text, value=f.value * 1024 if f.in_kb else f.value)


def vmstat_families(text: str) -> Iterator[Metric]:
    for f in parse_vmstat_fields(text, VMSTAT_FIELDS):
        yield UntypedFamily(f"node_vmstat_{f.key}", f"/proc/vmstat information field {f.key}.", f.value)


_PSI_HELP = {
    ("cpu", "waiting"): "Total time in seconds that processes have waited for CPU time",
    ("io", "waiting"): "Total time in seconds that processes have waited due to IO congestion",
    ("io", "stalled"): "Total time in seconds no process could make progress due to IO congestion",
    ("memory", "waiting"): "Total time in seconds that processes have waited for memory",
    ("memory", "stalled"): "Total time in seconds no process could make progress due to memory congestion",
}


def pressure_families(read: Callable[[str], str | None]) -> Iterator[Metric]:
    """``read(resource)`` returns /proc/pressure/<resource> or None (kernel without PSI, since 4.20)."""
    for resource in ("cpu", "io", "memory"):
        text = read(resource)
        if text is None:
            continue
        psi: Pressure = parse_pressure(text)
        yield CounterFamily(
            f"node_pressure_{resource}_waiting_seconds_total",
            _PSI_HELP[(resource, "waiting")],
            value=psi.some.total_us / 1e6,
        )
        # node_exporter 1.5.0 publishes no cpu "full" (system-wide it reads zero, 5.13+).
        if resource != "cpu" and psi.full is not None:
            yield CounterFamily(
                f"node_pressure_{resource}_stalled_seconds_total",
                _PSI_HELP[(resource, "stalled")],
                value=psi.full.total_us / 1e6,
            )


def time_families(now: float, clocksource: Callable[[str], str | None]) -> Iterator[Metric]:
    yield GaugeFamily("node_time_seconds", "System time in seconds since epoch (1970).", value=now)
    zone = time.localtime(now)
    offset = GaugeFamily(
        "node_time_zone_offset_seconds", "System time zone offset in seconds.", labels=("time_zone",)
    )
    offset.add_metric((zone.tm_zone,), zone.tm_gmtoff)
    yield offset
    current = clocksource("current_clocksource")
    available = clocksource("available_clocksource")
    if current is not None and available is not None:
        avail = GaugeFamily(
            "node_time_clocksource_available_info",
            "Available clocksources read from '/sys/devices/system/clocksource'.",
            labels=("clocksource", "device"),
        )
        for name in available.split():
            avail.add_metric((name, "0"), 1)
        yield avail
        cur = GaugeFamily(
            "node_time_clocksource_current_info",
            "Current clocksource read from '/sys/devices/system/clocksource'.",
            labels=("clocksource", "device"),
        )
        cur.add_metric((current.strip(), "0"), 1)
        yield cur


def timex_families(raw: RawTimex) -> Iterator[Metric]:
    """timex.go: offsets in ns when STA_NANO is set, else us; frequencies in 16-bit fractional ppm."""
    divisor = 1e9 if raw.status & _STA_NANO else 1e6
    gauges = (
        (
            "sync_status",
            "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
            0 if raw.state == _TIME_ERROR else 1,
        ),
        ("offset_seconds", "Time offset in between local system and reference clock.", raw.offset / divisor),
        ("frequency_adjustment_ratio", "Local clock frequency adjustment.", 1 + raw.freq / _PPM16FRAC),
        ("maxerror_seconds", "Maximum error in seconds.", raw.maxerror_us / 1e6),
        ("estimated_error_seconds", "Estimated error in seconds.", raw.esterror_us / 1e6),
        ("status", "Value of the status array bits.", raw.status),
        ("loop_time_constant", "Phase-locked loop time constant.", raw.constant),
        ("tick_seconds", "Seconds between clock ticks.", raw.tick_us / 1e6),
        ("pps_frequency_hertz", "Pulse per second frequency.", raw.ppsfreq / _PPM16FRAC),
        ("pps_jitter_seconds", "Pulse per second jitter.", raw.jitter / divisor),
        ("pps_shift_seconds", "Pulse per second interval duration.", raw.shift),
        (
            "pps_stability_hertz",
            "Pulse per second stability, average of recent frequency changes.",
            raw.stabil / _PPM16FRAC,
        ),
        ("tai_offset_seconds", "International Atomic Time (TAI) offset.", raw.tai),
    )
    for name, help_text, value in gauges:
        yield GaugeFamily(f"node_timex_{name}", help_text, value=value)
    counters = (
        ("pps_jitter_total", "Pulse per second count of jitter limit exceeded events.", raw.jitcnt),
        ("pps_calibration_total", "Pulse per second count of calibration intervals.", raw.calcnt),
        ("pps_error_total", "Pulse per second count of calibration errors.", raw.errcnt),
        (
            "pps_stability_exceeded_total",
            "Pulse per second count of stability limit exceeded events.",
            raw.stbcnt,
        ),
    )
    for name, help_text, count in counters:
        yield CounterFamily(f"node_timex_{name}", help_text, value=count)


def uname_family(uname: os.uname_result, domainname: str) -> Metric:
    family = GaugeFamily(
        "node_uname_info",
        "Labeled system information as provided by the uname system call.",
        labels=("domainname", "machine", "nodename", "release", "sysname", "version"),
    )
    family.add_metric(
        (domainname, uname.machine, uname.nodename, uname.release, uname.sysname, uname.version), 1
    )
    return family


_OS_LABELS = (
    "build_id", "id", "id_like", "image_id", "image_version", "name", "pretty_name", "variant", "variant_id",
    "version", "version_codename", "version_id",
)  # fmt: skip


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with optional shell quoting (os-release(5)); unknown keys kept, comments skipped."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, raw = line.strip().partition("=")
        if not sep or key.startswith("#"):
            continue
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
            raw = raw[1:-1]
        values[key.strip().lower()] = raw
    return values


def os_families(os_release: dict[str, str]) -> Iterator[Metric]:
    info = GaugeFamily(
        "node_os_info",
        "A metric with a constant '1' value labeled by " + ", ".join(_OS_LABELS) + ".",
        labels=_OS_LABELS,
    )
    info.add_metric(tuple(os_release.get(k, "") for k in _OS_LABELS), 1)
    yield info
    match = re.match(r"\d+(\.\d+)?", os_release.get("version_id", ""))
    if match:
        version = GaugeFamily(
            "node_os_version",
            "Metric containing the major.minor part of the OS version.",
            labels=("id", "id_like", "name"),
        )
        version.add_metric(
            (os_release.get("id", ""), os_release.get("id_like", ""), os_release.get("name", "")),
            float(match[0]),
        )
        yield version


class NodeCollector:
    """The system-wide node_* families, read from ``procfs`` at each scrape."""

    def __init__(
        self,
        procfs: ProcFS | None = None,
        *,
        clock: Callable[[], float] = time.time,
        adjtimex: Callable[[], RawTimex] = libc_adjtimex,
        os_release_paths: tuple[str, ...] = ("/etc/os-release", "/usr/lib/os-release"),
    ) -> None:
        self.procfs = procfs or ProcFS()
        self.files = ScrapeFiles(self.procfs)  # kept open between scrapes
        self.clock = clock
        self.adjtimex = adjtimex
        self.os_release = self._read_os_release(os_release_paths)  # node_exporter caches it too
        self.uname = os.uname()
        domain = self.procfs.read_optional("sys/kernel/domainname")
        self.domainname = domain.strip() if domain is not None else "(none)"

    @staticmethod
    def _read_os_release(paths: tuple[str, ...]) -> dict[str, str]:
        for path in paths:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    return parse_os_release(handle.read(65536))
            except OSError:
                continue
        return {}

    def collect(self) -> Iterator[Metric]:
        p = self.files
        yield from cpu_families(p.read("stat"))
        yield from load_families(p.read("loadavg"))
        yield from meminfo_families(p.read("meminfo"))
        yield from vmstat_families(p.read("vmstat"))
        yield from pressure_families(lambda r: p.read_optional(f"pressure/{r}"))
        yield from time_families(
            self.clock(), lambda f: p.read_sys_optional(f"devices/system/clocksource/clocksource0/{f}")
        )
        # no adjtimex (seccomp, foreign libc): the family is absent, as node_exporter's on error
        with contextlib.suppress(CollectError):
            yield from timex_families(self.adjtimex())
        yield uname_family(self.uname, self.domainname)
        yield from os_families(self.os_release)
        file_nr = p.read_optional("sys/fs/file-nr")
        if file_nr is not None:
            yield from filefd_families(file_nr)
        yield from sockstat_families(
            p.read_optional("net/sockstat"), p.read_optional("net/sockstat6"), PAGE_SIZE
        )
        yield from netstat_families(
            p.read_optional("net/netstat"), p.read_optional("net/snmp"), p.read_optional("net/snmp6")
        )

"""node_exporter 1.5.0's per-device families: diskstats, netdev and filesystem, with its default filters.

Output is bounded: a host with thousands of devices (containers' veths, loop devices) publishes at most
``max_devices`` of each kind, and says how many it dropped in ``hostward_metrics_devices_dropped``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from prometheus_client.core import Metric

from hostward.collect.disk import DiskStats, parse_diskstats
from hostward.collect.net import NetDev, parse_net_dev
from hostward.export.families import CounterFamily, GaugeFamily, TextFamily
from hostward.export.mountstat import MOUNT_TIMEOUT_SECONDS, MountStatter, StatResult

# node_exporter 1.5.0 defaults (the Debian package's own flags, logged at its start-up):
DISK_EXCLUDE = re.compile(r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$")
NETDEV_EXCLUDE = re.compile(r"^lo$")  # Debian's /etc/default/prometheus-node-exporter excludes lo
MOUNT_EXCLUDE = re.compile(
    r"^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
)
FSTYPE_EXCLUDE = re.compile(
    r"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|"
    r"overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"
)
SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors whatever the device's block size
MAX_DEVICES = 512


@dataclass(frozen=True, slots=True)
class _Disk:
    name: str
    help: str
    kind: str  # "counter" or "gauge"
    value: Callable[[DiskStats], float]


_DISK = (
    _Disk("reads_completed_total", "The total number of reads completed successfully.", "counter", lambda d: d.read_ios),
    _Disk("reads_merged_total", "The total number of reads merged.", "counter", lambda d: d.read_merges),
    _Disk("read_bytes_total", "The total number of bytes read successfully.", "counter", lambda d: d.read_sectors * SECTOR_BYTES),
    _Disk("read_time_seconds_total", "The total number of seconds spent by all reads.", "counter", lambda d: d.read_ticks_ms / 1000),
    _Disk("writes_completed_total", "The total number of writes completed successfully.", "counter", lambda d: d.write_ios),
    _Disk("writes_merged_total", "The number of writes merged.", "counter", lambda d: d.write_merges),
    _Disk("written_bytes_total", "The total number of bytes written successfully.", "counter", lambda d: d.write_sectors * SECTOR_BYTES),
    _Disk("write_time_seconds_total", "This is the total number of seconds spent by all writes.", "counter", lambda d: d.write_ticks_ms / 1000),
    _Disk("io_now", "The number of I/Os currently in progress.", "gauge", lambda d: d.in_flight),
    _Disk("io_time_seconds_total", "Total seconds spent doing I/Os.", "counter", lambda d: d.io_ticks_ms / 1000),
    _Disk("io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", "counter", lambda d: d.queue_ticks_ms / 1000),
    _Disk("discards_completed_total", "The total number of discards completed successfully.", "counter", lambda d: d.discard_ios),
    _Disk("discards_merged_total", "The total number of discards merged.", "counter", lambda d: d.discard_merges),
    _Disk("discarded_sectors_total", "The total number of sectors discarded successfully.", "counter", lambda d: d.discard_sectors),
    _Disk("discard_time_seconds_total", "This is the total number of seconds spent by all discards.", "counter", lambda d: d.discard_ticks_ms / 1000),
)  # fmt: skip

# /proc/net/dev column -> node_exporter's legacy name (netdev_linux.go)
_NET = (
    ("receive_bytes", "rx_bytes"), ("receive_packets", "rx_packets"), ("receive_errs", "rx_errors"),
    ("receive_drop", "rx_dropped"), ("receive_fifo", "rx_fifo"), ("receive_frame", "rx_frame"),
    ("receive_compressed", "rx_compressed"), ("receive_multicast", "rx_multicast"),
    ("transmit_bytes", "tx_bytes"), ("transmit_packets", "tx_packets"), ("transmit_errs", "tx_errors"),
    ("transmit_drop", "tx_dropped"), ("transmit_fifo", "tx_fifo"), ("transmit_colls", "tx_collisions"),
    ("transmit_carrier", "tx_carrier"), ("transmit_compressed", "tx_compressed"),
)  # fmt: skip


def disk_families(text: str, max_devices: int = MAX_DEVICES) -> tuple[list[Metric], int]:
    """The node_disk_* families and how many devices were left out over ``max_devices``."""
    disks = [d for d in parse_diskstats(text) if not DISK_EXCLUDE.match(d.name)]
    dropped = max(0, len(disks) - max_devices)
    families: list[Metric] = []
    for spec in _DISK:
        name = f"node_disk_{spec.name}"
        family: Metric = (
            CounterFamily(name, spec.help, labels=("device",))
            if spec.kind == "counter"
            else GaugeFamily(name, spec.help, labels=("device",))
        )
        for disk in disks[:max_devices]:
            family.add_metric((disk.name,), spec.value(disk))  # type: ignore[attr-defined]
        families.append(family)
    kept = {d.name for d in disks[:max_devices]}
    extra = _flush_and_numbers(text, kept)
    flush = CounterFamily(
        "node_disk_flush_requests_total",
        "The total number of flush requests completed successfully",
        labels=("device",),
    )
    flush_time = CounterFamily(
        "node_disk_flush_requests_time_seconds_total",
        "This is the total number of seconds spent by all flush requests.",
        labels=("device",),
    )
    info = GaugeFamily(
        "node_disk_info",
        "Info of /sys/block/<block_device>.",
        labels=("device", "major", "minor", "model", "path", "revision", "serial", "wwn"),
    )
    for disk in disks[:max_devices]:
        # udev properties (model, serial, ...) need /run/udev/data; hostward leaves them empty, as
        # node_exporter does where udev is absent.
        info.add_metric((disk.name, str(disk.major), str(disk.minor), "", "", "", "", ""), 1)
        if disk.name in extra:  # fields 19-20 since 5.5
            flush.add_metric((disk.name,), extra[disk.name][0])
            flush_time.add_metric((disk.name,), extra[disk.name][1] / 1000)
    families += [flush, flush_time, info]
    return families, dropped


def _flush_and_numbers(text: str, names: set[str]) -> dict[str, tuple[int, int]]:
    """Flush requests completed and milliseconds spent, fields 19-20 of /proc/diskstats (since 5.5)."""
    found: dict[str, tuple[int, int]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 20 and parts[2] in names:
            try:
                found[parts[2]] = (int(parts[18]), int(parts[19]))
            except ValueError:
                continue
    return found


def speed_family(names: list[str], read_sys: Callable[[str], str | None]) -> Metric:
    """node_network_speed_bytes (netclass collector): /sys/class/net/DEV/speed in Mb/s, times 125000; a device
    whose speed cannot be read (lo, EINVAL while down) has no series, and -1 ("unknown") gives -125000."""
    family = GaugeFamily(
        "node_network_speed_bytes", "Network device property: speed_bytes", labels=("device",)
    )
    for name in names:
        text = read_sys(f"class/net/{name}/speed")
        if text is None:
            continue
        try:
            family.add_metric((name,), int(text) * 125000)
        except ValueError:
            continue
    return family


def net_families(text: str, max_devices: int = MAX_DEVICES) -> tuple[list[TextFamily], int]:
    devices: list[NetDev] = [d for d in parse_net_dev(text) if not NETDEV_EXCLUDE.match(d.name)]
    dropped = max(0, len(devices) - max_devices)
    families: list[TextFamily] = []
    for name, attr in _NET:
        family = CounterFamily(
            f"node_network_{name}_total", f"Network device statistic {name}.", labels=("device",)
        )
        for dev in devices[:max_devices]:
            family.add_metric((dev.name,), getattr(dev, attr))
        families.append(family)
    return families, dropped


@dataclass(frozen=True, slots=True)
class Mount:
    device: str
    mountpoint: str
    fstype: str
    readonly: bool


def _unescape(field: str) -> str:
    """/proc/mounts escapes space, tab, newline and backslash as octal (\\040 ...)."""
    if "\\" not in field:
        return field
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), field)


def parse_mounts(text: str) -> tuple[Mount, ...]:
    """/proc/1/mounts lines (device mountpoint fstype options 0 0), with node_exporter's default exclusions."""
    found: list[Mount] = []
    seen: set[tuple[str, str, str]] = set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        device, mountpoint, fstype = _unescape(parts[0]), _unescape(parts[1]), parts[2]
        if MOUNT_EXCLUDE.match(mountpoint) or FSTYPE_EXCLUDE.match(fstype):
            continue
        key = (device, mountpoint, fstype)
        if key in seen:  # node_exporter publishes one series per label set
            continue
        seen.add(key)
        found.append(Mount(device, mountpoint, fstype, "ro" in parts[3].split(",")))
    return tuple(found)


StatVfs = Callable[[str], os.statvfs_result]  # the same as mountstat's

_FS_GAUGES = (
    ("avail_bytes", "Filesystem space available to non-root users in bytes."),
    ("device_error", "Whether an error occurred while getting statistics for the given device."),
    ("files", "Filesystem total file nodes."),
    ("files_free", "Filesystem total free file nodes."),
    ("free_bytes", "Filesystem free space in bytes."),
    ("readonly", "Filesystem read-only status."),
    ("size_bytes", "Filesystem size in bytes."),
)


def filesystem_families(
    mounts: tuple[Mount, ...], statvfs: StatVfs = os.statvfs, max_devices: int = MAX_DEVICES
) -> tuple[list[Metric], int]:
    """1.5.0's labels (device, fstype, mountpoint). Sizes use f_bsize as node_exporter does; a mount whose
    statvfs fails publishes only device_error 1 (and readonly)."""
    labels = ("device", "fstype", "mountpoint")
    families = {
        name: GaugeFamily(f"node_filesystem_{name}", text, labels=labels) for name, text in _FS_GAUGES
    }
    for mount in mounts[:max_devices]:
        key = (mount.device, mount.fstype, mount.mountpoint)
        try:
            st = statvfs(mount.mountpoint)
        except OSError:
            families["device_error"].add_metric(key, 1)
            families["readonly"].add_metric(key, 1 if mount.readonly else 0)
            continue
        families["avail_bytes"].add_metric(key, st.f_bavail * st.f_bsize)
        families["device_error"].add_metric(key, 0)
        families["files"].add_metric(key, st.f_files)
        families["files_free"].add_metric(key, st.f_ffree)
        families["free_bytes"].add_metric(key, st.f_bfree * st.f_bsize)
        families["readonly"].add_metric(key, 1 if mount.readonly else 0)
        families["size_bytes"].add_metric(key, st.f_blocks * st.f_bsize)
    return list(families.values()), max(0, len(mounts) - max_devices)


def _stat_result(results: dict[str, StatResult], path: str) -> os.statvfs_result:
    result = results[path]
    if isinstance(result, OSError):
        raise result
    return result


class DeviceCollector:
    """node_disk_*, node_network_* and node_filesystem_* read at each scrape."""

    def __init__(self, read_proc: Callable[[str], str | None], read_sys: Callable[[str], str | None], *,
                 statvfs: StatVfs = os.statvfs, max_devices: int = MAX_DEVICES,
                 mount_timeout: float = MOUNT_TIMEOUT_SECONDS) -> None:  # fmt: skip
        self.read_proc = read_proc
        self.read_sys = read_sys
        self.mounts = MountStatter(statvfs, mount_timeout)  # a hung mount cannot stall the scrape
        self.max_devices = max_devices

    def collect(self) -> Iterator[Metric]:
        dropped = GaugeFamily(
            "hostward_metrics_devices_dropped",
            "Devices left out of the node_* families because there were more than the limit.",
            labels=("kind",),
        )
        text = self.read_proc("diskstats")
        if text is not None:
            families, n = disk_families(text, self.max_devices)
            yield from families
            dropped.add_metric(("disk",), n)
        text = self.read_proc("net/dev")
        if text is not None:
            net, n = net_families(text, self.max_devices)
            yield from net
            names = sorted({values[0] for values, _ in net[0].series} | {"lo"})
            yield speed_family(names, self.read_sys)
            dropped.add_metric(("network",), n)
        text = self.read_proc("1/mounts") or self.read_proc("mounts")
        if text is not None:
            mounts = parse_mounts(text)
            results = self.mounts.stat_all([m.mountpoint for m in mounts[: self.max_devices]])
            families, n = filesystem_families(mounts, partial(_stat_result, results), self.max_devices)
            yield from families
            dropped.add_metric(("filesystem",), n)
        yield dropped

"""/proc/net/dev counters with link speed and duplex from /sys/class/net."""

from __future__ import annotations

import functools

from hostward.collect._records import Maker, maker
from hostward.errors import CollectError
from hostward.frozen import field_names, frozen
from hostward.procfs import ProcFS


@frozen
class NetDev:
    """One interface's cumulative counters from /proc/net/dev."""

    name: str
    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_dropped: int
    rx_fifo: int
    rx_frame: int
    rx_compressed: int
    rx_multicast: int
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_dropped: int
    tx_fifo: int
    tx_collisions: int
    tx_carrier: int
    tx_compressed: int
    speed_mbps: int = 0  # 0: unknown (virtual device, link down): sar prints %ifutil 0.00 then
    full_duplex: bool = True


def parse_net_dev(text: str, link: dict[str, tuple[int, bool]] | None = None) -> tuple[NetDev, ...]:
    """Parse /proc/net/dev (two header lines, then "iface: 16 numbers"). ``link`` maps name -> (speed, duplex)."""
    devices: list[NetDev] = []
    # The recorder parses this at every sample: a maker (collect/_records.py) builds the record for about
    # half of what a NetDev(...) call costs.
    make_net = _net_maker()
    for line in text.splitlines()[2:]:
        name, sep, rest = line.partition(":")
        if not sep:
            continue
        name = name.strip()
        try:
            numbers = list(map(int, rest.split()))
        except ValueError as exc:
            raise CollectError(f"/proc/net/dev: bad value in line {line.strip()!r}") from exc
        if len(numbers) != 16:
            raise CollectError(f"/proc/net/dev: expected 16 counters for {name}, got {len(numbers)}")
        speed, duplex = (link or {}).get(name, (0, True))
        devices.append(make_net(numbers, 0, name, speed, duplex))
    return tuple(devices)


@functools.cache
def _net_maker() -> Maker:
    """Compiled on first use (a report of a recording parses no /proc/net/dev). The 16 counters rx_bytes ...
    tx_compressed, in /proc/net/dev's order."""
    return maker(NetDev, field_names(NetDev)[1:17], ("name", "speed_mbps", "full_duplex"))


def read_link(procfs: ProcFS, name: str) -> tuple[int, bool]:
    """Speed in Mb/s and duplex, as sysstat's read_if_info: the speed counts only when the duplex is "full" or
    "half" (a virtual or down interface says "unknown", or reading fails with EINVAL): otherwise 0, unknown."""
    duplex = (procfs.read_sys_optional(f"class/net/{name}/duplex") or "").strip()
    if duplex not in ("full", "half"):
        return 0, True
    speed_text = procfs.read_sys_optional(f"class/net/{name}/speed")
    try:
        speed = max(int(speed_text.strip()), 0) if speed_text else 0
    except ValueError:
        speed = 0
    return speed, duplex == "full"


def read_net_dev(procfs: ProcFS) -> tuple[NetDev, ...]:
    text = procfs.read("net/dev")
    names = [line.partition(":")[0].strip() for line in text.splitlines()[2:] if ":" in line]
    return parse_net_dev(text, {name: read_link(procfs, name) for name in names})

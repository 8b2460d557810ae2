"""sar -n DEV: network interface traffic from /proc/net/dev (rd_stats.c read_net_dev, pr_stats.c
print_net_dev_stats). %ifutil uses the link speed and duplex of the current sample (sa_common.c
compute_ifutil): the larger direction over the speed in full duplex, both directions summed in half duplex,
0 when the speed is unknown (virtual interfaces, links down)."""

from __future__ import annotations

from hostward.activities.base import Activity, Column, Interval, ItemSpec, Kind, Row, Tolerance, rate
from hostward.collect.net import NetDev

_NN = "node_network_{}"
_PCK = Tolerance("packets between the reads (ms apart): other tests talk over loopback", abs=100.0, rel=0.1)
_KB = Tolerance("bytes of those packets", abs=128.0, rel=0.1)
_UTIL = Tolerance("follows rxkB/s and txkB/s over the link speed", abs=1.0, rel=0.1)


def ifutil(dev: NetDev, rx_bytes_s: float, tx_bytes_s: float) -> float:
    if not dev.speed_mbps:
        return 0.0
    speed = dev.speed_mbps * 1_000_000
    if dev.full_duplex:
        return max(rx_bytes_s, tx_bytes_s) * 800 / speed
    return (rx_bytes_s + tx_bytes_s) * 800 / speed


def zeros(name: str) -> NetDev:
    """What a new interface, or one registered again, is compared with in -n DEV and EDEV: zeros (sysstat's
    check_net_dev_reg and check_net_edev_reg)."""
    return NetDev(name, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


HALF = (1 << 63) - 1  # ~0ULL >> 1


def registered_again(p: NetDev, c: NetDev) -> bool:
    """sysstat's check_net_dev_reg (sa_common.c): a counter of sar's columns that went back means the interface
    was unregistered and registered again, and all its rates are then from zero; except bytes (packets) that
    went back from past 2**63 while packets (bytes) went on: a wrap, each counter's difference modulo 2**64."""
    if not (
        c.rx_packets < p.rx_packets
        or c.tx_packets < p.tx_packets
        or c.rx_bytes < p.rx_bytes
        or c.tx_bytes < p.tx_bytes
        or c.rx_compressed < p.rx_compressed
        or c.tx_compressed < p.tx_compressed
        or c.rx_multicast < p.rx_multicast
    ):
        return False
    wrapped = (
        (c.rx_bytes < p.rx_bytes and c.rx_packets > p.rx_packets and p.rx_bytes > HALF)
        or (c.tx_bytes < p.tx_bytes and c.tx_packets > p.tx_packets and p.tx_bytes > HALF)
        or (c.rx_packets < p.rx_packets and c.rx_bytes > p.rx_bytes and p.rx_packets > HALF)
        or (c.tx_packets < p.tx_packets and c.tx_bytes > p.tx_bytes and p.tx_packets > HALF)
    )
    return not wrapped


def net_dev_rows(span: Interval) -> list[Row]:
    before = {d.name: d for d in span.prev.nets}
    itv = span.itv_cs
    rows: list[Row] = []
    for c in span.curr.nets:
        p = before.get(c.name)
        if p is None or registered_again(p, c):  # new or registered again: from zeros (print_net_dev_stats)
            p = zeros(c.name)
        rx = rate(p.rx_bytes, c.rx_bytes, itv)
        tx = rate(p.tx_bytes, c.tx_bytes, itv)
        values = (
            rate(p.rx_packets, c.rx_packets, itv),
            rate(p.tx_packets, c.tx_packets, itv),
            rx / 1024,
            tx / 1024,
            rate(p.rx_compressed, c.rx_compressed, itv),
            rate(p.tx_compressed, c.tx_compressed, itv),
            rate(p.rx_multicast, c.rx_multicast, itv),
            ifutil(c, rx, tx),
        )
        rows.append(Row(c.name, values))
    return rows


def _c(header: str, key: str, unit: str, ne: str | None = None) -> Column:
    tol = _UTIL if header == "%ifutil" else _KB if "kB" in header else _PCK
    return Column(header, key, unit, node_exporter=_NN.format(ne) if ne else None, parity=tol)


NET_DEV = Activity(
    name="net_dev",
    flag="-n DEV",
    order=12,
    title="network interfaces traffic",
    kind=Kind.COUNTER,
    columns=(
        _c("rxpck/s", "rxpck", "per_second", "receive_packets_total"),
        _c("txpck/s", "txpck", "per_second", "transmit_packets_total"),
        _c("rxkB/s", "rxkB", "kB_per_second", "receive_bytes_total"),
        _c("txkB/s", "txkB", "kB_per_second", "transmit_bytes_total"),
        _c("rxcmp/s", "rxcmp", "per_second", "receive_compressed_total"),
        _c("txcmp/s", "txcmp", "per_second", "transmit_compressed_total"),
        _c("rxmcst/s", "rxmcst", "per_second", "receive_multicast_total"),
        _c("%ifutil", "ifutil-percent", "percent", "speed_bytes"),
    ),
    rows=net_dev_rows,
    json_section="network/net-dev",
    json_list=True,
    item=ItemSpec("IFACE", json_key="iface"),
)

"""hostward's /metrics against the real node_exporter 1.5.0, and both scraped by a real Prometheus 2.42.

Tolerances: counters are compared as rates over the same 10 s window (the two exporters read /proc a few ms
apart at each 1 s scrape, so a busy host's rates differ by what happened in those ms); gauges as averages
over the same window. Each tolerance says what may move between the reads.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from tests.export.conftest import get, hostward_server, node_exporter, prometheus, wait_scraped, wait_window

Families = dict[str, tuple[str, frozenset[str], int]]
NETCLASS_ATTRIBUTES = {
    f"node_network_{a}"
    for a in (
        "address_assign_type", "carrier", "carrier_changes", "carrier_down_changes", "carrier_up_changes",
        "device_id", "dormant", "flags", "iface_id", "iface_link", "iface_link_mode", "info", "mtu_bytes",
        "name_assign_type", "net_dev_group", "protocol_type", "transmit_queue_length", "up",
    )
}  # fmt: skip


def families(text: str) -> Families:
    """name -> (type, label names, number of series)."""
    out: Families = {}
    for fam in text_string_to_metric_families(text):
        labels: set[str] = set()
        for sample in fam.samples:
            labels |= set(sample.labels)
        out[fam.name] = (fam.type, frozenset(labels), len(fam.samples))
    return out


def test_every_family_has_node_exporters_type_and_labels(tmp_path: Path) -> None:
    with hostward_server(tmp_path) as server, node_exporter(tmp_path, ("--collector.netclass",)) as ne_port:
        ours = families(get(f"http://127.0.0.1:{server.port}/metrics"))
        theirs = families(get(f"http://127.0.0.1:{ne_port}/metrics"))
    shared = sorted(n for n in ours if n.startswith("node_") and n in theirs)
    mismatched = {n: (ours[n][:2], theirs[n][:2]) for n in shared if ours[n][:2] != theirs[n][:2]}
    assert mismatched == {}
    ours_only = sorted(n for n in ours if n.startswith("node_") and n not in theirs)
    assert ours_only == []  # every node_* name hostward publishes is node_exporter's
    # The families node_exporter's matching collectors publish that hostward leaves out, and why:
    # receive_nohandler comes from netlink statistics, which /proc/net/dev does not carry; of the netclass
    # collector's sysfs attributes hostward publishes only node_network_speed_bytes (sar's %ifutil uses it).
    missing = {
        n
        for n in theirs
        if n.startswith("node_") and n not in ours and not n.startswith(("node_scrape", "node_exporter"))
    }
    assert "node_network_receive_nohandler" in missing
    assert missing - {"node_network_receive_nohandler"} <= NETCLASS_ATTRIBUTES
    # Same series (label sets) for the per-item families: same CPUs, disks, interfaces, filesystems.
    for name in (
        "node_cpu_seconds",
        "node_disk_read_bytes",
        "node_network_receive_bytes",
        "node_filesystem_size_bytes",
    ):
        assert ours[name][2] == theirs[name][2], name


def test_values_equal_where_nothing_moves(tmp_path: Path) -> None:
    with hostward_server(tmp_path) as server, node_exporter(tmp_path) as ne_port:
        ours = get(f"http://127.0.0.1:{server.port}/metrics")
        theirs = get(f"http://127.0.0.1:{ne_port}/metrics")

    def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text)
            for s in fam.samples
        }

    a, b = samples(ours), samples(theirs)
    for name in ("node_boot_time_seconds", "node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes",
                 "node_memory_Hugepagesize_bytes", "node_timex_sync_status", "node_timex_status",
                 "node_timex_tick_seconds", "node_timex_loop_time_constant"):  # fmt: skip
        assert a[(name, ())] == b[(name, ())], name
    for key in (
        k for k in b if k[0] in ("node_uname_info", "node_os_info", "node_os_version", "node_disk_info")
    ):
        assert a[key] == b[key], key
    for key in (k for k in b if k[0] == "node_filesystem_size_bytes"):
        assert a[key] == b[key], key


def _query(port: int, promql: str, at: float) -> dict[str, float]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(
        {"query": promql, "time": f"{at:.3f}"}
    )
    body = json.loads(get(url))
    assert body["status"] == "success", body
    return {
        json.dumps(
            {k: v for k, v in r["metric"].items() if k not in ("job", "instance")}, sort_keys=True
        ): float(r["value"][1])
        for r in body["data"]["result"]
    }


def _pair(port: int, expr: str, at: float) -> tuple[dict[str, float], dict[str, float]]:
    return (
        _query(port, expr.replace("JOB", 'job="hostward"'), at),
        _query(port, expr.replace("JOB", 'job="node"'), at),
    )


def _close(
    ours: dict[str, float], theirs: dict[str, float], *, abs_tol: float, rel: float = 0.0
) -> list[str]:
    assert ours.keys() == theirs.keys(), (ours.keys(), theirs.keys())
    assert ours, "no data"
    return [
        f"{k}: hostward {ours[k]:.6g} node_exporter {theirs[k]:.6g}"
        for k in ours
        if not (math.isnan(ours[k]) and math.isnan(theirs[k]))
        and abs(ours[k] - theirs[k]) > abs_tol + rel * abs(theirs[k])
    ]


def test_promql_over_the_same_window_agrees(tmp_path: Path) -> None:
    with (
        hostward_server(tmp_path) as server,
        node_exporter(tmp_path) as ne_port,
        prometheus(tmp_path, {"hostward": server.port, "node": ne_port}) as prom,
    ):
        wait_scraped(prom, 2)
        # 1 s scrapes: a 10 s window holds ~10 samples of each; at least half of them, whatever the load.
        at = wait_window(prom, ("hostward", "node"), 10, 5)
        problems: list[str] = []
        # CPU: fraction of one CPU per mode; the reads are ms apart, 0.05 covers a busy 2-CPU host.
        problems += _close(*_pair(prom, "rate(node_cpu_seconds_total{JOB}[10s])", at), abs_tol=0.1)
        # Gauges averaged over the window: MemAvailable moves with other processes' allocations.
        problems += _close(
            *_pair(prom, "avg_over_time(node_memory_MemAvailable_bytes{JOB}[10s])", at), abs_tol=64 << 20
        )
        problems += _close(*_pair(prom, "avg_over_time(node_load1{JOB}[10s])", at), abs_tol=0.2)
        problems += _close(*_pair(prom, "node_timex_sync_status{JOB}", at), abs_tol=0)
        # Disk and network byte rates: a write burst landing between the two reads moves one window edge.
        problems += _close(
            *_pair(prom, "rate(node_disk_written_bytes_total{JOB}[10s])", at), abs_tol=2 << 20, rel=0.2
        )
        problems += _close(
            *_pair(prom, "rate(node_disk_reads_completed_total{JOB}[10s])", at), abs_tol=20, rel=0.2
        )
        problems += _close(
            *_pair(prom, "rate(node_network_receive_bytes_total{JOB}[10s])", at),
            abs_tol=64 << 10,
            rel=0.2,
        )
        problems += _close(
            *_pair(prom, "rate(node_network_transmit_packets_total{JOB}[10s])", at), abs_tol=50, rel=0.2
        )
        # Pressure: seconds stalled per second (0..1 per resource); window edges offset as for CPU.
        for resource in ("cpu_waiting", "io_waiting", "memory_waiting", "io_stalled"):
            problems += _close(
                *_pair(prom, f"rate(node_pressure_{resource}_seconds_total{{JOB}}[10s])", at),
                abs_tol=0.1,
            )
        assert problems == []


# The first rows of Grafana's "Node Exporter Full" (id 1860): quick CPU/mem/disk, basic CPU/mem/net/disk.
DASHBOARD_QUERIES = (
    "node_uname_info{JOB}",
    "node_time_seconds{JOB} - node_boot_time_seconds{JOB}",
    "count(count(node_cpu_seconds_total{JOB}) by (cpu))",
    '(sum by(instance) (irate(node_cpu_seconds_total{JOB, mode!="idle"}[5s])) / on(instance) group_left '
    "sum by (instance)((irate(node_cpu_seconds_total{JOB}[5s])))) * 100",
    "avg_over_time(node_load1{JOB}[5s]) * 100 / on(instance) group_left sum by (instance)"
    "(irate(node_cpu_seconds_total{JOB}[5s]))",
    "100 - ((avg_over_time(node_memory_MemAvailable_bytes{JOB}[5s]) * 100) / "
    "avg_over_time(node_memory_MemTotal_bytes{JOB}[5s]))",
    "((node_memory_SwapTotal_bytes{JOB} - node_memory_SwapFree_bytes{JOB}) / (node_memory_SwapTotal_bytes{JOB})) * 100",
    '100 - ((avg_over_time(node_filesystem_avail_bytes{JOB,mountpoint="/",fstype!="rootfs"}[5s]) * 100) / '
    'avg_over_time(node_filesystem_size_bytes{JOB,mountpoint="/",fstype!="rootfs"}[5s]))',
    'node_filesystem_size_bytes{JOB,mountpoint="/",fstype!="rootfs"}',
    "node_memory_MemTotal_bytes{JOB}",
    'sum by(instance) (irate(node_cpu_seconds_total{JOB, mode="system"}[5s])) / on(instance) group_left '
    "sum by (instance)((irate(node_cpu_seconds_total{JOB}[5s])))",
    "node_memory_MemTotal_bytes{JOB} - node_memory_MemFree_bytes{JOB} - (node_memory_Cached_bytes{JOB} + "
    "node_memory_Buffers_bytes{JOB} + node_memory_SReclaimable_bytes{JOB})",
    "irate(node_network_receive_bytes_total{JOB}[5s])*8",
    "irate(node_network_transmit_bytes_total{JOB}[5s])*8",
    "irate(node_disk_read_bytes_total{JOB}[5s])",
    "irate(node_disk_written_bytes_total{JOB}[5s])",
    "irate(node_disk_io_time_seconds_total{JOB}[5s])",
)


def test_node_exporter_full_first_rows_from_hostward_alone(tmp_path: Path) -> None:
    with hostward_server(tmp_path) as server, prometheus(tmp_path, {"hostward": server.port}) as prom:
        wait_scraped(prom, 1)
        at = wait_window(prom, ("hostward",), 5, 2)  # irate needs two samples in its 5 s window
        empty = [q for q in DASHBOARD_QUERIES if not _query(prom, q.replace("JOB", 'job="hostward"'), at)]
        assert empty == []

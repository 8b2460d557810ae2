"""Scrape cost: `hostward metrics serve` next to node_exporter 1.5.0 with the matching collectors, printing ratios.

    .venv/bin/python bench/metrics_scrape.py [--scrapes 200] [--rounds 4] [--concurrency 10]

Both exporters run at once and take turns (--rounds), so the machine's other load falls on both alike.
Figures: the exporter's own CPU time per scrape (from /proc/PID/stat, so the client's speed does not count),
bytes per scrape (uncompressed, as `curl` gets it), and latency percentiles with --concurrency scrapers at once.
node_exporter runs with --collector.disable-defaults plus the collectors hostward matches.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTORS = (
    "cpu", "stat", "loadavg", "meminfo", "vmstat", "diskstats", "netdev", "pressure", "time", "timex", "uname",
    "os", "filesystem",
)  # fmt: skip
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def fetch(url: str) -> tuple[int, float]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    return len(body), time.perf_counter() - start


def node_bytes(url: str) -> int:
    """Bytes of the node_* families alone (hostward adds its hostward_* ones to the same scrape)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        lines = response.read().decode().splitlines(keepends=True)
    return sum(
        len(ln) for ln in lines if ln.removeprefix("# HELP ").removeprefix("# TYPE ").startswith("node_")
    )


def wait(url: str) -> None:
    for _ in range(200):
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scrapes", type=int, default=200, help="sequential scrapes per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hw-bench-metrics-"))
    hw_port, ne_port = free_port(), free_port()
    env = {**os.environ, "HOSTWARD_CONFIG": "/dev/null", "PYTHONPATH": str(ROOT / "src")}
    hostward = subprocess.Popen(
        [sys.executable, "-m", "hostward", "metrics", "-d", str(tmp), "serve", "--listen", f"127.0.0.1:{hw_port}"],
        env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    node = subprocess.Popen(
        ["/usr/bin/prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{ne_port}",
         "--collector.disable-defaults", *(f"--collector.{c}" for c in COLLECTORS),
         "--collector.netdev.device-exclude=^lo$", "--web.disable-exporter-metrics"],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    peers = {"hostward": (hostward.pid, f"http://127.0.0.1:{hw_port}/metrics"),
             "node_exporter": (node.pid, f"http://127.0.0.1:{ne_port}/metrics")}  # fmt: skip
    try:
        for _, url in peers.values():
            wait(url)
            for _ in range(20):  # warm-up: first-scrape caches, Go's GC, Python's imports
                fetch(url)
        cpu = dict.fromkeys(peers, 0.0)
        size = dict.fromkeys(peers, 0)
        latencies: dict[str, list[float]] = {name: [] for name in peers}
        for _ in range(args.rounds):
            for name, (pid, url) in peers.items():
                before = cpu_seconds(pid)
                for _ in range(args.scrapes):
                    size[name], _elapsed = fetch(url)
                cpu[name] += cpu_seconds(pid) - before
                with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
                    latencies[name] += [t for _, t in pool.map(fetch, [url] * args.scrapes)]
        total = args.scrapes * args.rounds
        print(f"{total} sequential scrapes each, then {total} with {args.concurrency} concurrent scrapers")
        print(
            f"{'':14} {'CPU ms/scrape':>14} {'bytes/scrape':>13} {'node_* bytes':>13} {'p50 ms':>8} {'p99 ms':>8}"
        )
        for name, (_pid, url) in peers.items():
            lat = sorted(latencies[name])
            p50, p99 = lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99) - 1] * 1e3
            print(
                f"{name:14} {cpu[name] / total * 1e3:14.2f} {size[name]:13d} {node_bytes(url):13d} {p50:8.1f} {p99:8.1f}"
            )
        print(
            f"ratio hostward/node_exporter: CPU {cpu['hostward'] / cpu['node_exporter']:.2f}x, "
            f"bytes {size['hostward'] / size['node_exporter']:.2f}x, "
            f"p50 latency {sorted(latencies['hostward'])[len(latencies['hostward']) // 2] / sorted(latencies['node_exporter'])[len(latencies['node_exporter']) // 2]:.2f}x"
        )
    finally:
        for proc in (hostward, node):
            proc.terminate()
            proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

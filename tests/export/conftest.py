"""Real peers for the export tests: node_exporter 1.5.0 and Prometheus 2.42 on 127.0.0.1, started and stopped
here, plus hostward's own /metrics server in a thread."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_binary

from hostward.config import Config, MetricsConfig, RecordConfig
from hostward.export.registry import build_exporter
from hostward.export.server import Listen, MetricsServer

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
# node_exporter with the collectors hostward matches (bench/metrics_scrape.py uses the same list)
NODE_COLLECTORS = (
    "cpu", "stat", "loadavg", "meminfo", "vmstat", "diskstats", "netdev", "pressure", "time", "timex", "uname",
    "os", "filesystem", "filefd", "sockstat", "netstat",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


@contextlib.contextmanager
def hostward_server(tmp: Path, config: Config | None = None) -> Iterator[MetricsServer]:
    config = config or Config(record=RecordConfig(data_dir=tmp), metrics=MetricsConfig(poll_seconds=1.0))
    exporter = build_exporter(config)
    server = MetricsServer(Listen("127.0.0.1", 0), exporter.registry)
    exporter.start()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        exporter.stop()


@contextlib.contextmanager
def node_exporter(tmp: Path, extra: tuple[str, ...] = ()) -> Iterator[int]:
    binary = require_binary(NODE_EXPORTER)[NODE_EXPORTER]
    port = free_port()
    argv = [
        binary,
        f"--web.listen-address=127.0.0.1:{port}",
        "--collector.disable-defaults",
        *(f"--collector.{c}" for c in NODE_COLLECTORS),
        "--collector.netdev.device-exclude=^lo$",
        *extra,
    ]
    with open(tmp / "node_exporter.log", "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=log)
    try:
        wait_http(f"http://127.0.0.1:{port}/metrics")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def prometheus(tmp: Path, targets: dict[str, int], rules: Path | None = None) -> Iterator[int]:
    binary = require_binary("prometheus")["prometheus"]
    port = free_port()
    jobs = "".join(
        f"  - job_name: {job}\n    static_configs:\n      - targets: ['127.0.0.1:{p}']\n"
        for job, p in targets.items()
    )
    rule_files = f"rule_files: ['{rules}']\n" if rules else ""
    (tmp / "prometheus.yml").write_text(
        f"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n{rule_files}scrape_configs:\n{jobs}"
    )
    argv = [
        binary,
        f"--config.file={tmp / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with open(tmp / "prometheus.log", "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=log)
    try:
        wait_http(f"http://127.0.0.1:{port}/-/ready")
        yield port
    finally:
        proc.terminate()
        proc.wait(20)


def wait_scraped(prom_port: int, jobs: int, timeout: float = 30.0) -> float:
    """Wait until Prometheus has scraped every job once (its scrape manager starts up to 5 s after /-/ready);
    returns the time of that moment."""
    import json

    deadline = time.monotonic() + timeout
    while True:
        body = json.loads(get(f"http://127.0.0.1:{prom_port}/api/v1/query?query=up%3D%3D1"))
        if len(body["data"]["result"]) >= jobs:
            return time.time()
        if time.monotonic() > deadline:
            raise TimeoutError("Prometheus did not scrape every target")
        time.sleep(0.2)


def wait_window(
    prom_port: int, jobs: tuple[str, ...], window: int, scrapes: int, timeout: float = 60.0
) -> float:
    """Wait for a moment ``at`` whose ``window`` seconds hold at least ``scrapes`` successful scrapes of every
    job (samples stamped at or before ``at`` only get added, so later queries at ``at`` see them all); returns
    ``at``. A sleep cannot promise this on a loaded host: scrapes that take longer than the 1 s scrape_timeout
    fail and leave gaps, and a rate needs two samples in its window."""
    import json

    deadline = time.monotonic() + timeout
    while True:
        at = time.time()
        query = urllib.parse.urlencode({"query": f"sum_over_time(up[{window}s])", "time": f"{at:.3f}"})
        body = json.loads(get(f"http://127.0.0.1:{prom_port}/api/v1/query?{query}"))
        held = {r["metric"].get("job"): float(r["value"][1]) for r in body["data"]["result"]}
        if all(held.get(job, 0.0) >= scrapes for job in jobs):
            return at
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"Prometheus holds {held} successful scrapes in {window} s, not {scrapes} each"
            )
        time.sleep(0.2)


@pytest.fixture
def hostward_port(tmp_path: Path) -> Iterator[int]:
    with hostward_server(tmp_path) as server:
        yield server.port

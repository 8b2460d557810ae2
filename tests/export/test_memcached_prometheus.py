"""A real Prometheus scraping hostward beside a real memcached that is full and evicting: the shipped
"memcached evicting while full" rule goes pending on hostward's series, labelled with the server."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from pymemcache.client.base import Client
from tests.cache.memcached_server import Memcached
from tests.export.conftest import get, hostward_server, prometheus, wait_scraped

from hostward.config import CacheConfig, Config, MetricsConfig, RecordConfig

RULES = Path(__file__).parents[2] / "packaging" / "prometheus" / "hostward-rules.yml"


def _query(port: int, promql: str) -> list[dict[str, object]]:
    body = json.loads(get(f"http://127.0.0.1:{port}/api/v1/query?query={urllib.parse.quote(promql)}"))
    assert body["status"] == "success", body
    result: list[dict[str, object]] = body["data"]["result"]
    return result


@pytest.mark.slow
def test_the_eviction_rule_goes_pending_on_hostwards_series(tmp_path: Path) -> None:
    # 2 MB with a fine slab growth factor: 1 kB items fill it past 95 % and then evict
    server = Memcached(extra=("-m", "2", "-f", "1.05"))
    stop = threading.Event()
    client = Client(("127.0.0.1", server.port), timeout=5)

    def keep_writing() -> None:
        i = 0
        while not stop.is_set():
            for _ in range(200):
                client.set(f"k{i}", b"x" * 1000)
                i += 1
            stop.wait(0.2)

    writer = threading.Thread(target=keep_writing, daemon=True)
    config = Config(
        record=RecordConfig(data_dir=tmp_path / "data"),
        cache=CacheConfig(servers=(server.address,), timeout_seconds=2.0),
        metrics=MetricsConfig(poll_seconds=1.0),
    )
    try:
        writer.start()
        with (
            hostward_server(tmp_path, config) as hw,
            prometheus(tmp_path, {"hostward": hw.port}, RULES) as prom,
        ):
            wait_scraped(prom, 1)
            alert = 'ALERTS{alertname="MemcachedEvictingWhileFull",alertstate="pending"}'
            deadline = time.monotonic() + 60
            pending = _query(prom, alert)
            while not pending and time.monotonic() < deadline:
                time.sleep(0.5)
                pending = _query(prom, alert)
            assert pending, "the rule did not go pending; see prometheus.log"
            labels = pending[0]["metric"]
            assert isinstance(labels, dict) and labels["server"] == server.address
            # Prometheus took memcached_exporter's counter without _total as it is
            up = _query(prom, f'memcached_uptime_seconds{{server="{server.address}"}}')
            assert up and float(up[0]["value"][1]) >= 0  # type: ignore[index]
    finally:
        stop.set()
        writer.join(10)
        client.close()
        server.stop()

"""memcached_* families against a real memcached: memcached_exporter's names, the server's own values, and a
server that dies or hangs costing nothing but its own memcached_up."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from pymemcache.client.base import Client
from tests.cache.memcached_server import Memcached
from tests.conftest import require_binary

from hostward.cache.stats import fetch_stats
from hostward.config import CacheConfig, Config, MetricsConfig, RecordConfig
from hostward.errors import ProbeError
from hostward.export.exposition import render
from hostward.export.memcached import (
    LRU_CRAWLER_METRICS,
    SETTINGS_METRICS,
    STATS_METRICS,
    memcached_families,
    reading_from_stats,
)
from hostward.export.registry import Exporter, build_exporter

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(text: str) -> Samples:
    # prometheus_client's parser renames a counter's samples to *_total (memcached_uptime_seconds is one
    # without); the names here are read as written
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            name = family.name if f"\n{family.name}{{" in text or f"\n{family.name} " in text else s.name
            samples[(name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def _types(text: str) -> dict[str, str]:
    return {line.split()[2]: line.split()[3] for line in text.splitlines() if line.startswith("# TYPE ")}


@pytest.fixture
def server() -> Iterator[Memcached]:
    # -m 2: a 2 MB cache, small enough to fill and evict in a test
    mc = Memcached(extra=("-m", "2"))
    try:
        yield mc
    finally:
        mc.stop()


def _exporter(tmp_path: Path, *servers: str) -> Exporter:
    config = Config(
        record=RecordConfig(data_dir=tmp_path),
        cache=CacheConfig(servers=servers, timeout_seconds=2.0),
        metrics=MetricsConfig(poll_seconds=3600),
    )
    return build_exporter(config, node=False)


def _poll(exporter: Exporter) -> None:
    for poller in exporter.pollers:
        if poller.name.startswith("memcached:"):
            poller.poll_once()


def _fill(address: str) -> None:
    host, port = address.rsplit(":", 1)
    client = Client((host, int(port)), timeout=5)
    try:
        for i in range(200):  # 200 x 20 KB into 2 MB: full, and evicting
            client.set(f"k{i}", b"x" * 20_000)
        for i in range(190, 200):
            client.get(f"k{i}")
        client.get("absent")
        client.delete("k199")
        client.incr("absent", 1)
        client.gets("k198")
        client.cas("k198", b"y", b"12345")  # a stale cas token: badval
    finally:
        client.close()


def test_values_are_the_servers_own(server: Memcached, tmp_path: Path) -> None:
    _fill(server.address)
    exporter = _exporter(tmp_path, server.address)
    before = fetch_stats(server.address, timeout=5).fields
    _poll(exporter)
    after = fetch_stats(server.address, timeout=5).fields
    settings = fetch_stats(server.address, timeout=5, command="stats settings").fields
    text = render(exporter.registry).decode()
    samples = _samples(text)
    label = (("server", server.address),)

    def value(name: str, extra: tuple[tuple[str, str], ...] = ()) -> float:
        return samples[(name, tuple(sorted(label + extra)))]

    assert value("memcached_up") == 1
    assert value("memcached_version", (("version", after["version"]),)) == 1
    checked = 0
    for name, _type, _help, field, _how in STATS_METRICS:
        if field not in after:
            continue  # total_malloced: gone from `stats` in 1.6
        low, high = sorted((float(before[field]), float(after[field])))
        # counters the reading itself moves (connections, bytes, time) lie between the two looks; the rest equal.
        # A connection closed just before the exporter's poll may still be counted open by the server.
        high += 1 if field == "curr_connections" else 0
        assert low <= value(name) <= high, (name, before[field], after[field])
        checked += 1
    assert checked >= 25
    for name, _type, _help, field, how in SETTINGS_METRICS + LRU_CRAWLER_METRICS:
        expected = {"yes": 1.0, "no": 0.0}.get(settings[field]) if how == "yesno" else float(settings[field])
        assert value(name) == expected, name
    # what _fill did, exactly as the server counts it
    assert value("memcached_items_evicted_total") == int(after["evictions"]) > 0
    assert value("memcached_current_items") == int(after["curr_items"])
    for op in ("get", "delete", "incr", "decr", "cas", "touch"):
        assert value("memcached_commands_total", (("command", op), ("status", "hit"))) == int(
            after[f"{op}_hits"]
        )
        assert value("memcached_commands_total", (("command", op), ("status", "miss"))) == int(
            after[f"{op}_misses"]
        )
    assert value("memcached_commands_total", (("command", "cas"), ("status", "badval"))) == 1
    cas = sum(int(after[f]) for f in ("cas_hits", "cas_misses", "cas_badval"))
    assert (
        value("memcached_commands_total", (("command", "set"), ("status", "hit")))
        == int(after["cmd_set"]) - cas
    )
    # memcached_exporter's types, including its counter without _total
    types = _types(text)
    assert types["memcached_uptime_seconds"] == "counter"
    assert types["memcached_commands_total"] == "counter"
    assert types["memcached_current_items"] == "gauge"
    assert "memcached_uptime_seconds_total" not in text


def test_a_killed_server_is_up_0_and_nothing_else_goes_missing(server: Memcached, tmp_path: Path) -> None:
    other = Memcached()
    try:
        exporter = _exporter(tmp_path, server.address, other.address)
        _poll(exporter)
        first = _samples(render(exporter.registry).decode())
        other.stop()  # between two scrapes (and two polls)
        _poll(exporter)
        second = _samples(render(exporter.registry).decode())
    finally:
        if other.proc.poll() is None:
            other.stop()
    up = "memcached_up"
    assert first[(up, (("server", other.address),))] == 1
    assert second[(up, (("server", other.address),))] == 0
    assert second[(up, (("server", server.address),))] == 1
    assert second[("hostward_source_up", (("source", f"memcached:{other.address}"),))] == 0
    # the dead server's series are gone (as memcached_exporter shows it); everything else is still there
    gone = {key for key in first if ("server", other.address) in key[1] and key[0] != up}
    assert gone and not gone & second.keys()
    assert {k for k in first if k not in gone and "timestamp" not in k[0]} <= second.keys()


def test_a_hung_server_does_not_hold_up_the_scrape(tmp_path: Path) -> None:
    """A peer that accepts and never answers: the poll waits out its timeout, the scrape does not."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        exporter = _exporter(tmp_path, address)
        poller = next(p for p in exporter.pollers if p.name == f"memcached:{address}")
        accepted = threading.Event()
        release = threading.Event()

        def accept() -> None:
            conn, _ = listener.accept()
            accepted.set()
            release.wait(30)
            conn.close()

        threading.Thread(target=accept, daemon=True).start()
        poller.start()
        try:
            assert accepted.wait(10)  # the poll is now waiting for a reply
            text = render(exporter.registry).decode()
        finally:
            release.set()
            poller.stop()
    assert f'memcached_up{{server="{address}"}} 0' in text
    assert "hostward_guard_actions_total" in text


def test_malformed_fields_fail_the_reading_in_one_line() -> None:
    good = {"uptime": "5", "curr_items": "3", "rusage_user": "1.500000", "version": "1.6.18"}
    reading = reading_from_stats(good, {"maxconns": "1024", "lru_crawler": "no", "lru_crawler_sleep": "x"})
    assert reading.values["memcached_process_user_cpu_seconds_total"] == 1.5
    assert reading.values["memcached_max_connections"] == 1024
    assert "memcached_lru_crawler_sleep" not in reading.values  # only read when the crawler is on
    with pytest.raises(ProbeError, match="'curr_items' is 'lots', not a number"):
        reading_from_stats({**good, "curr_items": "lots"}, {})
    with pytest.raises(ProbeError, match=r"seconds\.microseconds"):
        reading_from_stats({**good, "rusage_user": "1e3"}, {})
    with pytest.raises(ProbeError, match="not yes or no"):
        reading_from_stats(good, {"lru_crawler": "yes", "lru_maintainer_thread": "maybe"})


FIELDS = [field for _n, _t, _h, field, _how in STATS_METRICS] + ["get_hits", "cmd_set", "cas_hits", "version"]


@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=12)), st.dictionaries(st.text(), st.text()))
def test_any_stats_text_is_a_reading_or_one_probe_error(
    stats: dict[str, str], settings: dict[str, str]
) -> None:
    try:
        reading = reading_from_stats(stats, settings)
    except ProbeError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(isinstance(v, int | float) for v in reading.values.values())


def test_no_servers_no_memcached_lines(tmp_path: Path) -> None:
    assert list(memcached_families(())) == []
    assert "memcached" not in render(_exporter(tmp_path).registry).decode()


def test_promtool_accepts_the_families_but_memcached_exporters_own_uptime_name(
    server: Memcached, tmp_path: Path
) -> None:
    promtool = require_binary("promtool")["promtool"]
    exporter = _exporter(tmp_path, server.address)
    _poll(exporter)
    result = subprocess.run(
        [promtool, "check", "metrics"], input=render(exporter.registry), capture_output=True, check=False
    )
    lints = (result.stdout + result.stderr).decode().strip().splitlines()
    # memcached_exporter publishes this counter without _total; hostward keeps its name, as with
    # node_exporter's CamelCase meminfo names
    assert lints == ['memcached_uptime_seconds counter metrics should have "_total" suffix']

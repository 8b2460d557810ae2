"""One private registry with hostward's collectors, and the pollers feeding its slow sources."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric

from hostward.config import Config
from hostward.export.hostward import (
    HostwardCollector,
    OomKillCounter,
    OomKills,
    RecorderState,
    read_recorder_state,
)
from hostward.export.hostward_oom import (
    Candidate,
    Coverage,
    candidate_families,
    coverage_family,
    memory_trigger,
    read_candidate,
    read_coverage,
    trigger_families,
)
from hostward.export.memcached import memcached_families, memcached_pollers
from hostward.export.node import NodeCollector
from hostward.export.node_devices import DeviceCollector
from hostward.export.poll import Poller
from hostward.oom.protect.defaults import rules_in_force
from hostward.procfs import ProcFS


@dataclass
class Exporter:
    registry: CollectorRegistry
    hostward: HostwardCollector
    pollers: list[Poller[Any]] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)  # kept-open kernel files

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        for close in self.closers:
            close()


def _kmsg() -> Iterable[str]:
    from hostward.oom.kernlog.sources import kmsg_lines  # noqa: PLC0415 - only when the poller runs

    return kmsg_lines()


def build_exporter(config: Config, *, procfs: ProcFS | None = None, node: bool = True,
                   data_dir: Path | None = None) -> Exporter:  # fmt: skip
    """node_* families (unless ``node`` is False: textfile mode beside node_exporter) and hostward_* ones."""
    procfs = procfs or ProcFS()
    data_dir = data_dir or config.record.data_dir
    poll = config.metrics.poll_seconds
    oom: Poller[OomKills] = Poller("kernel_log", OomKillCounter(_kmsg).poll, poll)
    recorder: Poller[RecorderState] = Poller("recorder", lambda: read_recorder_state(data_dir), poll)
    registry = CollectorRegistry(auto_describe=False)
    closers: list[Callable[[], None]] = []
    if node:
        node_collector = NodeCollector(procfs)
        closers.append(node_collector.files.close)
        registry.register(node_collector)
        registry.register(
            DeviceCollector(  # diskstats, net/dev and mounts kept open; per-interface /sys files opened each time
                node_collector.files.read_optional,
                node_collector.files.read_sys_once,
                max_devices=config.metrics.max_devices,
            )
        )
    candidate: Poller[Candidate | None] = Poller("oom_ranking", lambda: read_candidate(procfs), poll)
    rules = rules_in_force(config.oom)[0]
    coverage: Poller[Coverage] = Poller("protect", lambda: read_coverage(rules, procfs), poll)
    trigger = memory_trigger(config.guard, procfs)
    trigger_lock = threading.Lock()  # the trigger keeps a rate history; concurrent scrapes take turns

    def triggers() -> Iterator[Metric]:
        with trigger_lock:
            return iter(list(trigger_families(trigger, config.guard.enabled)))

    servers = config.cache.servers
    memcached = memcached_pollers(servers, config.cache.timeout_seconds, poll)
    extra = (
        triggers,
        lambda: candidate_families(candidate.latest().value),
        lambda: coverage_family(len(rules), coverage.latest().value),
        lambda: memcached_families(tuple(zip(servers, memcached, strict=True))),
    )
    collector = HostwardCollector(data_dir, oom=oom, recorder=recorder, extra=extra, sources=memcached)
    registry.register(collector)
    pollers: list[Poller[Any]] = [oom, recorder, candidate, *memcached]
    if rules:
        pollers.append(coverage)
    return Exporter(registry, collector, pollers, closers)

"""hostward_* families from what the other parts leave behind: events.jsonl, day files, the kernel log."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hostward.config import Config, MetricsConfig, RecordConfig
from hostward.export.exposition import render
from hostward.export.hostward import MAX_VICTIMS, OomKillCounter
from hostward.export.registry import build_exporter
from hostward.export.textfile import write_textfile
from hostward.oom.guard.events import GuardEvent, append_event, events_path

KILL = (
    "6,{seq},{usec},-;Out of memory: Killed process {pid} ({comm}) total-vm:1000kB, anon-rss:500kB, file-rss:0kB, "
    "shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0"
)


def _values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }


def test_oom_kills_counted_once_and_labels_bounded() -> None:
    lines = [KILL.format(seq=i, usec=1_000_000 * (i + 1), pid=100 + i, comm=f"hog{i}") for i in range(30)]
    counter = OomKillCounter(lambda: lines)
    first = counter.poll()
    again = counter.poll()  # the same ring buffer read twice: nothing new
    assert first == again
    assert len(first.by_victim) == MAX_VICTIMS + 1  # 20 named victims and one "other"
    assert sum(n for _, n in first.by_victim) == 30
    assert [n for (comm, _, _), n in first.by_victim if comm == "other"] == [10]
    assert not any(str(100 + i) in repr(first.by_victim) for i in range(30))  # no pid in any label


def test_guard_events_and_recorder_state(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for kind, dry in (("signal", False), ("signal", True), ("escalate", False), ("error", False)):
        append_event(events_path(data), GuardEvent(time=1000.0, kind=kind, reason="test", dry_run=dry))
    # a real recording: two samples in today's day file
    subprocess.run(
        [sys.executable, "-m", "hostward", "record", "-d", str(data), "-i", "1", "-c", "2"],
        check=True, capture_output=True, env={**os.environ, "HOSTWARD_CONFIG": "/dev/null"},
    )  # fmt: skip
    exporter = build_exporter(Config(record=RecordConfig(data_dir=data), metrics=MetricsConfig()))
    for poller in exporter.pollers:
        poller.poll_once()
    values = _values(generate_latest(exporter.registry).decode())
    assert values[("hostward_guard_actions_total", (("dry_run", "false"), ("outcome", "signal")))] == 1
    assert values[("hostward_guard_actions_total", (("dry_run", "true"), ("outcome", "signal")))] == 1
    assert values[("hostward_guard_actions_total", (("dry_run", "false"), ("outcome", "escalate")))] == 1
    assert values[("hostward_recorder_samples_today", ())] == 2
    assert 0 <= values[("hostward_recorder_lag_seconds", ())] < 3600
    assert values[("hostward_source_up", (("source", "recorder"),))] == 1
    assert values[("hostward_guard_trigger_active", (("level", "low"), ("trigger", "memory")))] in (0, 1)
    assert values[("hostward_oom_top_candidate_badness_points", ())] > 0
    assert not any(
        name.startswith("hostward_ntp") for name, _ in values
    )  # no [ntp] servers: nothing measured


def test_textfile_is_replaced_atomically_and_refuses_planted_links(tmp_path: Path) -> None:
    exporter = build_exporter(Config(record=RecordConfig(data_dir=tmp_path / "data")), node=False)
    target = write_textfile(exporter.registry, tmp_path)
    assert target == tmp_path / "hostward.prom"
    text = target.read_text()
    assert "hostward_guard_actions_total" in text and "node_cpu" not in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    # node_exporter's textfile collector accepts it
    from tests.conftest import require_binary

    promtool = require_binary("promtool")["promtool"]
    result = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_guard_counts_follow_events_jsonl_between_scrapes(tmp_path: Path) -> None:
    exporter = build_exporter(
        Config(record=RecordConfig(data_dir=tmp_path), metrics=MetricsConfig()), node=False
    )
    key = ("hostward_guard_actions_total", (("dry_run", "false"), ("outcome", "signal")))
    assert _values(render(exporter.registry).decode())[key] == 0  # no file yet
    append_event(events_path(tmp_path), GuardEvent(time=1000.0, kind="signal", reason="test", dry_run=False))
    assert _values(render(exporter.registry).decode())[key] == 1
    assert _values(render(exporter.registry).decode())[key] == 1  # unchanged file: the cached counts
    append_event(events_path(tmp_path), GuardEvent(time=2000.0, kind="signal", reason="test", dry_run=False))
    values = _values(render(exporter.registry).decode())
    assert values[key] == 2
    assert values[("hostward_guard_last_action_timestamp_seconds", ())] == 2000

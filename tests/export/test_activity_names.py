"""One definition feeds every output: each node_exporter series an activity column names (activities/*.py,
``Column.node_exporter``) is a series hostward's /metrics publishes, so sar's columns and the Prometheus
families cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from hostward.activities import BY_NAME
from hostward.config import Config, RecordConfig
from hostward.export.exposition import render
from hostward.export.registry import build_exporter


def test_every_node_exporter_name_in_the_activities_is_published(tmp_path: Path) -> None:
    exporter = build_exporter(Config(record=RecordConfig(data_dir=tmp_path)))
    published = {
        s.name for f in text_string_to_metric_families(render(exporter.registry).decode()) for s in f.samples
    }
    referenced = {
        name
        for activity in BY_NAME.values()
        for column in activity.columns
        for name in re.findall(r"node_[A-Za-z0-9_]+", column.node_exporter or "")
    }
    assert len(referenced) > 40
    assert sorted(referenced - published) == []

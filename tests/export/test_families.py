"""export.families written by exposition.render: what prometheus_client writes for the same families, parsed
back to the same series, whatever the label values (quotes, backslashes, newlines, non-ASCII)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric, UnknownMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hostward.export import families
from hostward.export.exposition import format_value, render
from hostward.export.families import CounterFamily, GaugeFamily, UntypedFamily

Series = list[tuple[tuple[str, str], float]]


class _Fixed:
    def __init__(self, built: list[Metric]) -> None:
        self.built = built

    def collect(self) -> Iterator[Metric]:
        return iter(self.built)


def _parsed(text: str) -> dict[tuple[str, str, tuple[tuple[str, str], ...]], float]:
    return {
        (f.type, s.name, tuple(sorted(s.labels.items()))): float(s.value)  # as Prometheus stores it
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }


def _registry(built: list[Metric]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(built))
    return registry


def _both(series: Series) -> tuple[list[Metric], list[Metric]]:
    ours: list[Metric] = [
        GaugeFamily("hw_test_gauge", 'help with \\ and "quotes"\nand a newline', labels=("a", "b")),
        CounterFamily("hw_test_total", "a counter", labels=("a", "b")),
        UntypedFamily("hw_test_untyped", "untyped", 7),
    ]
    theirs: list[Metric] = [
        GaugeMetricFamily("hw_test_gauge", 'help with \\ and "quotes"\nand a newline', labels=("a", "b")),
        CounterMetricFamily("hw_test_total", "a counter", labels=("a", "b")),
        UnknownMetricFamily("hw_test_untyped", "untyped", 7),
    ]
    for family_list in (ours, theirs):
        for labels, value in series:
            family_list[0].add_metric(labels, value)  # type: ignore[attr-defined]
            family_list[1].add_metric(labels, abs(value))  # type: ignore[attr-defined]
    return ours, theirs


label_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
values = st.one_of(st.integers(-(2**62), 2**62), st.floats(allow_nan=False, allow_infinity=True))


@given(st.dictionaries(st.tuples(label_text, label_text), values, max_size=8))
def test_render_reads_back_as_prometheus_clients_own(series_map: dict[tuple[str, str], float]) -> None:
    series = list(series_map.items())
    ours, theirs = _both(series)
    mine = render(_registry(ours)).decode()
    reference = generate_latest(_registry(theirs)).decode()
    assert _parsed(mine) == _parsed(reference)
    # the header lines are the same text (TYPE and escaped HELP)
    # (split on \n alone: label values may hold other line breaks, which the format leaves as they are)
    assert [ln for ln in mine.split("\n") if ln.startswith("#")] == [
        ln for ln in reference.split("\n") if ln.startswith("#")
    ]
    assert [s for f in ours for s in f.samples] == [s for f in theirs for s in f.samples]


def test_values_keep_integers_exact_and_floats_round_trip() -> None:
    assert format_value(2**62 + 1) == "4611686018427387905"  # past 2**53: the integer as the kernel gave it
    assert format_value(True) == "1"
    assert format_value(1.5e-7) == "1.5e-07" and float(format_value(0.1)) == 0.1
    assert format_value(math.inf) == "+Inf" and format_value(-math.inf) == "-Inf"
    assert format_value(math.nan) == "NaN"
    assert format_value(24683784.0) == "24683784"


def test_the_prefix_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(families, "MAX_CACHED_PREFIXES", 10)
    monkeypatch.setattr(families, "_prefixes", {})
    family = GaugeFamily("hw_many", "many", labels=("pid_like",))
    for i in range(100):
        family.add_metric((str(i),), i)
    text = render(_registry([family])).decode()
    assert len(families._prefixes) <= 10
    assert text.count("\nhw_many{") == 100

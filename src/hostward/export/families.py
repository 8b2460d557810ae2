"""Metric families that keep their samples as they will be written, for the text exposition format.

prometheus_client's GaugeMetricFamily and friends validate the name, build a label dict and a Sample tuple per
series at every scrape, and the writer then takes them apart again and escapes every label value: most of a
scrape's CPU for ~300 series whose names and label sets hardly ever change. These families take the same
calls (``add_metric(labels, value)``, ``value=``) but keep ``(label values, value)`` pairs, and
``exposition.render`` writes each series from a cached ``name{labels} `` prefix. ``samples`` still gives
prometheus_client's Sample tuples (built on demand) for its own writers and for tests.

Names here are constants of this package (checked once by the tests against node_exporter's and promtool), so
they are not validated at every scrape; label values are escaped once, when a prefix is first cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client.core import Metric
from prometheus_client.samples import Sample

_TYPES = {"counter": "counter", "gauge": "gauge", "unknown": "untyped", "untyped": "untyped", "info": "gauge"}
MAX_CACHED_PREFIXES = 50_000  # label sets seen (bounded per scrape by max_devices; churn clears the cache)
_prefixes: dict[tuple[str, tuple[str, ...]], str] = {}
_headers: dict[tuple[str, str, str], str] = {}


def escape_help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")


def escape_label(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def header(name: str, documentation: str, typ: str) -> str:
    """``# HELP`` and ``# TYPE`` lines of a family written under ``name``."""
    key = (name, documentation, typ)
    text = _headers.get(key)
    if text is None:
        text = f"# HELP {name} {escape_help(documentation)}\n# TYPE {name} {_TYPES.get(typ, 'untyped')}\n"
        if len(_headers) < MAX_CACHED_PREFIXES:
            _headers[key] = text
    return text


def series_prefix(sample_name: str, names: tuple[str, ...], values: tuple[str, ...]) -> str:
    """``name{a="x",b="y"} `` (``name `` without labels), cached per label set."""
    key = (sample_name, values)
    prefix = _prefixes.get(key)
    if prefix is None:
        labels = ",".join(f'{k}="{escape_label(v)}"' for k, v in zip(names, values, strict=True))
        prefix = f"{sample_name}{{{labels}}} " if names else f"{sample_name} "
        if len(_prefixes) >= MAX_CACHED_PREFIXES:
            _prefixes.clear()
        _prefixes[key] = prefix
    return prefix


class TextFamily(Metric):
    """A family of one type whose series all have the same label names."""

    def __init__(
        self,
        name: str,
        documentation: str,
        typ: str,
        labels: Sequence[str] = (),
        value: float | None = None,
        *,
        sample_name: str | None = None,
    ) -> None:
        # Metric.__init__ is not called: it validates the name (a regex per family per scrape).
        self.name = name
        self.documentation = documentation
        self.type = typ
        self.unit = ""
        self.sample_name = sample_name or name
        self.label_names = tuple(labels)
        self.series: list[tuple[tuple[str, ...], float]] = []
        if value is not None:
            self.series.append(((), value))

    def add_metric(self, labels: Sequence[str], value: float, timestamp: Any = None) -> None:
        if timestamp is not None:
            raise ValueError("hostward's families carry no timestamps")
        self.series.append((tuple(labels), value))

    @property
    def samples(self) -> list[Sample]:
        return [
            Sample(self.sample_name, dict(zip(self.label_names, v, strict=True)), x) for v, x in self.series
        ]

    @samples.setter
    def samples(self, _value: list[Sample]) -> None:
        raise AttributeError("TextFamily samples are added with add_metric")

    def write(self, append: Callable[[str], object], format_value: Callable[[float], str]) -> None:
        append(
            header(self.sample_name if self.type == "counter" else self.name, self.documentation, self.type)
        )
        name, names = self.sample_name, self.label_names
        for values, value in self.series:
            append(series_prefix(name, names, values) + format_value(value) + "\n")


class GaugeFamily(TextFamily):
    def __init__(self, name: str, documentation: str, value: float | None = None, labels: Sequence[str] = ()):
        super().__init__(name, documentation, "gauge", labels, value)


class CounterFamily(TextFamily):
    """Like CounterMetricFamily: ``name`` without ``_total``, its series written as ``name_total``."""

    def __init__(self, name: str, documentation: str, value: float | None = None, labels: Sequence[str] = ()):
        base = name.removesuffix("_total")
        super().__init__(base, documentation, "counter", labels, value, sample_name=base + "_total")


class UntypedFamily(TextFamily):
    def __init__(self, name: str, documentation: str, value: float | None = None, labels: Sequence[str] = ()):
        super().__init__(name, documentation, "unknown", labels, value)

"""Every field of /proc/meminfo and /proc/vmstat, for exporters that publish all of them.

The recorder's parsers (collect/memory.py) keep the two dozen fields sar needs; node_exporter publishes every
line, so the Prometheus export reads these instead. Pure functions on the file's text.
"""

from __future__ import annotations

import re

from hostward.errors import CollectError
from hostward.frozen import frozen


@frozen
class Field:
    """One ``Key: value [kB]`` line: ``in_kb`` is True when the kernel wrote a unit (always kB in meminfo)."""

    key: str
    value: int
    in_kb: bool


def parse_meminfo_fields(text: str) -> tuple[Field, ...]:
    """Every line of /proc/meminfo in file order; a malformed line raises CollectError naming it."""
    found: list[Field] = []
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        parts = rest.split()
        if not sep or not parts:
            continue
        try:
            value = int(parts[0])
        except ValueError as exc:
            raise CollectError(f"/proc/meminfo: bad value in line {line!r}") from exc
        found.append(Field(key.strip(), value, len(parts) > 1))
    return tuple(found)


def parse_vmstat_fields(text: str, keep: re.Pattern[str]) -> tuple[Field, ...]:
    """The /proc/vmstat lines whose key matches ``keep`` (``re.match``), in file order."""
    found: list[Field] = []
    for line in text.splitlines():
        key, _, raw = line.partition(" ")
        if not keep.match(key):
            continue
        try:
            found.append(Field(key, int(raw), False))
        except ValueError as exc:
            raise CollectError(f"/proc/vmstat: bad value in line {line!r}") from exc
    return tuple(found)

"""Which hostward activity a report's column headers belong to (shared by the sar text and sadf -d parsers).

A sar report is recognised by its header line. An exact match with one of an activity's views (``-u`` or
``-u ALL``, ``-r`` or ``-r ALL``...) tells which column is which (``%nice`` means two things); a header with
extra or missing columns (another sysstat version) is matched by overlap and its unknown columns are kept
under their header text; a header that matches nothing is an unknown report, kept as ``"sar:" + headers``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hostward.activities import ACTIVITIES
from hostward.activities.base import Activity

# Item columns of sysstat reports (pr_stats.c): their values name an item instead of being numbers.
ITEM_HEADERS = frozenset({"CPU", "DEV", "IFACE", "INTR", "TTY", "FILESYSTEM", "MOUNTPOINT", "BUS", "FAN", "DEVICE",
                          "TEMP", "FCHOST", "IN"})  # fmt: skip
UNKNOWN_PREFIX = "sar:"


@dataclass(frozen=True, slots=True)
class Schema:
    """How to read the values under one header line."""

    activity: str  # hostward activity name, or "sar:<headers>" for an unknown report
    item_header: str | None
    names: tuple[str, ...]  # for each value column: the activity column's name, or the header text
    unknown: tuple[str, ...]  # headers kept without an activity column

    @property
    def known(self) -> bool:
        return not self.activity.startswith(UNKNOWN_PREFIX)


def _views(activity: Activity) -> list[tuple[str, ...]]:
    names = [activity.columns[i].name for i in activity.view("")]
    out = [tuple(names)]
    for view in activity.views:
        out.append(tuple(activity.columns[i].name for i in activity.view(view)))
    return out


def _header_of(activity: Activity, name: str) -> str:
    for column in activity.columns:
        if column.name == name:
            return column.header
    return name


_CACHE: dict[tuple[str | None, tuple[str, ...]], Schema] = {}


def match_headers(item_header: str | None, headers: tuple[str, ...]) -> Schema:
    """The schema of a report whose item column is ``item_header`` and value columns ``headers``."""
    cached = _CACHE.get((item_header, headers))
    if cached is not None:
        return cached
    best: tuple[int, Activity, tuple[str, ...]] | None = None
    for activity in ACTIVITIES:
        wanted_item = activity.item.header if activity.item else None
        if wanted_item != item_header:
            continue
        for view in _views(activity):
            shown = tuple(_header_of(activity, n) for n in view)
            if shown == headers:
                schema = Schema(activity.name, item_header, view, ())
                _CACHE[(item_header, headers)] = schema
                return schema
            overlap = len(set(shown) & set(headers))
            if overlap * 2 > len(headers) and (best is None or overlap > best[0]):
                best = (overlap, activity, view)
    if best is not None:
        _, activity, view = best
        by_header = {_header_of(activity, n): n for n in view}
        names = tuple(by_header.get(h, h) for h in headers)
        schema = Schema(activity.name, item_header, names, tuple(h for h in headers if h not in by_header))
    else:
        label = " ".join(([item_header] if item_header else []) + list(headers))
        schema = Schema(UNKNOWN_PREFIX + label, item_header, headers, headers)
    _CACHE[(item_header, headers)] = schema
    return schema

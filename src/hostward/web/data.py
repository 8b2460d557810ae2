"""What the dashboard draws: series of any activity over a day or a range, from recordings or imported history.

Nothing here computes a report itself. Recorded samples go through ``plot.series.series_from_day`` (the
activities' own ``rows`` functions, as ``hostward sar`` and ``hostward plot``), imported text rows through
``plot.imported.series_from_imported``, and downloads through ``report.sadf.render_csv``/``render_json``
with the options ``hostward sadf --since .. --until .. -- FLAGS`` builds, so every number on a page is the
number the command line prints.
"""

from __future__ import annotations

import collections
import datetime as dt
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hostward.activities import ACTIVITIES, BY_NAME, HOSTWARD_ACTIVITIES
from hostward.activities.base import Activity
from hostward.collect.sample import SystemSample
from hostward.errors import StoreError, UsageError
from hostward.plot.imported import series_from_imported
from hostward.plot.series import PRESSURE, PRESSURE_COLUMNS, Series, SeriesSet, series_from_day
from hostward.report.sadf import SadfFormat, render_csv, render_json
from hostward.report.selection import ReportOptions, Selected
from hostward.store import read_range
from hostward.store.model import DayData
from hostward.store.paths import day_parts
from hostward.store.sysstat import ImportedDay, read_imported
from hostward.store.sysstat.imported import imported_path

# Every report `hostward sar` has, in sar's order, then hostward's own (--time).
PAGE_ACTIVITIES: tuple[Activity, ...] = (*ACTIVITIES, *HOSTWARD_ACTIVITIES)
MAX_RANGE = dt.timedelta(days=31)
MAX_ITEMS = 256  # item names accepted in one request (CPUs, devices, interfaces)


@dataclass(frozen=True, slots=True)
class Window:
    """A time range in local time (naive datetimes, as ``hostward sar --since/--until`` take them)."""

    since: dt.datetime
    until: dt.datetime

    @property
    def label(self) -> str:
        return f"{self.since:%Y-%m-%d %H:%M:%S} – {self.until:%Y-%m-%d %H:%M:%S}"


def _parse_time(text: str, what: str) -> dt.datetime:
    """``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM[:SS]`` or the ``T``-separated form an <input type=datetime-local> sends."""
    text = text.strip().replace("T", " ")
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise UsageError(f"{what}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], got {text[:40]!r}")


def parse_window(
    day: str | None, since: str | None, until: str | None, *, now: dt.datetime | None = None
) -> Window:
    """The range a request asks for: ``day`` (a whole local day), or ``since``/``until``; by default the last
    24 hours. Refuses empty and over-long ranges with one line (UsageError)."""
    # Rounded up to the next second, so what was written in this second is in the default window.
    now = now or dt.datetime.now().replace(microsecond=0) + dt.timedelta(seconds=1)
    if day and (since or until):
        raise UsageError("give either day or since/until, not both")
    if day:
        start = _parse_time(day, "day").replace(hour=0, minute=0, second=0)
        return Window(start, start + dt.timedelta(days=1) - dt.timedelta(seconds=1))
    stop = _parse_time(until, "until") if until else now
    start = _parse_time(since, "since") if since else stop - dt.timedelta(hours=24)
    if stop <= start:
        raise UsageError("empty time range: until is not after since")
    if stop - start > MAX_RANGE:
        raise UsageError(f"time range longer than {MAX_RANGE.days} days")
    return Window(start, stop)


def activity_named(name: str) -> Activity:
    activity = BY_NAME.get(name)
    if activity is None:
        raise UsageError(f"unknown activity {name[:40]!r}")
    return activity


def parse_items(values: Sequence[str]) -> frozenset[str] | None:
    """The items a request selects (repeated ``item=`` or comma lists); None: every item."""
    names = {part.strip() for value in values for part in value.split(",") if part.strip()}
    if not names or "ALL" in names:
        return None
    if len(names) > MAX_ITEMS or any(len(n) > 64 for n in names):
        raise UsageError("too many or too long item names")
    return frozenset(names)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A window's data: recorded samples (``recorded``) or, when none were recorded, imported text rows."""

    window: Window
    recorded: DayData | None
    imported: ImportedDay | None

    @property
    def host(self) -> str:
        if self.recorded is not None:
            return self.recorded.host.nodename
        return self.imported.host.nodename if self.imported is not None else ""


def _fingerprint(data_dir: Path, window: Window) -> tuple[object, ...]:
    """What the files of a window look like now (names, sizes, mtimes): a changed file is read again."""
    out: list[object] = [str(data_dir), window]
    day = window.since.date()
    while day <= window.until.date():
        try:
            for path in [*day_parts(data_dir, day), imported_path(data_dir, day)]:
                st = path.stat() if path.exists() else None
                out.append((path.name, st and st.st_size, st and st.st_mtime_ns))
        except (OSError, StoreError):
            out.append((day, None))
        day += dt.timedelta(days=1)
    return tuple(out)


class _Recent:
    """The last few windows read, so the charts of one page (all asking for the same window) read the files
    once. Keyed by the files' fingerprint: nothing stale is served after the recorder appends."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self.items: collections.OrderedDict[tuple[object, ...], Loaded] = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> Loaded | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], value: Loaded) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_RECENT = _Recent()


def load(data_dir: Path, window: Window) -> Loaded:
    """The recording of ``window`` (as ``hostward sar --since/--until``), or imported history when nothing was
    recorded there (as ``hostward sar`` falls back to it). Neither: an empty Loaded (pages say so)."""
    key = _fingerprint(data_dir, window)
    found = _RECENT.get(key)
    if found is None:
        found = _load(data_dir, window)
        _RECENT.put(key, found)
    return found


def _load(data_dir: Path, window: Window) -> Loaded:
    try:
        # no page shows recorded top processes: their frames are checked, not decoded (issue 17)
        data = read_range(data_dir, window.since, window.until, salvage=True, processes=False)
    except StoreError:
        data = None
    if data is not None and any(isinstance(e, SystemSample) for e in data.entries):
        return Loaded(window, data, None)
    day = read_imported(data_dir, window.since.date(), window.until.date())
    if day is not None:
        start, stop = window.since.timestamp(), window.until.timestamp()
        rows = tuple(r for r in day.rows if start <= r.timestamp <= stop)
        if rows:
            return Loaded(window, None, ImportedDay(day.host, rows, day.restarts))
    return Loaded(window, None, None)


def series_of(loaded: Loaded, activities: Sequence[Activity], *, pressure: bool = False) -> SeriesSet:
    if loaded.recorded is not None:
        return series_from_day(loaded.recorded, activities, pressure=pressure)
    if loaded.imported is not None:
        names = {a.name for a in activities}
        day = loaded.imported
        rows = tuple(r for r in day.rows if r.activity in names)
        return series_from_imported(ImportedDay(day.host, rows, day.restarts))
    return SeriesSet(())


# -- JSON shapes (the API and the pages' charts read the same document) ---------------------------------------


def _num(value: float, decimals: int = 6) -> float | None:
    """A value as sadf prints it (the column's decimals); NaN and infinities (gaps) as null."""
    return None if math.isnan(value) or math.isinf(value) else round(value, decimals)


def _round_times(times: Sequence[float]) -> list[float | None]:
    return [round(t, 3) for t in times]


def series_document(
    loaded: Loaded, activity: Activity, view: str = "", items: frozenset[str] | None = None
) -> dict[str, Any]:
    """One activity over a window: its columns (header, unit, decimals), every item the data has, and the
    selected items' series. NaN (a gap: restart or silence) is null, which uPlot draws as a break."""
    if view not in ("", *activity.views):
        raise UsageError(f"unknown view {view[:20]!r} for {activity.name}")
    chosen = items
    shown = activity.view(view)
    columns = [activity.columns[i] for i in shown]
    found = series_of(loaded, [activity])
    available = [s.item for s in found.of(activity.name)]
    out_series = []
    for s in found.of(activity.name):
        if chosen is not None and s.item is not None and s.item not in chosen:
            continue
        out_series.append(
            {
                "item": s.item,
                "times": _round_times(s.times),
                "values": [[_num(v, c.decimals) for v in s.column(c.name)] for c in columns],
            }
        )
    return {
        "activity": activity.name,
        "flag": activity.flag,
        "title": activity.title,
        "view": view,
        "views": sorted(activity.views),
        "source": "recorded" if loaded.recorded is not None else "imported" if loaded.imported else "none",
        "host": loaded.host,
        "since": loaded.window.since.isoformat(sep=" "),
        "until": loaded.window.until.isoformat(sep=" "),
        "item_header": activity.item.header if activity.item is not None else None,
        "items": [i for i in available if i is not None],
        "columns": [
            {"name": c.name, "header": c.header, "unit": c.unit, "decimals": c.decimals} for c in columns
        ],
        "series": out_series,
        "marks": [{"time": m.timestamp, "kind": m.kind, "label": m.label} for m in found.marks],
    }


def pressure_document(loaded: Loaded) -> dict[str, Any]:
    """Share of time stalled (/proc/pressure), percent per interval, as ``hostward plot`` draws it."""
    found = series_of(loaded, [], pressure=True)
    series: list[Series] = found.of(PRESSURE)
    return {
        "activity": PRESSURE,
        "columns": [{"name": c, "header": c, "unit": "percent", "decimals": 2} for c in PRESSURE_COLUMNS],
        "series": [
            {
                "item": None,
                "times": _round_times(s.times),
                "values": [[_num(v, 2) for v in s.column(c)] for c in PRESSURE_COLUMNS],
            }
            for s in series
        ],
    }


# -- downloads: exactly sadf -d / sadf -j ------------------------------------------------------------------------


def sadf_options(
    activity: Activity, view: str, items: frozenset[str] | None, cpu_count: int
) -> ReportOptions:
    """What ``hostward sadf -C -- FLAG`` selects: CPU "all" by default (sar -u), every device and interface."""
    if activity.name == "cpu" and items is None:
        items = frozenset({"all", *(str(n) for n in range(cpu_count))})
    return ReportOptions(reports=(Selected(activity, view, items),), comments=True)


def _with_previous(data: DayData) -> DayData:
    # cli/sadf.py: the sample before --since is the reference of the first interval.
    if data.previous is None:
        return data
    return DayData(data.host, (data.previous, *data.entries))


def export_csv(loaded: Loaded, activity: Activity, view: str, items: frozenset[str] | None) -> str:
    """sadf -d of the selection (UTC timestamps, '.' as decimal point)."""
    if loaded.recorded is None:
        raise StoreError("no recorded samples in this range (imported history is shown, not exported)")
    data = loaded.recorded
    opts = sadf_options(activity, view, items, max(data.host.cpu_count, 1))
    return "".join(render_csv(_with_previous(data), opts, SadfFormat()))


def export_json(loaded: Loaded, activity: Activity, view: str, items: frozenset[str] | None) -> str:
    """sadf -j of the selection."""
    if loaded.recorded is None:
        raise StoreError("no recorded samples in this range (imported history is shown, not exported)")
    data = loaded.recorded
    opts = sadf_options(activity, view, items, max(data.host.cpu_count, 1))
    return render_json(_with_previous(data), opts, SadfFormat())

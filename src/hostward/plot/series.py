"""Time series of every activity, computed once from recorded samples or from imported text rows.

A :class:`Series` is what a figure draws: one activity (or pressure), one item, the end time of each interval
and one value per column. It is computed with the activities' own ``rows`` functions, so a graph shows exactly
the numbers ``hostward sar`` prints. Where the recorder was not running (a restart, or a silence longer than
``GAP_FACTOR`` times the usual interval) a NaN point is inserted, which matplotlib draws as a break in the line.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence

from hostward.activities import BY_NAME
from hostward.activities.base import Activity, Interval, Row, uptime_cs
from hostward.activities.time import clock_step_seconds
from hostward.collect.sample import SystemSample
from hostward.frozen import frozen
from hostward.store.model import CommentMark, DayData, RestartMark

GAP_FACTOR = 3.0
PRESSURE = "pressure"  # not a sar report: /proc/pressure stall percentages, from the recorded totals
PRESSURE_COLUMNS = ("cpu some", "memory some", "memory full", "io some", "io full")


@frozen
class Series:
    activity: str  # activity name, or PRESSURE
    item: str | None
    columns: tuple[str, ...]  # column names (Column.name), in activity order
    times: tuple[float, ...]  # end of each interval, seconds since the epoch (NaN rows mark gaps)
    values: tuple[tuple[float, ...], ...]  # values[c][k]: column c at times[k]

    def column(self, name: str) -> tuple[float, ...]:
        return self.values[self.columns.index(name)]

    def has(self, name: str) -> bool:
        return name in self.columns and any(not math.isnan(v) for v in self.column(name))


@frozen
class Mark:
    """Something that happened at one instant, drawn as a vertical line on every figure."""

    timestamp: float
    kind: str  # "restart", "comment", "oom-kill", "clock-step", or a guard event kind
    label: str


@frozen
class SeriesSet:
    series: tuple[Series, ...]
    marks: tuple[Mark, ...] = ()
    start: float = math.nan  # first and last time with data
    end: float = math.nan
    cpu_count: int = 1
    samples: int = 0  # samples (or imported timestamps) behind the series
    notes: tuple[str, ...] = ()

    def of(self, activity: str) -> list[Series]:
        return [s for s in self.series if s.activity == activity]


class _Builder:
    """Collects rows per (activity, item) with NaN gap markers; columns are formed once, at the end."""

    def __init__(self) -> None:
        # (activity, item) -> (columns, end times, rows); rows are checked against the columns in build
        self.rows: dict[tuple[str, str | None], tuple[Sequence[str], list[float], list[Sequence[float]]]] = {}

    def add(
        self, activity: str, item: str | None, columns: Sequence[str], stamp: float, values: Sequence[float]
    ) -> None:
        found = self.rows.get((activity, item))
        if found is None:
            found = self.rows[(activity, item)] = (columns, [], [])
        found[1].append(stamp)
        found[2].append(values)

    def add_rows(self, activity: str, columns: Sequence[str], stamp: float, rows: Iterable[Row]) -> None:
        """``add`` of every row of one interval (the per-row call and key were a third of a day's work)."""
        found = self.rows
        for row in rows:
            key = (activity, row.item)
            lists = found.get(key)
            if lists is None:
                lists = found[key] = (columns, [], [])
            lists[1].append(stamp)
            lists[2].append(row.values)

    def gap(self, stamp: float) -> None:
        """A break in every series (the NaN point is placed at ``stamp``)."""
        for columns, times, rows in self.rows.values():
            if times and not math.isnan(rows[-1][0]):
                times.append(stamp)
                rows.append((math.nan,) * len(columns))

    def build(self) -> tuple[Series, ...]:
        out = []
        for (activity, item), (columns, times, rows) in self.rows.items():
            try:  # zip(strict) finds a row of another length; the count check, rows of equal wrong length
                values = tuple(tuple(map(float, column)) for column in zip(*rows, strict=True))
            except ValueError:
                values = ()
            if len(values) != len(columns):
                raise ValueError(f"{activity} {item}: rows of {len(columns)} columns expected")
            out.append(Series(activity, item, tuple(columns), tuple(times), values))
        return tuple(out)


def _pressure_values(prev: SystemSample, cur: SystemSample, seconds: float) -> tuple[float, ...] | None:
    """Share of wall time stalled over the interval, percent, from the cumulative totals (microseconds)."""
    if prev.pressure is None or cur.pressure is None:
        return None
    out: list[float] = []
    for resource, kind in (
        ("cpu", "some"),
        ("memory", "some"),
        ("memory", "full"),
        ("io", "some"),
        ("io", "full"),
    ):
        a, b = getattr(prev.pressure, resource), getattr(cur.pressure, resource)
        la = None if a is None else getattr(a, kind)
        lb = None if b is None else getattr(b, kind)
        if la is None or lb is None or lb.total_us < la.total_us:
            out.append(math.nan)
        else:
            # Stall time cannot exceed the wall time: a share over 100 % is the two reads' skew (the pressure file
            # and the uptime are read microseconds apart), clamped as sysstat clamps its percentages.
            out.append(min((lb.total_us - la.total_us) / (seconds * 1e6) * 100, 100.0))
    return tuple(out)


def typical_step(stamps: Sequence[float]) -> float:
    steps = [b - a for a, b in itertools.pairwise(stamps) if b > a]
    return statistics.median(steps) if steps else 0.0


def series_from_day(
    data: DayData,
    activities: Iterable[Activity] | None = None,
    *,
    pressure: bool = True,
    hide_unknown_ifutil: bool = False,
    items: Mapping[str, frozenset[str] | None] | None = None,
) -> SeriesSet:
    """Every activity's rows between consecutive samples of ``data`` (its ``previous`` sample included);
    ``items``: for an activity named there, the rows of only those items where it can leave the others out.
    ``hide_unknown_ifutil``: for graphs, %ifutil of links whose speed was never known is blanked (with a note)
    instead of sar's 0.00; tables and exports keep sar's numbers."""
    chosen = list(activities) if activities is not None else list(BY_NAME.values())
    # Per activity: its name, columns, and the rows function; with ``items``, the one that computes only those
    # items (cpu's rows_of: a graph of "all" need not compute each CPU's thirteen shares).
    plan: list[tuple[str, tuple[str, ...], Callable[..., list[Row] | None], frozenset[str] | None]] = []
    for a in chosen:
        shown = (items or {}).get(a.name)
        rows_fn: Callable[..., list[Row] | None] = a.rows if shown is None or a.rows_of is None else a.rows_of
        plan.append((a.name, tuple(c.name for c in a.columns), rows_fn, None if a.rows_of is None else shown))
    entries = ([data.previous] if data.previous is not None else []) + list(data.entries)
    samples = [e for e in entries if isinstance(e, SystemSample)]
    step = typical_step([s.timestamp for s in samples])
    builder = _Builder()
    marks: list[Mark] = []
    prev: SystemSample | None = None
    for entry in entries:
        if isinstance(entry, RestartMark):
            marks.append(Mark(entry.timestamp, "restart", f"restart ({entry.host.cpu_count} CPU)"))
            builder.gap(entry.timestamp)
            prev = None
            continue
        if isinstance(entry, CommentMark):
            marks.append(Mark(entry.timestamp, "comment", entry.text))
            continue
        if prev is not None:
            seconds = entry.uptime_seconds - prev.uptime_seconds
            if seconds <= 0:
                builder.gap(entry.timestamp)  # rebooted without a restart mark: no rate
            else:
                if step and entry.timestamp - prev.timestamp > GAP_FACTOR * step:
                    builder.gap(prev.timestamp + step)
                jump = clock_step_seconds(prev, entry)
                if jump is not None:
                    # Wall clock moved unlike uptime: drawn on every figure, as restarts are.
                    marks.append(Mark(entry.timestamp, "clock-step", f"clock step {jump:+.3f} s"))
                span = Interval(prev, entry, uptime_cs(entry) - uptime_cs(prev))
                for name, columns, rows_of, shown in plan:
                    rows = rows_of(span) if shown is None else rows_of(span, shown)
                    builder.add_rows(name, columns, entry.timestamp, rows or ())  # None: no rows
                if pressure:
                    values = _pressure_values(prev, entry, seconds)
                    if values is not None:
                        builder.add(PRESSURE, None, PRESSURE_COLUMNS, entry.timestamp, values)
        prev = entry
    first = samples[1].timestamp if len(samples) > 1 else math.nan
    last = samples[-1].timestamp if samples else math.nan
    series = builder.build()
    notes: tuple[str, ...] = ()
    if hide_unknown_ifutil:
        series, notes = _without_unknown_link_speed(series, samples)
    return SeriesSet(series, tuple(marks), first, last, max(data.host.cpu_count, 1), len(samples), notes)


def _without_unknown_link_speed(
    series: tuple[Series, ...], samples: Sequence[SystemSample]
) -> tuple[tuple[Series, ...], tuple[str, ...]]:
    """%ifutil of an interface whose link speed was never known (virtual devices, links down) is sar's 0.00,
    which a graph would draw as an idle link: it is left out, and a note says why."""
    known = {dev.name for sample in samples for dev in sample.nets if dev.speed_mbps > 0}
    unknown: list[str] = []
    out: list[Series] = []
    for s in series:
        if s.activity != "net_dev" or s.item in known or "%ifutil" not in s.columns:
            out.append(s)
            continue
        unknown.append(str(s.item))
        index = s.columns.index("%ifutil")
        blank = tuple(math.nan for _ in s.times)
        values = (*s.values[:index], blank, *s.values[index + 1 :])
        out.append(Series(s.activity, s.item, s.columns, s.times, values))
    notes = (
        f"%ifutil not drawn (link speed unknown: virtual device or link down): {', '.join(sorted(unknown))}",
    )
    return tuple(out), notes if unknown else ()


def merge_marks(base: SeriesSet, extra: Iterable[Mark]) -> SeriesSet:
    marks = tuple(sorted((*base.marks, *extra), key=lambda m: m.timestamp))
    return SeriesSet(base.series, marks, base.start, base.end, base.cpu_count, base.samples, base.notes)

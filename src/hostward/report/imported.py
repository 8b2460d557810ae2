"""Imported text rows rendered as sar reports, through the same activity definitions and layout as recorded
data (report.sar_text.Layout), so ``hostward sar`` prints imported history with sar's columns and formats.

Averages are the source's own ``Average:`` rows when it had them (sar text); otherwise (sadf -d) they are
recomputed: for counter activities the rate over the whole span (the interval-weighted mean of the rows, as
sar's Average is the rate between the first and the last sample); for gauges the mean of the rows.
A column a view needs but the source did not print is derived when sar's formulas allow it (``-u`` from
``-u ALL``: %user = %usr + %guest, %nice = %nice + %gnice, %system = %sys + %irq + %soft); otherwise ``nan``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from hostward.activities import BY_NAME
from hostward.activities.base import Activity, Kind, Row
from hostward.report.formatting import ReportFormat
from hostward.report.sar_text import Layout, banner
from hostward.report.selection import ReportOptions, Selected
from hostward.store.sysstat.imported import ImportedDay, ImportedRow

# Derivations for columns missing from an imported row (pr_stats.c print_cpu_stats, both branches).
_DERIVED: dict[str, tuple[str, ...]] = {
    "%user": ("%usr", "%guest"),
    "%nice": ("%nice-guest", "%gnice"),
    "%system": ("%sys", "%irq", "%soft"),
}


def row_values(activity: Activity, values: Mapping[str, float]) -> tuple[float, ...]:
    """Values in the activity's column order; missing ones derived or NaN."""
    out: list[float] = []
    for column in activity.columns:
        value = values.get(column.name)
        if value is None and column.name in _DERIVED and all(k in values for k in _DERIVED[column.name]):
            value = sum(values[k] for k in _DERIVED[column.name])
        out.append(math.nan if value is None else value)
    return tuple(out)


def _segments(
    rows: list[ImportedRow], restarts: tuple[float, ...]
) -> list[tuple[list[ImportedRow], float | None]]:
    """Rows cut at restarts: (rows, restart that ends them or None)."""
    out: list[tuple[list[ImportedRow], float | None]] = []
    bounds = sorted(restarts)
    current: list[ImportedRow] = []
    i = 0
    for row in rows:
        while i < len(bounds) and row.timestamp > bounds[i]:
            out.append((current, bounds[i]))
            current = []
            i += 1
        current.append(row)
    out.append((current, None))
    out.extend(([], b) for b in bounds[i:])
    return out


# Per-event ratios average over the events, not over time: await and areq-sz are per I/O (pr_stats.c
# print_disk_stats over the whole span = sums of ticks and sectors over the sum of I/Os), %vmeff per page
# scanned. Their rows are weighted by the rate of those events.
_EVENT_WEIGHTS: dict[str, dict[str, tuple[str, ...]]] = {
    "disk": {"areq-sz": ("tps",), "avgrq-sz": ("tps",), "await": ("tps",)},
    "paging": {"%vmeff": ("pgscank/s", "pgscand/s")},
}


def _average(activity: Activity, rows: list[ImportedRow]) -> list[Row]:
    """Averages of rows without the source's own (sadf -d): rates weighted by interval, gauges plain means."""
    by_item: dict[str | None, list[ImportedRow]] = {}
    for row in rows:
        by_item.setdefault(row.item, []).append(row)
    names = [c.name for c in activity.columns]
    events = _EVENT_WEIGHTS.get(activity.name, {})
    out: list[Row] = []
    for item, group in by_item.items():
        columns = [row_values(activity, r.value_map()) for r in group]
        counter = activity.kind is Kind.COUNTER
        spans = [(r.interval_seconds or 1.0) if counter else 1.0 for r in group]
        values: list[float] = []
        for i, name in enumerate(names):
            weights = spans
            if name in events:
                idx = [names.index(n) for n in events[name]]
                weights = [s * sum(c[j] for j in idx) for s, c in zip(spans, columns, strict=True)]
            total = sum(weights)
            values.append(
                sum(w * c[i] for w, c in zip(weights, columns, strict=True)) / total if total else 0.0
            )
        out.append(Row(item, tuple(values)))
    return out


def render_imported(day: ImportedDay, opts: ReportOptions, fmt: ReportFormat) -> Iterator[str]:
    """The report ``hostward sar <flags>`` prints for imported rows: banner, then per restart segment each
    selected activity's header, rows and Average lines, then LINUX RESTART."""
    first = day.rows[0].timestamp if day.rows else 0.0
    host = day.host
    if host.release and host.machine:
        yield banner(host, first, fmt)
    else:  # sadf -d carries neither the kernel release nor the machine: no "Linux  (db1) ... __" banner
        yield f"{host.sysname} ({host.nodename}) \t{fmt.date(first)} \t({max(host.cpu_count, 1)} CPU)\n"
    rows = sorted(day.rows, key=lambda r: (r.timestamp, r.average))
    for segment, restart in _segments(rows, day.restarts):
        for selected in opts.reports:
            yield "".join(
                _block(selected, [r for r in segment if r.activity == selected.activity.name], opts, fmt)
            )
        if restart is not None:
            label = fmt.clock(restart)
            yield f"\n{label}{' ' * max(11 - len(label.encode()), 0)}  LINUX RESTART\t({max(day.host.cpu_count, 1)} CPU)\n"


def _block(
    selected: Selected, rows: list[ImportedRow], opts: ReportOptions, fmt: ReportFormat
) -> Iterator[str]:
    activity = BY_NAME[selected.activity.name]
    shown = [r for r in rows if not r.average and selected.wants(r.item)]
    if not shown:
        return
    layout = Layout(selected, fmt, opts.pretty)
    head = shown[0]
    yield layout.header(fmt.clock(head.timestamp - (head.interval_seconds or 0.0)))
    groups: dict[float, list[Row]] = {}
    for r in shown:
        groups.setdefault(r.timestamp, []).append(Row(r.item, row_values(activity, r.value_map())))
    for stamp, group in groups.items():
        yield layout.rows(fmt.clock(stamp), tuple(group))
    averages = [r for r in rows if r.average and selected.wants(r.item)]
    if averages:
        avg_rows = [Row(r.item, row_values(activity, r.value_map())) for r in averages]
    else:
        avg_rows = _average(activity, shown)
    yield layout.rows(fmt.average_label, tuple(avg_rows))

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

from hostward.activities.base import Activity, Kind, Row
from hostward.report.engine import Slicer, TimeOfDayFn, in_window, local_tod
from hostward.report.formatting import ReportFormat, shown_host
from hostward.report.sar_text import Layout, banner, comment_line
from hostward.report.selection import ReportOptions, Selected
from hostward.store.model import CommentMark
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


def _windowed(
    rows: list[ImportedRow], opts: ReportOptions, tod: TimeOfDayFn
) -> tuple[list[ImportedRow], float | None]:
    """-s/-e and -i applied to one activity's rows of one segment, choosing the rows sar chooses: with -s the
    first record at or after the start is the reference, so a row is shown when the interval it covers
    starts in the window; -e keeps rows up to and including the end; -i keeps rows close to multiples of the
    interval (sar's next_slice). Text rows cannot be merged as counters can, so with -i each kept row shows
    its own interval's values where sar shows the rate since the last kept record. The source's Average rows
    no longer describe what is left: they are dropped, and averages are computed again. Also returns the
    reference time (the start of the first row in the window), which sar's first header shows."""
    kept: list[ImportedRow] = []
    slicer: Slicer | None = None
    reference: float | None = None
    decided: dict[float, bool] = {}
    for row in rows:
        began = row.timestamp - (row.interval_seconds or 0.0)
        if row.average or not in_window(tod(began), opts.start, None, end_inclusive=True):
            continue
        if not in_window(tod(row.timestamp), None, opts.end, end_inclusive=True):
            continue
        if slicer is None:
            reference = began
            slicer = Slicer(opts.interval, round(began * 100))
        # one decision per record: the rows of its items (-P ALL, -d) share it
        if row.timestamp not in decided:
            decided[row.timestamp] = slicer.keep(round(row.timestamp * 100))
        if decided[row.timestamp]:
            kept.append(row)
    return kept, reference


def _filtered(opts: ReportOptions) -> bool:
    return opts.start is not None or opts.end is not None or opts.interval > 1


def restart_segments(day: ImportedDay) -> list[tuple[list[ImportedRow], float | None]]:
    """The day's rows in record order, cut at its restarts."""
    return _segments(sorted(day.rows, key=lambda r: r.order), day.restarts)


def select_rows(
    segment: list[ImportedRow],
    selected: Selected,
    opts: ReportOptions,
    tod: TimeOfDayFn,
    *,
    keep_averages: bool = False,
) -> tuple[list[ImportedRow], float | None]:
    """One activity's rows of a segment as -s/-e/-i choose them (with the window's reference time), the items
    the selection wants; the source's Average rows only when asked and nothing was filtered out."""
    mine = [r for r in segment if r.activity == selected.activity.name]
    reference = None
    if _filtered(opts):
        mine, reference = _windowed(mine, opts, tod)
    elif not keep_averages:
        mine = [r for r in mine if not r.average]
    return [r for r in mine if r.average or selected.wants(r.item)], reference


def render_imported(
    day: ImportedDay, opts: ReportOptions, fmt: ReportFormat, tod: TimeOfDayFn = local_tod
) -> Iterator[str]:
    """The report ``hostward sar <flags>`` prints for imported rows: banner, then per restart segment each
    selected activity's header, rows and Average lines, then LINUX RESTART. -s, -e and -i select rows as
    they do for recorded data; headers repeat as sar repeats them."""
    first = day.rows[0].timestamp if day.rows else 0.0
    host = day.host
    if host.release and host.machine:
        yield banner(host, first, fmt)
    else:  # sadf -d carries neither the kernel release nor the machine: no "Linux  (db1) ... __" banner
        shown = shown_host(host)
        yield f"{shown.sysname} ({shown.nodename}) \t{fmt.date(first)} \t({max(host.cpu_count, 1)} CPU)\n"
    for segment, restart in restart_segments(day):
        if segment:
            lo, hi = segment[0].timestamp - (segment[0].interval_seconds or 0.0), segment[-1].timestamp
            notes = (
                [CommentMark(t, text) for t, text in day.comments if lo <= t <= hi] if opts.comments else []
            )
        for selected in opts.reports:
            mine, reference = select_rows(segment, selected, opts, tod, keep_averages=True)
            yield "".join(
                _block(selected, mine, opts, fmt, reference=reference, notes=notes if segment else [])
            )
        if restart is not None:
            label = fmt.clock(restart)
            yield f"\n{label}{' ' * max(11 - len(label.encode()), 0)}  LINUX RESTART\t({max(day.host.cpu_count, 1)} CPU)\n"


def _block(
    selected: Selected,
    rows: list[ImportedRow],
    opts: ReportOptions,
    fmt: ReportFormat,
    *,
    reference: float | None = None,
    notes: list[CommentMark] | None = None,
) -> Iterator[str]:
    activity = selected.activity  # -I: the columns of the data's CPU count and -P, built by the selection
    shown = [r for r in rows if not r.average and selected.wants(r.item)]
    if not shown:
        return
    layout = Layout(selected, fmt, opts.pretty)
    groups: dict[tuple[float, int], list[Row]] = {}  # one per record: two records may share a second
    starts: dict[tuple[float, int], float] = {}
    for r in shown:
        groups.setdefault((r.timestamp, r.ordinal), []).append(
            Row(r.item, row_values(activity, r.value_map()))
        )
        starts.setdefault((r.timestamp, r.ordinal), r.timestamp - (r.interval_seconds or 0.0))
    pending = list(notes or ())
    # As engine.block: a header first, and again once the lines printed reach the screen's rows (every
    # interval for multi-row reports such as -P ALL or -d). -C comments come between the records around them.
    lines = 0
    previous = reference
    for (stamp, ordinal), group in groups.items():
        while pending and (pending[0].timestamp < stamp or (pending[0].timestamp == stamp and ordinal > 0)):
            yield comment_line(pending.pop(0), fmt)
        if lines == 0 or lines >= opts.rows or activity.header_every_record:  # -I: before every record
            lines = 0
            yield layout.header(fmt.clock(previous if previous is not None else starts[(stamp, ordinal)]))
        yield layout.rows(fmt.clock(stamp), tuple(group))
        lines += selected.header_weight if selected.header_weight is not None else len(group)
        previous = stamp
    for note in pending:
        yield comment_line(note, fmt)
    averages = [r for r in rows if r.average and selected.wants(r.item)]
    if averages:
        avg_rows = [Row(r.item, row_values(activity, r.value_map())) for r in averages]
    else:
        avg_rows = _average(activity, shown)
    if lines >= opts.rows or activity.header_every_record:
        yield layout.header(fmt.average_label)
    yield layout.rows(fmt.average_label, tuple(avg_rows))

"""Series from rows imported from sar text or sadf -d (store/sysstat), for the same figures as recorded data."""

from __future__ import annotations

import math

from hostward.activities import BY_NAME
from hostward.plot.series import GAP_FACTOR, Mark, Series, SeriesSet, typical_step
from hostward.report.imported import row_values
from hostward.store.sysstat.imported import ImportedDay, ImportedRow


def series_from_imported(day: ImportedDay) -> SeriesSet:
    """One series per (activity, item) of the known activities; unknown reports are left out (listed in
    ``notes``). Restarts and silences longer than GAP_FACTOR intervals break the lines."""
    groups: dict[tuple[str, str | None], list[ImportedRow]] = {}
    skipped: set[str] = set()
    for row in day.rows:
        if row.average:
            continue
        if row.activity not in BY_NAME:
            skipped.add(row.activity)
            continue
        groups.setdefault((row.activity, row.item), []).append(row)
    stamps = sorted({r.timestamp for rows in groups.values() for r in rows})
    step = typical_step(stamps)
    restarts = sorted(day.restarts)
    out: list[Series] = []
    for (name, item), rows in groups.items():
        activity = BY_NAME[name]
        columns = tuple(c.name for c in activity.columns)
        times: list[float] = []
        cols: list[list[float]] = [[] for _ in columns]
        prev: float | None = None
        for row in sorted(rows, key=lambda r: r.timestamp):
            broke = prev is not None and (
                (step and row.timestamp - prev > GAP_FACTOR * step)
                or any(prev < t <= row.timestamp for t in restarts)
            )
            if broke and prev is not None:
                times.append(prev + (step or 1.0))
                for c in cols:
                    c.append(math.nan)
            values = row_values(activity, row.value_map())
            times.append(row.timestamp)
            for c, v in zip(cols, values, strict=True):
                c.append(v)
            prev = row.timestamp
        out.append(Series(name, item, columns, tuple(times), tuple(tuple(c) for c in cols)))
    marks = tuple(Mark(t, "restart", "restart") for t in restarts)
    notes = tuple(f"not drawn (no hostward report): {name}" for name in sorted(skipped))
    return SeriesSet(
        tuple(out),
        marks,
        stamps[0] if stamps else math.nan,
        stamps[-1] if stamps else math.nan,
        max(day.host.cpu_count, 1),
        len(stamps),
        notes,
    )

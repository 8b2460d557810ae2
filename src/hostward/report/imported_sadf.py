"""Imported text history (sar text, sadf -d) written back as ``sadf -d`` CSV, with the same activity definitions,
headers and value formats as recorded data, so `hostward sadf` sees imported days as `hostward sar` does."""

from __future__ import annotations

from collections.abc import Iterator

from hostward.report.formatting import shown_host
from hostward.report.imported import restart_segments, row_values, select_rows
from hostward.report.sadf import SadfFormat, csv_header
from hostward.report.selection import ReportOptions, Selected
from hostward.safetext import safe_text
from hostward.store.sysstat.imported import ImportedDay, ImportedRow


def render_imported_csv(day: ImportedDay, opts: ReportOptions, fmt: SadfFormat) -> Iterator[str]:
    host = shown_host(day.host).nodename
    comments = sorted(day.comments) if opts.comments else []
    for segment, restart in restart_segments(day):
        for selected in opts.reports:
            rows, _ = select_rows(segment, selected, opts, fmt.tod)
            if rows:
                yield "".join(_block(host, selected, rows, fmt))
        if restart is not None:
            yield f"{host};-1;{fmt.stamp(restart)};LINUX-RESTART\t({max(day.host.cpu_count, 1)} CPU)\n"
    for when, text in comments:
        yield f"{host};-1;{fmt.stamp(when)};COM {safe_text(text)}\n"


def _block(host: str, selected: Selected, rows: list[ImportedRow], fmt: SadfFormat) -> Iterator[str]:
    activity = selected.activity  # -I: the columns of the data's CPU count and -P, built by the selection
    view = activity.view(selected.view)
    yield csv_header(selected)
    for row in rows:
        values = row_values(activity, row.value_map())
        fields = [fmt.value(values[i], activity.columns[i].decimals) for i in view]
        if activity.item is not None:
            item = row.item or ""
            fields.insert(0, activity.item.csv_all if item == "all" and activity.item.csv_all else item)
        interval = round(row.interval_seconds) if row.interval_seconds is not None else 0
        yield f"{host};{interval};{fmt.stamp(row.timestamp)};" + ";".join(fields) + "\n"

"""``sadf -p``: one value per line for awk, ``host<TAB>interval<TAB>timestamp<TAB>item<TAB>field<TAB>value``.

sadf 12.6 (rndr_stats.c render with seps[0] = "\\t"): the activities one after the other like -d, each sample's
values in column order; the item is "-" for system-wide reports, the device or interface name, "all" or
"cpuN" for CPUs; restarts are ``host<TAB>-1<TAB>time<TAB>LINUX-RESTART<TAB>(N CPU)`` and comments (-C)
``host<TAB>-1<TAB>time<TAB>COM text``. Values are written as sadf -d writes them (the locale's decimal point).
"""

from __future__ import annotations

from collections.abc import Iterator

from hostward.activities.base import Activity
from hostward.report.engine import Rows, Segment, Tail, block, in_window, segments
from hostward.report.formatting import shown_host
from hostward.report.sadf import SadfFormat, seconds
from hostward.report.selection import ReportOptions, Selected
from hostward.safetext import safe_name, safe_text
from hostward.store.model import CommentMark, DayData, RestartMark


def _item(activity: Activity, item: str | None) -> str:
    if activity.item is None or item is None:
        return "-"
    if activity.item.header == "CPU" and item != "all":
        return f"cpu{item}"  # rndr_stats.c: "cpu%d"
    return activity.item.ppc_item.format(safe_name(item))


def render_ppc(data: DayData, opts: ReportOptions, fmt: SadfFormat) -> Iterator[str]:
    """The text ``sadf -p`` writes for ``data``: one chunk per activity block and special record."""
    host = shown_host(data.host).nodename
    for part in segments(data.entries, opts, fmt.tod):
        for mark in part.leading:
            yield _special(host, mark, opts, fmt)
        if isinstance(part, Tail):
            continue
        for selected in opts.reports:
            yield "".join(_block(host, part, selected, opts, fmt, last=selected is opts.reports[-1]))
        if part.restart is not None:
            yield _special(host, part.restart, opts, fmt)


def _block(
    host: str, segment: Segment, selected: Selected, opts: ReportOptions, fmt: SadfFormat, *, last: bool
) -> Iterator[str]:
    """One activity's lines; ``last``: the segment's last, with the comments after its count or -e
    (engine.block)."""
    activity = selected.activity
    view = activity.view(selected.view)
    columns = [
        (i, activity.columns[i].ppc or activity.columns[i].header, activity.columns[i].decimals) for i in view
    ]
    for event in block(segment, selected, opts, fmt.tod, last=last):
        if isinstance(event, Rows):
            prefix = f"{host}\t{seconds(event.span.itv_cs)}\t{fmt.stamp(event.span.curr.timestamp)}\t"
            for row in event.rows:
                start = f"{prefix}{_item(activity, row.item)}\t"
                for i, header, decimals in columns:
                    yield f"{start}{header}\t{fmt.value(row.values[i], decimals)}\n"
        elif isinstance(event, CommentMark):
            yield f"{host}\t-1\t{fmt.stamp(event.timestamp)}\tCOM {safe_text(event.text)}\n"


def _special(host: str, mark: RestartMark | CommentMark, opts: ReportOptions, fmt: SadfFormat) -> str:
    if not in_window(fmt.tod(mark.timestamp), opts.start, opts.end, end_inclusive=True):
        return ""
    if isinstance(mark, RestartMark):
        return (
            f"{host}\t-1\t{fmt.stamp(mark.timestamp)}\tLINUX-RESTART\t({max(mark.host.cpu_count, 1)} CPU)\n"
        )
    return f"{host}\t-1\t{fmt.stamp(mark.timestamp)}\tCOM {safe_text(mark.text)}\n" if opts.comments else ""

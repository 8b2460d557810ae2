"""Machine output like sadf: ``-d`` (database CSV, ``;``-separated) and ``-j`` (JSON), from the same
activity definitions and the same walk over the data as the sar text (report.engine).

sadf -d (sadf.c logic2_display_loop, sadf_misc.c print_dbppc_timestamp): one block per activity, each opened
by ``# hostname;interval;timestamp;<header fields>``; a row is ``host;interval;YYYY-MM-DD HH:MM:SS UTC;...``
where interval is the rounded number of seconds since the previous sample; CPU "all" is written -1; restarts
are ``host;-1;time;LINUX-RESTART\\t(N CPU)`` and comments (-C) ``host;-1;time;COM text``. Values use the
locale's decimal point, as sadf's printf does.

sadf -j (json_stats.c): one object per sample holding every selected activity under sysstat's key names;
restarts and comments are listed after the statistics.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from hostward.activities.base import Activity, Interval, Row, uptime_cs
from hostward.collect.sample import SystemSample
from hostward.digits import is_digits
from hostward.frozen import frozen
from hostward.report.engine import (
    Header,
    Rows,
    Segment,
    Slicer,
    Tail,
    TimeOfDayFn,
    block,
    in_window,
    segments,
)
from hostward.report.formatting import ReportFormat, shown_host
from hostward.report.selection import ReportOptions, Selected
from hostward.safetext import safe_name, safe_text
from hostward.store.model import CommentMark, DayData, RestartMark


@dataclass(frozen=True, slots=True)
class SadfFormat:
    """How sadf writes times: UTC with a " UTC" suffix by default, local time with -t."""

    local_time: bool = False
    decimal_point: str = "."
    epoch: bool = False  # -U: seconds since the epoch in the timestamp column (-d)

    def tod(self, timestamp: float) -> tuple[int, int, int]:
        tm = time.localtime(timestamp) if self.local_time else time.gmtime(timestamp)
        return (tm.tm_hour, tm.tm_min, tm.tm_sec)

    def date_time(self, timestamp: float) -> tuple[str, str]:
        tm = time.localtime(timestamp) if self.local_time else time.gmtime(timestamp)
        return time.strftime("%Y-%m-%d", tm), time.strftime("%H:%M:%S", tm)

    def stamp(self, timestamp: float) -> str:
        if self.epoch:
            return str(int(timestamp))  # records carry whole seconds; sadf prints them as they are
        day, clock = self.date_time(timestamp)
        return f"{day} {clock}" + ("" if self.local_time else " UTC")

    def value(self, value: float, decimals: int) -> str:
        if math.isnan(value):
            return ""  # not measured: an empty field, as sar prints an empty cell
        text = f"{value:z.{decimals}f}"  # never -0.00
        return text.replace(".", self.decimal_point) if self.decimal_point != "." else text


def seconds(itv_cs: int) -> int:
    """sadf.c: dt = itv / 100, rounded half up."""
    return itv_cs // 100 + (1 if itv_cs % 100 >= 50 else 0)


# -- sadf -d ---------------------------------------------------------------------------------------------------


def render_csv(data: DayData, opts: ReportOptions, fmt: SadfFormat) -> Iterator[str]:
    host = shown_host(data.host).nodename
    tod: TimeOfDayFn = fmt.tod
    for part in segments(data.entries, opts, tod):
        for mark in part.leading:
            yield _csv_special(host, mark, opts, fmt)
        if isinstance(part, Tail):
            continue
        for selected in opts.reports:
            yield "".join(_csv_block(host, part, selected, opts, fmt, last=selected is opts.reports[-1]))
        if part.restart is not None:
            yield _csv_special(host, part.restart, opts, fmt)


def csv_header(selected: Selected) -> str:
    activity = selected.activity
    if activity.csv_fields is not None:
        return f"# hostname;interval;timestamp;{activity.csv_fields}\n"
    names = [activity.columns[i].header for i in activity.view(selected.view)]
    if activity.item is not None:
        names.insert(0, activity.item.header)
    return "# hostname;interval;timestamp;" + ";".join(names) + "\n"


def _csv_block(
    host: str, segment: Segment, selected: Selected, opts: ReportOptions, fmt: SadfFormat, *, last: bool
) -> Iterator[str]:
    """One activity's lines; ``last``: the segment's last, with the comments after its count or -e
    (engine.block)."""
    activity = selected.activity
    view = activity.view(selected.view)
    yield csv_header(selected)
    for event in block(segment, selected, opts, fmt.tod, last=last):
        if isinstance(event, Rows):
            prefix = f"{host};{seconds(event.span.itv_cs)};{fmt.stamp(event.span.curr.timestamp)};"
            for row in event.rows:
                fields = [fmt.value(row.values[i], activity.columns[i].decimals) for i in view]
                if activity.item is not None:
                    item = safe_name(row.item or "")
                    fields.insert(
                        0, activity.item.csv_all if item == "all" and activity.item.csv_all else item
                    )
                yield prefix + ";".join(fields) + "\n"
        elif isinstance(event, CommentMark):
            yield f"{host};-1;{fmt.stamp(event.timestamp)};COM {safe_text(event.text)}\n"
        elif isinstance(event, Header):
            continue


def _csv_special(host: str, mark: RestartMark | CommentMark, opts: ReportOptions, fmt: SadfFormat) -> str:
    if not in_window(fmt.tod(mark.timestamp), opts.start, opts.end, end_inclusive=True):
        return ""
    if isinstance(mark, RestartMark):
        return f"{host};-1;{fmt.stamp(mark.timestamp)};LINUX-RESTART\t({max(mark.host.cpu_count, 1)} CPU)\n"
    return f"{host};-1;{fmt.stamp(mark.timestamp)};COM {safe_text(mark.text)}\n" if opts.comments else ""


# -- sadf -j ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fixed:
    """A number written with a fixed count of decimals ("%.2f" in sadf), or as an integer when 0."""

    value: float
    decimals: int


JsonValue = str | int | Fixed | dict[str, "JsonValue"] | list["JsonValue"]


@dataclass(slots=True)
class _Doc:
    statistics: list[JsonValue] = field(default_factory=list)
    restarts: list[JsonValue] = field(default_factory=list)
    comments: list[JsonValue] = field(default_factory=list)


def machine_columns(selected: Selected) -> list[int]:
    """The columns sadf -j and -x write: the view's in sar's order for an activity with views, else every text
    column plus the machine-only ones (disk's rd_sec ...), in definition order."""
    activity = selected.activity
    view = activity.view(selected.view)
    if activity.views:
        return list(view)
    return [i for i, c in enumerate(activity.columns) if i in view or not c.text]


def _activity_json(activity: Activity, selected: Selected, rows: list[Row]) -> JsonValue:
    json_cols = machine_columns(selected)

    def obj(row: Row) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {}
        if activity.item is not None:
            item = row.item or ""
            out[activity.item.json_key] = int(item) if activity.item.json_number and is_digits(item) else item
        for i in json_cols:
            column = activity.columns[i]
            target = out
            *groups, key = column.json_key.split("/")
            for group in groups:
                nested = target.setdefault(group, {})
                assert isinstance(nested, dict)
                target = nested
            target[key] = Fixed(row.values[i], column.decimals)
        return out

    if activity.json_list:
        return [obj(r) for r in rows if selected.wants(r.item)]
    return obj(rows[0])


def _place(record: dict[str, JsonValue], section: str, value: JsonValue) -> None:
    *groups, key = section.split("/")
    target = record
    for group in groups:
        nested = target.setdefault(group, {})
        assert isinstance(nested, dict)
        target = nested
    existing = target.get(key)
    if isinstance(existing, dict) and isinstance(value, dict):
        existing.update(value)  # -r and -S share sysstat's "memory" object
    else:
        target[key] = value


def _record(
    sample: SystemSample, span: Interval, opts: ReportOptions, fmt: SadfFormat
) -> dict[str, JsonValue] | None:
    day, clock = fmt.date_time(sample.timestamp)
    record: dict[str, JsonValue] = {
        "timestamp": {
            "date": day,
            "time": clock,
            "utc": 0 if fmt.local_time else 1,
            "interval": seconds(span.itv_cs),
        }
    }
    for selected in opts.reports:
        rows = selected.activity.rows(span)
        if rows:
            _place(record, selected.activity.json_section, _activity_json(selected.activity, selected, rows))
    return record if len(record) > 1 else None


SampleFn = Callable[[Interval], bool]  # writes one record; False when the sample had nothing to write
MarkFn = Callable[[RestartMark | CommentMark], None]


def walk_records(data: DayData, opts: ReportOptions, fmt: SadfFormat, sample: SampleFn, mark: MarkFn) -> None:
    """sadf.c logic1_display_loop, shared by -j and -x: every kept sample as an interval from the last written
    one, in time order; restarts and (with -C) comments inside the -s/-e window handed to ``mark`` where met."""

    def special(entry: RestartMark | CommentMark) -> None:
        if not in_window(fmt.tod(entry.timestamp), opts.start, opts.end, end_inclusive=True):
            return
        if isinstance(entry, RestartMark) or opts.comments:
            mark(entry)

    for part in segments(data.entries, opts, fmt.tod):
        for leading in part.leading:
            special(leading)
        if isinstance(part, Tail):
            continue
        prev = part.reference
        slicer = Slicer(opts.interval, uptime_cs(prev))
        # Records per restart segment, -1 for all. The comments after the last (count or -e) are still listed:
        # sadf lists them in a pass of their own over the whole file, in the -s/-e window.
        left = opts.count
        for entry in part.body:
            if isinstance(entry, CommentMark):
                special(entry)
                continue
            if left == 0 or not slicer.keep(uptime_cs(entry)):
                continue
            if opts.end is not None and fmt.tod(entry.timestamp) > opts.end.as_tuple():
                left = 0  # sadf's cnt = 0 (generic_write_stats): no more samples in this segment
                continue
            if sample(Interval(prev, entry, uptime_cs(entry) - uptime_cs(prev))):
                prev = entry
                left -= 1 if left > 0 else 0
        if part.restart is not None:
            special(part.restart)


@frozen
class FileStamp:
    """The file's date, UTC time and zone as sadf's header writes them (the first record's)."""

    date: str
    utc_time: str
    timezone: str


def file_stamp(data: DayData, fmt: SadfFormat) -> FileStamp:
    first = data.entries[0].timestamp if data.entries else 0.0
    day = time.strftime("%Y-%m-%d", time.localtime(first) if fmt.local_time else time.gmtime(first))
    return FileStamp(
        day, time.strftime("%H:%M:%S", time.gmtime(first)), time.strftime("%Z", time.localtime(first))
    )


def render_json(data: DayData, opts: ReportOptions, fmt: SadfFormat) -> str:
    doc = _Doc()

    def sample(span: Interval) -> bool:
        record = _record(span.curr, span, opts, fmt)
        if record is not None:
            doc.statistics.append(record)
        return record is not None

    walk_records(data, opts, fmt, sample, lambda mark: _json_special(doc, mark, fmt))
    host = shown_host(data.host)
    stamp = file_stamp(data, fmt)
    header: dict[str, JsonValue] = {
        "nodename": host.nodename,
        "sysname": host.sysname,
        "release": host.release,
        "machine": host.machine,
        "number-of-cpus": max(host.cpu_count, 1),
        "file-date": stamp.date,
        "file-utc-time": stamp.utc_time,
        "timezone": stamp.timezone,
        "statistics": doc.statistics,
        "restarts": doc.restarts,
    }
    if opts.comments:
        header["comments"] = doc.comments
    return _dump({"sysstat": {"hosts": [header]}}, 0) + "\n"


def _json_special(doc: _Doc, mark: RestartMark | CommentMark, fmt: SadfFormat) -> None:
    day, clock = fmt.date_time(mark.timestamp)
    utc = 0 if fmt.local_time else 1
    if isinstance(mark, RestartMark):
        boot: JsonValue = {"date": day, "time": clock, "utc": utc, "cpu_count": max(mark.host.cpu_count, 1)}
        doc.restarts.append({"boot": boot})
    else:
        comment: JsonValue = {"date": day, "time": clock, "utc": utc, "com": safe_text(mark.text)}
        doc.comments.append({"comment": comment})


def _dump(value: JsonValue, depth: int) -> str:
    """JSON with sadf's number formats ("%.2f") and a tab-indented layout close to sadf's."""
    if isinstance(value, Fixed):
        return "null" if math.isnan(value.value) else f"{value.value:z.{value.decimals}f}"
    if isinstance(value, str):
        return json.dumps(safe_text(value), ensure_ascii=False)  # C1 controls and bidi marks too
    if isinstance(value, int):
        return str(value)
    pad = "\t" * (depth + 1)
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(pad + _dump(v, depth + 1) for v in value) + "\n" + "\t" * depth + "]"
    if depth >= 6 and not any(isinstance(v, list) for v in value.values()):
        return "{" + ", ".join(f"{json.dumps(k)}: {_dump(v, depth)}" for k, v in value.items()) + "}"
    return (
        "{\n"
        + ",\n".join(f"{pad}{json.dumps(k)}: {_dump(v, depth + 1)}" for k, v in value.items())
        + "\n"
        + "\t" * depth
        + "}"
    )


def text_format_decimal(fmt: ReportFormat) -> SadfFormat:
    """A SadfFormat using the decimal point the sar text would use (sadf calls the same init_nls)."""
    return SadfFormat(decimal_point=fmt.decimal_point)

"""sar's text layout (sysstat 12.6): banner, headers, rows, averages, LINUX RESTART and COM lines.

Layout facts, from pr_stats.c and common.c: the banner is ``"%s %s (%s) \\t%s \\t_%s_\\t(%d CPU)\\n"``; a header
line starts with an empty line and carries the previous sample's time in a ``%-11s`` column; every value is
``" %9.2f"`` (or ``" %9llu"`` / ``" %9.0f"`` for integer gauges and their averages); the CPU column is 7 wide,
device and interface names 9 (or last on the line with -p).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator

from hostward.activities.base import Interval, Row, uptime_cs
from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.report.engine import (
    Average,
    BlockEvent,
    Header,
    Rows,
    Segment,
    Tail,
    TimeOfDayFn,
    block,
    in_window,
    local_tod,
    segments,
)
from hostward.report.formatting import Colors, ReportFormat, pad, shown_host
from hostward.report.human import SIZE_COLUMNS, percent_places, size_text
from hostward.report.selection import ReportOptions, Selected
from hostward.safetext import safe_name, safe_text
from hostward.store.model import CommentMark, DayData, RestartMark


def banner(host: HostInfo, timestamp: float, fmt: ReportFormat) -> str:
    """common.c print_gal_header (plain output)."""
    host = shown_host(host)
    return (
        f"{host.sysname} {host.release} ({host.nodename}) \t{fmt.date(timestamp)} "
        f"\t_{host.machine}_\t({max(host.cpu_count, 1)} CPU)\n"
    )


class Layout:
    """The header and the row format of one report, computed once (a report can print a million values)."""

    def __init__(self, selected: Selected, fmt: ReportFormat, pretty: bool) -> None:
        activity = selected.activity
        self.selected = selected
        self.view = activity.view(selected.view)
        if self.view == tuple(range(len(activity.columns))):
            self.pick: Callable[[tuple[float, ...]], tuple[float, ...]] = tuple
        elif len(self.view) == 1:
            only = self.view[0]
            self.pick = lambda v: (v[only],)
        else:
            getter = operator.itemgetter(*self.view)
            self.pick = getter
        item = activity.item
        self.item_last = item is not None and (item.trailing or (pretty and item.movable))
        self.has_item = item is not None
        values = "".join(f" %9.{fmt.places(activity.columns[i].decimals)}f" for i in self.view)
        self.values_fmt = values
        self.item_fmt = "" if item is None or self.item_last else f" %{item.width}s"
        self.items: dict[str | None, str] = {}  # each item's column, as _item makes it
        self.decimal_point = fmt.decimal_point
        self.colors = fmt.colors
        # S_COLORS: each value's places and whether sar prints it as a percentage (common.c cprintf_pc)
        self.cells = tuple(
            (fmt.places(activity.columns[i].decimals), activity.columns[i].unit == "percent")
            for i in self.view
        )
        self.item_width = item.width if item is not None else 0
        self.human = fmt.human
        self.dec = fmt.decimals
        sizes = SIZE_COLUMNS.get(activity.name, {}) if fmt.human else {}
        self.sizes = tuple(sizes.get(activity.columns[i].header) for i in self.view)
        heads = "".join(f" {activity.columns[i].header:>9}" for i in self.view)
        if item is None:
            self.header_text = heads
        elif self.item_last:
            self.header_text = f"{heads} {item.header}"
        else:
            self.header_text = f" {item.header:>{item.width}}{heads}"

    def header(self, label: str) -> str:
        """pr_stats.c print_hdr_line: an empty line, then the label (previous sample's time) and the names."""
        return f"\n{pad(label)}{self.header_text}\n"

    def rows(self, label: str, rows: tuple[Row, ...]) -> str:
        if self.colors is not None or self.human:
            return self._colored_rows(label, rows, self.colors or _NO_COLORS)
        start = pad(label)
        pick, values_fmt, items = self.pick, self.values_fmt, self.items
        comma = self.decimal_point != "."
        out: list[str] = []
        for row in rows:
            numbers = values_fmt % pick(row.values)
            if "nan" in numbers:  # a value that was not measured (e.g. --time before the first burst): empty
                numbers = numbers.replace("nan", "   ")
            if comma:
                numbers = numbers.replace(".", self.decimal_point)
            if not self.has_item:
                out.append(f"{start}{numbers}\n")
            else:
                item = items.get(row.item)
                if item is None:
                    item = self._item(row.item)
                out.append(f"{start}{numbers}{item}\n" if self.item_last else f"{start}{item}{numbers}\n")
        return "".join(out)

    def _item(self, name: str | None) -> str:
        """The item's column as the rows print it (``items`` remembers it: the same few names on every row)."""
        shown = safe_name(name)
        text = f" {shown}" if self.item_last else self.item_fmt % shown
        if len(self.items) < 4096:
            self.items[name] = text
        return text

    def _colored_rows(self, label: str, rows: tuple[Row, ...], colors: Colors) -> str:
        """The rows with sysstat's colours: each value and item name wrapped in its escape sequence and
        ``normal``, the leading space inside (pr_stats.c cprintf_in / cprintf_f / cprintf_pc)."""
        start = pad(label)
        out: list[str] = []
        for row in rows:
            line = [start]
            if self.has_item and not self.item_last:
                line.append(f"{colors.item} {safe_name(row.item):>{self.item_width}}{colors.normal}")
            for value, (places, percent), size in zip(
                self.pick(row.values), self.cells, self.sizes, strict=True
            ):
                after = ""
                if size is not None:  # cprintf_unit: the colour is chosen on the value as measured
                    text, after = size_text(value * size[1], size[0], self.dec)
                elif percent and self.human:
                    text, after = f" {value:8.{percent_places(places)}f}", "%"
                else:
                    text = f" {value:9.{places}f}"
                if "nan" in text:
                    text = " " * len(text)
                elif self.decimal_point != ".":
                    text = text.replace(".", self.decimal_point)
                line.append(f"{colors.for_value(value, places, percent)}{text}{colors.normal}{after}")
            if self.item_last:
                line.append(f"{colors.item} {safe_name(row.item)}{colors.normal}")
            out.append("".join(line) + "\n")
        return "".join(out)


# Human-readable output without S_COLORS: the coloured path with empty escape sequences.
_NO_COLORS = Colors(*([""] * 8))


def header_line(selected: Selected, label: str, fmt: ReportFormat, pretty: bool) -> str:
    return Layout(selected, fmt, pretty).header(label)


def row_lines(selected: Selected, label: str, rows: tuple[Row, ...], fmt: ReportFormat, pretty: bool) -> str:
    return Layout(selected, fmt, pretty).rows(label, rows)


def restart_line(mark: RestartMark, fmt: ReportFormat) -> str:
    """sar.c print_sar_restart."""
    text = f"  LINUX RESTART\t({max(mark.host.cpu_count, 1)} CPU)\n"
    if fmt.colors is not None:  # cprintf_s(IS_RESTART): the colour's end comes after the newline
        text = f"{fmt.colors.restart}{text}{fmt.colors.normal}"
    return f"\n{pad(fmt.clock(mark.timestamp))}{text}"


def comment_line(mark: CommentMark, fmt: ReportFormat) -> str:
    """sar.c print_sar_comment. The text is escaped (safe_text): an imported sa file's COM record may carry
    terminal escapes (sar itself prints each unprintable byte as '.')."""
    text = f"  COM {safe_text(mark.text)}\n"
    if fmt.colors is not None:  # cprintf_s(IS_COMMENT)
        text = f"{fmt.colors.comment}{text}{fmt.colors.normal}"
    return f"{pad(fmt.clock(mark.timestamp))}{text}"


def special_line(
    mark: RestartMark | CommentMark, opts: ReportOptions, fmt: ReportFormat, tod: TimeOfDayFn
) -> str:
    if not in_window(tod(mark.timestamp), opts.start, opts.end, end_inclusive=True):
        return ""
    if isinstance(mark, RestartMark):
        return restart_line(mark, fmt)
    return comment_line(mark, fmt) if opts.comments else ""


def render_file(
    data: DayData, opts: ReportOptions, fmt: ReportFormat, tod: TimeOfDayFn = local_tod
) -> Iterator[str]:
    """The report ``sar <flags> -f FILE`` prints for recorded data: one chunk of text per activity block."""
    first = data.entries[0].timestamp if data.entries else 0.0
    yield banner(data.host, first, fmt)
    clock = _memo(fmt.clock)
    for part in segments(data.entries, opts, tod):
        for mark in part.leading:
            yield special_line(mark, opts, fmt, tod)
        if isinstance(part, Tail):
            continue
        for selected in opts.reports:
            last = selected is opts.reports[-1]
            yield "".join(_block_text(part, selected, opts, fmt, tod=tod, clock=clock, last=last))
        if part.restart is not None:
            yield special_line(part.restart, opts, fmt, tod)


def _block_text(
    segment: Segment,
    selected: Selected,
    opts: ReportOptions,
    fmt: ReportFormat,
    *,
    tod: TimeOfDayFn,
    clock: Callable[[float], str],
    last: bool = False,
) -> Iterator[str]:
    # The layout prints only the view's columns of the rows: Block computes only those (view_only), as in sar_stream.
    layout = Layout(selected, fmt, opts.pretty)
    return events_text(block(segment, selected, opts, tod, last=last, view_only=True), layout, fmt, clock)


def events_text(
    events: Iterable[BlockEvent], layout: Layout, fmt: ReportFormat, clock: Callable[[float], str]
) -> Iterator[str]:
    """The text of an activity block's events (also sar_stream's, fed a segment an entry at a time)."""
    for event in events:
        if isinstance(event, Rows):
            yield layout.rows(clock(event.span.curr.timestamp), event.rows)
        elif isinstance(event, Header):
            yield layout.header(clock(event.previous))
        elif isinstance(event, Average):
            label = fmt.summary_label if layout.selected.activity.summary else fmt.average_label
            if event.header:
                yield layout.header(label)
            yield layout.rows(label, event.rows)
        else:
            yield comment_line(event, fmt)


def _memo(clock: Callable[[float], str]) -> Callable[[float], str]:
    """A clock memoised for one report: every activity block prints the same timestamps again."""
    cache: dict[float, str] = {}

    def cached(timestamp: float) -> str:
        text = cache.get(timestamp)
        if text is None:
            text = cache[timestamp] = clock(timestamp)
        return text

    return cached


class LiveReport:
    """sar with an interval: every activity for each new sample, then averages (sar.c read_stats).

    Headers repeat before every sample when more than one report (or more than one CPU or item) is shown;
    otherwise once per ``rows`` lines, like sar on a terminal.
    """

    def __init__(self, host: HostInfo, opts: ReportOptions, fmt: ReportFormat, first: SystemSample) -> None:
        self.host = host
        self.opts = opts
        self.fmt = fmt
        self.first = first
        self.prev = first
        self.last: SystemSample | None = None  # the last displayed sample
        # Each report's Average: as it goes (sums, not samples: sar -r 1 with no count runs for days).
        self.averagers = [a() if (a := s.activity.average) is not None else None for s in opts.reports]
        self.lines = opts.rows
        self.every_sample = self._check_line_hdr()

    def _check_line_hdr(self) -> bool:
        """sar.c check_line_hdr."""
        if len(self.opts.reports) > 1:
            return True
        if not self.opts.reports:
            return False
        only = self.opts.reports[0]
        if only.header_weight is not None:
            return only.header_weight > 1
        # nr_ini: the items sadc found at start (every interface; the disks that have done I/O since boot),
        # i.e. the rows of the first sample against boot, not of an empty interval
        from hostward.report.since_boot import boot_sample  # noqa: PLC0415  (not for reports with a weight)

        return (
            len(only.activity.rows(Interval(boot_sample(self.first), self.first, uptime_cs(self.first)))) > 1
        )

    def banner(self) -> str:
        return banner(self.host, self.first.timestamp, self.fmt)

    def sample(self, sample: SystemSample) -> str:
        if self.every_sample:
            dish = True
        else:
            dish = self.lines >= self.opts.rows
            if dish:
                self.lines %= self.opts.rows
            self.lines += 1
        span = Interval(self.prev, sample, uptime_cs(sample) - uptime_cs(self.prev))
        out: list[str] = []
        for selected in self.opts.reports:
            rows = tuple(r for r in selected.activity.rows(span) if selected.wants(r.item))
            if not rows:
                continue
            if dish or selected.activity.header_every_record:
                out.append(
                    header_line(selected, self.fmt.clock(self.prev.timestamp), self.fmt, self.opts.pretty)
                )
            out.append(
                row_lines(selected, self.fmt.clock(sample.timestamp), rows, self.fmt, self.opts.pretty)
            )
        for averager in self.averagers:
            if averager is not None:
                averager.add(self.prev, sample)
        self.last = sample
        self.prev = sample
        return "".join(out)

    def average(self) -> str:
        last = self.last
        if last is None:
            return ""
        span = Interval(self.first, last, uptime_cs(last) - uptime_cs(self.first))
        out: list[str] = []
        for selected, averager in zip(self.opts.reports, self.averagers, strict=True):
            label = self.fmt.summary_label if selected.activity.summary else self.fmt.average_label
            averaged = averager.rows(span) if averager is not None else selected.activity.rows(span)
            rows = tuple(r for r in averaged if selected.wants(r.item))
            if not rows:  # as in sample(): nothing to show (-n FC without adapters) prints nothing
                continue
            if self.every_sample or selected.activity.header_every_record:
                out.append(header_line(selected, label, self.fmt, self.opts.pretty))
            out.append(row_lines(selected, label, rows, self.fmt, self.opts.pretty))
        return "".join(out)

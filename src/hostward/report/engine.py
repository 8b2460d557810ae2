"""Walks recorded entries the way sar reads a file, producing typed events every renderer shares.

sar reads a data file one restart segment at a time (sar.c read_stats_from_file): it skips special records and
samples outside -s/-e to find the segment's first sample, which is only the reference for the first rates;
then, for each selected activity in turn, it re-reads the segment, printing a header, the rows of every sample
that is close enough to a multiple of -i (sa_common.c next_slice), comments (with -C), and an ``Average:``
computed between the reference and the last displayed sample. A LINUX RESTART line closes the segment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from hostward.activities.base import Interval, Row, uptime_cs
from hostward.collect.sample import SystemSample
from hostward.frozen import frozen
from hostward.report.selection import ReportOptions, Selected, TimeOfDay
from hostward.store.model import CommentMark, Entry, RestartMark

TimeOfDayFn = Callable[[float], tuple[int, int, int]]


def local_tod(timestamp: float) -> tuple[int, int, int]:
    tm = time.localtime(timestamp)
    return (tm.tm_hour, tm.tm_min, tm.tm_sec)


@frozen
class Segment:
    """Samples between two restarts: ``leading`` specials printed before it, its reference sample, the entries
    after the reference, and the restart that ends it (None at the end of the data)."""

    leading: tuple[RestartMark | CommentMark, ...]
    reference: SystemSample
    body: tuple[SystemSample | CommentMark, ...]
    restart: RestartMark | None


@frozen
class Tail:
    """Specials after the last usable sample (or in data without any sample in the window)."""

    leading: tuple[RestartMark | CommentMark, ...]


@frozen
class Header:
    """A column header line is due before the next rows."""

    previous: float  # timestamp the header line carries: the previous sample's


@frozen
class Rows:
    """The rows of one interval."""

    span: Interval
    rows: tuple[Row, ...]


@frozen
class Average:
    """The Average: rows at the end of a report."""

    rows: tuple[Row, ...]
    header: bool  # sar prints a header before Average: when its line count just wrapped


BlockEvent = Header | Rows | CommentMark | Average


# What each activity's formulas read of a sample (activities/*.py), so that a report builds only that
# (store/parts.py; issue 17). An activity missing here makes the reader build every part of every sample.
SAMPLE_READS: dict[str, frozenset[str]] = {
    "cpu": frozenset({"cpu"}),
    "tasks": frozenset({"cpu"}),
    "queue": frozenset({"cpu", "load"}),
    "memory": frozenset({"memory"}),
    "swap": frozenset({"memory"}),
    "paging": frozenset({"vmstat"}),
    "swapping": frozenset({"vmstat"}),
    "io": frozenset({"disks"}),
    "disk": frozenset({"disks"}),
    "net_dev": frozenset({"nets"}),
    "net_edev": frozenset({"nets"}),
    "time": frozenset({"time"}),
    "cache": frozenset({"caches"}),
    "psi_cpu": frozenset({"pressure"}),
    "psi_io": frozenset({"pressure"}),
    "psi_mem": frozenset({"pressure"}),
    "ktables": frozenset({"ktables"}),
    "huge": frozenset({"memory"}),
    "sock": frozenset({"sockets"}),
    "sock6": frozenset({"sockets6"}),
    **dict.fromkeys(("net_ip", "net_eip", "net_tcp", "net_etcp", "net_udp"), frozenset({"snmp"})),
    **dict.fromkeys(("net_icmp", "net_eicmp"), frozenset({"snmp"})),
    "net_nfs": frozenset({"nfs"}),
    "net_nfsd": frozenset({"nfsd"}),
    "softnet": frozenset({"softnet"}),
    "net_fc": frozenset({"fchosts"}),
    "pwr_cpu": frozenset({"cpufreq"}),
    **dict.fromkeys(("net_ip6", "net_eip6", "net_icmp6", "net_eicmp6", "net_udp6"), frozenset({"snmp6"})),
    "irq": frozenset({"interrupts"}),
    "tty": frozenset({"serial"}),
    **dict.fromkeys(("filesystems", "filesystems_mount"), frozenset({"filesystems"})),
}


def sample_parts(reports: Iterable[Selected]) -> frozenset[str] | None:
    """The parts of each sample ``reports`` read (a reader's ``parts``); None: all of them."""
    needed: set[str] = set()
    for selected in reports:
        reads = SAMPLE_READS.get(selected.activity.name)
        if reads is None:
            return None
        needed |= reads
    return frozenset(needed)


def recorded(reports: Iterable[Selected], entries: Iterable[object]) -> bool:
    """Whether any of ``reports`` has data in ``entries``: a report that reads an optional group (kernel
    tables, sockets, SNMP ...) has none when no sample holds the group (recorded without it, as sadc without
    -S SNMP); the others always have. sar's "Requested activities not available in file" when False."""
    # Imported here: only reports of recordings ask (the record classes are not for live sar's start-up).
    from hostward.store.shape import OPTIONAL_GROUPS, OPTIONAL_LISTS  # noqa: PLC0415

    optional = OPTIONAL_GROUPS.keys() | OPTIONAL_LISTS.keys()
    wanted = [SAMPLE_READS.get(r.activity.name, frozenset()) & optional for r in reports]
    if any(not groups for groups in wanted):
        return True
    needed = frozenset().union(*wanted)
    return any(
        getattr(entry, group, None) is not None
        for entry in entries
        if isinstance(entry, SystemSample)
        for group in needed
    )


def in_window(
    tod: tuple[int, int, int], start: TimeOfDay | None, end: TimeOfDay | None, *, end_inclusive: bool
) -> bool:
    if start is not None and tod < start.as_tuple():
        return False
    if end is not None:
        return tod <= end.as_tuple() if end_inclusive else tod < end.as_tuple()
    return True


def segments(
    entries: Sequence[Entry], opts: ReportOptions, tod: TimeOfDayFn = local_tod
) -> list[Segment | Tail]:
    """Cut the entries at restarts; find each segment's reference sample honouring -s/-e."""
    out: list[Segment | Tail] = []
    i, n = 0, len(entries)
    while i < n:
        leading: list[RestartMark | CommentMark] = []
        reference: SystemSample | None = None
        while i < n:
            entry = entries[i]
            i += 1
            if isinstance(entry, RestartMark | CommentMark):
                leading.append(entry)
            elif in_window(tod(entry.timestamp), opts.start, opts.end, end_inclusive=False):
                reference = entry
                break
        if reference is None:
            out.append(Tail(tuple(leading)))
            break
        j = i
        while j < n and not isinstance(entries[j], RestartMark):
            j += 1
        body = tuple(e for e in entries[i:j] if not isinstance(e, RestartMark))
        restart = entries[j] if j < n else None
        assert restart is None or isinstance(restart, RestartMark)
        out.append(Segment(tuple(leading), reference, body, restart))
        i = j + 1
    return out


class Slicer:
    """sa_common.c next_slice: with -i N, keep a sample when a multiple of N seconds (counted from the
    segment's reference) falls within half an interval of it. Uptimes are in 1/100 s."""

    def __init__(self, interval: int, reference_cs: int) -> None:
        self.interval = interval
        self.reference_cs = reference_cs
        self.last_cs = reference_cs

    @staticmethod
    def _seconds(cs: int) -> int:
        f = (cs & 0xFFFFFFFF) / 100
        whole = int(f)
        return whole + 1 if f * 10 - whole * 10 >= 5 else whole

    def keep(self, cs: int) -> bool:
        if self.interval == 1:  # every sample (the file's interval is not needed)
            self.last_cs = cs
            return True
        file_interval = self._seconds(cs - self.last_cs)
        self.last_cs = cs
        entry = self._seconds(cs - self.reference_cs)
        low = entry - file_interval // 2
        high = entry + file_interval // 2 + (file_interval & 1)
        pt1 = (entry // self.interval) * self.interval
        pt2 = pt1 + self.interval
        return low <= pt1 < high or low <= pt2 < high


class Block:
    """One activity over one segment, fed the segment's entries one at a time (``feed``) and closed with
    ``end``: sar.c handle_curr_act_stats as a state machine, so a report can go through a recording once,
    every activity in step, without keeping the segment (issue 17). An activity that averages displayed
    samples (``Activity.average``) feeds its Averager as they are shown, which keeps sums, not samples; the
    others need only the last."""

    def __init__(
        self,
        reference: SystemSample,
        selected: Selected,
        opts: ReportOptions,
        tod: TimeOfDayFn = local_tod,
        *,
        view_only: bool = False,
    ) -> None:
        """``view_only``: the caller prints only the view's columns of the rows (``Activity.rows_of_view``)."""
        self.selected = selected
        self.opts = opts
        self.tod = tod
        self.reference = reference
        self.prev = reference
        self.prev_cs = uptime_cs(reference)
        self.slicer = Slicer(opts.interval, self.prev_cs)
        average = selected.activity.average
        self.averager = average() if average is not None else None
        self.header_every_record = selected.activity.header_every_record
        self.last: SystemSample | None = None  # the last displayed sample
        self.lines = 0
        self.remaining = opts.count
        self.dish = True
        self.stopped = False  # -e or the count reached: no more rows (then sar prints the comments: tail)
        self.end_tod = opts.end.as_tuple() if opts.end is not None else None
        self.keep_all_rows = selected.items is None
        # Only the items shown are computed where the activity can (per-CPU rows), when the line count does
        # not depend on the rows left out (header_weight).
        self.rows_of = (
            selected.activity.rows_of
            if selected.items is not None and selected.header_weight is not None
            else None
        )
        if self.rows_of is not None and view_only and selected.activity.rows_of_view is not None:
            self.rows_of = selected.activity.rows_of_view(selected.view)

    def feed(self, entry: SystemSample | CommentMark) -> tuple[BlockEvent, ...]:
        """The events ``entry`` gives (none, a comment, or rows with the header due before them)."""
        if self.stopped:
            return ()
        opts = self.opts
        lines = self.lines
        dish = self.dish = lines >= opts.rows or lines == 0
        if dish:
            lines = self.lines = 0
        if isinstance(entry, CommentMark):
            if self._shown(entry):
                if lines:
                    self.lines += 1
                return (entry,)
            return ()
        entry_cs = uptime_cs(entry)
        if not self.slicer.keep(entry_cs):
            return ()
        if self.end_tod is not None and self.tod(entry.timestamp) > self.end_tod:
            self.stopped = True
            return ()
        prev = self.prev
        span = Interval(prev, entry, entry_cs - self.prev_cs)
        selected = self.selected
        if self.rows_of is not None and selected.items is not None:
            shown = self.rows_of(span, selected.items)
            if shown is None:
                return ()  # nothing recorded for this activity in this sample (sar: nr[curr] == 0)
            all_rows = shown
            rows = Rows(span, tuple(shown))
        else:
            all_rows = selected.activity.rows(span)
            if not all_rows:
                return ()  # nothing recorded for this activity in this sample (sar: nr[curr] == 0)
            rows = Rows(
                span,
                tuple(all_rows)
                if self.keep_all_rows
                else tuple(r for r in all_rows if selected.wants(r.item)),
            )
        self.prev_cs = entry_cs
        if self.averager is not None:
            self.averager.add(prev, entry)
        self.last = entry
        self.prev = entry
        self.lines += selected.header_weight if selected.header_weight is not None else len(all_rows)
        if self.remaining > 0:
            self.remaining -= 1
            if self.remaining == 0:
                self.stopped = True
        return (Header(prev.timestamp), rows) if dish or self.header_every_record else (rows,)

    def tail(self, entry: SystemSample | CommentMark) -> CommentMark | None:
        """``entry`` (one after the block stopped) when sar prints it after the segment's last block: sar.c
        read_stats_from_file, once the last activity printed its ``count`` lines or met a sample past -e (both
        leave its cnt at 0), reads on to the next restart and prints each comment it meets (with -C, in the
        -s/-e window, as comments are: one dated before -e after a sample past it, a clock step back)."""
        if self.stopped and isinstance(entry, CommentMark) and self._shown(entry):
            return entry
        return None

    def _shown(self, comment: CommentMark) -> bool:
        """Whether sar prints ``comment``: with -C, and in the -s/-e window (its end included)."""
        opts = self.opts
        return opts.comments and in_window(
            self.tod(comment.timestamp), opts.start, opts.end, end_inclusive=True
        )

    def end(self) -> tuple[BlockEvent, ...]:
        """The ``Average:`` rows, after the segment's last entry (none when no row was displayed)."""
        dish = self.dish
        if not self.stopped:
            # sar reads one more record (end of data, or the RESTART) and decides on a header before stopping.
            dish = self.lines >= self.opts.rows or self.lines == 0
        last = self.last
        if last is None:
            return ()
        reference = self.reference
        span = Interval(reference, last, uptime_cs(last) - uptime_cs(reference))
        rows = self.averager.rows(span) if self.averager is not None else self.selected.activity.rows(span)
        wanted = tuple(r for r in rows if self.selected.wants(r.item))
        return (Average(wanted, header=dish or self.header_every_record),)


def block(
    segment: Segment,
    selected: Selected,
    opts: ReportOptions,
    tod: TimeOfDayFn = local_tod,
    *,
    last: bool = False,
    view_only: bool = False,
) -> Iterator[BlockEvent]:
    """One activity over one segment, as sar.c handle_curr_act_stats prints it; ``last``: the segment's last
    block, followed by the comments after its count or -e (Block.tail); ``view_only`` as Block's."""
    state = Block(segment.reference, selected, opts, tod, view_only=view_only)
    entries = iter(segment.body)  # the tail reads on from where the block stopped
    for entry in entries:
        yield from state.feed(entry)
        if state.stopped:
            break
    yield from state.end()
    if last and state.stopped:
        for entry in entries:
            if (comment := state.tail(entry)) is not None:
                yield comment

"""The declarative shape of an activity, and the rate helpers every activity shares.

An :class:`Activity` is everything an output needs to know about one sar report: the flag that selects it, the
header columns in sysstat's order, how many decimals each value has, how its rows are computed from two raw
samples, how its ``Average:`` row is computed, its sadf -j key names and the node_exporter metric a column
corresponds to. Renderers (sar text, sadf CSV/JSON, and later graphs, web, Prometheus) read only this.

Rates follow sysstat's ``S_VALUE(m, n, p) = (n - m) / p * 100`` with ``p`` the interval in hundredths of a
second taken from /proc/uptime (common.h, sa_common.c get_itv_value), so a rate printed here is computed with
the same floating-point operations as sar's.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from types import MappingProxyType

from hostward.collect.sample import SystemSample
from hostward.frozen import frozen


class Kind(Enum):
    """How a report row relates to samples, which decides how ``Average:`` is computed (sar.c write_stats_avg)."""

    COUNTER = "counter"  # rates between two samples; the average is the rate between first and last sample
    GAUGE = "gauge"  # instantaneous values of the current sample; the average is the mean of displayed rows


@frozen
class Tolerance:
    """How far hostward may be from sar on a value when both sample the same second (parity tests): the two
    programs read /proc a few milliseconds apart, and ``why`` says what can move in between."""

    why: str
    abs: float = 0.0
    rel: float = 0.0  # fraction of sar's value

    def allows(self, ours: float, theirs: float) -> bool:
        return abs(ours - theirs) <= self.abs + self.rel * abs(theirs) + 1e-9


EXACT = Tolerance("exact: same source, same formula, nothing moves between the reads")


@frozen
class Column:
    """One value column of a report.

    ``decimals`` is 2 for ``%9.2f`` values and 0 for integers (sysstat prints integer gauges with ``%9llu`` and
    their averages with ``%9.0f``; both are ``{:9.0f}`` of the value here). ``parity`` is how far hostward may
    be from sar when both sample the same second, and why (docs/parity.md).
    """

    header: str  # sar's header text, e.g. "%user"
    json_key: str  # sadf -j key; "a/b" nests b inside object a (sadf's "io-reads": {"rtps": ...})
    unit: str  # "percent", "per_second", "kB", "kB_per_second", "count", "ms", "load"
    decimals: int = 2
    node_exporter: str | None = None  # the node_exporter series this column is computed from, if any
    parity: Tolerance = EXACT
    text: bool = True  # False: sadf -j only (sysstat's JSON carries a few legacy keys, e.g. disk "rd_sec")
    key: str = ""  # name used by views when two columns share a header (-u's %nice vs -u ALL's %nice)
    ppc: str = ""  # sadf -p field name when not the header (-I's per-CPU columns are "cpu0", "cpu1"...)

    @property
    def name(self) -> str:
        return self.key or self.header


@frozen
class Row:
    """One line of a report: the item (CPU number, device, interface; None for system-wide activities) and one
    value per column of the activity, in column order."""

    item: str | None
    values: tuple[float, ...]


@frozen
class Interval:
    """Two samples a rate is computed between, and the interval in 1/100 s as sysstat measures it."""

    prev: SystemSample
    curr: SystemSample
    itv_cs: int


@frozen
class AverageInput:
    """What an ``Average:`` row is computed from: the reference sample of the segment, the last displayed one,
    the interval between them (sar.c write_stats_avg uses record_hdr[2] and the current record), and every
    displayed sample (gauges average them, sysstat's ``avg_count``)."""

    span: Interval
    displayed: tuple[SystemSample, ...]


@frozen
class ItemSpec:
    """The item column of a per-item activity (CPU, DEV, IFACE)."""

    header: str
    width: int = 9  # print_hdr_line's iwidth: 7 for CPU, else the value width 9
    json_key: str = ""
    csv_all: str | None = None  # sadf -d writes CPU "all" as -1
    movable: bool = True  # `sar -p` moves the item to the end of the line (DISPLAY_PRETTY)
    ppc_item: str = "{}"  # sadf -p item text, "{}" the item (-y writes "ttyS{}")
    json_number: bool = False  # sadf -j writes the item as a number (-y's "line": 0)
    trailing: bool = False  # always last on the line, unpadded (sar -F's FILESYSTEM)


class Averager:
    """The running state of one ``Average:`` block (sar.c write_stats_avg): fed each displayed sample with the
    sample before it in the chain (the segment's reference for the first), read once at the end. It keeps
    sums, counts and last values, not the samples, so a report's memory does not grow with the day's length
    (issue 17). A plain base class, not a typing.Protocol: live sar does without importing typing."""

    __slots__ = ()

    def add(self, prev: SystemSample, curr: SystemSample) -> None:
        raise NotImplementedError

    def rows(self, span: Interval) -> list[Row]:
        raise NotImplementedError


RowsFn = Callable[[Interval], list[Row]]
AverageFn = Callable[[], Averager]  # a fresh Averager for each block
RowsOfFn = Callable[[Interval, frozenset[str]], list[Row] | None]
GaugePick = Callable[[SystemSample], tuple[float, ...] | None]  # a sample's gauges; None: not in the sample


def gauge_rows(pick: GaugePick) -> RowsFn:
    """One row without an item: the current sample's gauges, none when it lacks them (sar -v, -n SOCK)."""

    def rows(span: Interval) -> list[Row]:
        values = pick(span.curr)
        return [] if values is None else [Row(None, values)]

    return rows


FinishFn = Callable[[list[float], int, Interval], list[Row]]  # (column sums, how many samples, span) -> rows


class Sums(Averager):
    """An Averager for most gauges: the column sums of ``pick`` over the displayed samples that have it (the
    count is sysstat's avg_count), then ``finish(sums, count, span)``; no row when no sample had it. Each sum
    is accumulated as ``sum()`` adds a column, from 0 in display order, so the result is the same float."""

    __slots__ = ("count", "finish", "pick", "sums")

    def __init__(self, pick: GaugePick, finish: FinishFn) -> None:
        self.pick = pick
        self.finish = finish
        self.sums: list[float] = []
        self.count = 0

    def add(self, prev: SystemSample, curr: SystemSample) -> None:
        values = self.pick(curr)
        if values is None:
            return
        if not self.count:
            self.sums = [0] * len(values)
        self.sums = list(map(operator.add, self.sums, values))
        self.count += 1

    def rows(self, span: Interval) -> list[Row]:
        return self.finish(self.sums, self.count, span) if self.count else []


def _means(sums: list[float], count: int, span: Interval) -> list[Row]:
    return [Row(None, tuple(total / count for total in sums))]


def gauge_average(pick: GaugePick) -> AverageFn:
    """The mean of each gauge over the displayed samples that have them (sysstat's avg_count), none if none has."""
    return lambda: Sums(pick, _means)


# An activity without named views (read-only: one mapping shared by every such activity).
NO_VIEWS: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@frozen
class Activity:
    """One sar report, defined once (see the module docstring)."""

    name: str  # "cpu", "queue", ...: also the name used on hostward's own command lines
    flag: str  # the sar option that selects it, e.g. "-u", "-n DEV"
    # Position in sysstat's act[] list (activity.c): sar prints file reports in this order. A fraction places a
    # second report of one sysstat activity (-S prints with -r's record) before the next activity.
    order: float
    title: str  # one line for --help
    kind: Kind
    columns: tuple[Column, ...]
    rows: RowsFn
    json_section: str  # sadf -j: "cpu-load", "network/net-dev" (nested), "memory" (shared by -r and -S)
    json_list: bool = False  # sadf -j: a list of objects (one per item) rather than one object
    item: ItemSpec | None = None
    average: AverageFn | None = None  # None: counters average as rows(first, last)
    # Named column subsets: "" is the default view; "ALL" is the `-u ALL` / `-r ALL` one.
    views: Mapping[str, tuple[str, ...]] = NO_VIEWS
    header_every_record: bool = False  # sar -I prints its header before every record and Average:
    csv_fields: str | None = None  # sadf -d header fields when not the columns' (-I: sysstat's "INTR;CPU*")
    # True: the last block is labelled "Summary:" (each item's last values, sar -F), not "Average:".
    summary: bool = False
    # The rows of only some items, for an activity whose unwanted rows are its cost (one per CPU: sar -u shows
    # "all" of 64): what ``rows`` gives filtered by the items, or None where ``rows`` gives no row at all.
    rows_of: RowsOfFn | None = None
    # ``rows_of`` for a report that prints only the columns of the view it is given: the columns it does not
    # print may hold NaN, not computed (sar -u prints six of the thirteen CPU shares; sar_stream asks).
    rows_of_view: Callable[[str], RowsOfFn] | None = None

    def view(self, name: str = "") -> tuple[int, ...]:
        """Indices of the columns a view shows, in display order; unknown or empty views show every text column."""
        headers = self.views.get(name)
        if headers is None:
            return tuple(i for i, c in enumerate(self.columns) if c.text)
        index = {c.name: i for i, c in enumerate(self.columns)}
        return tuple(index[h] for h in headers)

    def averages(self, data: AverageInput) -> list[Row]:
        """The ``Average:`` rows of displayed samples held at hand (reports feed an Averager as they go)."""
        if self.average is None:
            return self.rows(data.span)
        averager = self.average()
        for prev, curr in itertools.pairwise((data.span.prev, *data.displayed)):
            averager.add(prev, curr)
        return averager.rows(data.span)


# -- shared helpers --------------------------------------------------------------------------------------------


def uptime_cs(sample: SystemSample) -> int:
    """Uptime in hundredths of a second, as sadc reads it (rd_stats.c read_uptime: "%lu.%lu")."""
    return round(sample.uptime_seconds * 100)


def sar_itv(itv_cs: int) -> int:
    """The interval a report divides by, in 1/100 s: sysstat's get_interval (common.c) takes 0 as 1 (its
    "paranoia checking"), so two records in one centisecond still give rates; below 0 (uptime went back: never
    within a segment) is left for the caller, whose rates are then 0."""
    return itv_cs or 1


def unsigned(prev: int, curr: int, width: int = 64) -> int:
    """``curr - prev`` as C computes it on unsigned ``width``-bit counters: modulo 2**width, so a counter that
    went back gives the wrapped distance, never a negative one."""
    return (curr - prev) & ((1 << width) - 1)


def rate(prev: int, curr: int, itv_cs: int, width: int = 64) -> float:
    """Per-second rate of a ``width``-bit counter as sar prints it: sysstat's ``S_VALUE(m, n, p) = (double)
    (n - m) / p * 100`` on the counter's C type (rd_stats.h: unsigned long and long long 64 bits, unsigned int
    32), with no reset rule: a counter that went back reads as wrapped (pr_stats.c print_pcsw_stats,
    print_paging_stats, print_net_ip_stats...). The difference is made a float first, as C's cast does (a
    wrapped 64-bit one has more digits than a double). Reports with a rule of their own (-b, -I, -d, -n DEV,
    EDEV) say so where they compute."""
    # One call a value (sar -A computes ~200 a sample): sar_itv and unsigned written out here.
    if itv_cs <= 0:
        if itv_cs < 0:
            return 0.0
        itv_cs = 1
    return float((curr - prev) & ((1 << width) - 1)) / itv_cs * 100


def rates(
    prev: object, curr: object, names: tuple[str, ...], itv_cs: int, width: int = 64
) -> tuple[float, ...]:
    """``rate`` of each counter attribute ``names`` of two records, the interval checked once for the row."""
    if itv_cs <= 0:
        if itv_cs < 0:
            return (0.0,) * len(names)
        itv_cs = 1
    mask = (1 << width) - 1
    return tuple(float((getattr(curr, n) - getattr(prev, n)) & mask) / itv_cs * 100 for n in names)


def percent(part: float, whole: float) -> float:
    """``part / whole * 100``, 0 when ``whole`` is 0 (sysstat's SP_VALUE(0, part, whole) guarded by a test)."""
    return part / whole * 100 if whole else 0.0


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0

"""sar -u and -P N compute only the CPU rows they show (activities/cpu.py cpu_rows_of, issue 17): the same rows,
same digits, as every row filtered, whatever the counters do (offline CPUs, CPUs back online, counters going
back, values near 2**64), and the same report text."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.store.conftest import series

from hostward.activities.base import Interval, Row
from hostward.activities.cpu import COLUMNS, CPU, DEFAULT_COMPUTED, cpu_rows, cpu_rows_of, cpu_rows_of_view
from hostward.collect.cpu import CpuTimes
from hostward.collect.sample import SystemSample

BASE = series(1)[0]
tick = st.one_of(st.integers(0, 2000), st.sampled_from([0, 1, (1 << 64) - 5, (1 << 64) - 0x7FFFF, 1 << 63]))
times = st.builds(CpuTimes, *([tick] * 10))
per_cpu = st.lists(st.one_of(st.none(), times), max_size=5)
items = st.frozensets(st.sampled_from(["all", "0", "1", "2", "3", "4", "5"]), min_size=1)


def sample(all_times: CpuTimes, cpus: list[CpuTimes | None]) -> SystemSample:
    return dataclasses.replace(BASE, cpu=dataclasses.replace(BASE.cpu, all=all_times, per_cpu=tuple(cpus)))


@settings(max_examples=400)
@given(prev_all=times, curr_all=times, prev=per_cpu, curr=per_cpu, wanted=items)
def test_rows_of_some_items_are_those_rows_of_all(
    prev_all: CpuTimes, curr_all: CpuTimes, prev: list[CpuTimes | None], curr: list[CpuTimes | None],
    wanted: frozenset[str],
) -> None:  # fmt: skip
    span = Interval(sample(prev_all, prev), sample(curr_all, curr), 100)
    expected = [row for row in cpu_rows(span) if row.item in wanted]
    assert repr(cpu_rows_of(span, wanted)) == repr(expected)


moves = st.lists(st.integers(-20, 400), min_size=10, max_size=10)  # mostly forward, one in twenty back
stepped_cpus = settings(max_examples=400)(
    given(
        prev=st.lists(times, min_size=1, max_size=4),
        steps=st.lists(moves, min_size=4, max_size=4),
        offline=st.sampled_from([None, 0, 1, 3]),
    )
)


def _stepped(prev: list[CpuTimes], steps: list[list[int]], offline: int | None) -> Interval:
    """An interval from the CPU lines ``prev`` to each moved by its step (never below 0), CPU ``offline`` gone."""
    curr: list[CpuTimes | None] = [
        CpuTimes(*(max(v + d, 0) for v, d in zip(t, step, strict=True)))
        for t, step in zip(prev, steps, strict=False)
    ]
    if offline is not None and offline < len(curr):
        curr[offline] = None
    return Interval(sample(prev[0], list(prev)), sample(prev[0], curr), 100)


@stepped_cpus
def test_the_all_row_alone_is_the_all_row_of_every_cpu(
    prev: list[CpuTimes], steps: list[list[int]], offline: int | None
) -> None:
    """sar -u (no -P) sums the lines without the per-CPU fix-ups when none is due (activities/cpu.py _all_row):
    the same digits as the CPU-by-CPU sum, counters moving forward, going back a little, or a CPU offline."""
    span = _stepped(prev, steps, offline)
    expected = [row for row in cpu_rows(span) if row.item == "all"]
    assert repr(cpu_rows_of(span, frozenset({"all"}))) == repr(expected)


def test_the_cpu_report_declares_it() -> None:
    assert CPU.rows_of is cpu_rows_of


def _shown(rows: list[Row]) -> list[tuple[str | None, tuple[float, ...]]]:
    return [(row.item, tuple(row.values[i] for i in DEFAULT_COMPUTED)) for row in rows]


def _check_default_view(span: Interval, wanted: frozenset[str]) -> None:
    """The default view's rows: the six shares sar -u prints are the full maths' to the bit (repr), the others
    NaN or the full maths' own (a tickless CPU's or a backwards interval's constant rows)."""
    full = cpu_rows_of(span, wanted)
    trimmed = cpu_rows_of_view("")(span, wanted)
    assert trimmed is not None and full is not None
    assert repr(_shown(trimmed)) == repr(_shown(full))
    for t, f in zip(trimmed, full, strict=True):
        others = [i for i in range(len(COLUMNS)) if i not in DEFAULT_COMPUTED]
        assert all(math.isnan(t.values[i]) for i in others) or t.values == f.values


@settings(max_examples=400)
@given(prev_all=times, curr_all=times, prev=per_cpu, curr=per_cpu, wanted=items)
def test_the_default_view_computes_the_same_shown_shares(
    prev_all: CpuTimes, curr_all: CpuTimes, prev: list[CpuTimes | None], curr: list[CpuTimes | None],
    wanted: frozenset[str],
) -> None:  # fmt: skip
    """sar -u / -P N (the default view) computes only its six columns (cpu_rows_of_view("")): offline CPUs,
    CPUs back online, counters going back or near 2**64, any items."""
    _check_default_view(Interval(sample(prev_all, prev), sample(curr_all, curr), 100), wanted)


@stepped_cpus
def test_the_default_view_all_row_is_the_full_maths_all_row(
    prev: list[CpuTimes], steps: list[list[int]], offline: int | None
) -> None:
    """The "all" row alone (sar -u's _all_row, and its CPU-by-CPU fallback when a fix-up is due), counters
    mostly moving forward: the six shares as the full maths gives them."""
    _check_default_view(_stepped(prev, steps, offline), frozenset({"all"}))


def test_the_default_view_is_what_the_trimmed_maths_computes() -> None:
    """The indices _default_values computes are the default view's; the ALL view gets the full maths."""
    assert CPU.view("") == DEFAULT_COMPUTED
    assert CPU.rows_of_view is cpu_rows_of_view
    assert cpu_rows_of_view("ALL") is cpu_rows_of


def _ll_sp_value(before: int, now: int, total: int) -> float:
    """sysstat common.c ll_sp_value on the two ends of an interval, as activities/cpu.py computed each share
    before it worked on the lines' differences."""
    return 0.0 if now < before else (now - before) / total * 100


def _reference_values(c: CpuTimes, p: CpuTimes, total: int) -> tuple[float, ...]:
    """Every column in COLUMNS order from both ends (pr_stats.c print_cpu_stats)."""
    sp = _ll_sp_value
    return (
        sp(p.user, c.user, total),
        sp(p.nice, c.nice, total),
        sp(p.system + p.irq + p.softirq, c.system + c.irq + c.softirq, total),
        sp(p.iowait, c.iowait, total),
        sp(p.steal, c.steal, total),
        sp(p.nice - p.guest_nice, c.nice - c.guest_nice, total),
        sp(p.user - p.guest, c.user - c.guest, total),
        sp(p.system, c.system, total),
        sp(p.irq, c.irq, total),
        sp(p.softirq, c.softirq, total),
        sp(p.guest, c.guest, total),
        sp(p.guest_nice, c.guest_nice, total),
        sp(p.idle, c.idle, total),
    )


@settings(max_examples=500)
@given(prev=times, curr=times, total=st.one_of(st.integers(1, 10_000), st.integers(1, 1 << 66)))
def test_shares_from_the_differences_are_sars_from_both_ends(
    prev: CpuTimes, curr: CpuTimes, total: int
) -> None:
    """The shares are computed from one tuple of differences (each share is linear in the ticks): the same
    digits as ll_sp_value on both ends, a counter gone back reading 0, for the full maths and the six shares
    the default view prints (issue 17)."""
    from hostward.activities.cpu import _default_values, _values

    differences = tuple(c - p for c, p in zip(curr, prev, strict=True))
    expected = _reference_values(curr, prev, total)
    assert repr(_values(differences, total)) == repr(expected)
    shown = _default_values(differences, total)
    assert repr([shown[i] for i in DEFAULT_COMPUTED]) == repr([expected[i] for i in DEFAULT_COMPUTED])

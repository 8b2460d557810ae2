"""Corrupt CPU counters (going back, wrapping, jumping) read the way sysstat reads them: no share is ever
negative (sar never prints -5.13 %idle) and no value prints as -0.00."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.activities.base import Interval
from hostward.activities.cpu import cpu_rows
from hostward.collect.cpu import CpuTimes
from hostward.report.formatting import C_FORMAT
from hostward.report.sadf import Fixed, _dump

counter = st.one_of(st.integers(0, 10**6), st.integers(0, 2**64 - 1))
times = st.builds(CpuTimes, *(counter,) * 10)


def span(prev: tuple[CpuTimes, ...], curr: tuple[CpuTimes, ...]) -> Interval:
    def sample(cpus: tuple[CpuTimes, ...]) -> Any:
        return SimpleNamespace(cpu=SimpleNamespace(all=cpus[0], per_cpu=cpus))

    return cast(Interval, SimpleNamespace(prev=sample(prev), curr=sample(curr), itv_cs=100))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(times, times), min_size=1, max_size=4))
def test_no_share_is_negative_whatever_the_counters_do(pairs: list[tuple[CpuTimes, CpuTimes]]) -> None:
    prev = tuple(p for p, _ in pairs)
    curr = tuple(c for _, c in pairs)
    for row in cpu_rows(span(prev, curr)):
        for value in row.values:
            assert math.isfinite(value) and value >= 0, (row, value)


def test_counters_that_went_back_read_zero_not_negative() -> None:
    # %system went back far more than %idle rose: the interval is negative (sysstat's unsigned one wraps)
    before = CpuTimes(user=1000, system=50_000, idle=100)
    after = CpuTimes(user=1000, system=100, idle=200)
    rows = cpu_rows(span((before,), (after,)))
    assert all(v == 0.0 for row in rows for v in row.values)


def test_negative_zero_never_printed() -> None:
    assert C_FORMAT.number(-0.0001, 2).strip() == "0.00"
    assert C_FORMAT.number(-0.0, 0).strip() == "0"
    assert _dump(Fixed(-0.001, 2), 0) == "0.00"

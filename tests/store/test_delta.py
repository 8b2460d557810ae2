"""counter_delta: the one place resets and wraps are handled; interval_seconds: uptime, never the wall clock."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st
from tests.store.conftest import series

from hostward.store.delta import counter_delta, interval_seconds, rate_per_second


def test_plain_increase() -> None:
    assert counter_delta(100, 250) == 150
    assert counter_delta(5, 5) == 0


def test_32_bit_wrap() -> None:
    assert counter_delta(2**32 - 10, 5, 32) == 15


def test_64_bit_wrap() -> None:
    assert counter_delta(2**64 - 1, 99, 64) == 100


def test_reset_counts_from_zero() -> None:
    # an interface re-created: its counter restarted low, far from the top of its range
    assert counter_delta(1_000_000, 300, 32) == 300
    assert counter_delta(1_000_000, 300, 64) == 300
    assert counter_delta(2**40, 7, None) == 7


def test_wrap_needs_prev_in_upper_half() -> None:
    # a 32-bit counter at 1.5e9 going to 10 is a reset, not a 2.8e9 jump
    assert counter_delta(1_500_000_000, 10, 32) == 10
    assert counter_delta(3_000_000_000, 10, 32) == 2**32 - 3_000_000_000 + 10


@given(prev=st.integers(0, 2**64 - 1), cur=st.integers(0, 2**64 - 1), width=st.sampled_from([32, 64, None]))
def test_never_negative_and_exact_when_increasing(prev: int, cur: int, width: int | None) -> None:
    delta = counter_delta(prev, cur, width)
    assert delta >= 0
    if cur >= prev:
        assert delta == cur - prev
    else:
        assert delta <= max(cur, 2**63)


def test_interval_uses_uptime_not_the_wall_clock() -> None:
    a, b = series(2)
    stepped = dataclasses.replace(b, timestamp=a.timestamp - 3600)  # NTP stepped the clock back an hour
    assert interval_seconds(a, stepped) == b.uptime_seconds - a.uptime_seconds
    assert interval_seconds(a, dataclasses.replace(b, uptime_seconds=3.0)) is None  # rebooted
    assert interval_seconds(a, a) is None
    assert rate_per_second(0, 500, 10.0) == 50.0

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from hostward.ntp import timestamps as ts

ERA1_NS = ts.ERA1_START_UNIX_S * ts.NS_PER_S


def test_era_rollover_instant_is_2036_02_07_06_28_16_utc() -> None:
    moment = dt.datetime.fromtimestamp(ts.ERA1_START_UNIX_S, tz=dt.UTC)
    assert moment == dt.datetime(2036, 2, 7, 6, 28, 16, tzinfo=dt.UTC)
    assert ts.unix_ns_to_ntp(ERA1_NS) == 0  # the seconds field wraps to zero
    assert ts.unix_ns_to_ntp(ERA1_NS - ts.NS_PER_S) >> 32 == 0xFFFF_FFFF


def test_unix_epoch_is_ntp_2208988800() -> None:
    assert ts.unix_ns_to_ntp(0) == 2_208_988_800 << 32
    assert ts.unix_ns_to_ntp(500_000_000) == (2_208_988_800 << 32) | (1 << 31)


def test_difference_across_rollover_is_small_and_signed() -> None:
    before = ts.unix_ns_to_ntp(ERA1_NS - 3 * ts.NS_PER_S)
    after = ts.unix_ns_to_ntp(ERA1_NS + 2 * ts.NS_PER_S)
    assert ts.fixed_to_seconds(ts.diff(after, before)) == 5.0
    assert ts.fixed_to_seconds(ts.diff(before, after)) == -5.0


@given(
    t1_ns=st.integers(min_value=0, max_value=4_000_000_000 * ts.NS_PER_S),
    offset_ns=st.integers(min_value=-(2**31 - 10) * ts.NS_PER_S, max_value=(2**31 - 10) * ts.NS_PER_S),
    out_ns=st.integers(min_value=0, max_value=ts.NS_PER_S),
    back_ns=st.integers(min_value=0, max_value=ts.NS_PER_S),
    hold_ns=st.integers(min_value=0, max_value=ts.NS_PER_S),
)
def test_offset_and_delay_formulas_hold_in_any_era(
    t1_ns: int, offset_ns: int, out_ns: int, back_ns: int, hold_ns: int
) -> None:
    """θ = true offset + (outbound − return)/2 and δ = outbound + return, wherever the timestamps wrap."""
    t1 = ts.unix_ns_to_ntp(t1_ns)
    t2 = ts.unix_ns_to_ntp(t1_ns + out_ns + offset_ns)
    t3 = ts.unix_ns_to_ntp(t1_ns + out_ns + hold_ns + offset_ns)
    t4 = ts.unix_ns_to_ntp(t1_ns + out_ns + hold_ns + back_ns)
    theta, delta = ts.offset_and_delay(t1, t2, t3, t4)
    expected_theta = (offset_ns + (out_ns - back_ns) / 2) / 1e9
    assert abs(theta - expected_theta) < 1e-8 + abs(expected_theta) * 1e-15
    assert abs(delta - (out_ns + back_ns) / 1e9) < 1e-8


def test_era_safe_offset_for_a_server_just_past_2036() -> None:
    """A 2026 client and a server already in era 1: naive subtraction of the seconds fields is off by 136 y."""
    now_ns = 1_795_799_832 * ts.NS_PER_S  # 2026-11-27
    server_ns = ERA1_NS + 10 * ts.NS_PER_S
    offset_ns = server_ns - now_ns
    t1 = ts.unix_ns_to_ntp(now_ns)
    t2 = ts.unix_ns_to_ntp(now_ns + offset_ns + 1000)
    t3 = ts.unix_ns_to_ntp(now_ns + offset_ns + 2000)
    t4 = ts.unix_ns_to_ntp(now_ns + 3000)
    assert t2 >> 32 == 10  # the server's seconds field has wrapped
    theta, delta = ts.offset_and_delay(t1, t2, t3, t4)
    assert abs(theta - offset_ns / 1e9) < 1e-6
    assert 0 < delta < 1e-5
    naive = ((t2 >> 32) - (t1 >> 32) + (t3 >> 32) - (t4 >> 32)) / 2
    assert naive < -4e9  # what an era-unaware client (ntplib 0.4) computes


@given(
    pivot_ns=st.integers(min_value=0, max_value=5_000_000_000 * ts.NS_PER_S),
    delta_ns=st.integers(min_value=-(2**31 - 1) * ts.NS_PER_S, max_value=(2**31 - 1) * ts.NS_PER_S),
)
def test_era_resolution_with_a_pivot(pivot_ns: int, delta_ns: int) -> None:
    truth = max(0, pivot_ns + delta_ns)
    resolved = ts.ntp_to_unix_ns(ts.unix_ns_to_ntp(truth), pivot_ns)
    assert abs(resolved - truth) <= 1  # the fraction keeps 0.23 ns resolution


def test_short_format() -> None:
    assert ts.short_to_seconds(0x0001_8000) == 1.5
    assert ts.seconds_to_short(1.5) == 0x0001_8000
    assert ts.seconds_to_short(-1) == 0
    assert ts.seconds_to_short(1e9) == 0xFFFF_FFFF

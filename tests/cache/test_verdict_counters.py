"""hostward.cache.counters: numbers, ratios and rates from raw memcached stats values, resets included."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.cache.counters import (
    RATE_COUNTERS,
    average,
    counter_rate,
    fill_ratio,
    hit_ratio,
    integer,
    interval,
    number,
    restarted,
)

# A reply captured from memcached 1.6.18 (-m 4) after 6000 sets of 1000 bytes and 600 gets.
FULL = {
    "pid": "5322", "uptime": "2", "time": "1796492148", "version": "1.6.18", "rusage_user": "0.003809",
    "max_connections": "1024", "curr_connections": "1", "total_connections": "3", "rejected_connections": "0",
    "cmd_get": "600", "cmd_set": "6000", "get_hits": "354", "get_misses": "246", "bytes_read": "6137392",
    "bytes_written": "412788", "limit_maxbytes": "4194304", "listen_disabled_num": "0", "bytes": "3766560",
    "curr_items": "3540", "total_items": "6000", "expired_unfetched": "0", "evicted_unfetched": "2460",
    "evictions": "2460", "reclaimed": "0",
}  # fmt: skip


def test_numbers_are_the_raw_values() -> None:
    assert number(FULL, "cmd_get") == 600
    assert isinstance(number(FULL, "cmd_get"), int)
    assert number(FULL, "rusage_user") == 0.003809
    assert number(FULL, "version") is None
    assert number(FULL, "absent") is None
    for bad in ("-1", "nan", "inf", " 1", "1_000", "", "0x10", "1" * 41, "١٢"):
        assert number({"x": bad}, "x") is None, bad
    assert integer(FULL, "rusage_user") is None


def test_hit_ratio_and_fill() -> None:
    assert hit_ratio(FULL) == 354 / 600
    assert fill_ratio(FULL) == 3766560 / 4194304
    assert hit_ratio({"get_hits": "0", "cmd_get": "0"}) is None  # no gets: no ratio, not 0 %


def test_first_sample_is_an_average_since_start() -> None:
    first = interval(None, FULL)
    assert first.since_start and not first.restart and first.seconds == 2
    assert first.rates["cmd_get"].per_second == 300
    assert first.rates["evictions"].per_second == 1230
    assert first.hit_ratio == 354 / 600
    assert set(first.rates) == set(RATE_COUNTERS)


def test_rates_between_two_samples() -> None:
    later = FULL | {"uptime": "12", "cmd_get": "1600", "get_hits": "1254", "evictions": "2460"}
    step = interval(FULL, later, seconds=10.0)
    assert not step.since_start and not step.restart
    assert step.rates["cmd_get"].per_second == 100
    assert step.rates["evictions"].per_second == 0
    assert step.hit_ratio == 0.9
    assert interval(FULL, later).seconds == 10  # from the servers' uptime when no clock is given


def test_a_restart_is_shown_and_rates_restart_from_zero() -> None:
    again = FULL | {"pid": "6000", "uptime": "4", "cmd_get": "40", "get_hits": "10", "evictions": "0"}
    assert restarted(FULL, again)
    step = interval(FULL, again, seconds=10.0)
    assert step.restart and step.since_start and step.seconds == 4
    assert step.rates["cmd_get"].per_second == 10
    assert all(r.per_second is None or r.per_second >= 0 for r in step.rates.values())


def test_stats_reset_without_restart_is_a_reset_not_a_negative_rate() -> None:
    zeroed = FULL | {"uptime": "5", "cmd_get": "3", "get_hits": "1"}
    step = interval(FULL, zeroed, seconds=3.0)
    assert not step.restart
    assert step.rates["cmd_get"].reset and step.rates["cmd_get"].per_second is None
    assert "cmd_get" in step.resets and "get_hits" in step.resets
    assert step.hit_ratio is None


counter = st.one_of(st.integers(0, 2**64 - 1).map(str), st.text(max_size=12))
replies = st.dictionaries(st.sampled_from([*RATE_COUNTERS, "pid", "uptime"]), counter)


@settings(deadline=None)
@given(replies, replies, st.floats(min_value=-5, max_value=1e6, allow_nan=False))
def test_rates_are_never_negative_whatever_the_replies(
    a: dict[str, str], b: dict[str, str], s: float
) -> None:
    for before in (None, a):
        step = interval(before, b, seconds=s)
        for rate in step.rates.values():
            assert rate.per_second is None or (rate.per_second >= 0 and math.isfinite(rate.per_second))
        assert step.hit_ratio is None or step.hit_ratio >= 0


@settings(deadline=None)
@given(st.floats(allow_nan=True), st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_counter_rate_is_total(a: float, b: float, s: float) -> None:
    rate = counter_rate(a, b, s)
    assert rate.per_second is None or (rate.per_second >= 0 and math.isfinite(rate.per_second))
    assert rate.reset == (math.isfinite(s) and s > 0 and math.isfinite(a) and math.isfinite(b) and b < a)


def test_average_is_weighted_by_interval_length_and_skips_since_start_rows() -> None:
    a = FULL | {"uptime": "12", "cmd_get": "1600", "get_hits": "1254"}  # +1000 gets, +900 hits in 10 s
    b = a | {"uptime": "42", "cmd_get": "1900", "get_hits": "1254"}  # +300 gets, no hits in 30 s
    steps = [interval(None, FULL), interval(FULL, a, 10.0), interval(a, b, 30.0)]
    mean = average(steps)
    assert mean is not None and mean.seconds == 40
    assert mean.rates["cmd_get"].per_second == 1300 / 40
    assert mean.hit_ratio == 900 / 1300
    assert average(steps[:1]) is None  # only an average since start: nothing to average

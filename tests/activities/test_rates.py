"""activities.base.rate and rates (a row of counters with its interval checked once) against sysstat's S_VALUE
written out: ``(double)(n - m) / p * 100`` on the counter's C width (the unsigned difference wraps), an interval
of 0 cs taken as 1 (get_interval), a negative one giving 0."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from hostward.activities.base import rate, rates

COUNTER = st.integers(min_value=0, max_value=(1 << 64) - 1)


def s_value(m: int, n: int, itv_cs: int, width: int) -> float:
    if itv_cs < 0:
        return 0.0
    return float((n - m) % (1 << width)) / (itv_cs or 1) * 100


@given(
    st.lists(st.tuples(COUNTER, COUNTER), min_size=1, max_size=6),
    st.integers(min_value=-3, max_value=1 << 40),
    st.sampled_from([32, 64]),
)
def test_rate_and_rates_are_s_value(pairs: list[tuple[int, int]], itv_cs: int, width: int) -> None:
    names = tuple(f"c{i}" for i in range(len(pairs)))
    prev = SimpleNamespace(**{name: m for name, (m, _) in zip(names, pairs, strict=True)})
    curr = SimpleNamespace(**{name: n for name, (_, n) in zip(names, pairs, strict=True)})
    expected = [repr(s_value(m, n, itv_cs, width)) for m, n in pairs]
    assert [repr(rate(m, n, itv_cs, width)) for m, n in pairs] == expected
    assert [repr(v) for v in rates(prev, curr, names, itv_cs, width)] == expected

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostward.ntp.select import MAXDIST, Candidate, SourceState, cluster, combine, intersect, select


def c(name: str, offset: float, dist: float = 0.01, jitter: float = 0.001, stratum: int = 2) -> Candidate:
    return Candidate(name, offset, dist, jitter, stratum)


def test_three_agree_one_falseticker() -> None:
    cands = [c("a", 2.000), c("b", 2.004), c("c", 1.998), c("d", -7.0)]
    sel = select(cands)
    assert sel.majority
    assert sel.falsetickers == 1
    assert sel.states["d"] is SourceState.FALSETICKER
    assert {sel.states[n] for n in "abc"} <= {SourceState.SELECTED, SourceState.COMBINED}
    assert sel.offset_seconds is not None and abs(sel.offset_seconds - 2.0007) < 0.002
    assert sel.low_seconds is not None and sel.high_seconds is not None
    assert sel.low_seconds <= 1.998 + 0.01 and sel.high_seconds >= 2.004 - 0.01


@pytest.mark.parametrize(
    "offsets",
    [
        [0.0, 5.0],  # two that disagree: no one can tell which is right
        [0.0, 0.001, 5.0, 5.001],  # two against two
        [0.0, 3.0, 6.0],  # three-way split
    ],
)
def test_no_majority(offsets: list[float]) -> None:
    cands = [c(str(i), o) for i, o in enumerate(offsets)]
    assert intersect(cands) is None
    sel = select(cands)
    assert not sel.majority
    assert sel.offset_seconds is None
    assert set(sel.states.values()) == {SourceState.FALSETICKER}


def test_two_falsetickers_of_five_are_outvoted() -> None:
    cands = [c("a", 0.0), c("b", 0.002), c("c", -0.003), c("x", 4.0), c("y", -9.0)]
    result = intersect(cands)
    assert result is not None
    assert result[0] == 2
    sel = select(cands)
    assert sel.states["x"] is SourceState.FALSETICKER and sel.states["y"] is SourceState.FALSETICKER


def test_single_server_is_its_own_majority() -> None:
    sel = select([c("only", 0.5)])
    assert sel.majority and sel.system_peer == "only"
    assert sel.offset_seconds == 0.5


def test_unfit_and_unusable_sources_are_marked_unusable() -> None:
    sel = select([c("far", 0.0, dist=MAXDIST + 0.1), c("ok", 0.0)], unusable=["dead"])
    assert sel.states == {
        "far": SourceState.UNUSABLE,
        "dead": SourceState.UNUSABLE,
        "ok": SourceState.SELECTED,
    }


def test_lower_stratum_wins_system_peer() -> None:
    sel = select([c("s3", 0.001, stratum=3), c("s1", 0.0, stratum=1), c("s2", 0.002, stratum=2)])
    assert sel.system_peer == "s1"


def test_cluster_prunes_the_noisiest_outlier_down_to_nmin() -> None:
    # All five intervals overlap (wide distances), but one sits far from the others.
    cands = [
        c("a", 0.0, 1.0, 0.001),
        c("b", 0.001, 1.0, 0.001),
        c("c", -0.001, 1.0, 0.001),
        c("d", 0.0005, 1.0, 0.001),
        c("e", 0.8, 1.0, 0.001),
    ]
    kept, pruned = cluster(cands)
    assert pruned[0].name == "e"
    assert len(kept) >= 3


def test_combine_weights_by_inverse_root_distance() -> None:
    offset, jitter = combine([c("a", 0.0, dist=0.01), c("b", 0.3, dist=0.02)])
    assert offset == pytest.approx(0.1)  # weights 100 and 50
    assert jitter > 0


intervals = st.lists(
    st.tuples(st.floats(-10, 10, allow_nan=False), st.floats(0.001, 3, allow_nan=False)),
    min_size=1,
    max_size=9,
)


@given(intervals)
def test_intersection_endpoints_are_each_covered_by_m_minus_f_intervals(
    items: list[tuple[float, float]],
) -> None:
    """Mills' variant returns [low, high] where low and high each lie in at least m − f correctness intervals
    (the interval between them may be wider than Marzullo's), with f < m/2."""
    cands = [c(str(i), o, d) for i, (o, d) in enumerate(items)]
    result = intersect(cands)
    if result is None:
        return
    f, low, high = result
    assert low <= high
    assert 2 * f < len(cands)
    for point in (low, high):
        covering = sum(
            1
            for x in cands
            if x.offset_seconds - x.root_distance_seconds
            <= point
            <= x.offset_seconds + x.root_distance_seconds
        )
        assert covering >= len(cands) - f


@given(intervals)
def test_mutually_consistent_sources_have_no_falseticker(items: list[tuple[float, float]]) -> None:
    # Every midpoint lies inside every interval: the easiest case, which must select everyone.
    smallest = min(min(d for _, d in items), 1.4)
    cands = [c(str(i), (o / 20) * smallest, min(d, 1.4)) for i, (o, d) in enumerate(items)]
    result = intersect(cands)
    assert result is not None and result[0] == 0
    sel = select(cands)
    assert sel.majority
    assert SourceState.FALSETICKER not in sel.states.values()


def test_rfc_midpoint_rule_overlap_alone_is_not_agreement() -> None:
    """Two intervals that overlap, but each midpoint outside the other: RFC 5905 sees no majority."""
    assert intersect([c("a", 0.0, 1.0), c("b", 1.9, 1.0)]) is None

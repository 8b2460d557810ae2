"""The badness formula per kernel era, C division, oom_adj mapping: worked examples from the kernel sources."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostward.oom.score.score import (
    BadnessInput,
    Era,
    HeuristicInput,
    adj_to_be_last,
    badness,
    c_div,
    era_for,
    heuristic_badness,
    oom_adj_from_score_adj,
    parse_kernel_release,
    score_adj_from_oom_adj,
)

TOTAL = 6171025  # pages on the 24 GiB test machines, no swap


@given(st.integers(-(10**12), 10**12), st.integers(-(10**9), 10**9).filter(lambda b: b != 0))
def test_c_div_truncates_toward_zero(a: int, b: int) -> None:
    assert c_div(a, b) == math.trunc(Fraction(a, b))


def test_c_div_differs_from_floor_on_negatives() -> None:
    assert c_div(-7, 2) == -3 and -7 // 2 == -4


@pytest.mark.parametrize(
    ("release", "era"),
    [
        ("2.6.32-431.el6.x86_64", Era.HEURISTIC),
        ("2.6.35", Era.HEURISTIC),
        ("2.6.36", Era.NORMALIZED),
        ("3.9.11", Era.NORMALIZED),
        ("3.10.0-1160.el7.x86_64", Era.PAGES_ROOT_ADJ),
        ("3.16.0-4-amd64", Era.PAGES_ROOT_3PCT),
        ("4.16.18", Era.PAGES_ROOT_3PCT),
        ("4.17", Era.PAGES),
        ("5.8.18", Era.PAGES),
        ("5.9.0", Era.SIGNED),
        ("6.18.44-fc-v509", Era.SIGNED),
    ],
)
def test_era_for_release(release: str, era: Era) -> None:
    assert era_for(parse_kernel_release(release)) is era


def test_signed_era_small_process_reads_666() -> None:
    # 3468 rss + 18 page-table pages, adj 0: 1000 + 3486*1000/TOTAL (=0) -> *2/3 -> 666
    b = badness(BadnessInput(3468, 0, 18, 0), TOTAL)
    assert (b.points, b.proc_score) == (3486, 666)


def test_signed_era_negative_badness_uses_c_division() -> None:
    # adj -999: badness = 3486 - 999*6171 = -6161343; *1000/TOTAL = -998.43 -> C gives -998 (floor would be -999)
    b = badness(BadnessInput(3468, 0, 18, -999), TOTAL)
    assert b.adj_term == -999 * 6171
    assert b.points == 3486 - 999 * 6171
    assert b.proc_score == (1000 - 998) * 2 // 3 == 1


def test_signed_era_adj_1000_and_minus_1000() -> None:
    top = badness(BadnessInput(1000, 0, 0, 1000), TOTAL)
    assert top.points == 1000 + 1000 * 6171
    assert top.proc_score == (1000 + (top.points * 1000) // TOTAL) * 2 // 3 == 1333
    exempt = badness(BadnessInput(10**6, 0, 0, -1000), TOTAL)
    assert (exempt.eligible, exempt.points, exempt.proc_score) == (False, None, 0)
    kthread = badness(BadnessInput(0, 0, 0, 0, eligible=False), TOTAL)
    assert kthread.proc_score == 0


def test_pages_eras_root_bonus() -> None:
    task = BadnessInput(600000, 10000, 2000, 0, cap_sys_admin=True)
    base = 612000
    assert badness(task, TOTAL, Era.PAGES).points == base  # 4.17+: no bonus
    assert badness(task, TOTAL, Era.PAGES_ROOT_3PCT).points == base - base * 3 // 100
    assert badness(task, TOTAL, Era.PAGES_ROOT_ADJ).points == base - 30 * (TOTAL // 1000)
    # /proc before 5.9: points * 1000 / totalpages, unsigned
    assert badness(task, TOTAL, Era.PAGES).proc_score == base * 1000 // TOTAL == 99


def test_pages_era_never_returns_zero_for_killable() -> None:
    b = badness(BadnessInput(10, 0, 0, -900), TOTAL, Era.PAGES)
    assert b.points == 1 and b.proc_score == 0


def test_normalized_era_clamps_and_bonus() -> None:
    b = badness(BadnessInput(TOTAL // 2, 0, 0, 100, cap_sys_admin=True), TOTAL, Era.NORMALIZED)
    assert b.points == 499 - 30 + 100  # permille first, then -30 for root, then + adj
    assert badness(BadnessInput(TOTAL, 0, 0, 500), TOTAL, Era.NORMALIZED).points == 1000
    assert badness(BadnessInput(1, 0, 0, -500), TOTAL, Era.NORMALIZED).points == 1


def test_heuristic_era_refuses_exact_computation() -> None:
    with pytest.raises(ValueError, match="history"):
        badness(BadnessInput(1, 0, 0, 0), TOTAL, Era.HEURISTIC)


def test_oom_adj_mapping() -> None:
    assert score_adj_from_oom_adj(-17) == -1000
    assert oom_adj_from_score_adj(-1000) == -17
    assert score_adj_from_oom_adj(15) == 1000 and oom_adj_from_score_adj(1000) == 15
    assert oom_adj_from_score_adj(-500) == -8  # -8.5 truncated toward zero
    assert score_adj_from_oom_adj(-16) == -941  # -941.17 truncated
    assert oom_adj_from_score_adj(999) == 16  # not 15: only exactly 1000 maps to OOM_ADJUST_MAX
    assert score_adj_from_oom_adj(3) == 176


@given(st.integers(0, 3_000_000), st.integers(1, 3_000_000))
def test_adj_to_be_last_is_the_boundary(own: int, lowest: int) -> None:
    adj = adj_to_be_last(own, lowest, TOTAL)
    unit = TOTAL // 1000
    if adj is None:
        assert own - 999 * unit >= lowest
        return
    assert own + adj * unit < lowest
    if adj < 1000:
        assert own + (adj + 1) * unit >= lowest


def test_heuristic_badness_2_6_32() -> None:
    task = HeuristicInput(
        total_vm_pages=100000,
        children_vm_pages=(2000,),
        cpu_seconds=100,
        run_seconds=10000,
        nice=0,
        privileged=False,
        rawio=False,
        oom_adj=0,
    )
    # (100000 + 2000/2 + 1) / sqrt(100) / sqrt(sqrt(10000))
    assert heuristic_badness(task) == (101001 // 10) // 10
    assert heuristic_badness(HeuristicInput(100000, (), 0, 0, 5, True, False, 2)) == (100000 * 2 // 4) << 2
    assert heuristic_badness(HeuristicInput(100000, (), 0, 0, 0, False, False, -17)) == 0
    assert heuristic_badness(HeuristicInput(100000, (), 0, 0, 0, False, False, -3)) == 100000 >> 3

"""oom top / explain reproduce /proc/PID/oom_score exactly, against the live kernel."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from tests.oom.oomkit_helpers import HOLDER, memcg_1g, spawn_in  # noqa: F401 - fixture

from hostward.oom.score.explain import explain, to_json
from hostward.oom.score.score import Era
from hostward.oom.score.top import Eligibility, take_snapshot
from hostward.procfs import ProcFS

# Since 6.2 the kernel keeps RSS counters per CPU and sums them approximately, so /proc/PID/statm and the
# kernel's own badness can differ by a few hundred pages. Where a process's badness lies that close to a score
# boundary (one point of x = badness*1000/totalpages is totalpages/1000 pages, ~24 MiB here), the two land on
# either side of it. Exactness is required everywhere else; at a boundary one point is allowed. Seen here: badness
# 160 pages above a boundary, kernel one point lower. (Why the kernel's sum is lower is still open.)
AGREEMENT_ATTEMPTS = 5
BOUNDARY_SLACK_PAGES = 512


def _agrees(computed: int | None, kernel: int | None, points: int | None, totalpages: int) -> bool:
    if computed == kernel:
        return True
    if computed is None or kernel is None or points is None or abs(computed - kernel) != 1:
        return False
    unit = totalpages / 1000
    into = (points * 1000 % totalpages) / 1000  # pages above the boundary below
    return min(into, unit - into) < BOUNDARY_SLACK_PAGES


def _ranked_agrees(p, totalpages: int) -> bool:  # type: ignore[no-untyped-def]
    return _agrees(p.computed_score, p.info.oom_score, p.badness.points, totalpages)


def _agreeing_snapshot(pids: set[int]):  # type: ignore[no-untyped-def]
    for _ in range(AGREEMENT_ATTEMPTS):
        snap = take_snapshot()
        if all(_ranked_agrees(p, snap.totals.totalpages) for p in snap.processes if p.info.pid in pids):
            break
        time.sleep(0.2)
    return snap


def test_every_live_process_matches_the_kernel() -> None:
    for _ in range(AGREEMENT_ATTEMPTS):
        snap = take_snapshot()
        assert snap.era is Era.SIGNED  # kernel 6.x here; the formula under test
        compared = [p for p in snap.processes if p.info.oom_score is not None]
        assert len(compared) >= 10, "too few processes to make the comparison meaningful"
        mismatched = [
            (p.info.pid, p.info.comm, p.computed_score, p.info.oom_score)
            for p in compared
            if not _ranked_agrees(p, snap.totals.totalpages)
        ]
        if not mismatched:
            break
        time.sleep(0.2)
    assert mismatched == []
    # Kernel threads and init are marked the way the kernel treats them: never candidates, score 0.
    kthreads = [p for p in snap.processes if p.info.kernel_thread]
    assert kthreads and all(
        p.eligibility is Eligibility.KERNEL_THREAD and p.info.oom_score == 0 for p in kthreads
    )
    init = next(p for p in snap.processes if p.info.pid == 1)
    assert init.eligibility is Eligibility.GLOBAL_INIT and init.info.oom_score == 0


@pytest.mark.root
def test_raised_adj_and_resident_memory_match_exactly(memcg_1g) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    plan = [(0, 1), (64, 100), (128, 500), (200, 999), (32, 1000), (96, 0)]  # (MiB resident, oom_score_adj)
    children: list[subprocess.Popen[bytes]] = []
    try:
        for mib, _ in plan:
            children.append(spawn_in(memcg_1g, HOLDER, str(mib), stdout=subprocess.PIPE))
        for child, (_, adj) in zip(children, plan, strict=True):
            assert child.stdout is not None and child.stdout.readline() == b"ready\n"
            with open(f"/proc/{child.pid}/oom_score_adj", "w") as handle:
                handle.write(str(adj))
        snap = _agreeing_snapshot({c.pid for c in children})
        by_pid = {p.info.pid: p for p in snap.processes}
        for child, (mib, adj) in zip(children, plan, strict=True):
            ranked = by_pid[child.pid]
            assert ranked.info.oom_score_adj == adj
            assert ranked.info.rss_bytes >= mib << 20
            assert _ranked_agrees(ranked, snap.totals.totalpages), (child.pid, mib, adj, ranked)
            ex = to_json(explain(child.pid))
            assert _agrees(
                ex["computed_oom_score"],
                ex["kernel_oom_score"],
                ranked.badness.points,
                snap.totals.totalpages,
            ), ex
            assert ex["terms"]["adj_term_pages"] == adj * (snap.totals.totalpages // 1000)
            assert any(memcg_1g.path in note and "1024 MiB" in note for note in ex["notes"])
        # Scores differ where the kernel says they do: adj 999 with 200 MiB beats adj 500 with 128 MiB.
        assert by_pid[children[3].pid].info.oom_score > by_pid[children[2].pid].info.oom_score
        victim = snap.victim
        assert victim is not None
        assert victim.badness.points == max(p.badness.points or 0 for p in snap.killable)
        ours = {c.pid for c in children}
        if all(p.info.pid in ours for p in snap.killable if p.info.oom_score_adj >= 999):
            # One adj unit is totalpages/1000 (~24 MiB here): 200 MiB at 999 outranks 32 MiB at 1000.
            assert victim.info.pid == children[3].pid
    finally:
        for child in children:
            child.kill()
            child.wait()
            if child.stdout is not None:
                child.stdout.close()


def test_explain_of_a_kernel_thread_and_of_itself() -> None:
    assert to_json(explain(2))["eligibility"] == "kernel thread"
    # The test process allocates between reading its statm and its oom_score: fresh reads must come to agree.
    for _ in range(AGREEMENT_ATTEMPTS):
        me = to_json(explain(os.getpid()))
        if me["computed_oom_score"] == me["kernel_oom_score"]:
            break
        time.sleep(0.2)
    assert me["computed_oom_score"] == me["kernel_oom_score"]
    # Only the 5.9+ formula reproduces every live score (older ones print 0..1000 permille, not 666 for adj 0).
    assert me["eras_matching_live_scores"] == ["SIGNED"]
    assert me["last_choice_adj"] is None or -1000 < me["last_choice_adj"] <= 1000


def test_explain_unknown_pid_is_a_usage_error() -> None:
    from hostward.errors import UsageError

    free = max(ProcFS().pids()) + 100000
    with pytest.raises(UsageError):
        explain(free)


ZOMBIE_LEADER = (
    "import ctypes, threading, time\n"
    "def worker():\n"
    "    b = b'x' * (24 << 20)\n"
    "    print('ready', flush=True)\n"
    "    time.sleep(30)\n"
    "threading.Thread(target=worker).start()\n"
    "time.sleep(0.3)\n"
    "ctypes.CDLL(None).pthread_exit(None)\n"  # the main thread leaves; the process lives on in the worker
)


@pytest.mark.root
def test_zombie_leader_with_a_live_thread_matches(memcg_1g) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    child = spawn_in(memcg_1g, ZOMBIE_LEADER, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        deadline = 50
        while "Z" not in Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1][:3] and deadline:
            deadline -= 1
            time.sleep(0.02)
        (ranked,) = [p for p in take_snapshot().processes if p.info.pid == child.pid]
        assert ranked.info.state == "Z" and ranked.eligibility is Eligibility.KILLABLE
        assert ranked.info.rss_bytes >= 24 << 20  # taken from the live thread, as find_lock_task_mm() does
        assert ranked.computed_score == ranked.info.oom_score
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()

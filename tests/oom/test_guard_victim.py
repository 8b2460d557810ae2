"""Victim selection on fixture /proc trees: the kernel's badness, the protection policy, the exclusions."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.oom.test_guard_fakeproc import FakeProc, FlakyProcFS, build_proc

from hostward.config import ProtectRule
from hostward.errors import ConfigError
from hostward.oom.guard.cgroup import MemoryCgroup
from hostward.oom.guard.victim import Scope, Verdict, VictimSelector
from hostward.procfs import ProcFS

OWN = 4242


def processes() -> list[FakeProc]:
    return [
        FakeProc(1, "init", 900_000, ("/sbin/init",)),
        FakeProc(2, "kthreadd", 0, kthread=True),
        FakeProc(OWN, "hostward", 800_000, ("hostward", "oom", "guard")),
        FakeProc(100, "postgres", 500_000, ("postgres", "-D", "/var/lib/pg"), uid=105, cgroup="/db"),
        FakeProc(200, "java", 300_000, ("java", "-jar", "batch.jar"), uid=1000, cgroup="/batch/a"),
        FakeProc(300, "node", 100_000, ("node", "server.js"), uid=1000, cgroup="/batch/b"),
        FakeProc(400, "exempt", 700_000, ("exempt",), adj=-1000),
    ]


def selector(
    tmp_path: Path, rules: tuple[ProtectRule, ...] = (), procs: list[FakeProc] | None = None
) -> VictimSelector:
    root = build_proc(tmp_path / "proc", processes() if procs is None else procs)
    return VictimSelector(Scope(), rules, procfs=ProcFS(proc=root), own_pid=OWN)


def verdicts(sel: VictimSelector) -> dict[int, Verdict]:
    return {c.info.pid: c.verdict for c in sel.select().candidates}


def test_kernel_order_and_exclusions(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    selection = sel.select()
    assert selection.victim is not None
    assert selection.victim.info.pid == 100  # the biggest eligible process
    v = verdicts(sel)
    assert v[1] is Verdict.INIT
    assert v[2] is Verdict.KERNEL_THREAD
    assert v[OWN] is Verdict.SELF
    assert v[400] is Verdict.EXEMPT
    eligible = [c.info.pid for c in selection.candidates if c.verdict is Verdict.ELIGIBLE]
    assert eligible == [100, 200, 300]
    points = [c.points for c in selection.candidates if c.verdict is Verdict.ELIGIBLE]
    assert points == sorted(points, reverse=True)  # type: ignore[type-var]
    # Badness in pages: rss + page tables (40 kB) with adj 0 (5.9+ formula).
    assert selection.candidates[0].points == (500_000 + 40) // 4


def test_protected_process_is_never_the_victim_even_when_largest(tmp_path: Path) -> None:
    rule = ProtectRule(name="db", oom_score_adj=-1000, comm="postgres", trust_unprivileged=True)
    sel = selector(tmp_path, (rule,))
    selection = sel.select()
    assert selection.victim is not None and selection.victim.info.pid == 200
    pg = next(c for c in selection.candidates if c.info.pid == 100)
    assert pg.verdict is Verdict.PROTECTED and pg.rule == "db" and pg.points is None
    assert any("rule=db" in line and "protected" in line for line in selection.explain())


def test_only_protected_left_means_no_victim(tmp_path: Path) -> None:
    rule = ProtectRule(name="all", oom_score_adj=-1000, cmdline_regex=".", trust_unprivileged=True)
    assert selector(tmp_path, (rule,)).select().victim is None


def test_prefer_and_avoid_rules_shift_badness_like_oom_score_adj(tmp_path: Path) -> None:
    prefer = ProtectRule(name="prefer-node", oom_score_adj=800, cmdline_regex=r"server\.js")
    avoid = ProtectRule(name="avoid-db", oom_score_adj=-500, user="105")
    selection = selector(tmp_path, (prefer, avoid)).select()
    assert selection.victim is not None
    assert selection.victim.info.pid == 300
    assert selection.victim.rule == "prefer-node" and selection.victim.effective_adj == 800
    pg = next(c for c in selection.candidates if c.info.pid == 100)
    assert pg.rule == "avoid-db" and pg.points is not None and pg.kernel_points is not None
    assert pg.points < pg.kernel_points  # the kernel would still pick postgres; the guard does not


def test_cgroup_rule_matches_by_prefix(tmp_path: Path) -> None:
    rule = ProtectRule(name="batch", oom_score_adj=-1000, cgroup="/batch")
    v = verdicts(selector(tmp_path, (rule,)))
    assert v[200] is Verdict.PROTECTED and v[300] is Verdict.PROTECTED and v[100] is Verdict.ELIGIBLE


def test_bad_rule_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        selector(tmp_path, (ProtectRule(name="x", oom_score_adj=-1000, cmdline_regex="(unclosed"),))


def test_process_exiting_or_unreadable_during_selection_is_skipped(tmp_path: Path) -> None:
    root = build_proc(tmp_path / "proc", processes())
    flaky = FlakyProcFS(root, gone={100}, broken={200})
    selection = VictimSelector(Scope(), (), procfs=flaky, own_pid=OWN).select()
    pids = {c.info.pid for c in selection.candidates}
    assert 100 not in pids and 200 not in pids
    assert selection.unreadable == 1  # the broken one is counted; the exited one is simply gone
    assert selection.victim is not None and selection.victim.info.pid == 300


def test_cgroup_scope_paths() -> None:
    scope = Scope(MemoryCgroup(1, Path("/sys/fs/cgroup/memory"), "/batch"))
    assert scope.contains_path("/batch")
    assert scope.contains_path("/batch/a/b")
    assert not scope.contains_path("/batchjobs")
    assert not scope.contains_path("/")
    assert not scope.contains_path(None)
    assert Scope().contains_path("/anything")
    assert scope.cgroup_in("12:memory:/batch/a\n0::/\n") == "/batch/a"

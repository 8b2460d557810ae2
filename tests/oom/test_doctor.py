"""oom doctor on a fixture /proc tree (every verdict) and on the live host."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.oom.oomkit_helpers import HOLDER, make_memcg, spawn_in

from hostward.collect.procs import ProcessInfo, read_process
from hostward.oom.doctor import (
    Level,
    check_cgroup_limits,
    check_kdump,
    check_swap,
    check_sysctls,
    check_unkillable,
    diagnose,
)
from hostward.oom.guard.cgroup import MemoryCgroup
from hostward.procfs import ProcFS


@pytest.fixture
def memcg_256m() -> Iterator[MemoryCgroup]:
    cg = make_memcg(256 << 20)
    try:
        yield cg
    finally:
        cg.destroy()


def _tree(tmp_path: Path, **sysctls: str) -> ProcFS:
    vm = tmp_path / "proc" / "sys" / "vm"
    vm.mkdir(parents=True)
    for name, value in sysctls.items():
        (vm / name).write_text(value + "\n")
    (tmp_path / "sys" / "kernel").mkdir(parents=True)
    return ProcFS(proc=tmp_path / "proc", sys=tmp_path / "sys")


def _proc(pid: int, comm: str, rss_mib: int, adj: int) -> ProcessInfo:
    return ProcessInfo(
        pid, 1, comm, "S", (comm,), 0, "root", False, True, rss_mib << 20, 0, 0, 0, adj, 0, 1, False, False
    )


def test_risky_sysctls_are_flagged(tmp_path: Path) -> None:
    procfs = _tree(
        tmp_path,
        panic_on_oom="1",
        oom_kill_allocating_task="1",
        overcommit_memory="2",
        overcommit_ratio="50",
        overcommit_kbytes="0",
        oom_dump_tasks="0",
    )
    found = {f.check: f for f in check_sysctls(procfs, {"CommitLimit": 1000, "Committed_AS": 950})}
    assert found["vm.panic_on_oom"].level is Level.BAD and "panics" in found["vm.panic_on_oom"].meaning
    assert found["vm.oom_kill_allocating_task"].level is Level.WARN
    assert found["vm.overcommit_memory"].level is Level.WARN  # committed > 90 % of CommitLimit
    assert "overcommit_ratio=50" in found["vm.overcommit_memory"].value
    assert found["vm.oom_dump_tasks"].level is Level.WARN


def test_safe_sysctls_are_ok(tmp_path: Path) -> None:
    procfs = _tree(
        tmp_path, panic_on_oom="0", oom_kill_allocating_task="0", overcommit_memory="0", oom_dump_tasks="1"
    )
    levels = {f.check: f.level for f in check_sysctls(procfs, {})}
    assert levels == {
        "vm.panic_on_oom": Level.OK,
        "vm.oom_kill_allocating_task": Level.OK,
        "vm.overcommit_memory": Level.INFO,
        "vm.oom_dump_tasks": Level.OK,
    }


def test_swap_and_kdump(tmp_path: Path) -> None:
    procfs = _tree(tmp_path, panic_on_oom="1")
    assert check_swap(procfs, {"SwapTotal": 0}).value == "none"
    assert check_swap(procfs, {"SwapTotal": 1000, "SwapFree": 50}).level is Level.WARN
    assert check_kdump(procfs).value == "not supported by this kernel"
    (tmp_path / "sys" / "kernel" / "kexec_crash_loaded").write_text("0\n")
    (tmp_path / "proc" / "cmdline").write_text("root=/dev/vda ro\n")
    armed = check_kdump(procfs)
    assert armed.level is Level.WARN and "crashkernel= missing" in armed.value  # panics are on, no dump
    (tmp_path / "sys" / "kernel" / "kexec_crash_loaded").write_text("1\n")
    assert check_kdump(procfs).level is Level.OK


def test_unkillable_processes() -> None:
    ram_kb = 24 << 20
    found = {
        f.check: f
        for f in check_unkillable(
            [
                _proc(10, "sshd", 8, -1000),
                _proc(11, "java", 4096, -1000),
                _proc(12, "agent", 30, -1000),
                _proc(13, "bash", 5, 0),
            ],
            ram_kb,
        )
    }
    assert found["oom_score_adj -1000: pid 10 sshd"].level is Level.OK
    assert found["oom_score_adj -1000: pid 11 java"].level is Level.BAD
    assert found["oom_score_adj -1000: pid 12 agent"].level is Level.WARN
    assert len(found) == 3


def test_live_host() -> None:
    findings = diagnose()
    checks = {f.check for f in findings}
    assert {"vm.panic_on_oom", "vm.oom_dump_tasks", "swap", "kdump"} <= checks
    assert any(c.startswith("memcg of pid") for c in checks)
    assert all(f.meaning and f.recommendation for f in findings)


@pytest.mark.root
def test_cgroup_limit_is_compared_with_the_cgroups_usage(memcg_256m: MemoryCgroup) -> None:
    """Two processes share a limited cgroup: the finding for one of them rates the cgroup's usage against the
    limit (what an overrun depends on), not that one process's share."""
    holders = [spawn_in(memcg_256m, HOLDER, str(mib), stdout=subprocess.PIPE) for mib in (60, 100)]
    try:
        for proc in holders:
            assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        procfs = ProcFS()
        first = read_process(procfs, holders[0].pid)
        (finding,) = check_cgroup_limits(procfs, [first], ram_kb=0, count=1)
        assert finding.value.startswith(f"{memcg_256m.path}: limit 256.0 MiB, the cgroup uses ")
        percent = int(re.search(r"\((\d+)%\)", finding.value)[1])  # type: ignore[index]
        assert (
            60 <= percent < 90
        )  # 160 MiB held + two interpreters of 256 MiB; the first holder alone is ~25%
        assert finding.level is Level.OK
        assert re.search(r"this process holds 6\d\.\d MiB$", finding.value), finding.value  # ~60 MiB
        # Both holders are big consumers in the same cgroup: its limit is reported once, for the larger one.
        both = [read_process(procfs, proc.pid) for proc in holders]
        (once,) = check_cgroup_limits(procfs, both, ram_kb=0, count=2)
        assert once.check.startswith(f"memcg of pid {holders[1].pid} ")
    finally:
        for proc in holders:
            proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()

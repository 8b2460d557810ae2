"""Drill cgroups left by a drill killed with SIGKILL: found by `oom doctor`, removed by the next drill; a drill
cgroup whose drill is alive is left alone. Real memory cgroups under our own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from tests.conftest import require_root, unavailable

from hostward.oom.doctor import Level, diagnose
from hostward.oom.drill.stale import drill_name, remove_stale_drill_cgroups, stale_drill_cgroups
from hostward.oom.guard.cgroup import MemoryCgroup, memory_cgroup_of

pytestmark = [pytest.mark.root]


@pytest.fixture
def own() -> Iterator[MemoryCgroup]:
    require_root()
    cg = memory_cgroup_of("self")
    if cg is None:
        unavailable("no memory cgroup controller")
        raise AssertionError("unreachable")
    yield cg


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_drill_cgroups_are_reported_then_removed(own: MemoryCgroup) -> None:
    dead, alive = own.child(drill_name(_dead_pid(), 7)), own.child(drill_name(os.getpid(), 99))
    sleeper: subprocess.Popen[bytes] | None = None
    try:
        dead.create()
        alive.create()
        # an orphaned hog still inside the stale cgroup (its drill was SIGKILLed)
        procs = dead.directory / "cgroup.procs"
        sleeper = subprocess.Popen(["bash", "-c", f'echo $$ > "{procs}" && exec sleep 60'])
        assert [cg.path for cg in stale_drill_cgroups(own)] == [dead.path]
        (finding,) = [f for f in diagnose() if f.check == "stale drill cgroups"]
        assert finding.level is Level.WARN and dead.path in finding.value and alive.path not in finding.value
        assert dead.directory.exists()  # the doctor only reports

        assert remove_stale_drill_cgroups(own) == [dead.path]
        assert not dead.directory.exists() and alive.directory.exists()
        assert sleeper.wait(timeout=10) != 0  # the orphan was killed with its cgroup
        assert not any(f.check == "stale drill cgroups" for f in diagnose())
    finally:
        if sleeper is not None and sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()
        dead.destroy()
        alive.destroy()

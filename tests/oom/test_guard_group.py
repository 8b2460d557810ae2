"""Whole-group kills (root): with kill_group the guard signals every eligible member of the victim's cgroup or
process group, and still never a protected member or anything outside its scope."""

from __future__ import annotations

import signal
import threading

import pytest
from tests.oom.test_guard import ScriptedTrigger
from tests.oom.test_guard_support import SignalAudit, drill_cgroup, start_sleeper, stop

from hostward.config import ProtectRule
from hostward.oom.guard.guard import Guard, GuardSettings
from hostward.oom.guard.triggers import MIB, Reading
from hostward.oom.guard.victim import Scope, VictimSelector

pytestmark = [pytest.mark.root]

CRITICAL = Reading("fake", True, True, "fake memory is critical")
KEEP = ProtectRule(name="keep", oom_score_adj=-1000, cmdline_regex="KEEP-ME", trust_unprivileged=True)


def run_once(guard: Guard) -> None:
    thread = threading.Thread(target=guard.run, daemon=True)
    thread.start()
    thread.join(15)
    assert not thread.is_alive()
    guard.close()


def test_kill_whole_cgroup_spares_protected_and_outsiders(monkeypatch: pytest.MonkeyPatch) -> None:
    with drill_cgroup(256 * MIB) as cgroup, drill_cgroup(256 * MIB) as other:
        big = start_sleeper(cgroup, "x = bytearray(64 << 20)")
        small = start_sleeper(cgroup)
        keep = start_sleeper(cgroup, "KEEP = 'KEEP-ME'; y = bytearray(96 << 20)")
        outsider = start_sleeper(other, "z = bytearray(128 << 20)")
        try:
            audit = SignalAudit(monkeypatch, {big.pid, small.pid})
            selector = VictimSelector(Scope(cgroup), (KEEP,))
            settings = GuardSettings(kill_group="cgroup", max_interventions=1, cooldown_seconds=0.0)
            run_once(Guard([ScriptedTrigger(lambda n: CRITICAL)], selector, settings))
            assert sorted(audit.sent) == sorted([(big.pid, signal.SIGKILL), (small.pid, signal.SIGKILL)])
            assert audit.refused == []
            assert big.wait(5) == -signal.SIGKILL and small.wait(5) == -signal.SIGKILL
            assert keep.poll() is None and outsider.poll() is None
        finally:
            stop(big, small, keep, outsider)


def test_kill_process_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent and its forked child share a process group; a second process in its own group is spared."""
    with drill_cgroup(256 * MIB) as cgroup:
        family = start_sleeper(
            cgroup,
            "import os\nx = bytearray(64 << 20)\n"
            "if os.fork() == 0:\n    import time\n    while True: time.sleep(3600)",
        )
        loner = start_sleeper(cgroup)
        try:
            members = [pid for pid in cgroup.pids() if pid != loner.pid]
            assert len(members) == 2 and family.pid in members
            audit = SignalAudit(monkeypatch, set(members))
            selector = VictimSelector(Scope(cgroup), ())
            settings = GuardSettings(kill_group="pgrp", max_interventions=1, cooldown_seconds=0.0)
            run_once(Guard([ScriptedTrigger(lambda n: CRITICAL)], selector, settings))
            assert audit.pids == set(members) and audit.refused == []
            assert loner.poll() is None
        finally:
            stop(family, loner)
            cgroup.destroy()

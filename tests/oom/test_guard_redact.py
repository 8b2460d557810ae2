"""A victim's command line handed to the guard's hooks (HOSTWARD_VICTIM_CMDLINE) is redacted and bounded as the
recorder stores it (issue 9 §5): hooks often forward it to chat or mail, where it is kept."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.oom.test_guard import LOW, ScriptedTrigger, run_guard
from tests.oom.test_guard_fakeproc import FakeProc, build_proc, write_proc
from tests.oom.test_guard_support import SignalAudit, start_sleeper, stop

from hostward.oom.guard.guard import Guard, GuardSettings
from hostward.oom.guard.hooks import Hooks
from hostward.oom.guard.victim import Scope, VictimSelector
from hostward.procfs import ProcFS

SECRET = "HUNTER2guard"


def test_hooks_get_the_redacted_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build_proc(tmp_path / "proc", [FakeProc(1, "init", 2_000_000, ("/sbin/init",))])
    helper = start_sleeper(None)
    out = tmp_path / "hooks"
    out.mkdir()
    script = tmp_path / "hook.sh"
    script.write_text('#!/bin/sh\nenv | grep ^HOSTWARD_ > "$1/$HOSTWARD_HOOK_PHASE"\n')
    script.chmod(0o755)
    hooks = Hooks(before=f"{script} {out}", before_wait_seconds=5.0)
    try:
        argv = ("mysql", f"--password={SECRET}", "x" * 3000)
        write_proc(root, FakeProc(helper.pid, "mysql", 400_000, argv))
        SignalAudit(monkeypatch, {helper.pid})
        selector = VictimSelector(Scope(), (), procfs=ProcFS(proc=root))
        settings = GuardSettings(cooldown_seconds=0.0, grace_seconds=0.3, max_interventions=1)
        run_guard(Guard([ScriptedTrigger(lambda n: LOW)], selector, settings, None, hooks))
        deadline = time.monotonic() + 5
        while not (out / "before").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        hooks.reap()
    finally:
        stop(helper)
    env = dict(line.split("=", 1) for line in (out / "before").read_text().splitlines())
    line = env["HOSTWARD_VICTIM_CMDLINE"]
    assert SECRET not in line and line.startswith("mysql --password=*** xxx")
    assert len(line) <= 1024 and line.endswith("…")

"""The guard's decision loop, on fixture /proc trees whose candidates are this test's own sleeping helpers.

Signals can only reach those helpers: SignalAudit refuses (and records) a signal to any other pid.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.oom.test_guard_fakeproc import FakeProc, FlakyProcFS, build_proc, write_proc
from tests.oom.test_guard_support import SignalAudit, start_sleeper, stop

from hostward.config import ProtectRule
from hostward.errors import CollectError
from hostward.oom.guard.events import GuardEvent, read_events
from hostward.oom.guard.guard import Guard, GuardSettings
from hostward.oom.guard.hooks import Hooks
from hostward.oom.guard.triggers import Reading
from hostward.oom.guard.victim import Scope, Selection, VictimSelector
from hostward.procfs import ProcFS

LOW = Reading("fake", True, False, "fake memory is low", headroom_bytes=None)
CRITICAL = Reading("fake", True, True, "fake memory is critical")
OK = Reading("fake", False, False, "fake memory is fine")


@dataclass
class ScriptedTrigger:
    """Returns script(n) for the n-th sample (1-based); an exception in the script is raised."""

    script: Callable[[int], Reading | Exception]
    name: str = "fake"
    samples: int = 0

    def fds(self) -> list[tuple[int, int]]:
        return []

    def drain(self, fd: int, revents: int) -> None:
        return None

    def sample(self, now: float) -> Reading:
        self.samples += 1
        result = self.script(self.samples)
        if isinstance(result, Exception):
            raise result
        return result

    def describe(self) -> str:
        return "scripted readings"

    def wanted_interval(self) -> float:
        return 0.005

    def close(self) -> None:
        return None


@dataclass
class World:
    """A fixture /proc with PID 1, a kernel thread and a big stranger (files only) plus live helpers."""

    root: Path
    helpers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    fakes: dict[str, FakeProc] = field(default_factory=dict)

    def add(self, name: str, rss_kb: int, code: str = "", **kw: object) -> subprocess.Popen[bytes]:
        proc = start_sleeper(None, code)
        fake = FakeProc(proc.pid, name, rss_kb, ("python", "-c", f"helper-{name}"), **kw)  # type: ignore[arg-type]
        write_proc(self.root, fake)
        self.helpers[name] = proc
        self.fakes[name] = fake
        return proc

    @property
    def helper_pids(self) -> set[int]:
        return {p.pid for p in self.helpers.values()}

    def alive(self, name: str) -> bool:
        return self.helpers[name].poll() is None


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    root = build_proc(
        tmp_path / "proc",
        [
            FakeProc(1, "init", 2_000_000, ("/sbin/init",)),
            FakeProc(2, "kthreadd", 0, kthread=True),
        ],
    )
    w = World(root)
    try:
        yield w
    finally:
        stop(*w.helpers.values())


def make_guard(
    world: World,
    trigger: ScriptedTrigger,
    *,
    rules: tuple[ProtectRule, ...] = (),
    procfs: ProcFS | None = None,
    selector_cls: type[VictimSelector] = VictimSelector,
    events_file: Path | None = None,
    hooks: Hooks | None = None,
    **settings: Any,
) -> tuple[Guard, list[GuardEvent]]:
    seen: list[GuardEvent] = []
    selector = selector_cls(Scope(), rules, procfs=procfs or ProcFS(proc=world.root))
    base = GuardSettings(cooldown_seconds=0.0, grace_seconds=0.3, max_interventions=1)
    guard = Guard(
        [trigger], selector, dataclasses.replace(base, **settings), events_file, hooks, observer=seen.append
    )
    return guard, seen


def run_guard(guard: Guard, timeout: float = 10.0) -> None:
    thread = threading.Thread(target=guard.run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        guard.stop()
        thread.join(5)
        raise AssertionError("guard did not finish")
    guard.close()


def kinds(events: list[GuardEvent]) -> list[str]:
    return [e.kind for e in events]


def test_dry_run_never_signals(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.add("victim", 400_000)
    audit = SignalAudit(monkeypatch, world.helper_pids)
    guard, events = make_guard(world, ScriptedTrigger(lambda n: CRITICAL), dry_run=True, max_interventions=3)
    run_guard(guard)
    assert kinds(events).count("would-kill") == 3
    assert all(e.pid == world.fakes["victim"].pid and e.dry_run for e in events if e.kind == "would-kill")
    assert "signal" not in kinds(events) and "escalate" not in kinds(events)
    assert audit.sent == [] and audit.refused == []
    assert world.alive("victim")


def test_protected_process_never_signalled_even_when_largest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add("precious", 900_000)
    world.add("small", 50_000)
    audit = SignalAudit(monkeypatch, world.helper_pids)
    rule = ProtectRule(
        name="keep", oom_score_adj=-1000, cmdline_regex="helper-precious", trust_unprivileged=True
    )
    guard, events = make_guard(world, ScriptedTrigger(lambda n: CRITICAL), rules=(rule,))
    run_guard(guard)
    assert audit.sent == [(world.fakes["small"].pid, signal.SIGKILL)]
    assert audit.refused == []
    assert world.alive("precious")
    world.helpers["small"].wait(timeout=5)
    assert kinds(events) == ["trigger", "signal", "exited"]


def test_only_protected_in_scope_means_nothing_is_signalled(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add("precious", 900_000)
    audit = SignalAudit(monkeypatch, world.helper_pids)
    rule = ProtectRule(
        name="keep", oom_score_adj=-1000, cmdline_regex="helper-precious", trust_unprivileged=True
    )
    guard, events = make_guard(world, ScriptedTrigger(lambda n: OK if n > 3 else CRITICAL), rules=(rule,))
    for _ in range(10):
        guard.step()
    guard.close()
    assert "no-victim" in kinds(events)
    assert audit.sent == [] and audit.refused == []
    assert world.alive("precious")


def test_sigterm_then_sigkill_when_memory_stays_short(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.add("stubborn", 300_000, "signal.signal(signal.SIGTERM, signal.SIG_IGN)")
    audit = SignalAudit(monkeypatch, world.helper_pids)
    guard, events = make_guard(world, ScriptedTrigger(lambda n: LOW), grace_seconds=0.2)
    run_guard(guard)
    pid = world.fakes["stubborn"].pid
    assert audit.sent == [(pid, signal.SIGTERM), (pid, signal.SIGKILL)]
    assert kinds(events) == ["trigger", "signal", "escalate", "exited"]
    assert events[1].signal == "SIGTERM" and events[2].signal == "SIGKILL"
    assert world.helpers["stubborn"].wait(timeout=5) == -signal.SIGKILL


def test_no_escalation_when_memory_recovers(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.add("stubborn", 300_000, "signal.signal(signal.SIGTERM, signal.SIG_IGN)")
    audit = SignalAudit(monkeypatch, world.helper_pids)
    guard, events = make_guard(world, ScriptedTrigger(lambda n: LOW if n == 1 else OK), grace_seconds=0.2)
    run_guard(guard)
    assert audit.sent == [(world.fakes["stubborn"].pid, signal.SIGTERM)]
    assert "escalate" not in kinds(events)
    assert world.alive("stubborn")  # it ignored SIGTERM and memory came back: left alone


def test_sigkill_at_once_when_the_limit_is_closer_than_the_grace(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add("fast", 300_000)
    audit = SignalAudit(monkeypatch, world.helper_pids)
    racing = Reading("fake", True, False, "falling fast", headroom_bytes=100 << 20, fall_rate_bps=1 << 30)
    guard, events = make_guard(world, ScriptedTrigger(lambda n: racing), grace_seconds=2.0)
    run_guard(guard)
    assert audit.sent == [(world.fakes["fast"].pid, signal.SIGKILL)]
    assert "< grace" in next(e.reason for e in events if e.kind == "signal")


def test_sustain_ignores_short_spikes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.add("victim", 300_000)
    audit = SignalAudit(monkeypatch, world.helper_pids)
    clock = [0.0]
    steady = [False]
    # Spikes: low for 3 samples 0.1 s apart (0.2 s), then fine: shorter than the 0.5 s sustain time.
    trigger = ScriptedTrigger(lambda n: LOW if steady[0] or n % 10 < 3 else OK)
    guard, events = make_guard(world, trigger, sustain_seconds=0.5, dry_run=True, max_interventions=None)
    guard.clock = lambda: clock[0]
    for _ in range(40):
        clock[0] += 0.1
        guard.step()
    assert events == [] and audit.sent == []
    steady[0] = True  # now it stays low: after 0.5 s the guard acts
    steps = 0
    while not events and steps < 10:
        clock[0] += 0.1
        guard.step()
        steps += 1
    guard.close()
    assert kinds(events)[:2] == ["trigger", "would-kill"]
    assert steps >= 4  # not before the sustain time


def test_victim_exiting_between_selection_and_signal(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.add("leaving", 300_000)
    audit = SignalAudit(monkeypatch, world.helper_pids)
    helper = world.helpers["leaving"]

    class ExitingSelector(VictimSelector):
        def select(self) -> Selection:
            selection = super().select()
            helper.kill()
            helper.wait()  # reaped: the pid no longer exists when the guard opens its pidfd
            return selection

    guard, events = make_guard(
        world, ScriptedTrigger(lambda n: CRITICAL if n == 1 else OK), selector_cls=ExitingSelector
    )
    for _ in range(5):
        guard.step()  # must not raise
    guard.close()
    assert audit.sent == [] and audit.refused == []
    assert "signal" not in kinds(events)


def test_recycled_pid_is_not_signalled(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.add("recycled", 300_000)
    audit = SignalAudit(monkeypatch, world.helper_pids)
    fake = world.fakes["recycled"]

    class RecyclingSelector(VictimSelector):
        def select(self) -> Selection:
            selection = super().select()
            fake.start_ticks += 5000  # same pid, different process start: not the one chosen
            write_proc(world.root, fake)
            return selection

    guard, _ = make_guard(
        world, ScriptedTrigger(lambda n: CRITICAL if n == 1 else OK), selector_cls=RecyclingSelector
    )
    for _ in range(3):
        guard.step()
    guard.close()
    assert audit.sent == []
    assert world.alive("recycled")


def test_survives_proc_read_errors_and_keeps_running(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.add("victim", 300_000)
    audit = SignalAudit(monkeypatch, world.helper_pids)
    flaky = FlakyProcFS(world.root, gone=set(), broken=set(), list_failures=2)

    def script(n: int) -> Reading | Exception:
        return CollectError("cannot read /proc/meminfo: Input/output error") if n <= 3 else CRITICAL

    guard, events = make_guard(world, ScriptedTrigger(script), procfs=flaky, max_interventions=1)
    run_guard(guard)
    errors = [e for e in events if e.kind == "error"]
    assert len(errors) == 5  # three trigger read errors, two failed /proc listings
    assert guard.errors == 5
    assert audit.sent == [(world.fakes["victim"].pid, signal.SIGKILL)]
    assert kinds(events)[-2:] == ["signal", "exited"]


def test_events_file_and_hooks(world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    world.add("victim", 300_000)
    SignalAudit(monkeypatch, world.helper_pids)
    out = tmp_path / "hooks"
    out.mkdir()
    script = tmp_path / "hook.sh"
    script.write_text('#!/bin/sh\nenv | grep ^HOSTWARD_ > "$1/$HOSTWARD_HOOK_PHASE"\n')
    script.chmod(0o755)
    hooks = Hooks(before=f"{script} {out}", after=f"{script} {out}", before_wait_seconds=5.0)
    events_file = tmp_path / "data" / "events.jsonl"
    guard, _ = make_guard(world, ScriptedTrigger(lambda n: LOW), hooks=hooks, events_file=events_file)
    run_guard(guard)
    deadline = time.monotonic() + 5
    after = out / "after"
    # The shell creates the file before grep writes into it: wait for the content, not the name.
    while not (after.exists() and after.read_text().endswith("\n")) and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = world.fakes["victim"].pid
    before = dict(line.split("=", 1) for line in (out / "before").read_text().splitlines())
    assert before["HOSTWARD_VICTIM_PID"] == str(pid)
    assert before["HOSTWARD_VICTIM_COMM"] == "victim"
    assert before["HOSTWARD_SIGNAL"] == "SIGTERM"
    assert before["HOSTWARD_VICTIM_CMDLINE"] == "python -c helper-victim"
    assert int(before["HOSTWARD_VICTIM_BADNESS"]) > 0
    assert (out / "after").read_text().count("HOSTWARD_HOOK_PHASE=after") == 1
    hooks.reap()
    lines = events_file.read_text().splitlines()
    parsed = [json.loads(line) for line in lines]
    assert [p["kind"] for p in parsed] == ["trigger", "signal", "exited"]
    for p in parsed:
        assert {"time", "kind", "pid", "comm", "badness", "reason"} <= p.keys()
    assert parsed[1]["pid"] == pid and parsed[1]["comm"] == "victim" and parsed[1]["badness"] > 0
    assert abs(parsed[0]["time"] - time.time()) < 60
    assert [e.kind for e in read_events(events_file)] == ["trigger", "signal", "exited"]


def test_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"time": 1.0, "kind": "signal", "reason": "x", "pid": 5}\n{"time": 2.0, "ki')
    events = read_events(path)
    assert [(e.kind, e.pid) for e in events] == [("signal", 5)]


def test_stop_returns_promptly(world: World) -> None:
    guard, _ = make_guard(world, ScriptedTrigger(lambda n: OK), max_interventions=None)
    thread = threading.Thread(target=guard.run, daemon=True)
    thread.start()
    time.sleep(0.1)
    guard.stop()
    thread.join(2.0)
    assert not thread.is_alive()
    guard.close()
    assert os.getpid() > 0

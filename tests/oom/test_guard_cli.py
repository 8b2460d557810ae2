"""``hostward oom guard`` as a process (root): scoped to a cgroup, it kills the hog there and nothing else; in
--dry-run it only says what it would do; SIGTERM stops it with status 0. Also the --help texts."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.oom.test_guard_support import ENV, drill_cgroup, go_and_wait_allocated, start_hog, stop

from hostward.cli.oom_guard import build_parser, run
from hostward.errors import UsageError
from hostward.oom.drill.drill import read_vmstat_oom_kills
from hostward.oom.drill.drill_kmsg import KmsgWatch
from hostward.oom.guard.cgroup import MemoryCgroup
from hostward.oom.guard.triggers import MIB
from hostward.procfs import ProcFS


def test_help_texts_have_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("guard", "drill"):
        with pytest.raises(SystemExit) as exit_info:
            run([command, "--help"])
        assert exit_info.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and "exit status" in out
        assert f"hostward oom {command}" in out
    parser = build_parser()
    assert parser.parse_args(["guard", "--dry-run"]).dry_run is True


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        run(["drill", "--limit", "lots"])
    with pytest.raises(UsageError):
        run(["drill"])


def test_a_hook_that_cannot_be_split_is_refused_at_start() -> None:
    """Not at the first kill, where the exception would stop the guard in the middle of an intervention."""
    from hostward.errors import ConfigError
    from hostward.oom.guard.hooks import Hooks

    proc = subprocess.run(  # a process with a timeout: a regression must fail, not leave a guard running
        [sys.executable, "-m", "hostward.cli.oom_guard", "guard", "--dry-run", "--hook-before", "logger 'x"],
        capture_output=True,
        env={**ENV, "HOSTWARD_CONFIG": "/dev/null"},
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2 and b'before-kill hook "logger \'x" cannot be split' in proc.stderr
    with pytest.raises(ConfigError, match="after-kill hook"):
        Hooks(after='notify "x')
    assert Hooks(before="logger -t hostward 'oom kill'").before  # ordinary quoting is fine


def wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def start_guard(cgroup: MemoryCgroup, events: Path, *extra: str) -> subprocess.Popen[bytes]:
    """The guard as a process, logging to events.log beside the events file; waits until it is armed."""
    log = events.with_suffix(".log")
    with open(log, "wb") as handle:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hostward.cli.oom_guard",
                "guard",
                "--cgroup",
                cgroup.path,
                "--headroom",
                "64M",
                "--events",
                str(events),
                "-vv",  # the candidate table is logged at DEBUG
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=handle,
            env={**ENV, "HOSTWARD_CONFIG": "/dev/null"},
        )
    if not wait_for(lambda: "guard started" in log.read_text(), 20):
        proc.kill()
        proc.wait()
        raise AssertionError("guard did not start: " + log.read_text())
    return proc


def kinds(events: Path) -> list[str]:
    if not events.exists():
        return []
    return [json.loads(line)["kind"] for line in events.read_text().splitlines()]


@pytest.mark.root
@pytest.mark.slow
def test_guard_process_kills_the_hog_in_its_cgroup(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    kmsg = KmsgWatch()
    oom_before = read_vmstat_oom_kills(ProcFS())
    with drill_cgroup(256 * MIB) as cgroup, drill_cgroup(256 * MIB) as neighbour:
        outsider = start_hog(neighbour, ["--bystander", "--size", "150M"])
        go_and_wait_allocated(outsider)
        guard = start_guard(cgroup, events)
        hog = None
        try:
            hog = start_hog(cgroup, ["--rate", "300M", "--max", "400M"])
            go_and_wait_allocated(hog)
            assert hog.wait(timeout=30) == -signal.SIGKILL
            assert wait_for(lambda: "exited" in kinds(events), 10), kinds(events)
            guard.send_signal(signal.SIGTERM)
            assert guard.wait(timeout=10) == 0
            log = events.with_suffix(".log").read_text()
            lines = [json.loads(line) for line in events.read_text().splitlines()]
            signalled = {e["pid"] for e in lines if e["kind"] in ("signal", "escalate")}
            assert signalled == {hog.pid}, log
            assert outsider.poll() is None
            assert cgroup.oom_kills() == 0
            host_delta = (read_vmstat_oom_kills(ProcFS()) or 0) - (oom_before or 0)
            time.sleep(0.05)
            kills = kmsg.kills()
            assert hog.pid not in {k.pid for k in kills} and all(k.memcg for k in kills)
            assert host_delta == len(kills), "unexplained host-wide OOM kill"
            assert re.search(r"candidates: .*badness=\d+ \[eligible\]", log), log
        finally:
            kmsg.close()
            stop(guard, outsider, *([hog] if hog else []))


@pytest.mark.root
@pytest.mark.slow
def test_guard_process_dry_run_kills_nothing(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    with drill_cgroup(256 * MIB) as cgroup:
        guard = start_guard(cgroup, events, "--dry-run")
        hog = None
        try:
            hog = start_hog(
                cgroup, ["--rate", "300M", "--max", "216M"]
            )  # above the 192M threshold, below 256M
            go_and_wait_allocated(hog)
            assert wait_for(lambda: kinds(events).count("would-kill") >= 2, 20), kinds(events)
            assert hog.poll() is None
            assert not {"signal", "escalate"} & set(kinds(events))
            guard.send_signal(signal.SIGTERM)
            assert guard.wait(timeout=10) == 0
            assert hog.poll() is None
            log = events.with_suffix(".log").read_text()
            # earlyoom-style levels at start; one INFO decision line per event, no WARNING flood
            assert re.search(
                r"guard level: memcg: \S+ usage > 192\.0 MiB \(critical > .*\) of its limit 256", log
            ), log
            decisions = [line for line in log.splitlines() if "would signal: SIG" in line]
            assert decisions and all(" INFO " in line for line in decisions), log
            assert " WARNING " not in log, log
        finally:
            stop(guard, *([hog] if hog else []))


def test_build_guard_from_config() -> None:
    from hostward.config import Config, GuardConfig, OomConfig, ProtectRule
    from hostward.oom.guard.guard_setup import build_guard, resolve_cgroup

    rules = (ProtectRule(name="sshd", oom_score_adj=-1000, exe="/usr/sbin/sshd"),)
    config = Config(
        guard=GuardConfig(mem_available="1G", psi="some:10%:2s", kill_group="pgrp", dry_run=True),
        oom=OomConfig(protect=rules),
    )
    guard = build_guard(config)
    try:
        assert [t.name for t in guard.triggers] == ["memory", "psi-some"]
        assert guard.settings.kill_group == "pgrp" and guard.settings.dry_run
        assert guard.selector.scope.cgroup is None
        assert [r.name for r in guard.selector.rules] == ["sshd"]
    finally:
        guard.close()
    avg10 = build_guard(Config(guard=GuardConfig(psi_full_avg10=20.0)))
    try:
        psi = avg10.triggers[-1]
        assert psi.name == "psi-full"
        assert psi.spec.stall_us * 100 == psi.spec.window_us * 20  # type: ignore[attr-defined]
    finally:
        avg10.close()
    with pytest.raises(UsageError):
        build_guard(Config(guard=GuardConfig(kill_group="everyone")))
    with pytest.raises(UsageError):
        resolve_cgroup("/no/such/cgroup-hostward-test", ProcFS())

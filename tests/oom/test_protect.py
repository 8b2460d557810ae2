"""oom protect: rules, idempotent application, the kernel's refusal to lower, and sub-second protection of new
processes through the process-event connector and through the /proc scan fallback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from tests.conftest import require_root

from hostward.cli.oom import run
from hostward.config import ProtectRule, load_config
from hostward.errors import ConfigError
from hostward.oom.protect.policy import (
    Action,
    Outcome,
    Protector,
    compile_rules,
    self_has_cap_sys_resource,
    status,
)
from hostward.procfs import ProcFS

SLEEPER = "import time; time.sleep(60)"


@pytest.fixture
def marker() -> str:
    return f"hw-protect-{uuid.uuid4().hex[:12]}"


def _start(marker: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", SLEEPER, marker])


def _adj(pid: int) -> int:
    return int(Path(f"/proc/{pid}/oom_score_adj").read_text())


@pytest.fixture
def sleepers() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
            p.wait()


def test_rules_are_validated() -> None:
    with pytest.raises(ConfigError, match="at least one"):
        compile_rules([ProtectRule(name="empty", oom_score_adj=5)])
    with pytest.raises(ConfigError, match="outside"):
        compile_rules([ProtectRule(name="big", oom_score_adj=1001, comm="x")])
    with pytest.raises(ConfigError, match="compile"):
        compile_rules([ProtectRule(name="re", oom_score_adj=1, cmdline_regex="(")])
    with pytest.raises(ConfigError, match="absolute"):
        compile_rules([ProtectRule(name="exe", oom_score_adj=1, exe="sshd")])


def test_rules_load_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "hostward.toml"
    path.write_text(
        '[oom]\nrescan_seconds = 0.2\n[[oom.protect]]\nname = "sshd"\nexe = "/usr/sbin/sshd"\noom_score_adj = -1000\n'
        '[[oom.protect]]\nname = "batch"\ncmdline_regex = "batch-worker"\nuser = "nobody"\noom_score_adj = 500\n'
    )
    cfg = load_config(path, environ={})
    assert [r.name for r in cfg.oom.protect] == ["sshd", "batch"]
    assert cfg.oom.protect[1].oom_score_adj == 500 and cfg.oom.rescan_seconds == 0.2


def test_apply_is_idempotent_and_raising_works(marker: str, sleepers: list[subprocess.Popen[bytes]]) -> None:
    require_root()
    sleepers.extend(_start(marker) for _ in range(2))
    time.sleep(0.2)
    rules = [ProtectRule(name="prefer-me", oom_score_adj=437, cmdline_regex=marker, user="root")]
    dry = Protector(rules, dry_run=True).scan()
    assert {a.pid for a in dry} == {p.pid for p in sleepers}
    assert all(a.outcome is Outcome.WOULD_APPLY for a in dry)
    assert all(_adj(p.pid) == 0 for p in sleepers)  # dry run changed nothing
    first = Protector(rules).scan()
    assert {(a.pid, a.outcome) for a in first} == {(p.pid, Outcome.APPLIED) for p in sleepers}
    assert all(_adj(p.pid) == 437 for p in sleepers)
    again = Protector(rules).scan()
    assert all(a.outcome is Outcome.ALREADY for a in again) and len(again) == 2


def test_lowering_below_zero_needs_cap_sys_resource(
    marker: str, sleepers: list[subprocess.Popen[bytes]]
) -> None:
    require_root()
    sleepers.append(_start(marker))
    time.sleep(0.2)
    rules = [ProtectRule(name="protect-me", oom_score_adj=-1000, cmdline_regex=marker, user="root")]
    has_cap = self_has_cap_sys_resource(ProcFS())
    (planned,) = [a for rs in status(rules) for a in rs.actions]
    (done,) = Protector(rules).scan()
    if has_cap:
        assert planned.outcome is Outcome.WOULD_APPLY and done.outcome is Outcome.APPLIED
        assert _adj(sleepers[0].pid) == -1000
    else:
        assert planned.outcome is Outcome.WOULD_FAIL and "CAP_SYS_RESOURCE" in planned.reason
        assert done.outcome is Outcome.DENIED and "CAP_SYS_RESOURCE" in done.reason
        assert _adj(sleepers[0].pid) == 0
    # Going back down to 0 from a raised value is allowed without the capability (oom_score_adj_min is 0).
    Path(f"/proc/{sleepers[0].pid}/oom_score_adj").write_text("300")
    (back,) = Protector([ProtectRule(name="zero", oom_score_adj=0, cmdline_regex=marker)]).scan()
    assert back.outcome is Outcome.APPLIED and _adj(sleepers[0].pid) == 0


def test_a_refused_negative_value_still_lowers_a_raised_process_to_zero(
    marker: str, sleepers: list[subprocess.Popen[bytes]]
) -> None:
    require_root()
    sleepers.append(_start(marker))
    time.sleep(0.2)
    Path(f"/proc/{sleepers[0].pid}/oom_score_adj").write_text("500")  # e.g. inherited from a preferred parent
    rules = [ProtectRule(name="protect-me", oom_score_adj=-500, cmdline_regex=marker, user="root")]
    (done,) = Protector(rules).scan()
    if self_has_cap_sys_resource(ProcFS()):
        assert done.outcome is Outcome.APPLIED and _adj(sleepers[0].pid) == -500
    else:
        assert done.outcome is Outcome.LOWERED and _adj(sleepers[0].pid) == 0
        assert "CAP_SYS_RESOURCE" in done.reason and "lowered to 0 instead" in done.reason


@pytest.mark.parametrize("use_connector", [True, False], ids=["connector", "scan"])
def test_new_process_is_protected_within_one_second(
    marker: str, sleepers: list[subprocess.Popen[bytes]], use_connector: bool
) -> None:
    require_root()
    rules = [ProtectRule(name="new", oom_score_adj=613, cmdline_regex=marker)]
    protector = Protector(rules)
    stop = threading.Event()
    ready = threading.Event()
    how: list[str] = []
    seen: list[Action] = []

    def on_ready(text: str) -> None:
        how.append(text)
        ready.set()

    thread = threading.Thread(
        target=protector.run,
        args=(stop,),
        kwargs={
            "rescan_seconds": 0.1,
            "use_connector": use_connector,
            "on_action": seen.append,
            "on_ready": on_ready,
        },
        daemon=True,
    )
    thread.start()
    try:
        assert ready.wait(10)
        if use_connector:
            assert how[0] == "process-event connector", how
        started = time.monotonic()
        sleepers.append(_start(marker))
        pid = sleepers[-1].pid
        while _adj(pid) != 613 and time.monotonic() - started < 1.0:
            time.sleep(0.005)
        elapsed = time.monotonic() - started
        assert _adj(pid) == 613, f"not protected after {elapsed:.3f} s"
        assert any(a.pid == pid and a.outcome is Outcome.APPLIED for a in seen) or _wait_for(seen, pid)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def _wait_for(seen: list[Action], pid: int) -> bool:
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        if any(a.pid == pid for a in seen):
            return True
        time.sleep(0.01)
    return False


def test_cli_status_and_dry_run(tmp_path: Path, marker: str, sleepers: list[subprocess.Popen[bytes]]) -> None:
    require_root()
    sleepers.append(_start(marker))
    time.sleep(0.2)
    cfg = tmp_path / "h.toml"
    cfg.write_text(
        f'[[oom.protect]]\nname = "t"\ncmdline_regex = "{marker}"\noom_score_adj = 222\n'
        '[[oom.protect]]\nname = "nobody-matches"\ncomm = "no-such-comm-x"\noom_score_adj = 1\n'
    )
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["protect", "status", "--config", str(cfg), "--json"]) == 0
    covered, idle = json.loads(out.getvalue())
    (entry,) = covered["processes"]
    assert entry["pid"] == sleepers[0].pid and entry["outcome"] == "would apply"
    assert covered["trusted"] and idle["rule"] == "nobody-matches" and idle["processes"] == []
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["protect", "status", "--config", str(cfg)]) == 0
    assert "nobody-matches: matches no running process" in out.getvalue()
    with redirect_stdout(io.StringIO()):
        assert run(["protect", "--dry-run", "--config", str(cfg)]) == 0
    assert _adj(sleepers[0].pid) == 0
    with redirect_stdout(io.StringIO()):
        assert run(["protect", "apply", "--config", str(cfg)]) == 0
    assert _adj(sleepers[0].pid) == 222


def _netlink(what: int, payload: bytes) -> bytes:
    import struct

    from hostward.oom.protect.connector import CN_IDX_PROC, CN_VAL_PROC

    event = struct.pack("=IIQ", what, 0, 123) + payload
    cn = struct.pack("=IIIIHH", CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(event), 0) + event
    return struct.pack("=IHHII", 16 + len(cn), 3, 0, 0, 0) + cn


def test_connector_messages_are_decoded() -> None:
    import struct

    from hostward.oom.protect.connector import ProcEvent, parse_proc_event

    fork_process = _netlink(1, struct.pack("=iiii", 10, 10, 20, 20))
    fork_thread = _netlink(1, struct.pack("=iiii", 10, 10, 21, 10))
    exec_ = _netlink(2, struct.pack("=ii", 20, 20))
    exit_ = _netlink(0x80000000, struct.pack("=iiIIii", 20, 20, 0, 17, 10, 10))
    comm = _netlink(0x200, struct.pack("=ii16s", 22, 20, b"worker"))
    data = fork_process + fork_thread + exec_ + exit_ + comm
    assert parse_proc_event(data) == [
        ProcEvent("fork", 20),
        ProcEvent("exec", 20),
        ProcEvent("exit", 20),
        ProcEvent("comm", 20),
    ]
    assert parse_proc_event(data[:-5]) == parse_proc_event(data)[:-1]  # a cut datagram: no crash
    assert parse_proc_event(b"\xff" * 7) == []

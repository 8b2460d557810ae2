"""Protection rules an ordinary user cannot forge (issue 9 §4): a rule below 0 must match on a root-owned exe, a
user or a cgroup, or say trust_unprivileged; a process started as nobody that looks like the protected daemon (same
name, same command line, even the same /proc/PID/exe path through a bind mount) is not protected."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from tests.conftest import require_binary, require_root
from tests.oom.oomkit_helpers import make_memcg

from hostward.cli.oom import run
from hostward.config import ProtectRule
from hostward.errors import ConfigError
from hostward.oom.guard.victim import Scope, Verdict, VictimSelector
from hostward.oom.protect.policy import Outcome, Protector, compile_rules, self_has_cap_sys_resource, status
from hostward.oom.protect.trust import cgroup_problem, judge, path_problem
from hostward.procfs import ProcFS

NOBODY = 65534


def test_comm_or_cmdline_only_protecting_rule_is_refused_in_one_line() -> None:
    for rule in (
        ProtectRule(name="sshd", oom_score_adj=-1000, comm="sshd"),
        ProtectRule(name="db", oom_score_adj=-1, cmdline_regex="postgres", comm="postgres"),
    ):
        with pytest.raises(ConfigError) as info:
            compile_rules([rule])
        message = str(info.value)
        assert "\n" not in message and f"rule {rule.name!r}" in message
        assert "any user can choose" in message and "trust_unprivileged" in message


def test_raising_and_explicitly_trusted_rules_are_accepted() -> None:
    raising = ProtectRule(name="batch", oom_score_adj=500, comm="batch")
    zero = ProtectRule(name="reset", oom_score_adj=0, cmdline_regex="x")
    explicit = ProtectRule(name="lab", oom_score_adj=-900, comm="lab", trust_unprivileged=True)
    compiled = compile_rules([raising, zero, explicit])
    assert all(c.trust.trusted for c in compiled)
    assert "trust_unprivileged" in compiled[2].trust.reason


def test_user_exe_and_cgroup_matchers_make_a_rule_trusted(tmp_path: Path) -> None:
    assert judge(ProtectRule(name="u", oom_score_adj=-5, comm="x", user="root")).trusted
    assert judge(ProtectRule(name="e", oom_score_adj=-5, exe="/usr/sbin/sshd")).trusted
    # A path under a world-writable directory (/tmp here) can be created by anyone.
    refused = judge(ProtectRule(name="t", oom_score_adj=-5, exe=str(tmp_path / "daemon")))
    assert not refused.trusted and "/tmp is writable by group or others" in refused.reason
    mount = tmp_path / "cgroup"
    (mount / "system" / "db").mkdir(parents=True)
    (mount / "user" / "app").mkdir(parents=True)
    os.chown(mount / "user", NOBODY, NOBODY)  # a delegated subtree: its owner can create and move at will
    assert cgroup_problem("/system/db", [mount]) is None
    assert cgroup_problem("/system/not-yet", [mount]) is None  # only root can create it
    problem = cgroup_problem("/user/app", [mount])
    assert problem is not None and f"owned by uid {NOBODY}" in problem


def test_path_problem_names_the_weak_component(tmp_path: Path) -> None:
    root_only = Path(tempfile.mkdtemp(prefix="hostward-test-", dir="/run"))
    try:
        (root_only / "bin").mkdir(mode=0o755)
        assert path_problem(root_only / "bin" / "daemon") is None
        (root_only / "bin").chmod(0o775)
        assert "writable by group or others (mode 0775)" in str(path_problem(root_only / "bin" / "daemon"))
        (root_only / "bin").chmod(0o755)
        (root_only / "bin" / "daemon").write_text("")
        os.chown(root_only / "bin" / "daemon", NOBODY, NOBODY)
        assert "owned by uid 65534" in str(path_problem(root_only / "bin" / "daemon"))
        (root_only / "bin" / "link").symlink_to("/usr/bin/true")
        assert "symbolic link" in str(path_problem(root_only / "bin" / "link"))
    finally:
        shutil.rmtree(root_only)


def test_status_lists_refused_rules_with_the_reason_and_they_cover_nothing() -> None:
    rules = [
        ProtectRule(name="forgeable", oom_score_adj=-100, cmdline_regex="."),
        ProtectRule(name="fine", oom_score_adj=7, comm="no-such-comm-q"),
    ]
    forgeable, fine = status(rules)
    assert not forgeable.trust.trusted and forgeable.actions == ()
    assert fine.trust.trusted
    with pytest.raises(ConfigError, match="forgeable"):
        Protector(rules)  # apply and daemon refuse to start
    with pytest.raises(ConfigError, match="forgeable"):
        VictimSelector(Scope(), rules)  # so does the guard


# -- real processes: root's daemon versus nobody's look-alike ----------------------------------------------------


@pytest.fixture
def daemon_dir() -> Iterator[Path]:
    """A root-only directory (under /run, mode 0755) holding the 'daemon': a copy of sleep."""
    require_root()
    path = Path(tempfile.mkdtemp(prefix="hostward-test-", dir="/run"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A directory the unprivileged user owns, where it builds its look-alike."""
    path = Path(tempfile.mkdtemp(prefix="hostward-test-nobody-"))
    path.chmod(0o755)
    os.chown(path, NOBODY, NOBODY)
    try:
        yield path
    finally:
        shutil.rmtree(path)


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for p in started:
            p.kill()
            p.wait()


def _copy_binary(directory: Path, name: str, owner: int) -> Path:
    target = directory / name
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", target)
    target.chmod(0o755)
    os.chown(target, owner, owner)
    return target


def _as_nobody(argv: list[str]) -> list[str]:
    return ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups", *argv]


def _wait_exec(proc: subprocess.Popen[bytes], exe: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if (
                os.readlink(f"/proc/{proc.pid}/exe") == str(exe)
                and Path(f"/proc/{proc.pid}/comm").read_text()
            ):
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"pid {proc.pid} did not exec {exe}")


def _outcomes(rules: list[ProtectRule]) -> dict[int, Outcome]:
    return {a.pid: a.outcome for a in Protector(rules).scan()}


def _guard_verdicts(rules: list[ProtectRule], pids: list[int]) -> dict[int, Verdict]:
    selection = VictimSelector(Scope(), rules).select()
    return {c.info.pid: c.verdict for c in selection.candidates if c.info.pid in pids}


def test_nobody_look_alike_is_not_protected_but_root_daemon_is(
    daemon_dir: Path, nobody_dir: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    require_binary("setpriv")
    name = f"hwd{uuid.uuid4().hex[:8]}"  # the comm both processes carry
    arg = "3600"
    real = _copy_binary(daemon_dir, name, 0)
    fake = _copy_binary(nobody_dir, name, NOBODY)
    procs.append(subprocess.Popen([str(real), arg]))
    procs.append(subprocess.Popen(_as_nobody([str(fake), arg])))
    _wait_exec(procs[0], real)
    _wait_exec(procs[1], fake)
    root_pid, nobody_pid = procs[0].pid, procs[1].pid
    assert Path(f"/proc/{root_pid}/comm").read_text() == Path(f"/proc/{nobody_pid}/comm").read_text()
    rules_by_exe = [ProtectRule(name="daemon", oom_score_adj=-1000, exe=str(real))]
    rules_by_user = [ProtectRule(name="daemon", oom_score_adj=-1000, comm=name, user="root")]
    expected = Outcome.APPLIED if self_has_cap_sys_resource(ProcFS()) else Outcome.DENIED
    for rules in (rules_by_exe, rules_by_user):
        outcomes = _outcomes(rules)
        assert (
            outcomes.get(root_pid) is expected
        )  # matched: written, or refused by the kernel without the cap
        assert nobody_pid not in outcomes
        verdicts = _guard_verdicts(rules, [root_pid, nobody_pid])
        assert verdicts == {root_pid: Verdict.PROTECTED, nobody_pid: Verdict.ELIGIBLE}
    # The same look-alike IS matched by a name-only rule that says it trusts unprivileged users.
    loose = [ProtectRule(name="loose", oom_score_adj=-500, comm=name, trust_unprivileged=True)]
    assert {root_pid, nobody_pid} <= set(_outcomes(loose))


def test_bind_mounted_look_alike_with_the_same_exe_path_is_not_protected(
    daemon_dir: Path, nobody_dir: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    """In its own mount namespace a process can run any file under the protected path: /proc/PID/exe then reads
    that path, but the file is nobody's, and that is what the match checks."""
    require_binary("setpriv", "unshare")
    name = f"hwd{uuid.uuid4().hex[:8]}"
    real = _copy_binary(daemon_dir, name, 0)
    fake = _copy_binary(nobody_dir, name, NOBODY)
    script = f"mount --bind {fake} {real} && exec {' '.join(_as_nobody([str(real), '3600']))}"
    procs.append(subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script]))
    procs.append(subprocess.Popen([str(real), "3600"]))
    _wait_exec(procs[0], real)
    _wait_exec(procs[1], real)
    forged, genuine = procs[0].pid, procs[1].pid
    assert os.stat(f"/proc/{forged}/exe").st_uid == NOBODY  # the path lies, the inode does not
    rules = [ProtectRule(name="daemon", oom_score_adj=-1000, exe=str(real))]
    outcomes = _outcomes(rules)
    assert genuine in outcomes and forged not in outcomes
    assert _guard_verdicts(rules, [forged, genuine]) == {forged: Verdict.ELIGIBLE, genuine: Verdict.PROTECTED}
    # A raising rule needs no such care: matching a forged process only makes it the likelier victim.
    assert {forged, genuine} <= set(_outcomes([ProtectRule(name="r", oom_score_adj=300, exe=str(real))]))


def test_cli_status_says_why_each_rule_is_trusted_or_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "h.toml"
    cfg.write_text(
        '[[oom.protect]]\nname = "sshd"\nexe = "/usr/sbin/sshd"\nuser = "root"\noom_score_adj = -1000\n'
        '[[oom.protect]]\nname = "named"\ncomm = "sshd"\noom_score_adj = -1000\n'
    )
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["protect", "status", "--config", str(cfg)]) == 0
    text = out.getvalue()
    assert "rule sshd: trusted: user root: only processes of root; exe /usr/sbin/sshd" in text
    assert "rule named: REFUSED: protects (-1000) but matches only on comm/cmdline_regex" in text
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["protect", "status", "--config", str(cfg), "--json"]) == 0
    sshd, named = json.loads(out.getvalue())
    assert sshd["trusted"] is True and named["trusted"] is False and named["processes"] == []


@pytest.mark.parametrize(
    "command",
    [["oom", "protect", "apply"], ["oom", "protect", "daemon"], ["oom", "guard", "--dry-run"]],
    ids=["apply", "daemon", "guard"],
)
def test_forgeable_rule_stops_each_command_with_one_line(tmp_path: Path, command: list[str]) -> None:
    cfg = tmp_path / "h.toml"
    cfg.write_text('[[oom.protect]]\nname = "sshd"\ncomm = "sshd"\noom_score_adj = -1000\n')
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "HOSTWARD_CONFIG": str(cfg)}
    done = subprocess.run(
        [sys.executable, "-m", "hostward", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert "rule 'sshd': protects (-1000) but matches only on comm/cmdline_regex" in line


def test_a_real_cgroup_is_trusted_until_it_is_delegated_to_a_user() -> None:
    """On the kernel's own hierarchies (/proc/self/mountinfo): root's memory cgroup is trusted; the same cgroup
    chowned to a user (as systemd delegation does) is refused, since that user can move any process into it."""
    cg = make_memcg(64 << 20)
    try:
        rule = ProtectRule(name="batch", cgroup=cg.path, oom_score_adj=-500)
        assert judge(rule).trusted, judge(rule).reason
        os.chown(cg.directory, NOBODY, NOBODY)
        refused = judge(rule)
        assert not refused.trusted and f"{cg.directory} is owned by uid {NOBODY}" in refused.reason
    finally:
        os.chown(cg.directory, 0, 0)
        cg.destroy()

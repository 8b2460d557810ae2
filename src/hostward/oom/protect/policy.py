"""Declarative oom_score_adj policy: [[oom.protect]] rules matched against processes and applied idempotently.

The kernel's rule for writes to /proc/PID/oom_score_adj (fs/proc/base.c __set_oom_adj): any value may be *raised*
by whoever may write the file; a value *below the task's oom_score_adj_min* needs CAP_SYS_RESOURCE, else EACCES.
oom_score_adj_min is whatever a CAP_SYS_RESOURCE holder last set (inherited on fork) and 0 for everything else,
so without that capability root can go back down to 0 but never below it: protecting sshd with -1000 needs it.
Writing affects the whole thread group and every process sharing its memory.

The first rule whose every given matcher matches wins. Matchers: ``exe`` (absolute path of /proc/PID/exe),
``comm`` (the 15-character kernel name; longer rule values are cut like the kernel cuts), ``cmdline_regex``
(searched in the arguments joined by spaces), ``user`` (name or uid), ``cgroup`` (prefix of any cgroup path).

A rule below 0 must match on something an ordinary user cannot choose (oom/protect/trust.py); one that does not
is refused when rules are compiled strictly (applying, guarding) and shown as refused by ``status``.
Every read and the write for one process go through one ``/proc/PID`` descriptor (oom/pidsafe.py): a PID reused
between the match and the write fails the write instead of protecting a stranger.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence

from hostward.collect.procs import parse_cmdline, parse_stat, parse_status, user_name
from hostward.config import ProtectRule
from hostward.errors import CollectError, ConfigError, PermissionProblem, ProcessGone
from hostward.frozen import frozen
from hostward.oom.capability import self_has_cap_sys_resource
from hostward.oom.kernlog.sanitize import safe_text
from hostward.oom.pidsafe import PinnedProcess
from hostward.oom.protect.children import Lineage
from hostward.oom.protect.connector import ProcConnector, ProcEvent, ScanWatcher
from hostward.oom.protect.trust import Trust, judge, protecting, running_binary_trusted
from hostward.procfs import ProcFS

log = logging.getLogger("hostward.oom.protect")

TASK_COMM_LEN = 16  # include/linux/sched.h: 15 characters and a NUL


class Outcome(enum.Enum):
    APPLIED = "applied"
    ALREADY = "already set"
    WOULD_APPLY = "would apply"
    WOULD_FAIL = "would be refused"
    DENIED = "refused by kernel"
    LOWERED = "lowered to 0 (target refused)"  # below 0 refused: set as far down as the kernel allows
    GONE = "exited"
    FAILED = "failed"
    RESET = "reset (inherited)"  # a descendant set back by its ancestor's children = reset
    WOULD_RESET = "would reset"


@frozen
class CompiledRule:
    rule: ProtectRule
    regex: re.Pattern[str] | None
    trust: Trust

    @property
    def name(self) -> str:
        return self.rule.name


@frozen
class Facts:
    pid: int
    comm: str
    exe: str | None  # None when unreadable (kernel thread, exited)
    command: str
    uid: int
    cgroups: tuple[str, ...]
    oom_score_adj: int
    kernel_thread: bool
    # The binary it runs (stat of /proc/PID/exe) is root's and not group/other-writable.
    exe_trusted: bool = False
    ppid: int = 0
    start_ticks: int = 0


@frozen
class Action:
    pid: int
    comm: str
    command: str
    rule: str
    previous_adj: int | None
    target_adj: int
    outcome: Outcome
    reason: str = ""


def compile_rules(rules: Sequence[ProtectRule], *, strict: bool = True) -> list[CompiledRule]:
    """Validate rules (ConfigError names the rule): at least one matcher, adj in range, regex compiles, and
    (``strict``) a protecting rule matches on something an ordinary user cannot forge. Not strict, an
    untrusted rule is kept with its refusal in ``trust`` and matches nothing (for status reports)."""
    compiled = []
    for rule in rules:
        where = f"[[oom.protect]] rule {rule.name!r}"
        if not -1000 <= rule.oom_score_adj <= 1000:
            raise ConfigError(f"{where}: oom_score_adj {rule.oom_score_adj} is outside -1000..1000")
        if not any((rule.exe, rule.comm, rule.cmdline_regex, rule.user, rule.cgroup)):
            raise ConfigError(f"{where}: give at least one of exe, comm, cmdline_regex, user, cgroup")
        if rule.children not in ("", "reset", "inherit"):
            raise ConfigError(f'{where}: children must be "reset" or "inherit", got {rule.children!r}')
        if rule.exe is not None and not rule.exe.startswith("/"):
            raise ConfigError(f"{where}: exe must be an absolute path, got {rule.exe!r}")
        try:
            regex = re.compile(rule.cmdline_regex) if rule.cmdline_regex else None
        except re.error as exc:
            raise ConfigError(f"{where}: cmdline_regex does not compile: {exc}") from exc
        trust = judge(rule)
        if strict and not trust.trusted:
            raise ConfigError(f"{where}: {trust.reason}")
        compiled.append(CompiledRule(rule, regex, trust))
    return compiled


def read_facts(proc: PinnedProcess) -> Facts:
    stat = parse_stat(proc.read("stat"))
    status = parse_status(proc.read("status"))
    kthread = status.kthread if status.kthread is not None else bool(stat.flags & 0x00200000)
    try:
        exe: str | None = proc.readlink("exe").removesuffix(" (deleted)")
        exe_trusted = running_binary_trusted(proc.stat("exe"))
    except (CollectError, PermissionProblem):
        exe, exe_trusted = None, False  # kernel thread, or an exe we may not follow
    cgroups = tuple(
        line.split(":", 2)[2] for line in proc.read("cgroup").splitlines() if line.count(":") >= 2
    )
    args = parse_cmdline(proc.read_bytes("cmdline"))
    return Facts(
        pid=proc.pid,
        comm=stat.comm,
        exe=exe,
        command=" ".join(args),
        uid=status.uid,
        cgroups=cgroups,
        oom_score_adj=int(proc.read("oom_score_adj")),
        kernel_thread=kthread,
        exe_trusted=exe_trusted,
        ppid=stat.ppid,
        start_ticks=stat.start_ticks,
    )


def matches(rule: CompiledRule, facts: Facts) -> bool:
    r = rule.rule
    if facts.kernel_thread or not rule.trust.trusted:
        return False
    if r.exe is not None and facts.exe != r.exe:
        return False
    if r.exe is not None and protecting(r) and not r.trust_unprivileged and not facts.exe_trusted:
        return False  # the path is right but the file run is not root's (a bind mount in another namespace)
    if r.comm is not None and facts.comm != r.comm[: TASK_COMM_LEN - 1]:
        return False
    if rule.regex is not None and not rule.regex.search(facts.command):
        return False
    if r.user is not None and r.user not in (str(facts.uid), user_name(facts.uid)):
        return False
    if r.cgroup is not None:
        prefix = r.cgroup.rstrip("/") or "/"
        if not any(c == prefix or c.startswith(prefix + "/") or prefix == "/" for c in facts.cgroups):
            return False
    return True


def likely_refused(current: int, target: int, has_cap: bool) -> str:
    """Why a write would fail, predicted (oom_score_adj_min itself is not visible in /proc)."""
    if target < min(current, 0) and not has_cap:
        return (
            f"lowering oom_score_adj to {target} needs CAP_SYS_RESOURCE (allowed without it: down to the "
            "task's oom_score_adj_min, normally 0); run hostward with that capability, or set it where the "
            "service starts (systemd OOMScoreAdjust=)"
        )
    return ""


class Protector:
    """Applies rules to one pid, to every pid (scan), or to each process as it starts (run)."""

    def __init__(
        self,
        rules: Sequence[ProtectRule],
        procfs: ProcFS | None = None,
        *,
        dry_run: bool = False,
        strict: bool = True,
    ):
        self.rules = compile_rules(rules, strict=strict)
        self.procfs = procfs or ProcFS()
        self.dry_run = dry_run
        self.has_cap = self_has_cap_sys_resource(self.procfs)
        self._refused: dict[int, int] = {}  # pid -> target already refused once: not retried, not re-logged
        self.lineage = Lineage(self.procfs)  # processes whose rule resets their descendants (children.py)
        self._unmatched: list[
            int
        ] = []  # pids of this scan with no rule and a non-zero value: looked at again

    def rule_for(self, facts: Facts) -> CompiledRule | None:
        return next((rule for rule in self.rules if matches(rule, facts)), None)

    def apply_pid(self, pid: int) -> Action | None:
        """Bring one process in line with its rule; None if no rule matches it (or it is gone)."""
        try:
            proc = PinnedProcess(self.procfs, pid)
        except (CollectError, PermissionProblem):  # ProcessGone included
            return None
        with proc:
            return self._apply(proc)

    def _apply(self, proc: PinnedProcess) -> Action | None:
        pid = proc.pid
        try:
            facts = read_facts(proc)
        except (CollectError, PermissionProblem, ValueError):
            return None
        rule = self.rule_for(facts)
        if rule is None:
            self.lineage.forget(pid)
            return self._reset_inherited(proc, facts)
        action = self._set(proc, facts, rule)
        done = action.outcome in (Outcome.APPLIED, Outcome.ALREADY)
        self.lineage.note(
            pid=pid,
            ppid=facts.ppid,
            start_ticks=facts.start_ticks,
            rule=rule.rule,
            before=facts.oom_score_adj,
            actual=action.target_adj if done else facts.oom_score_adj,
        )
        return action

    def _reset_inherited(self, proc: PinnedProcess, facts: Facts) -> Action | None:
        """A process no rule matches: set it back if it carries a value inherited under children = reset."""
        if facts.oom_score_adj == 0 or facts.kernel_thread:
            return None
        found = self.lineage.inherited_from(facts.ppid, facts.oom_score_adj)
        if found is None:
            self._unmatched.append(facts.pid)
            return None
        ancestor, guarded = found
        reason = f"inherited from pid {ancestor} (rule {guarded.rule}, children = reset)"

        def action(outcome: Outcome, why: str = reason) -> Action:
            return Action(
                facts.pid,
                facts.comm,
                facts.command,
                guarded.rule,
                facts.oom_score_adj,
                guarded.reset_adj,
                outcome,
                why,
            )

        if self.dry_run:
            return action(Outcome.WOULD_RESET)
        try:
            proc.write("oom_score_adj", str(guarded.reset_adj))
        except ProcessGone:
            return action(Outcome.GONE)
        except (PermissionProblem, CollectError) as exc:
            log.warning("pid %d (%s): cannot reset oom_score_adj: %s", facts.pid, safe_text(facts.comm), exc)
            return action(Outcome.FAILED, str(exc))
        log.info(
            "pid %d (%s): oom_score_adj %d -> %d (%s)",
            facts.pid,
            safe_text(facts.comm),
            facts.oom_score_adj,
            guarded.reset_adj,
            reason,
        )
        return action(Outcome.RESET)

    def _set(self, proc: PinnedProcess, facts: Facts, rule: CompiledRule) -> Action:
        pid = proc.pid
        target = rule.rule.oom_score_adj

        def action(outcome: Outcome, reason: str = "") -> Action:
            return Action(
                pid, facts.comm, facts.command, rule.name, facts.oom_score_adj, target, outcome, reason
            )

        if facts.oom_score_adj == target:
            self._refused.pop(pid, None)
            return action(Outcome.ALREADY)
        if self.dry_run:
            reason = likely_refused(facts.oom_score_adj, target, self.has_cap)
            return action(Outcome.WOULD_FAIL if reason else Outcome.WOULD_APPLY, reason)
        if self._refused.get(pid) == target:
            return action(Outcome.DENIED, "refused earlier; not retried")
        try:
            proc.write("oom_score_adj", str(target))
        except ProcessGone:
            return action(Outcome.GONE)
        except PermissionProblem:
            self._refused[pid] = target
            reason = (
                likely_refused(facts.oom_score_adj, target, False) or "the kernel refused the write (EACCES)"
            )
            log.warning(
                "pid %d (%s): cannot set oom_score_adj %d -> %d (rule %s): %s",
                pid,
                safe_text(facts.comm),
                facts.oom_score_adj,
                target,
                rule.name,
                reason,
            )
            if target < 0 < facts.oom_score_adj:
                # Without CAP_SYS_RESOURCE the floor is the task's oom_score_adj_min (normally 0): a protected
                # process left above it would stay a preferred victim. Lower it that far and say so.
                try:
                    proc.write("oom_score_adj", "0")
                except (ProcessGone, PermissionProblem, CollectError):
                    return action(Outcome.DENIED, reason)
                log.warning(
                    "pid %d (%s): oom_score_adj lowered to 0 instead (rule %s)",
                    pid,
                    safe_text(facts.comm),
                    rule.name,
                )
                return action(Outcome.LOWERED, f"{reason}; lowered to 0 instead, as far as the kernel allows")
            return action(Outcome.DENIED, reason)
        except CollectError as exc:
            return action(Outcome.FAILED, str(exc))
        log.info(
            "pid %d (%s): oom_score_adj %d -> %d (rule %s)",
            pid,
            safe_text(facts.comm),
            facts.oom_score_adj,
            target,
            rule.name,
        )
        return action(Outcome.APPLIED)

    def scan(self) -> list[Action]:
        self._unmatched = []
        pids = self.procfs.pids()
        actions = [a for pid in pids if (a := self.apply_pid(pid)) is not None]
        if len(self.lineage):
            # A descendant listed before its ancestor (pids wrap) was looked at before the ancestor was noted.
            again, self._unmatched = self._unmatched, []
            actions += [a for pid in again if (a := self.apply_pid(pid)) is not None]
        alive = {a.pid for a in actions}
        self._refused = {pid: adj for pid, adj in self._refused.items() if pid in alive}
        self.lineage.prune(set(pids))
        return actions

    def run(
        self,
        stop: threading.Event,
        *,
        rescan_seconds: float = 0.5,
        full_rescan_seconds: float = 30.0,
        use_connector: bool = True,
        on_action: Callable[[Action], None] | None = None,
        on_ready: Callable[[str], None] | None = None,
    ) -> None:
        """Apply now, then to every process that starts, execs or changes uid/name, until ``stop`` is set."""
        source: ProcConnector | ScanWatcher
        try:
            if not use_connector:
                raise CollectError("connector disabled")
            source = ProcConnector()
            how = "process-event connector"
        except (CollectError, PermissionProblem) as exc:
            source = ScanWatcher(self.procfs, rescan_seconds)
            how = f"/proc scan every {rescan_seconds:g} s ({exc})"
        log.info("protect: watching new processes via %s", how)
        with source:
            self._report(self.scan(), on_action)
            if on_ready is not None:
                on_ready(how)
            last_full = time.monotonic()
            while not stop.is_set():
                for event in source.events(0.2):
                    self._handle(event, on_action)
                    if stop.is_set():
                        break
                if time.monotonic() - last_full >= full_rescan_seconds:
                    self._report(self.scan(), on_action)
                    last_full = time.monotonic()

    def _handle(self, event: ProcEvent, on_action: Callable[[Action], None] | None) -> None:
        if event.kind == "exit":
            self._refused.pop(event.tgid, None)
            self.lineage.forget(event.tgid)
        elif event.kind == "overrun":
            log.warning("protect: process events were lost (socket overrun); rescanning")
            self._report(self.scan(), on_action)
        elif (action := self.apply_pid(event.tgid)) is not None:
            self._report([action], on_action)

    @staticmethod
    def _report(actions: list[Action], on_action: Callable[[Action], None] | None) -> None:
        if on_action is not None:
            for a in actions:
                if a.outcome is not Outcome.ALREADY:
                    on_action(a)


@frozen
class RuleStatus:
    rule: ProtectRule
    actions: tuple[Action, ...]  # one per covered process: ALREADY, WOULD_APPLY or WOULD_FAIL
    trust: Trust  # why the rule may be applied, or why it is refused (then it covers nothing)


def status(rules: Sequence[ProtectRule], procfs: ProcFS | None = None) -> list[RuleStatus]:
    """Which running processes each rule covers, whether they are at the target, and what would stop it.
    Refused rules are listed too, with the reason, and cover nothing."""
    protector = Protector(rules, procfs, dry_run=True, strict=False)
    actions = protector.scan()
    return [
        RuleStatus(r.rule, tuple(a for a in actions if a.rule == r.name), r.trust) for r in protector.rules
    ]

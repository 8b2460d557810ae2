"""Choose whom the guard signals: the kernel's badness (oom/score/top.py ``rank``) after the protection policy.

The ranking is the kernel's (mm/oom_kill.c oom_badness, 5.9+: rss + swap + page tables in pages, plus
oom_score_adj x totalpages/1000), with two differences that are the point of a userspace guard:

* The policy's ``oom_score_adj`` of a matching [[oom.protect]] rule is used *instead of* the process's own.
  Rules are matched by oom/protect/policy.py (first match wins). Without CAP_SYS_RESOURCE nobody can lower a process's oom_score_adj, but the guard can still honour the rule.
  A rule with -1000 makes a process protected: the guard never signals it, even when it is the largest.
* ``totalpages`` is the scope's: RAM + swap for the host, the limit for a cgroup (as the kernel's memcg OOM
  uses mem_cgroup_get_max), so adj shifts weigh the same as in a real OOM of that scope.

Never eligible: PID 1 (and the global init), the guard itself, kernel threads, processes without memory
(zombies, exiting), oom_score_adj -1000, anything whose memory cgroup is outside the scope. A process that exits
while being read is dropped; one that cannot be read (EACCES, a /proc glitch) is listed as unreadable and
skipped, so one bad entry never stops the guard.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hostward.collect.procs import PAGE_SIZE, ProcessInfo, read_process
from hostward.config import ProtectRule
from hostward.errors import CollectError, ProcessGone
from hostward.oom.guard.cgroup import MemoryCgroup, parse_proc_cgroup
from hostward.oom.kernlog.sanitize import safe_text
from hostward.oom.protect.policy import Facts, compile_rules, matches
from hostward.oom.protect.trust import running_binary_trusted
from hostward.oom.score.score import Era
from hostward.oom.score.top import Eligibility, MemoryTotals, rank, read_totals, running_era
from hostward.procfs import ProcFS

log = logging.getLogger(__name__)


class Verdict(enum.Enum):
    ELIGIBLE = "eligible"
    PROTECTED = "protected by policy"
    EXEMPT = "oom_score_adj -1000"
    INIT = "init"
    SELF = "the guard itself"
    KERNEL_THREAD = "kernel thread"
    NO_MM = "no memory (zombie or exiting)"
    OUT_OF_SCOPE = "outside the scope"


@dataclass(frozen=True, slots=True)
class Scope:
    """The whole host (``cgroup is None``) or one memory cgroup subtree."""

    cgroup: MemoryCgroup | None = None

    def describe(self) -> str:
        return "host" if self.cgroup is None else f"cgroup {self.cgroup.path}"

    def contains_path(self, path: str | None) -> bool:
        if self.cgroup is None:
            return True
        if path is None:
            return False
        root = self.cgroup.path.rstrip("/")
        return path == root or path.startswith(root + "/") or root == ""

    def pids(self, procfs: ProcFS) -> list[int]:
        """Candidates to look at: every pid for the host; the cgroup.procs of the subtree for a cgroup."""
        if self.cgroup is None:
            return procfs.pids()
        found: set[int] = set()
        for directory, _, files in os.walk(self.cgroup.directory):
            if "cgroup.procs" not in files:
                continue
            try:
                with open(os.path.join(directory, "cgroup.procs")) as handle:
                    found.update(int(x) for x in handle.read().split())
            except OSError:
                continue  # a child cgroup removed while walking
        return sorted(found)

    def totals(self, procfs: ProcFS) -> MemoryTotals:
        if self.cgroup is not None:
            limit = self.cgroup.limit_bytes()
            if limit is not None:
                return MemoryTotals(limit // PAGE_SIZE, 0, PAGE_SIZE)
        return read_totals(procfs)

    def cgroup_of(self, procfs: ProcFS, pid: int) -> str | None:
        return self.cgroup_in(procfs.read_pid(pid, "cgroup"))

    def cgroup_in(self, proc_cgroup_text: str) -> str | None:
        """The memory cgroup path in the scope's hierarchy (v1 memory line or v2 0:: line) of /proc/PID/cgroup."""
        v1, v2 = parse_proc_cgroup(proc_cgroup_text)
        if self.cgroup is not None and self.cgroup.version == 2:
            return v2
        return v1 if v1 is not None else v2


@dataclass(frozen=True, slots=True)
class Candidate:
    info: ProcessInfo
    cgroup: str | None
    verdict: Verdict
    rule: str | None  # the policy rule that matched, if any
    effective_adj: int  # the rule's oom_score_adj, else the process's own
    points: int | None  # badness in pages with effective_adj; None when not eligible
    kernel_points: int | None  # badness with the process's own oom_score_adj (what the kernel would use)

    def line(self) -> str:
        info = self.info
        points = "-" if self.points is None else str(self.points)
        rule = f" rule={self.rule}" if self.rule else ""
        return (
            f"pid {info.pid} {safe_text(info.comm, 15)!r} user={info.user} rss={info.rss_bytes // 1024}kB "
            f"adj={info.oom_score_adj}->{self.effective_adj} badness={points} [{self.verdict.value}]{rule} "
            f"cmd={safe_text(info.command, 80)!r}"
        )


@dataclass(frozen=True, slots=True)
class Selection:
    scope: Scope
    totalpages: int
    candidates: tuple[Candidate, ...]  # eligible first by badness, then the rest
    victim: Candidate | None
    unreadable: int  # processes skipped because /proc could not be read

    def explain(self, limit: int = 8) -> list[str]:
        head = [
            f"scope {self.scope.describe()}, totalpages {self.totalpages}, "
            f"{sum(c.verdict is Verdict.ELIGIBLE for c in self.candidates)} eligible of {len(self.candidates)}"
            + (f", {self.unreadable} unreadable" if self.unreadable else "")
        ]
        return head + ["  " + c.line() for c in self.candidates[:limit]]


def facts_of(info: ProcessInfo, exe: str | None, cgroup_text: str, *, exe_trusted: bool = False) -> Facts:
    """policy.Facts from what the selector has already read (no second pass over /proc/PID)."""
    cgroups = tuple(line.split(":", 2)[2] for line in cgroup_text.splitlines() if line.count(":") >= 2)
    return Facts(
        pid=info.pid,
        comm=info.comm,
        exe=exe.removesuffix(" (deleted)") if exe else None,
        command=" ".join(info.cmdline),
        uid=info.uid,
        cgroups=cgroups,
        oom_score_adj=info.oom_score_adj,
        kernel_thread=info.kernel_thread,
        exe_trusted=exe_trusted,
    )


class VictimSelector:
    """Samples the scope's processes and ranks them. Reusable across calls; cheap to construct."""

    def __init__(
        self,
        scope: Scope,
        rules: Sequence[ProtectRule] = (),
        *,
        procfs: ProcFS | None = None,
        own_pid: int | None = None,
    ) -> None:
        self.scope = scope
        self.rules = compile_rules(rules)  # ConfigError names a bad rule
        self.procfs = procfs or ProcFS()
        self.own_pid = os.getpid() if own_pid is None else own_pid
        self._era: Era | None = None

    def era(self) -> Era:
        if self._era is None:
            self._era = running_era(self.procfs)[1]
        return self._era

    def select(self) -> Selection:
        """Raises CollectError only when the scope itself cannot be listed or measured."""
        totals = self.scope.totals(self.procfs)
        era = self.era()
        candidates: list[Candidate] = []
        unreadable = 0
        for pid in self.scope.pids(self.procfs):
            try:
                candidates.append(self._candidate(pid, totals, era))
            except ProcessGone:
                continue  # exited while we looked: not a candidate, not an error
            except (CollectError, ValueError) as exc:
                unreadable += 1
                log.debug("skipping pid %d: %s", pid, exc)
        candidates.sort(key=_order)
        victim = candidates[0] if candidates and candidates[0].verdict is Verdict.ELIGIBLE else None
        return Selection(self.scope, totals.totalpages, tuple(candidates), victim, unreadable)

    def _candidate(self, pid: int, totals: MemoryTotals, era: Era) -> Candidate:
        info = read_process(self.procfs, pid, with_score=False)
        cgroup_text = self.procfs.read_pid(pid, "cgroup")
        cgroup = self.scope.cgroup_in(cgroup_text)
        facts = facts_of(
            info, _readlink(self.procfs, pid), cgroup_text, exe_trusted=_exe_trusted(self.procfs, pid)
        )
        compiled = next((r for r in self.rules if matches(r, facts)), None)
        rule = compiled.rule if compiled is not None else None
        adj = rule.oom_score_adj if rule is not None else info.oom_score_adj
        ranked_own = rank(info, totals, era, global_init_pid=1)
        ranked = (
            rank(_with_adj(info, adj), totals, era, global_init_pid=1) if rule is not None else ranked_own
        )
        verdict = _verdict(info, ranked.eligibility, rule, self.own_pid)
        if verdict is Verdict.ELIGIBLE and not self.scope.contains_path(cgroup):
            verdict = Verdict.OUT_OF_SCOPE
        points = ranked.badness.points if verdict is Verdict.ELIGIBLE else None
        return Candidate(
            info, cgroup, verdict, rule.name if rule else None, adj, points, ranked_own.badness.points
        )

    def still_same(self, candidate: Candidate) -> bool:
        """True when ``candidate.info.pid`` is still the process we chose (same start time) and in scope."""
        pid = candidate.info.pid
        try:
            again = read_process(self.procfs, pid, with_cmdline=False, with_score=False)
            cgroup = self.scope.cgroup_of(self.procfs, pid)
        except CollectError:
            return False
        return again.start_ticks == candidate.info.start_ticks and self.scope.contains_path(cgroup)

    def group_members(self, victim: Candidate, selection: Selection, *, by: str) -> list[Candidate]:
        """Eligible candidates sharing the victim's process group (``by='pgrp'``) or cgroup (``'cgroup'``).

        Protected and out-of-scope processes are never included: "whole group" means every member the guard is
        allowed to signal.
        """
        if by == "cgroup":
            return [
                c for c in selection.candidates if c.verdict is Verdict.ELIGIBLE and c.cgroup == victim.cgroup
            ]
        try:
            group = os.getpgid(victim.info.pid)
        except ProcessLookupError:
            return [victim]
        members = []
        for cand in selection.candidates:
            if cand.verdict is not Verdict.ELIGIBLE:
                continue
            try:
                if os.getpgid(cand.info.pid) == group:
                    members.append(cand)
            except ProcessLookupError:
                continue
        return members or [victim]


def _readlink(procfs: ProcFS, pid: int) -> str | None:
    try:
        return os.readlink(procfs.pid_path(pid, "exe"))
    except OSError:
        return None  # kernel threads, or a process of another user without ptrace access


def _exe_trusted(procfs: ProcFS, pid: int) -> bool:
    """The binary the process runs is root's and not group/other-writable (protecting exe rules need it)."""
    try:
        return running_binary_trusted(os.stat(procfs.pid_path(pid, "exe")))
    except OSError:
        return False


def _with_adj(info: ProcessInfo, adj: int) -> ProcessInfo:
    return replace(info, oom_score_adj=adj)


def _verdict(info: ProcessInfo, eligibility: Eligibility, rule: ProtectRule | None, own_pid: int) -> Verdict:
    if info.pid == own_pid:
        return Verdict.SELF
    if info.pid == 1 or eligibility is Eligibility.GLOBAL_INIT:
        return Verdict.INIT
    if eligibility is Eligibility.KERNEL_THREAD:
        return Verdict.KERNEL_THREAD
    if eligibility is Eligibility.NO_MM:
        return Verdict.NO_MM
    if rule is not None and rule.oom_score_adj <= -1000:
        return Verdict.PROTECTED
    if eligibility is Eligibility.EXEMPT:
        return Verdict.EXEMPT
    return Verdict.ELIGIBLE


def _order(c: Candidate) -> tuple[int, int, int]:
    # Eligible by badness; the kernel breaks ties in favour of the later-started task.
    if c.verdict is Verdict.ELIGIBLE and c.points is not None:
        return (0, -c.points, -c.info.start_ticks)
    return (1, -c.info.rss_bytes, c.info.pid)

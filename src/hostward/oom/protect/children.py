"""Protection must not leak to children: the ``children`` policy of a rule.

``oom_score_adj`` lives in the signal struct and is copied on fork, so everything a protected process starts is
protected too: a shell opened over SSH under an sshd at -1000 would make every command typed in it unkillable.
(The kernel copies ``oom_score_adj_min`` as well, so a child may always be raised back to 0.)

A rule's ``children`` is ``reset`` (the default for rules below 0) or ``inherit`` (the default otherwise).
With ``reset``, a descendant that matches no rule of its own and still carries the value it inherited from the
nearest such ancestor is set back to that ancestor's value from before the rule (never below 0: a negative value
is protection too; 0 when hostward found the ancestor already at its target). The protector does it when the
process-event connector reports the fork or exec, so the window is the connector's latency; without the
connector, at the next /proc scan.

OpenSSH does the same for itself where it can (openbsd-compat/port-linux.c, called from platform-listen.c's
platform_pre_listen and platform_post_fork_child): the listener saves its value, sets -1000, and each
per-connection child restores the saved value right after the fork. That protects nothing when the saved value is
already -1000 (a unit with ``OOMScoreAdjust=-1000``), and does not help processes started by anything else.
"""

from __future__ import annotations

from hostward.collect.procs import parse_stat
from hostward.config import ProtectRule
from hostward.errors import CollectError
from hostward.frozen import frozen
from hostward.procfs import ProcFS

MAX_DEPTH = 64  # ancestors looked at for one process (process trees are far shallower)


def children_policy(rule: ProtectRule) -> str:
    return rule.children or ("reset" if rule.oom_score_adj < 0 else "inherit")


@frozen
class Guarded:
    """A process whose rule resets its descendants."""

    start_ticks: int
    rule: str
    actual_adj: int  # what it has now: what a fork inherits
    reset_adj: int  # what its descendants are set back to


class Lineage:
    """The processes matched by a ``children = reset`` rule, and the search for a descendant's nearest one."""

    def __init__(self, procfs: ProcFS) -> None:
        self.procfs = procfs
        self._guarded: dict[int, Guarded] = {}

    def note(
        self, *, pid: int, ppid: int, start_ticks: int, rule: ProtectRule, before: int, actual: int
    ) -> None:
        """``pid`` matched ``rule``; its value was ``before`` and is now ``actual``."""
        if children_policy(rule) != "reset":
            self._guarded.pop(pid, None)
            return
        parent = self._guarded.get(ppid)
        if parent is not None and before == parent.actual_adj:
            reset = parent.reset_adj  # its own value was inherited protection: go back to what came before
        elif before == actual and pid not in self._guarded:
            reset = 0  # found already at the target: the value before the rule is unknown
        else:
            known = self._guarded.get(pid)
            reset = known.reset_adj if known is not None else max(before, 0)
        self._guarded[pid] = Guarded(start_ticks, rule.name, actual, reset)

    def forget(self, pid: int) -> None:
        self._guarded.pop(pid, None)

    def prune(self, alive: set[int]) -> None:
        self._guarded = {pid: g for pid, g in self._guarded.items() if pid in alive}

    def inherited_from(self, ppid: int, adj: int) -> tuple[int, Guarded] | None:
        """The nearest guarded ancestor (starting at ``ppid``) when ``adj`` is the value it passes down and
        differs from what its descendants are reset to; None otherwise."""
        if not self._guarded:
            return None
        pid = ppid
        for _ in range(MAX_DEPTH):
            if pid <= 1:
                return None
            try:
                stat = parse_stat(self.procfs.read_pid(pid, "stat"))
            except (CollectError, ValueError):
                return None
            guarded = self._guarded.get(pid)
            if guarded is not None:
                if guarded.start_ticks != stat.start_ticks:  # exited, and the pid was reused
                    self._guarded.pop(pid, None)
                    return None
                if adj == guarded.actual_adj and adj != guarded.reset_adj:
                    return pid, guarded
                return None
            pid = stat.ppid
        return None

    def __len__(self) -> int:
        return len(self._guarded)

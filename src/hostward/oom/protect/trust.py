"""Whether a protection rule can be matched by a process an ordinary user starts.

A rule *protects* when its oom_score_adj is below 0: anything from 0 up, a process's owner may set on their own
(the kernel lets anyone go back down to oom_score_adj_min, which is 0 unless a CAP_SYS_RESOURCE holder set it).
A protecting rule is worth something to an attacker: whatever it matches is spared by the guard and, with the
capability, by the kernel. So it must match on something an ordinary user cannot choose:

* ``exe``: the rule's path and every directory above it are root's and not writable by group or others (sshd's
  StrictModes test), and at match time the binary the process really runs (stat of /proc/PID/exe, which follows
  mount namespaces and bind mounts) is root's and not group/other-writable;
* ``user``: the real uid is set by the kernel (a rule for ``alice`` trusts alice with all her processes);
* ``cgroup``: the cgroup directory (and those above it) in every mounted hierarchy is root's and not
  group/other-writable, so nobody else can create it or move a process into it (systemd delegation chowns the
  directory to the user: such a subtree is refused).

``comm`` and ``cmdline_regex`` are chosen by whoever starts the process (``prctl(PR_SET_NAME)``, ``exec -a``): a
protecting rule with only those is refused unless it says ``trust_unprivileged = true``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from hostward.config import ProtectRule
from hostward.frozen import frozen

_UNSAFE_MODE = stat.S_IWGRP | stat.S_IWOTH


@frozen
class Trust:
    """Why a rule may be applied (``trusted``) or why it is refused, in one line for status and logs."""

    trusted: bool
    reason: str


def protecting(rule: ProtectRule) -> bool:
    return rule.oom_score_adj < 0


def path_problem(path: Path, stop_at: Path = Path("/")) -> str | None:
    """Why someone other than root could create or replace ``path``; None when only root can.

    Every existing component from ``path`` up to ``stop_at`` must be owned by root and not writable by group or
    others; components that do not exist yet are judged by the nearest existing directory above them.
    """
    current = path
    while True:
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            return f"{current} cannot be checked ({exc.strerror})"
        if st is not None:
            if st.st_uid != 0:
                return f"{current} is owned by uid {st.st_uid}, not root"
            if stat.S_ISLNK(st.st_mode):
                return f"{current} is a symbolic link (name the real path: /proc/PID/exe shows it resolved)"
            if st.st_mode & _UNSAFE_MODE:
                return f"{current} is writable by group or others (mode {stat.S_IMODE(st.st_mode):04o})"
        if current in (stop_at, current.parent):
            return None
        current = current.parent


def running_binary_trusted(st: os.stat_result) -> bool:
    """At match time: the file a process executes (stat of /proc/PID/exe) is root's and not g/o-writable."""
    return st.st_uid == 0 and not st.st_mode & _UNSAFE_MODE


def cgroup_mounts(mountinfo: str | None = None) -> list[Path]:
    """Mount points of every cgroup (v1) and cgroup2 hierarchy, from /proc/self/mountinfo."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return []
    mounts = []
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        fstype = line.split(" - ", 1)[1].split()[0]
        if fstype in ("cgroup", "cgroup2"):
            mounts.append(Path(fields[4].replace("\\040", " ")))
    return mounts


def cgroup_problem(cgroup: str, mounts: Sequence[Path]) -> str | None:
    relative = cgroup.strip("/")
    for mount in mounts:
        problem = path_problem(mount / relative if relative else mount, stop_at=mount)
        if problem is not None:
            return problem
    return None


def judge(rule: ProtectRule, mounts: Sequence[Path] | None = None) -> Trust:
    """Trust of one (already validated) rule; raising rules and explicitly trusted ones are always applied."""
    if not protecting(rule):
        return Trust(True, f"raises or resets ({rule.oom_score_adj} >= 0): any owner may do that themselves")
    if rule.trust_unprivileged:
        return Trust(True, "trust_unprivileged = true: any user can start a process this rule matches")
    reasons: list[str] = []
    problems: list[str] = []
    if rule.user is not None:
        who = "root" if rule.user in ("root", "0") else f"user {rule.user} (who can make any of theirs match)"
        reasons.append(f"user {rule.user}: only processes of {who}")
    if rule.exe is not None:
        problem = path_problem(Path(rule.exe))
        if problem is None:
            reasons.append(f"exe {rule.exe}: only root can put a binary there")
        else:
            problems.append(f"exe {rule.exe}: {problem}")
    if rule.cgroup is not None:
        problem = cgroup_problem(rule.cgroup, cgroup_mounts() if mounts is None else mounts)
        if problem is None:
            reasons.append(f"cgroup {rule.cgroup}: only root can create it or move processes into it")
        else:
            problems.append(f"cgroup {rule.cgroup}: {problem}")
    if reasons:
        return Trust(True, "; ".join(reasons))
    if problems:
        return Trust(False, f"protects ({rule.oom_score_adj}) but " + "; ".join(problems) + _ADVICE)
    return Trust(
        False,
        f"protects ({rule.oom_score_adj}) but matches only on comm/cmdline_regex, which any user can "
        "choose" + _ADVICE,
    )


_ADVICE = "; add exe (a root-owned binary), user or cgroup, or set trust_unprivileged = true"

"""The protection policy used when the configuration has no [[oom.protect]] rules ([oom] default_policy = true).

When memory runs out, the ways into the host must survive, and so must hostward, which is what acts:

=====================  ==========================================================  =====  ========
rule                   matches                                                     adj    children
=====================  ==========================================================  =====  ========
default-sshd           exe /usr/sbin/sshd, user root (the listener; before          -1000  reset
                       OpenSSH 9.8 also each connection's privileged monitor)
default-sshd-session   exe sshd-session (OpenSSH >= 9.8: one per connection, the   -900   reset
                       monitor as root and its unprivileged half as the user)
default-getty          exe agetty/getty, user root (console logins waiting)        -1000  reset
default-login          exe login, user root (a console login in progress)          -900   reset
default-hostward       user root, ``hostward daemon`` (or ``oom guard``,           -1000  reset
                       ``oom protect daemon``)
=====================  ==========================================================  =====  ========

-1000 (never chosen) for listeners, which stay small, and for hostward, which must survive to act (the same
value as packaging/systemd/hostward.service's OOMScoreAdjust, so the two never fight); -900 for per-connection
and per-login processes: still chosen if one of them alone holds nearly all memory. ``children = reset`` (the
default below 0) keeps this from leaking into shells, commands and the guard's hooks.

Binaries are looked up where Debian, Fedora and upstream install them; a rule is included only when its binary
exists (symlinks resolved: /proc/PID/exe shows the real path) and only root can write it, so the policy is
trusted by construction. It is computed when the rules are loaded (start, SIGHUP).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hostward.config import OomConfig, ProtectRule
from hostward.oom.protect.trust import judge

SSHD = ("/usr/sbin/sshd",)
SSHD_SESSION = (
    "/usr/lib/openssh/sshd-session",  # Debian, Ubuntu
    "/usr/libexec/openssh/sshd-session",  # Fedora, RHEL
    "/usr/libexec/sshd-session",  # upstream default (--libexecdir)
)
GETTY = ("/usr/sbin/agetty", "/sbin/agetty", "/usr/sbin/getty", "/sbin/getty")
LOGIN = ("/usr/bin/login", "/bin/login")
# The long-running commands that act when memory runs out: the main job, and the guard or protector run alone.
HOSTWARD_DAEMON = r"(?:(?:^|/)hostward|-m hostward) (?:daemon|oom guard|oom protect daemon)(?:\s|$)"

SOURCE_CONFIG = "configuration"
SOURCE_DEFAULT = "default policy"


def _found(candidates: tuple[str, ...], resolve: Callable[[str], str | None]) -> list[str]:
    paths: list[str] = []
    for candidate in candidates:
        real = resolve(candidate)
        if real is not None and real not in paths:
            paths.append(real)
    return paths


def _resolve(path: str) -> str | None:
    real = os.path.realpath(path)
    return real if os.path.isfile(real) else None


def default_rules(resolve: Callable[[str], str | None] = _resolve) -> tuple[ProtectRule, ...]:
    """The embedded policy for this host: one rule per binary found, only rules that are trusted."""
    rules = [
        ProtectRule(name=f"default-sshd{_suffix(i)}", exe=path, user="root", oom_score_adj=-1000)
        for i, path in enumerate(_found(SSHD, resolve))
    ]
    rules += [
        ProtectRule(name=f"default-sshd-session{_suffix(i)}", exe=path, oom_score_adj=-900)
        for i, path in enumerate(_found(SSHD_SESSION, resolve))
    ]
    rules += [
        ProtectRule(name=f"default-getty{_suffix(i)}", exe=path, user="root", oom_score_adj=-1000)
        for i, path in enumerate(_found(GETTY, resolve))
    ]
    rules += [
        ProtectRule(name=f"default-login{_suffix(i)}", exe=path, user="root", oom_score_adj=-900)
        for i, path in enumerate(_found(LOGIN, resolve))
    ]
    rules.append(
        ProtectRule(name="default-hostward", cmdline_regex=HOSTWARD_DAEMON, user="root", oom_score_adj=-1000)
    )
    return tuple(rule for rule in rules if judge(rule).trusted)


def _suffix(index: int) -> str:
    return "" if index == 0 else f"-{index + 1}"


def rules_in_force(oom: OomConfig) -> tuple[tuple[ProtectRule, ...], str]:
    """The rules to apply and where they come from: the configuration's, else the default policy (when on)."""
    if oom.protect:
        return oom.protect, SOURCE_CONFIG
    if oom.default_policy:
        return default_rules(), SOURCE_DEFAULT
    return (), ""

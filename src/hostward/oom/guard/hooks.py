"""Commands run before and after a guard kill, with the victim's details in the environment.

A hook is an argv (split with shlex, run without a shell: a configuration value never reaches /bin/sh). The
"before" hook gets a short, finite wait: every millisecond spent waiting for it is a millisecond in which the
victim keeps allocating, and if the guard waits too long the kernel's OOM killer acts instead. When the guard
is already in its critical zone the "before" hook is started but not awaited. "After" hooks never block.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hostward.errors import ConfigError, UnsafePath
from hostward.safefs import check_trusted_file

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VictimDetails:
    """What a hook learns about the victim (HOSTWARD_VICTIM_* variables)."""

    pid: int
    comm: str
    cmdline: str
    user: str
    uid: int
    rss_bytes: int
    badness: int | None
    cgroup: str
    signal: str
    reason: str
    dry_run: bool

    def environment(self, phase: str) -> dict[str, str]:
        return {
            "HOSTWARD_HOOK_PHASE": phase,
            "HOSTWARD_VICTIM_PID": str(self.pid),
            "HOSTWARD_VICTIM_COMM": self.comm,
            "HOSTWARD_VICTIM_CMDLINE": self.cmdline,
            "HOSTWARD_VICTIM_USER": self.user,
            "HOSTWARD_VICTIM_UID": str(self.uid),
            "HOSTWARD_VICTIM_RSS_BYTES": str(self.rss_bytes),
            "HOSTWARD_VICTIM_BADNESS": "" if self.badness is None else str(self.badness),
            "HOSTWARD_VICTIM_CGROUP": self.cgroup,
            "HOSTWARD_SIGNAL": self.signal,
            "HOSTWARD_REASON": self.reason,
            "HOSTWARD_DRY_RUN": "1" if self.dry_run else "0",
        }


@dataclass
class Hooks:
    """``before``/``after`` argv strings (empty: none). ``before_wait_seconds`` bounds the wait for ``before``."""

    before: str = ""
    after: str = ""
    before_wait_seconds: float = 0.5
    base_env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _running: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Checked when the guard starts, not at the first kill: an unbalanced quote must not surface as an
        # exception in the middle of an intervention.
        for phase, command in (("before", self.before), ("after", self.after)):
            try:
                argv = shlex.split(command)
            except ValueError as exc:
                raise ConfigError(
                    f"{phase}-kill hook {command!r} cannot be split into arguments: {exc}"
                ) from exc
            if argv:
                self._check_program(phase, argv[0])

    def _check_program(self, phase: str, program: str) -> None:
        """The program a hook runs must be root's or ours alone, like the configuration that names it: a hook
        another user can replace is a command they run as root."""
        found = (
            shutil.which(program, path=self.base_env.get("PATH", os.defpath))
            if "/" not in program
            else program
        )
        if found is None:
            raise ConfigError(f"{phase}-kill hook program {program!r} is not found on PATH")
        try:
            check_trusted_file(Path(found), f"{phase}-kill hook program")
        except UnsafePath as exc:
            raise ConfigError(str(exc)) from exc

    def run_before(self, victim: VictimDetails, *, wait: bool) -> None:
        proc = self._start(self.before, victim, "before")
        if proc is not None and wait:
            try:
                proc.wait(timeout=self.before_wait_seconds)
            except subprocess.TimeoutExpired:
                log.warning(
                    "before-kill hook still running after %.1fs; killing now anyway", self.before_wait_seconds
                )

    def run_after(self, victim: VictimDetails) -> None:
        self._start(self.after, victim, "after")

    def reap(self) -> None:
        """Collect finished hooks (no zombies in a long-running daemon)."""
        still: list[subprocess.Popen[bytes]] = []
        for proc in self._running:
            code = proc.poll()
            if code is None:
                still.append(proc)
            elif code != 0:
                log.warning("hook %s exited with status %d", proc.args, code)
        self._running = still

    def _start(self, command: str, victim: VictimDetails, phase: str) -> subprocess.Popen[bytes] | None:
        self.reap()
        if not command:
            return None
        env = {**self.base_env, **victim.environment(phase)}
        try:
            proc = subprocess.Popen(
                shlex.split(command),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,  # the hook is not in the guard's process group
            )
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in an argument or the environment
            log.error("cannot run %s hook %r: %s", phase, command, getattr(exc, "strerror", None) or exc)
            return None
        self._running.append(proc)
        return proc

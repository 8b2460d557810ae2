"""The early OOM guard's decision loop: wait on triggers, apply the sustain time, pick a victim, signal, verify.

One intervention goes: trigger (condition held for ``sustain_seconds``) -> selection (every candidate logged with
its badness and the rule that applied) -> "before" hook -> SIGTERM, or SIGKILL straight away when there is no
time for a graceful exit -> wait on the victim's pidfd while re-sampling the triggers -> SIGKILL if memory is
still short when the grace period ends (or as soon as a trigger turns critical) -> "exited" -> "after" hook.

Signals go through pidfds (pidfd_open + pidfd_send_signal, since 5.3): the pidfd pins the process, and the guard
re-checks its start time and cgroup *after* opening it, so a PID recycled between selection and signal is never
hit. Every event is logged, appended to events.jsonl and handed to an optional observer (the drill's timeline).

Why SIGKILL straight away near the limit: a memory cgroup at its limit makes the allocating task reclaim and then
invoke the kernel's OOM killer within milliseconds (mem_cgroup_out_of_memory from the charge path). A SIGTERM
handler that flushes logs or stops threads needs longer than that, so the kernel would win and might pick
another process. The same holds whenever the observed fall rate says the limit is closer than the grace period.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hostward.collect.redact import Redactor
from hostward.errors import HostwardError
from hostward.oom.guard.events import (
    KIND_ERROR,
    KIND_ESCALATE,
    KIND_EXITED,
    KIND_NO_VICTIM,
    KIND_SIGNAL,
    KIND_TRIGGER,
    KIND_WOULD_KILL,
    GuardEvent,
    append_event,
)
from hostward.oom.guard.hooks import Hooks, VictimDetails
from hostward.oom.guard.triggers import Reading, Trigger
from hostward.oom.guard.victim import Candidate, Selection, VictimSelector
from hostward.oom.kernlog.sanitize import safe_text

log = logging.getLogger(__name__)

Observer = Callable[[GuardEvent], None]
ERROR_BACKOFF_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class GuardSettings:
    sustain_seconds: float = 0.0  # a trigger must hold this long before the guard acts (critical bypasses it)
    grace_seconds: float = 2.0  # SIGTERM -> SIGKILL, if memory is still short
    dry_run: bool = False
    kill_group: str | None = None  # None: the victim only; "pgrp": its process group; "cgroup": its cgroup
    cooldown_seconds: float = 1.0  # after an intervention, let memory statistics settle before acting again
    max_interventions: int | None = None  # stop after this many (a drill needs one)
    idle_interval: float = 1.0  # poll timeout when no trigger asks for less
    exit_wait_seconds: float = 5.0  # after SIGKILL, how long to wait for the exit before giving up on it


@dataclass
class _Victim:
    candidate: Candidate
    pidfd: int
    signal: signal.Signals
    exited: bool = False


@dataclass
class Guard:
    triggers: Sequence[Trigger]
    selector: VictimSelector
    settings: GuardSettings = field(default_factory=GuardSettings)
    events_file: Path | None = None
    hooks: Hooks | None = None
    observer: Observer | None = None
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    interventions: int = 0
    errors: int = 0
    _since: dict[str, float] = field(default_factory=dict)
    _quiet_until: float = 0.0
    _stop_r: int = -1
    _stop_w: int = -1
    _stopped: bool = False
    _failing: bool = False

    def __post_init__(self) -> None:
        self._stop_r, self._stop_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    # -- control -------------------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the loop to return; safe from another thread or a signal handler."""
        self._stopped = True
        with contextlib.suppress(OSError):
            os.write(self._stop_w, b"x")

    def close(self) -> None:
        for trig in self.triggers:
            trig.close()
        for fd in (self._stop_r, self._stop_w):
            if fd >= 0:
                os.close(fd)
        self._stop_r = self._stop_w = -1

    def run(self) -> int:
        """Loop until stop() or max_interventions; returns the number of interventions (kills or dry-run picks)."""
        log.info(
            "guard started: scope %s, triggers %s%s",
            self.selector.scope.describe(),
            ", ".join(t.name for t in self.triggers),
            " (dry run)" if self.settings.dry_run else "",
        )
        for trigger in self.triggers:
            try:
                log.info("guard level: %s", trigger.describe())
            except (HostwardError, OSError) as exc:  # the levels are information; guarding goes on
                log.warning("guard level of %s unknown: %s", trigger.name, exc)
        while not self._stopped:
            self.step()
            limit = self.settings.max_interventions
            if limit is not None and self.interventions >= limit:
                break
        return self.interventions

    def step(self) -> None:
        """One wait + evaluation. Never raises for a kernel read error: it is logged and the loop goes on."""
        timeout = min([t.wanted_interval() for t in self.triggers] + [self.settings.idle_interval])
        if self._failing:
            timeout = max(
                timeout, ERROR_BACKOFF_SECONDS
            )  # a source that keeps failing must not spin the loop
        self._wait(timeout, [])
        now = self.clock()
        errors = self.errors
        readings = self._sample(now)
        self._failing = self.errors > errors
        fired = self._sustained(readings, now)
        if fired is not None and now >= self._quiet_until:
            self._intervene(fired)

    # -- waiting and sampling -----------------------------------------------------------------------------------
    def _wait(self, timeout: float, extra: Sequence[int]) -> list[int]:
        """poll() on every trigger descriptor, the stop pipe and ``extra`` (pidfds); returns the ready extras."""
        poller = select.poll()
        owners: dict[int, Trigger] = {}
        for trig in self.triggers:
            for fd, mask in trig.fds():
                poller.register(fd, mask)
                owners[fd] = trig
        poller.register(self._stop_r, select.POLLIN)
        for fd in extra:
            poller.register(fd, select.POLLIN)
        ready: list[int] = []
        for fd, revents in poller.poll(max(timeout, 0.0) * 1000.0):
            if fd == self._stop_r:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._stop_r, 64)
            elif fd in owners:
                owners[fd].drain(fd, revents)
            else:
                ready.append(fd)
        return ready

    def _sample(self, now: float) -> list[Reading]:
        readings: list[Reading] = []
        for trig in self.triggers:
            try:
                readings.append(trig.sample(now))
            except (HostwardError, OSError, ValueError) as exc:
                # /proc or a cgroup file failed to read or parse: report, keep the other triggers, keep running.
                self.errors += 1
                if self.errors <= 3 or self.errors % 100 == 0:
                    log.error(
                        "trigger %s: %s (error %d; the guard keeps running)", trig.name, exc, self.errors
                    )
                    self._emit(KIND_ERROR, f"trigger {trig.name}: {exc}")
        return readings

    def _sustained(self, readings: list[Reading], now: float) -> Reading | None:
        fired: Reading | None = None
        for reading in readings:
            if not reading.low:
                self._since.pop(reading.trigger, None)
                continue
            since = self._since.setdefault(reading.trigger, now)
            # Critical skips the sustain time: the kernel will not wait for it either.
            if (reading.critical or now - since >= self.settings.sustain_seconds) and (
                fired is None or reading.critical > fired.critical
            ):
                fired = reading
        return fired

    # -- intervention ---------------------------------------------------------------------------------------------
    def _intervene(self, reading: Reading) -> None:
        self._emit(
            KIND_TRIGGER, reading.detail, extra={"trigger": reading.trigger, "critical": reading.critical}
        )
        # One decision line per event (below); what led to it at DEBUG, so a long dry run stays readable.
        log.debug("trigger %s: %s", reading.trigger, reading.detail)
        try:
            selection = self.selector.select()
        except (HostwardError, OSError) as exc:
            self.errors += 1
            log.error("cannot list candidates: %s (the guard keeps running)", exc)
            self._emit(KIND_ERROR, f"selection: {exc}")
            self._quiet_until = self.clock() + 0.1
            return
        for line in selection.explain():
            log.debug("candidates: %s", line)
        victim = selection.victim
        if victim is None:
            log.warning("no eligible process in %s; nothing signalled", selection.scope.describe())
            self._emit(KIND_NO_VICTIM, f"{reading.detail}; no eligible process")
            self._quiet_until = self.clock() + self.settings.cooldown_seconds
            return
        targets = self._targets(victim, selection)
        sig = self._choose_signal(reading)
        reason = self._reason(reading, victim, sig)
        if self.settings.dry_run:
            log.info("would signal: %s", reason)
        else:
            log.warning("signalling: %s", reason)
        if self.settings.dry_run:
            for cand in targets:
                self._emit(KIND_WOULD_KILL, reason, cand, sig)
            self.interventions += 1
            self._quiet_until = self.clock() + self.settings.cooldown_seconds
            return
        if self.hooks is not None:
            self.hooks.run_before(self._details(victim, sig, reason), wait=sig is not signal.SIGKILL)
        sent = [v for cand in targets if (v := self._signal(cand, sig, reason)) is not None]
        if sent:
            self._await_exit(sent, reason)
            self.interventions += 1
            if self.hooks is not None:
                self.hooks.run_after(self._details(victim, sent[0].signal, reason))
        self._quiet_until = self.clock() + self.settings.cooldown_seconds

    def _targets(self, victim: Candidate, selection: Selection) -> list[Candidate]:
        if self.settings.kill_group is None:
            return [victim]
        return self.selector.group_members(victim, selection, by=self.settings.kill_group)

    def _choose_signal(self, reading: Reading) -> signal.Signals:
        if reading.critical:
            return signal.SIGKILL
        to_limit = reading.seconds_to_limit()
        if to_limit is not None and to_limit < self.settings.grace_seconds:
            return signal.SIGKILL
        return signal.SIGTERM

    def _reason(self, reading: Reading, victim: Candidate, sig: signal.Signals) -> str:
        rule = f", rule {victim.rule!r} adj {victim.effective_adj}" if victim.rule else ""
        why = "critical level" if reading.critical and sig is signal.SIGKILL else reading.trigger
        if sig is signal.SIGKILL and not reading.critical:
            why = f"{reading.trigger}, limit in {reading.seconds_to_limit() or 0:.2f}s < grace"
        return (
            f"{sig.name} pid {victim.info.pid} ({safe_text(victim.info.comm, 15)}) badness {victim.points}"
            f"{rule}: {why}: {reading.detail}"
        )

    def _signal(self, cand: Candidate, sig: signal.Signals, reason: str) -> _Victim | None:
        pid = cand.info.pid
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            log.info("pid %d exited before it was signalled", pid)
            return None
        except OSError as exc:
            log.error("cannot open pidfd for %d: %s", pid, exc.strerror)
            return None
        # The pidfd pins this exact process; check it is still the one chosen and still in scope.
        if not self.selector.still_same(cand):
            os.close(pidfd)
            log.warning("pid %d changed or left the scope before the signal; not signalled", pid)
            return None
        try:
            signal.pidfd_send_signal(pidfd, sig)
        except ProcessLookupError:
            os.close(pidfd)
            return None
        except OSError as exc:
            os.close(pidfd)
            log.error("cannot signal pid %d: %s", pid, exc.strerror)
            return None
        self._emit(KIND_SIGNAL, reason, cand, sig)
        return _Victim(cand, pidfd, sig)

    def _await_exit(self, victims: list[_Victim], reason: str) -> None:
        """Wait for the victims' pidfds while sampling triggers; escalate to SIGKILL when memory stays short."""
        start = self.clock()
        deadline = start + self.settings.grace_seconds
        hard_deadline = deadline + self.settings.exit_wait_seconds
        try:
            while True:
                alive = [v for v in victims if not v.exited]
                if not alive:
                    return
                now = self.clock()
                if now >= hard_deadline:
                    for v in alive:
                        log.error(
                            "pid %d did not exit %.1fs after SIGKILL", v.candidate.info.pid, now - start
                        )
                    return
                interval = min([t.wanted_interval() for t in self.triggers] + [0.05])
                ready = self._wait(min(interval, max(hard_deadline - now, 0.0)), [v.pidfd for v in alive])
                now = self.clock()
                for v in alive:
                    if v.pidfd in ready:
                        v.exited = True
                        self._emit(
                            KIND_EXITED, f"exited {now - start:.3f}s after {v.signal.name}", v.candidate
                        )
                term = [v for v in alive if not v.exited and v.signal is not signal.SIGKILL]
                if not term:
                    continue
                readings = self._sample(now)
                critical = any(r.critical for r in readings)
                short = any(r.low for r in readings)
                if critical or (now >= deadline and short):
                    why = (
                        "critical level reached"
                        if critical
                        else f"memory still short after {self.settings.grace_seconds}s"
                    )
                    for v in term:
                        self._escalate(v, why)
                elif now >= deadline:
                    log.info("memory recovered; leaving SIGTERM'd process(es) to finish")
                    return
        finally:
            for v in victims:
                os.close(v.pidfd)

    def _escalate(self, v: _Victim, why: str) -> None:
        try:
            signal.pidfd_send_signal(v.pidfd, signal.SIGKILL)
        except ProcessLookupError:
            return
        v.signal = signal.SIGKILL
        log.warning("SIGKILL pid %d: %s", v.candidate.info.pid, why)
        self._emit(KIND_ESCALATE, why, v.candidate, signal.SIGKILL)

    # -- reporting ------------------------------------------------------------------------------------------------
    def _details(self, cand: Candidate, sig: signal.Signals, reason: str) -> VictimDetails:
        info = cand.info
        return VictimDetails(
            pid=info.pid,
            comm=info.comm,
            # Kept in events.jsonl and handed to hooks (often sent on to chat or mail): redacted and bounded as
            # the recorder stores command lines (collect/redact.py).
            cmdline=" ".join(Redactor()(info.cmdline)) if info.cmdline else info.command,
            user=info.user,
            uid=info.uid,
            rss_bytes=info.rss_bytes,
            badness=cand.points,
            cgroup=cand.cgroup or "",
            signal=sig.name,
            reason=reason,
            dry_run=self.settings.dry_run,
        )

    def _emit(
        self,
        kind: str,
        reason: str,
        cand: Candidate | None = None,
        sig: signal.Signals | None = None,
        *,
        extra: dict[str, object] | None = None,
    ) -> None:
        event = GuardEvent(
            time=self.wall(),
            kind=kind,
            reason=reason,
            pid=cand.info.pid if cand else None,
            comm=cand.info.comm if cand else None,
            badness=cand.points if cand else None,
            signal=sig.name if sig else None,
            rule=cand.rule if cand else None,
            scope=self.selector.scope.describe(),
            dry_run=self.settings.dry_run,
            mono=self.clock(),
            extra=dict(extra or {}),
        )
        if self.observer is not None:
            self.observer(event)
        if self.events_file is not None:
            try:
                append_event(self.events_file, event)
            except HostwardError as exc:
                log.error("%s", exc)

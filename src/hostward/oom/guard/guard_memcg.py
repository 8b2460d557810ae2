"""Memory cgroup triggers for the guard: v1 usage thresholds (eventfd) and v2 memory.current/memory.events.

See triggers.py for the common Trigger shape and for the kernel documentation this follows.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
from dataclasses import dataclass

from hostward.digits import is_digits
from hostward.errors import UsageError
from hostward.oom.guard.cgroup import MemoryCgroup
from hostward.oom.guard.triggers import (
    DEFAULT_WORST_RATE_BPS,
    RateTracker,
    Reading,
    Threshold,
    adaptive_interval,
    format_bytes,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CgroupLevels:
    """Where the cgroup trigger fires, in bytes of usage: warn at ``threshold``, SIGKILL from ``critical``."""

    threshold_bytes: int
    critical_bytes: int
    limit_bytes: int

    def describe(self, path: str) -> str:
        return (
            f"memcg: {path} usage > {format_bytes(self.threshold_bytes)} "
            f"(critical > {format_bytes(self.critical_bytes)}) of its limit {format_bytes(self.limit_bytes)}"
        )


def cgroup_levels(limit_bytes: int, headroom: Threshold, critical_percent: float = 3.0) -> CgroupLevels:
    """Threshold = limit - headroom; critical = limit - critical_percent of the limit.

    See docs/oom-guard.md: the headroom must exceed reaction time x fill rate.
    """
    room = headroom.bytes_of(limit_bytes)
    if not 0 < room < limit_bytes:
        raise UsageError(f"headroom {headroom} must be between 0 and the limit {format_bytes(limit_bytes)}")
    critical = limit_bytes - int(limit_bytes * critical_percent / 100.0)
    threshold = limit_bytes - room
    return CgroupLevels(threshold, max(critical, threshold), limit_bytes)


# With the kernel's threshold eventfd armed, the poll is only a safety net, so it may assume a much lower worst
# case rate than a pure poller must: the crossing itself wakes the guard within the charge path.
EVENTFD_FALLBACK_WORST_RATE_BPS = 256 * 1024 * 1024


class _CgroupLevelsTrigger:
    """What the v1 and v2 cgroup triggers share: their levels for the start-up log, their adaptive interval."""

    cgroup: MemoryCgroup
    levels: CgroupLevels
    _interval: float

    def describe(self) -> str:
        return self.levels.describe(self.cgroup.path)

    def wanted_interval(self) -> float:
        return self._interval


class MemcgV1Trigger(_CgroupLevelsTrigger):
    """memory.usage_in_bytes against thresholds below memory.limit_in_bytes, woken by the kernel's eventfd.

    Two thresholds are registered on one eventfd (warn and critical), plus the OOM notifier (memory.oom_control
    registered in cgroup.event_control: signalled when the cgroup is under OOM, i.e. the kernel is acting).
    The descriptor wakes the guard; ``sample`` reads the usage to decide. A fallback poll covers a cgroup whose
    event_control is not writable (then it is a fast poll: 5..100 ms, sized for the worst-case rate) and, with
    the eventfd armed, a lost notification (5 ms .. 1 s, sized for the observed rate). A changed limit is noticed
    at the next sample and the thresholds are registered again.
    """

    def __init__(
        self,
        cgroup: MemoryCgroup,
        headroom: Threshold,
        *,
        critical_percent: float = 3.0,
        worst_rate_bps: float = DEFAULT_WORST_RATE_BPS,
        min_interval: float = 0.005,
        max_interval: float = 0.1,
    ) -> None:
        if cgroup.version != 1:
            raise UsageError("MemcgV1Trigger needs a cgroup v1 memory cgroup")
        limit = cgroup.limit_bytes()
        if limit is None:
            raise UsageError(f"memory cgroup {cgroup.path} has no limit: nothing to guard against")
        self.name = "memcg"
        self.cgroup = cgroup
        self.headroom = headroom
        self.critical_percent = critical_percent
        self.levels = cgroup_levels(limit, headroom, critical_percent)
        self.worst_rate_bps = worst_rate_bps
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.rate = RateTracker(half_life=0.5)
        self._interval = min_interval
        self.eventfd: int | None = None
        self.wakeups = 0
        self._register()

    def _register(self) -> None:
        directory = self.cgroup.directory
        efd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        try:
            control = os.open(directory / "cgroup.event_control", os.O_WRONLY | os.O_CLOEXEC)
            try:
                for name, arg in (
                    ("memory.usage_in_bytes", self.levels.threshold_bytes),
                    ("memory.usage_in_bytes", self.levels.critical_bytes),
                    ("memory.oom_control", None),
                ):
                    target = os.open(directory / name, os.O_RDONLY | os.O_CLOEXEC)
                    try:
                        line = f"{efd} {target}" if arg is None else f"{efd} {target} {arg}"
                        os.write(control, line.encode())
                    finally:
                        os.close(target)  # the kernel holds its own reference to the file
            finally:
                os.close(control)
            self.eventfd = efd
        except OSError as exc:
            os.close(efd)
            log.warning("cannot register memory thresholds on %s (%s); polling only", directory, exc.strerror)

    def _check_limit(self) -> None:
        limit = self.cgroup.limit_bytes()
        if limit is None or limit == self.levels.limit_bytes:
            return
        log.info("cgroup %s limit changed to %s; re-arming thresholds", self.cgroup.path, format_bytes(limit))
        self.levels = cgroup_levels(limit, self.headroom, self.critical_percent)
        self.close()
        self._register()

    def fds(self) -> list[tuple[int, int]]:
        return [] if self.eventfd is None else [(self.eventfd, select.POLLIN)]

    def drain(self, fd: int, revents: int) -> None:
        with contextlib.suppress(BlockingIOError):
            self.wakeups += os.eventfd_read(fd)

    def sample(self, now: float) -> Reading:
        self._check_limit()
        usage = self.cgroup.usage_bytes()
        levels = self.levels
        headroom = levels.limit_bytes - usage
        rate = self.rate.update(now, headroom)
        armed = self.eventfd is not None
        self._interval = adaptive_interval(
            levels.threshold_bytes - usage,
            rate,
            worst_rate_bps=EVENTFD_FALLBACK_WORST_RATE_BPS if armed else self.worst_rate_bps,
            min_s=self.min_interval,
            max_s=1.0 if armed else self.max_interval,
        )
        detail = (
            f"cgroup {self.cgroup.path} usage {format_bytes(usage)} of limit {format_bytes(levels.limit_bytes)} "
            f"(threshold {format_bytes(levels.threshold_bytes)}, critical {format_bytes(levels.critical_bytes)})"
        )
        low = usage >= levels.threshold_bytes
        return Reading(
            self.name, low, usage >= levels.critical_bytes, detail, headroom, rate, self.rate.sustained_bps
        )

    def close(self) -> None:
        # Closing the eventfd unregisters the events (the kernel sees EPOLLHUP on it and removes them).
        if self.eventfd is not None:
            os.close(self.eventfd)
            self.eventfd = None


def parse_memory_events(text: str) -> dict[str, int]:
    """cgroup v2 memory.events: 'low 0\\nhigh 12\\nmax 3\\noom 1\\noom_kill 1\\n...'."""
    counters: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if is_digits(value.strip()):
            counters[key] = int(value)
    return counters


class MemcgV2Trigger(_CgroupLevelsTrigger):
    """memory.current against memory.max (or memory.high when there is no max), polled adaptively, woken early by
    memory.events: kernfs raises POLLPRI|POLLERR on it whenever a counter changes, and ``max`` counts each time
    the cgroup ran into its limit and had to reclaim, the earliest sign that the limit is about to bite.
    """

    def __init__(
        self,
        cgroup: MemoryCgroup,
        headroom: Threshold,
        *,
        critical_percent: float = 3.0,
        worst_rate_bps: float = DEFAULT_WORST_RATE_BPS,
        min_interval: float = 0.005,
        max_interval: float = 0.1,
    ) -> None:
        self.name = "memcg"
        self.cgroup = cgroup
        limit = self._limit()
        if limit is None:
            raise UsageError(
                f"memory cgroup {cgroup.path} has no memory.max or memory.high: nothing to guard"
            )
        self.levels = cgroup_levels(limit, headroom, critical_percent)
        self.worst_rate_bps = worst_rate_bps
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.rate = RateTracker(half_life=0.5)
        self._interval = min_interval
        self._events_fd: int | None = None
        self._events: dict[str, int] = {}
        try:
            self._events_fd = os.open(cgroup.directory / "memory.events", os.O_RDONLY | os.O_CLOEXEC)
            self._events = parse_memory_events(os.pread(self._events_fd, 4096, 0).decode())
        except OSError:
            self._events_fd = None

    def _limit(self) -> int | None:
        for name in ("memory.max", "memory.high"):
            try:
                raw = (self.cgroup.directory / name).read_text().strip()
            except OSError:
                continue
            if raw != "max":
                return int(raw)
        return None

    def fds(self) -> list[tuple[int, int]]:
        return [] if self._events_fd is None else [(self._events_fd, select.POLLPRI)]

    def drain(self, fd: int, revents: int) -> None:
        # kernfs poll semantics: re-read from offset 0 to re-arm the notification.
        try:
            self._events = parse_memory_events(os.pread(fd, 4096, 0).decode())
        except OSError:
            self.close()

    def sample(self, now: float) -> Reading:
        usage = self.cgroup.usage_bytes()
        levels = self.levels
        headroom = levels.limit_bytes - usage
        rate = self.rate.update(now, headroom)
        self._interval = adaptive_interval(
            levels.threshold_bytes - usage,
            rate,
            worst_rate_bps=self.worst_rate_bps,
            min_s=self.min_interval,
            max_s=self.max_interval,
        )
        events = ", ".join(f"{k} {self._events[k]}" for k in ("max", "oom", "oom_kill") if k in self._events)
        detail = (
            f"cgroup {self.cgroup.path} memory.current {format_bytes(usage)} of {format_bytes(levels.limit_bytes)} "
            f"(threshold {format_bytes(levels.threshold_bytes)}){'; events ' + events if events else ''}"
        )
        return Reading(
            self.name,
            usage >= levels.threshold_bytes,
            usage >= levels.critical_bytes,
            detail,
            headroom,
            rate,
            self.rate.sustained_bps,
        )

    def close(self) -> None:
        if self._events_fd is not None:
            os.close(self._events_fd)
            self._events_fd = None


def cgroup_trigger(
    cgroup: MemoryCgroup, headroom: Threshold, *, critical_percent: float = 3.0
) -> MemcgV1Trigger | MemcgV2Trigger:
    if cgroup.version == 1:
        return MemcgV1Trigger(cgroup, headroom, critical_percent=critical_percent)
    return MemcgV2Trigger(cgroup, headroom, critical_percent=critical_percent)

"""What wakes the guard: host memory (MemAvailable/SwapFree), pressure (PSI) and memory cgroups (v1, v2).

Every trigger has the same shape: descriptors the guard polls (empty for pure pollers), ``sample()`` returning a
:class:`Reading` (is the condition met now, is it critical, a sentence saying why) and ``wanted_interval()``, how
soon it must be sampled again when no descriptor fires. The guard applies the sustain time; triggers only say
what is true now.

Kernel interfaces used, and why:

* /proc/meminfo is a pure poll. The interval adapts to how fast headroom is shrinking (see
  :class:`MemoryTrigger`), like earlyoom's, but it also takes the observed fall rate into account.
* PSI triggers (Documentation/accounting/psi.rst, "Monitoring for pressure thresholds", since 5.2): writing
  ``"some 150000 1000000"`` to an open /proc/pressure/memory (or a cgroup2 ``memory.pressure``) descriptor asks
  the kernel to raise POLLPRI when tasks stalled on memory for 150 ms within any 1 s window. The kernel checks it
  from its own PSI aggregation (every 2 s for the averages, but at the rate of the stall changes for triggers),
  so the guard sleeps until there is pressure. Windows must be 500 ms .. 10 s; the trigger fires at most once
  per window; POLLERR means the cgroup went away. Where triggers are unavailable (EOPNOTSUPP, old kernel), the
  same quantity is computed from the ``total=`` stall counter at each poll.
* Memory cgroup v1 thresholds (Documentation/admin-guide/cgroup-v1/memory.rst, section 9 "Memory thresholds"):
  writing ``"<eventfd> <fd of memory.usage_in_bytes> <bytes>"`` to cgroup.event_control makes the kernel
  signal the eventfd when usage crosses the threshold in either direction. The check runs in the charge path
  (memcg_check_events, rate-limited to every 128 page events, i.e. about every 512 KiB charged), so the guard
  wakes within a fraction of a millisecond of the crossing instead of a poll interval later. The eventfd is also
  signalled when the cgroup is removed. usage_in_bytes is itself "fuzzy" by up to the per-CPU charge batch
  (64 pages per CPU), which is far below any useful headroom.
* Memory cgroup v2 (Documentation/admin-guide/cgroup-v2.rst): memory.current against memory.max (or
  memory.high), memory.events (``max``/``oom``/``oom_kill`` counters; kernfs raises POLLPRI when it changes) and
  memory.pressure (per-cgroup PSI, same trigger syntax as above). cgroup v1 has no per-cgroup PSI files; its
  memory.pressure_level (vmpressure) is a coarser reclaim-efficiency signal that hostward does not use.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import select
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hostward import validate
from hostward.digits import is_digits
from hostward.errors import CollectError, UsageError
from hostward.procfs import ProcFS

log = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# Worst-case allocation rate assumed when sizing a poll interval: a process touching fresh anonymous pages can
# reach several GiB/s (earlyoom assumes 6000 MiB/s for RAM). Observed rates above this are used as they are.
DEFAULT_WORST_RATE_BPS = 4 * GIB


@dataclass(frozen=True, slots=True)
class Threshold:
    """A level given as a percentage of a total or as an absolute number of bytes."""

    percent: float | None = None
    absolute_bytes: int | None = None

    def bytes_of(self, total_bytes: int) -> int:
        if self.absolute_bytes is not None:
            return self.absolute_bytes
        return int(total_bytes * (self.percent or 0.0) / 100.0)

    def __str__(self) -> str:
        if self.absolute_bytes is not None:
            return format_bytes(self.absolute_bytes)
        return f"{self.percent:g}%"


def parse_size(text: str, name: str = "size") -> int:
    """'512M', '1.5G', '4096', '200MiB' -> bytes (binary multiples, as free(1) and the cgroup files use)."""
    return validate.parse_size(text, name)


def parse_threshold(text: str, name: str = "threshold") -> Threshold:
    """'5%' -> percent; '512M' -> absolute bytes (hostward.validate.THRESHOLD's rule)."""
    stripped = validate.Threshold(optional=False).parse(text, name).strip()
    if stripped.endswith("%"):
        return Threshold(percent=float(stripped[:-1]))
    return Threshold(absolute_bytes=validate.parse_size(stripped, name))


def format_bytes(value: float) -> str:
    for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if abs(value) >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value:.0f} B"


@dataclass(frozen=True, slots=True)
class Reading:
    """One trigger's view at one instant."""

    trigger: str
    low: bool  # the condition is met now
    critical: bool  # so close to the hard limit that there is no time for SIGTERM
    detail: str  # one sentence for the log: the measured value against the threshold
    headroom_bytes: int | None = None  # bytes left before the hard limit (None: not a memory trigger)
    fall_rate_bps: float = 0.0  # how fast that headroom is shrinking (0 when stable or rising)
    sustained_fall_bps: float | None = None  # the fall averaged over RateTracker.window (None: not measured)

    def seconds_to_limit(self) -> float | None:
        """When the limit will be reached at the sustained fall rate: a slow leak that allocates in bursts is
        judged by its average, so SIGTERM keeps its grace period when there is time (the peak rate, which
        follows the bursts, only sets how often to poll)."""
        rate = self.sustained_fall_bps if self.sustained_fall_bps is not None else self.fall_rate_bps
        if self.headroom_bytes is None or rate <= 0:
            return None
        return max(self.headroom_bytes, 0) / rate


class Trigger(Protocol):
    name: str

    def fds(self) -> list[tuple[int, int]]:
        """(descriptor, poll event mask) pairs the guard waits on."""
        ...

    def drain(self, fd: int, revents: int) -> None:
        """Consume a wake-up on ``fd`` (read the eventfd counter, note the PSI event time)."""
        ...

    def sample(self, now: float) -> Reading: ...

    def describe(self) -> str:
        """The trigger's levels in absolute terms, for the start-up log (as earlyoom prints its limits)."""
        ...

    def wanted_interval(self) -> float:
        """Seconds until this trigger must be sampled again if nothing wakes the guard."""
        ...

    def close(self) -> None: ...


class RateTracker:
    """Fall rate of a headroom, bytes/s: the faster of the last interval and a decaying peak (``rate_bps``), and
    the fall averaged over the last ``window`` seconds (``sustained_bps``).

    The decaying peak keeps the poll interval short for a while after a burst instead of relaxing after one
    quiet sample; it halves every ``half_life`` seconds. It follows each burst of a slow leak, though, so the
    time left before the limit is judged on the sustained rate; until the window holds half its span of history,
    the sustained rate is the peak (no history: be quick).
    """

    def __init__(self, half_life: float = 2.0, window: float = 5.0) -> None:
        self.half_life = half_life
        self.window = window
        self._last: tuple[float, int] | None = None
        self._history: deque[tuple[float, int]] = deque()
        self._peak = 0.0
        self.rate_bps = 0.0
        self.sustained_bps = 0.0

    def update(self, now: float, headroom_bytes: int) -> float:
        if self._last is not None:
            then, before = self._last
            dt = now - then
            if dt > 0:
                current = max((before - headroom_bytes) / dt, 0.0)
                self._peak = max(current, self._peak * 0.5 ** (dt / self.half_life))
                self.rate_bps = self._peak
        self._last = (now, headroom_bytes)
        history = self._history
        history.append((now, headroom_bytes))
        while len(history) > 2 and now - history[1][0] >= self.window:
            history.popleft()
        oldest, at_oldest = history[0]
        span = now - oldest
        if span >= self.window / 2:
            self.sustained_bps = max((at_oldest - headroom_bytes) / span, 0.0)
        else:
            self.sustained_bps = self.rate_bps
        return self.rate_bps


def adaptive_interval(
    distance_bytes: int, rate_bps: float, *, worst_rate_bps: float, min_s: float, max_s: float
) -> float:
    """Sleep for a quarter of the time the faster of (observed x2, worst case) needs to cover ``distance``.

    Far from the threshold and idle this is ``max_s`` (cheap); close to it, or falling fast, ``min_s``.
    """
    rate = max(rate_bps * 2.0, worst_rate_bps, 1.0)
    return min(max(max(distance_bytes, 0) / rate / 4.0, min_s), max_s)


class MemoryTrigger:
    """Host-wide MemAvailable and SwapFree, polled.

    Like earlyoom, low memory alone is not enough while swap has room: the trigger is met when MemAvailable is
    below its threshold AND (there is no swap OR SwapFree is below its threshold). Critical is the same test
    against the kill thresholds (default: half of each threshold, as earlyoom's KILL_PERCENT).
    """

    name = "memory"

    def __init__(
        self,
        procfs: ProcFS,
        mem_available: Threshold,
        swap_free: Threshold,
        *,
        mem_kill: Threshold | None = None,
        swap_kill: Threshold | None = None,
        worst_rate_bps: float = DEFAULT_WORST_RATE_BPS,
        min_interval: float = 0.01,
        max_interval: float = 1.0,
    ) -> None:
        self.procfs = procfs
        self.mem_available = mem_available
        self.swap_free = swap_free
        self.mem_kill = mem_kill or _half(mem_available)
        self.swap_kill = swap_kill or _half(swap_free)
        self.worst_rate_bps = worst_rate_bps
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.rate = RateTracker()
        self._interval = min_interval

    def fds(self) -> list[tuple[int, int]]:
        return []

    def drain(self, fd: int, revents: int) -> None:
        return None

    def sample(self, now: float) -> Reading:
        values = _meminfo_bytes(self.procfs.read("meminfo"))
        total, avail = values.get("MemTotal", 0), values.get("MemAvailable")
        if avail is None:  # before 3.14: the kernel's estimate is missing; MemFree is the safe side
            avail = values.get("MemFree", 0)
        swap_total, swap_free = values.get("SwapTotal", 0), values.get("SwapFree", 0)
        mem_limit = self.mem_available.bytes_of(total)
        swap_ok = swap_total > 0 and swap_free >= self.swap_free.bytes_of(swap_total)
        low = avail < mem_limit and not swap_ok
        critical = (
            low
            and avail < self.mem_kill.bytes_of(total)
            and (swap_total == 0 or swap_free < self.swap_kill.bytes_of(swap_total))
        )
        headroom = avail + (swap_free if swap_total else 0)
        rate = self.rate.update(now, headroom)
        self._interval = adaptive_interval(
            avail - mem_limit,
            rate,
            worst_rate_bps=self.worst_rate_bps,
            min_s=self.min_interval,
            max_s=self.max_interval,
        )
        swap_text = (
            f", SwapFree {format_bytes(swap_free)} (threshold {self.swap_free})"
            if swap_total
            else ", no swap"
        )
        detail = (
            f"MemAvailable {format_bytes(avail)} of {format_bytes(total)} "
            f"(threshold {self.mem_available} = {format_bytes(mem_limit)}){swap_text}"
        )
        return Reading(self.name, low, critical, detail, headroom, rate, self.rate.sustained_bps)

    def describe(self) -> str:
        values = _meminfo_bytes(self.procfs.read("meminfo"))
        total, swap_total = values.get("MemTotal", 0), values.get("SwapTotal", 0)

        def level(name: str, warn: Threshold, kill: Threshold, of: int) -> str:
            return (
                f"{name} < {warn} = {format_bytes(warn.bytes_of(of))} "
                f"(critical < {kill} = {format_bytes(kill.bytes_of(of))}) of {format_bytes(of)}"
            )

        swap = level("SwapFree", self.swap_free, self.swap_kill, swap_total) if swap_total else "no swap"
        return f"memory: {level('MemAvailable', self.mem_available, self.mem_kill, total)}, and {swap}"

    def wanted_interval(self) -> float:
        return self._interval

    def close(self) -> None:
        return None


def _half(threshold: Threshold) -> Threshold:
    if threshold.absolute_bytes is not None:
        return Threshold(absolute_bytes=threshold.absolute_bytes // 2)
    return Threshold(percent=(threshold.percent or 0.0) / 2.0)


def _meminfo_bytes(text: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        parts = rest.split()
        if sep and parts and is_digits(parts[0]):
            values[key] = int(parts[0]) * (KIB if len(parts) > 1 else 1)
    if "MemTotal" not in values:
        raise CollectError("/proc/meminfo: no MemTotal line")
    return values


@dataclass(frozen=True, slots=True)
class PsiSpec:
    """Stall ``kind`` ('some' or 'full') of at least ``stall_us`` within any ``window_us``."""

    kind: str
    stall_us: int
    window_us: int

    def __str__(self) -> str:
        return f"{self.kind} {self.stall_us / 1000:g}ms/{self.window_us / 1000:g}ms"


def parse_psi_spec(text: str) -> PsiSpec:
    """'some:15%' (1 s window), 'full:10%:2s', 'some:150ms:1s' -> PsiSpec. Windows are 0.5..10 s (psi.rst)."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or parts[0] not in ("some", "full"):
        raise UsageError(f"not a pressure trigger: {text!r} (examples: some:15%, full:10%:2s, some:150ms:1s)")
    window_us = _duration_us(parts[2]) if len(parts) == 3 else 1_000_000
    if not 500_000 <= window_us <= 10_000_000:
        raise UsageError(f"pressure window must be between 500ms and 10s: {text!r}")
    amount = parts[1]
    stall_us = int(window_us * float(amount[:-1]) / 100.0) if amount.endswith("%") else _duration_us(amount)
    if not 0 < stall_us <= window_us:
        raise UsageError(f"stall must be positive and at most the window: {text!r}")
    return PsiSpec(parts[0], stall_us, window_us)


def _duration_us(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(us|ms|s)?", text.strip())
    if not match:
        raise UsageError(f"not a duration: {text!r} (examples: 150ms, 1s)")
    return int(float(match[1]) * {"us": 1, "ms": 1000, "s": 1_000_000, None: 1_000_000}[match[2]])


def unprivileged_spec(spec: PsiSpec) -> PsiSpec:
    """The same stall share over the next window that is a multiple of 2 s (at most 10 s)."""
    window = min(-(-spec.window_us // 2_000_000) * 2_000_000, 10_000_000)
    return PsiSpec(spec.kind, min(spec.stall_us * window // spec.window_us, window), window)


def parse_psi_total(text: str, kind: str) -> int:
    """The ``total=`` microseconds of the ``kind`` line of a pressure file."""
    for line in text.splitlines():
        if line.startswith(kind + " "):
            for part in line.split()[1:]:
                if part.startswith("total="):
                    return int(part[6:])
    raise CollectError(f"pressure file has no '{kind}' total")


class PsiTrigger:
    """A PSI trigger on /proc/pressure/memory or a cgroup2 memory.pressure, with a polling fallback.

    With the kernel trigger the guard sleeps until POLLPRI. The condition is "low" from an event until one
    window later (the kernel re-arms the trigger once per window, so a condition that persists keeps firing and
    keeps it low). Without it, the stall time accumulated in ``total=`` over the last window is compared with
    the threshold at each poll: the same quantity, measured coarser.
    """

    def __init__(
        self, path: Path, spec: PsiSpec, *, fallback_interval: float = 0.1, use_kernel_trigger: bool = True
    ) -> None:
        self.name = f"psi-{spec.kind}"
        self.path = path
        self.spec = spec
        self.fallback_interval = fallback_interval
        self._fd: int | None = None
        self._last_event: float | None = None
        self._history: list[tuple[float, int]] = []
        self.kernel_trigger = False
        self.gone = False
        if use_kernel_trigger:
            self._open_trigger()
        try:
            parse_psi_total(self.path.read_text(), spec.kind)
        except OSError as exc:
            self.close()
            if exc.errno in (errno.ENOENT, errno.EOPNOTSUPP):
                raise CollectError(f"no pressure information at {self.path}") from exc
            raise CollectError(f"cannot read {self.path}: {exc.strerror}") from exc

    def _open_trigger(self) -> None:
        for spec in (self.spec, unprivileged_spec(self.spec)):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError:
                return
            try:
                # psi.rst writes the string including its NUL terminator.
                os.write(fd, f"{spec.kind} {spec.stall_us} {spec.window_us}".encode() + b"\0")
            except OSError as exc:
                os.close(fd)
                # EINVAL without CAP_SYS_RESOURCE: since 6.5 (commit d82caa273565) unprivileged triggers need a
                # window that is a multiple of 2 s; the second round tries the same share of such a window.
                if exc.errno == errno.EINVAL and spec == self.spec and spec != unprivileged_spec(spec):
                    continue
                log.info(
                    "PSI trigger unavailable on %s (%s); polling its stall counter", self.path, exc.strerror
                )
                return
            if spec != self.spec:
                log.info("PSI trigger %s needs CAP_SYS_RESOURCE; using %s instead", self.spec, spec)
                self.spec = spec
            self._fd = fd
            self.kernel_trigger = True
            return

    def fds(self) -> list[tuple[int, int]]:
        return [] if self._fd is None else [(self._fd, select.POLLPRI)]

    def drain(self, fd: int, revents: int) -> None:
        if revents & (select.POLLERR | select.POLLNVAL):
            # The cgroup behind a memory.pressure file was removed: stop polling this descriptor.
            self.gone = True
            self.close()
            return
        if revents & select.POLLPRI:
            self._last_event = time.monotonic()

    def sample(self, now: float) -> Reading:
        window_s = self.spec.window_us / 1e6
        if self.gone:
            return Reading(self.name, False, False, f"{self.path} is gone")
        if self.kernel_trigger:
            low = self._last_event is not None and now - self._last_event <= window_s * 1.5
            when = "" if self._last_event is None else f", last event {now - self._last_event:.2f}s ago"
            return Reading(self.name, low, False, f"memory pressure trigger {self.spec}{when}")
        total = parse_psi_total(self.path.read_text(), self.spec.kind)
        self._history.append((now, total))
        while len(self._history) > 2 and now - self._history[1][0] >= window_s:
            self._history.pop(0)
        then, before = self._history[0]
        span = now - then
        stalled_us = total - before
        # Scale the stall seen over the measured span to the window, once at least half a window is seen.
        low = span >= window_s / 2 and stalled_us * (window_s / span) >= self.spec.stall_us
        return Reading(
            self.name,
            low,
            False,
            f"memory stall {stalled_us / 1000:.0f}ms in the last {span:.2f}s (threshold {self.spec}, polled)",
        )

    def describe(self) -> str:
        how = "kernel trigger" if self.kernel_trigger else f"polled every {self.fallback_interval:g} s"
        return f"{self.name}: {self.path} stall {self.spec} ({how})"

    def wanted_interval(self) -> float:
        # With a kernel trigger there is nothing to poll, but the "low" state expires after a window.
        return self.spec.window_us / 2e6 if self.kernel_trigger else self.fallback_interval

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

"""Time health for the recorder: the kernel clock's NTP state with every sample, server offsets now and then.

With every sample the recorder reads adjtimex(2) (read-only, one system call: sync flag, clock state,
maxerror/esterror, frequency correction, the offset the kernel PLL is still slewing in) and stores it raw in
the sample's ``time`` group. No network traffic unless ``[ntp] servers`` are configured.

With servers, a burst is sent at most every ``POLL_SECONDS`` (64 s, NTP's default minimum poll interval: what
public servers expect from a client) in a background thread, so a slow or silent server never delays a
sample. Between two measurements every sample repeats the last measured offset, because the offset of a
disciplined clock changes by at most its frequency error (tens of ppm: microseconds per minute) in that time;
a row without a server offset would show the kernel's offset instead and make the offset column jump between
two different quantities. The repeated value is dropped (``server_offset_known`` False) when it is older than
``STALE_POLLS`` poll intervals (servers stopped answering) or when the clock stepped since it was measured (it
no longer describes this clock); a step also triggers a new measurement at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hostward.collect.sample import ClockSample
from hostward.errors import CollectError
from hostward.ntp.adjtimex import (
    STA_NANO,
    STA_UNSYNC,
    AdjtimexCall,
    ClockState,
    Timex,
    libc_adjtimex,
    warm_libc,
)
from hostward.ntp.sample import TimeSample, detect_step, sample_time_health

log = logging.getLogger("hostward.record")

POLL_SECONDS = 64.0
STALE_POLLS = 3.0

TimeQuery = Callable[[], TimeSample]


@dataclass(frozen=True, slots=True)
class _Measured:
    sample: TimeSample
    at: float  # monotonic seconds when the burst ended


def clock_sample(kernel: TimeSample, servers: TimeSample | None = None) -> ClockSample | None:
    """The stored record of a kernel reading (and a server measurement), or None when adjtimex failed."""
    if kernel.frequency_ppm is None or kernel.maxerror_seconds is None or kernel.esterror_seconds is None:
        return None
    try:
        state = ClockState[kernel.clock_state or "TIME_ERROR"].value
    except KeyError:
        state = ClockState.TIME_ERROR.value
    known = servers is not None and servers.offset_seconds is not None
    return ClockSample(
        synchronised=bool(kernel.synchronised),
        clock_state=state,
        # The TimeSample floats were computed from the kernel's integers; rounding recovers them exactly.
        kernel_offset_ns=round((kernel.kernel_offset_seconds or 0.0) * 1e9),
        frequency_scaled_ppm=round(kernel.frequency_ppm * 65536),
        maxerror_us=round(kernel.maxerror_seconds * 1e6),
        esterror_us=round(kernel.esterror_seconds * 1e6),
        server_offset_known=known,
        server_offset_ns=round((servers.offset_seconds or 0.0) * 1e9) if servers is not None else 0,
        server_error_ns=round((servers.offset_error_seconds or 0.0) * 1e9) if servers is not None else 0,
        servers_queried=servers.servers_queried if servers is not None else 0,
        servers_agreeing=servers.servers_agreeing if servers is not None else 0,
    )


_TIME_ERROR = ClockState.TIME_ERROR.value
_STATES = frozenset(state.value for state in ClockState)


def direct_clock_sample(state: int, timex: Timex) -> ClockSample:
    """``clock_sample`` of what adjtimex returned (``state`` >= 0, the struct it filled), without the
    RawTimex, KernelClock and TimeSample records in between: the same arithmetic, step by step (the floats of
    those records included, so every rounding is the same; tests/record/test_time_record.py compares the two
    over any values). The recorder takes this path with no servers configured, at every sample."""
    status = timex.status
    value = state if state in _STATES else _TIME_ERROR
    unit = 1e-9 if status & STA_NANO else 1e-6
    return ClockSample(
        synchronised=not status & STA_UNSYNC and value != _TIME_ERROR,
        clock_state=value,
        kernel_offset_ns=round((timex.offset * unit or 0.0) * 1e9),
        frequency_scaled_ppm=round(timex.freq / 65536.0 * 65536),
        maxerror_us=round(timex.maxerror / 1e6 * 1e6),
        esterror_us=round(timex.esterror / 1e6 * 1e6),
    )


class TimeHealth:
    """Called once per sample; returns the ClockSample to store (None when adjtimex is unavailable)."""

    def __init__(
        self,
        servers: Sequence[str] = (),
        *,
        timeout: float = 1.0,
        samples_per_server: int = 1,
        burst_interval: float = 2.0,
        poll_seconds: float = POLL_SECONDS,
        adjtimex: AdjtimexCall | None = None,
        kernel: TimeQuery | None = None,
        query: TimeQuery | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        background: bool = True,
    ) -> None:
        self._adjtimex: AdjtimexCall = adjtimex or libc_adjtimex
        if adjtimex is None:
            # Load the C library now, not at the first sample: find_library runs ldconfig (milliseconds),
            # which would delay the first sample and the creation of the day's file.
            with contextlib.suppress(CollectError):
                warm_libc()
        # No servers: one adjtimex call (never raises; a failure is in the sample's ``problem``).
        self._kernel: TimeQuery = kernel or (lambda: sample_time_health(adjtimex=self._adjtimex))
        self.servers = tuple(servers)
        self.poll_seconds = poll_seconds
        self._query: TimeQuery = query or (
            lambda: sample_time_health(
                self.servers,
                timeout=timeout,
                samples_per_server=samples_per_server,
                interval=burst_interval,
                adjtimex=self._adjtimex,
            )
        )
        self._monotonic = monotonic
        self._background = background
        self._measured: _Measured | None = None
        self._started = float("-inf")  # monotonic start of the last burst
        self._running: threading.Thread | None = None
        self._last_kernel: TimeSample | None = None
        self._problem: str | None = None
        self._closed = False
        # No servers, the C library's adjtimex: each sample is one call into a buffer kept for it and its
        # ClockSample (direct_clock_sample); a failing call takes the general path, which says why.
        self._direct: tuple[Callable[[Any], int], Timex, Any] | None = None
        if adjtimex is None and kernel is None and not self.servers:
            with contextlib.suppress(CollectError):
                buffer = Timex()
                self._direct = (warm_libc().adjtimex, buffer, ctypes.byref(buffer))

    def __call__(self) -> ClockSample | None:
        direct = self._direct
        if direct is not None:
            call, buffer, pointer = direct
            buffer.modes = 0
            state = call(pointer)
            if state >= 0:
                self._report(None)
                return direct_clock_sample(state, buffer)
        kernel = self._kernel()
        self._report(kernel.problem)
        stepped = self._last_kernel is not None and detect_step(self._last_kernel, kernel) is not None
        self._last_kernel = kernel
        if stepped:
            self._measured = None  # measured before the step: it describes another clock
        if self.servers:
            self._maybe_query(force=stepped)
        measured = self._measured
        if measured is not None and self._monotonic() - measured.at > STALE_POLLS * self.poll_seconds:
            measured = None
        return clock_sample(kernel, measured.sample if measured is not None else None)

    def close(self) -> None:
        """No new bursts; a burst under way ends on its own (every request has a timeout; daemon thread)."""
        self._closed = True

    def _maybe_query(self, *, force: bool) -> None:
        if self._closed or (self._running is not None and self._running.is_alive()):
            return
        now = self._monotonic()
        if not force and now - self._started < self.poll_seconds:
            return
        self._started = now
        if not self._background:
            self._run_query()
            return
        self._running = threading.Thread(target=self._run_query, name="hostward-ntp-poll", daemon=True)
        self._running.start()

    def _run_query(self) -> None:
        try:
            result = self._query()
        except Exception as exc:  # a bug in the query must not stop the recorder: log it, keep recording
            log.error("time health: server query failed: %s", exc)
            return
        if result.offset_seconds is None and result.problem:
            log.warning("time health: no server offset: %s", result.problem)
        # One reference assignment: the sampling thread sees either the old or the new measurement.
        self._measured = _Measured(result, self._monotonic())

    def _report(self, problem: str | None) -> None:
        """Log a kernel-side problem when it appears or changes, not at every sample."""
        if problem != self._problem:
            if problem:
                log.warning("time health: %s", problem)
            elif self._problem:
                log.info("time health: kernel clock readable again")
            self._problem = problem

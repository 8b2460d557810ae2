"""memcached for the recorder: each ``[cache] servers`` entry polled off the sampling path, stored raw per sample.

A sample never waits for a server. Each server has a poller thread that sends ``stats`` over a kept
connection (hostward.cache.stats.StatsConnection: one deadline of ``[cache] timeout_seconds`` for the whole
exchange, a fresh connection after a failure) so that the reply is complete just before the next sample is
due. Samples land on wall-clock multiples of the interval (recorder/schedule.py); the poller keeps the same
schedule and starts ``lead`` seconds (the timeout plus a margin, at most half the interval) before each slot,
on its own: the sampling thread only reads the latest result, it never wakes the poller. The sample takes the latest reply that completed since the previous sample; when there is none (the server is
down, slower than the timeout, not memcached, or sent garbage) it records the server as absent and reports show
a gap. Each reply is used once, and its age is stored with it, so rates are computed over the time between
the two replies, not between the two samples.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields

from hostward.cache.counters import integer
from hostward.cache.stats import StatsConnection, StatsReply, parse_server
from hostward.collect.sample import MemcachedSample
from hostward.errors import ConfigError, HostwardError
from hostward.recorder.schedule import Schedule

log = logging.getLogger("hostward.record")

MARGIN_SECONDS = 0.05  # between the end of the poll's deadline and the sample
MAX_TIMEOUT_SECONDS = 60.0
# Larger values are not memcached's (its 64-bit counters are far from wrapping): stored as 0.
MAX_VALUE = (1 << 62) - 1

Fetch = Callable[[str], StatsReply]  # server -> its stats reply (injectable; default a kept connection)

# The integer fields of a stored record that come from the reply, by their memcached names.
STAT_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(MemcachedSample) if f.name not in ("server", "present", "age_ms")
)


def memcached_sample(server: str, stats: Mapping[str, str], age_ms: int = 0) -> MemcachedSample:
    """The stored record of one ``stats`` reply: every known field as a non-negative integer, 0 when absent,
    not a plain integer, or implausibly large (a hostile reply cannot store a value the reports choke on)."""
    values: dict[str, int] = {}
    for name in STAT_FIELDS:
        value = integer(stats, name)
        values[name] = value if value is not None and value <= MAX_VALUE else 0
    return MemcachedSample(server, True, max(0, min(age_ms, MAX_VALUE)), **values)


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class _Polled:
    record: MemcachedSample | None  # converted in the poller's thread, off the sampling path; None: failed
    at: float  # monotonic seconds when it ended


class _Poller:
    """One server's thread: polls at once, then ``lead`` seconds before each sample slot; keeps the latest
    result. Its slots are the recorder's (recorder.schedule.Schedule: wall-clock multiples of the interval,
    fixed on the monotonic axis), so the sampling thread never has to wake it."""

    def __init__(
        self,
        server: str,
        fetch: Callable[[], StatsReply],
        *,
        interval: float,
        lead: float,
        clock: Callable[[], float],
        monotonic: Callable[[], float],
        release: Callable[[], None],
    ) -> None:
        self.server = server
        self.latest: _Polled | None = None
        self._fetch = fetch
        self._release = release
        self._monotonic = monotonic
        self._lead = lead
        self._schedule = Schedule(interval, monotonic(), clock())
        self._stop = threading.Event()
        self._problem: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"hostward-cache-poll {server}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            due = self._monotonic()  # the first poll at once
            while not self._stop.is_set():
                delay = due - self._monotonic()
                if delay > 0 and self._stop.wait(delay):
                    break
                self.latest = self._poll()
                due = self._schedule.next_due(self._monotonic()) - self._lead
        finally:
            self._release()  # the kept connection, closed by the thread that uses it

    def _poll(self) -> _Polled:
        try:
            reply = self._fetch()
        except HostwardError as exc:  # ProbeError, ProbeTimeout: absent, said once per change
            text = str(exc)
            self._report(text if self.server in text else f"memcached {self.server}: {text}")
            return _Polled(None, self._monotonic())
        except Exception as exc:  # a bug must not stop the poller (nor the recorder): log it, poll again
            self._report(f"memcached {self.server}: unexpected error: {exc!r}")
            return _Polled(None, self._monotonic())
        self._report(None)
        return _Polled(memcached_sample(self.server, reply.fields), self._monotonic())

    def _report(self, problem: str | None) -> None:
        if problem != self._problem:
            if problem:
                log.warning("cache: %s; recorded as absent until it answers", problem)
            elif self._problem:
                log.info("cache: memcached %s answers again", self.server)
            self._problem = problem


class CacheWatch:
    """Called once per sample; returns one MemcachedSample per configured server, in configuration order."""

    def __init__(
        self,
        servers: Sequence[str],
        *,
        interval: float,
        timeout: float,
        fetch: Fetch | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < timeout <= MAX_TIMEOUT_SECONDS:
            raise ConfigError(
                f"[cache] timeout_seconds: {timeout!r} is out of range "
                f"(more than 0, at most {MAX_TIMEOUT_SECONDS:g})"
            )
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.servers = tuple(dict.fromkeys(servers))  # a server listed twice is polled and stored once
        for server in self.servers:
            parse_server(server)  # ConfigError naming the value: refused at start, not at every poll
        self.interval = interval
        self.timeout = timeout
        # Start early enough that a reply taking the whole timeout is in before the sample.
        self.lead = min(timeout + MARGIN_SECONDS, interval / 2)
        self._monotonic = monotonic
        pollers = []
        for server in self.servers:
            release: Callable[[], None] = _nothing
            if fetch is None:
                connection = StatsConnection(server, timeout=timeout)
                poll, release = connection.fetch, connection.close
            else:
                poll = functools.partial(fetch, server)
            pollers.append(
                _Poller(
                    server,
                    poll,
                    interval=interval,
                    lead=self.lead,
                    clock=clock,
                    monotonic=monotonic,
                    release=release,
                )
            )
        self._pollers = tuple(pollers)
        self._last = -math.inf  # monotonic time of the previous sample

    def __call__(self) -> tuple[MemcachedSample, ...]:
        now = self._monotonic()
        out = []
        for poller in self._pollers:
            polled = poller.latest
            if polled is not None and polled.record is not None and polled.at > self._last:
                out.append(dataclasses.replace(polled.record, age_ms=round((now - polled.at) * 1000)))
            else:
                out.append(MemcachedSample(poller.server))  # absent: no fresh reply
        self._last = now
        return tuple(out)

    def close(self) -> None:
        """No new polls; a poll under way ends within its timeout (daemon threads)."""
        for poller in self._pollers:
            poller.close()
        for poller in self._pollers:
            poller.join(self.timeout + 1.0)

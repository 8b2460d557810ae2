"""memcached for the recorder: each ``[cache] servers`` entry polled off the sampling path, stored raw per sample.

A sample never waits for a server. Each server has a poller thread that sends ``stats`` (one deadline of
``[cache] timeout_seconds`` for the whole exchange, hostward.cache.stats) so that the reply is complete just
before the next sample is due: samples land on wall-clock multiples of the interval (recorder/schedule.py), so
the poll starts ``lead`` seconds (the timeout plus a margin, at most half the interval) before the next slot.
The sample takes the latest reply that completed since the previous sample; when there is none (the server is
down, slower than the timeout, not memcached, or sent garbage) it records the server as absent and reports show
a gap. Each reply is used once, and its age is stored with it, so rates are computed over the time between
the two replies, not between the two samples.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields

from hostward.cache.counters import integer
from hostward.cache.stats import StatsReply, fetch_stats, parse_server
from hostward.collect.sample import MemcachedSample
from hostward.errors import ConfigError, HostwardError

log = logging.getLogger("hostward.record")

MARGIN_SECONDS = 0.05  # between the end of the poll's deadline and the sample
MAX_TIMEOUT_SECONDS = 60.0
# Larger values are not memcached's (its 64-bit counters are far from wrapping): stored as 0.
MAX_VALUE = (1 << 62) - 1

Fetch = Callable[[str], StatsReply]

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


@dataclass(frozen=True, slots=True)
class _Polled:
    fields: Mapping[str, str] | None  # None: the poll failed
    at: float  # monotonic seconds when it ended


class _Poller:
    """One server's thread: polls when ``schedule`` says, keeps the latest result."""

    def __init__(self, server: str, fetch: Fetch, monotonic: Callable[[], float]) -> None:
        self.server = server
        self.latest: _Polled | None = None
        self._fetch = fetch
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._due: float | None = monotonic()  # the first poll at once
        self._closed = False
        self._problem: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"hostward-cache-poll {server}", daemon=True)
        self._thread.start()

    def schedule(self, due: float) -> None:
        with self._cond:
            self._due = due
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed:
                    due = self._due
                    if due is not None and due <= self._monotonic():
                        break
                    self._cond.wait(None if due is None else due - self._monotonic())
                if self._closed:
                    return
                self._due = None
            self.latest = self._poll()

    def _poll(self) -> _Polled:
        try:
            reply = self._fetch(self.server)
        except HostwardError as exc:  # ProbeError, ProbeTimeout: absent, said once per change
            text = str(exc)
            self._report(text if self.server in text else f"memcached {self.server}: {text}")
            return _Polled(None, self._monotonic())
        except Exception as exc:  # a bug must not stop the poller (nor the recorder): log it, poll again
            self._report(f"memcached {self.server}: unexpected error: {exc!r}")
            return _Polled(None, self._monotonic())
        self._report(None)
        return _Polled(reply.fields, self._monotonic())

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
        self._clock = clock
        self._monotonic = monotonic
        do_fetch: Fetch = fetch or (lambda server: fetch_stats(server, timeout=timeout))
        self._pollers = tuple(_Poller(server, do_fetch, monotonic) for server in self.servers)
        self._last = -math.inf  # monotonic time of the previous sample

    def __call__(self) -> tuple[MemcachedSample, ...]:
        now = self._monotonic()
        # The next sample's slot, as recorder.schedule.Schedule computes it (a wall-clock multiple of the
        # interval, at least half an interval away), on the monotonic axis.
        wall = self._clock()
        offset = self.interval - math.fmod(wall, self.interval)
        if offset < self.interval / 2:
            offset += self.interval
        due = now + offset - self.lead
        out = []
        for poller in self._pollers:
            polled = poller.latest
            if polled is not None and polled.fields is not None and polled.at > self._last:
                out.append(memcached_sample(poller.server, polled.fields, round((now - polled.at) * 1000)))
            else:
                out.append(MemcachedSample(poller.server))  # absent: no fresh reply
            poller.schedule(due)
        self._last = now
        return tuple(out)

    def close(self) -> None:
        """No new polls; a poll under way ends within its timeout (daemon threads)."""
        for poller in self._pollers:
            poller.close()
        for poller in self._pollers:
            poller.join(self.timeout + 1.0)

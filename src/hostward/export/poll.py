"""Slow sources (kernel log, memcached, NTP, day files) polled in the background; a scrape reads the last result.

A scrape never waits on a slow source: it publishes the last poll's value and the time it was taken
(``hostward_source_last_poll_timestamp_seconds{source}``), so a stale value is visible as such.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from hostward.errors import HostwardError

T = TypeVar("T")
log = logging.getLogger("hostward.export")
IDLE_INTERVALS = 4  # stop polling after this many intervals without a scrape


@dataclass(frozen=True, slots=True)
class Polled(Generic[T]):
    value: T | None  # None until the first poll succeeded
    timestamp: float  # Unix time of the last successful poll; 0 before
    error: str | None  # the last poll's failure, None when it succeeded


class Poller(Generic[T]):
    """Calls ``fetch`` every ``interval`` seconds in a daemon thread; ``latest()`` never blocks on it."""

    def __init__(
        self, name: str, fetch: Callable[[], T], interval: float, clock: Callable[[], float] = time.time
    ):
        self.name = name
        self._fetch = fetch
        self._interval = interval
        self._clock = clock
        self._latest: Polled[T] = Polled(None, 0.0, None)  # replaced whole: a reader sees one or the other
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_read = time.monotonic()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"poll-{self.name}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def poll_once(self) -> None:
        try:
            value = self._fetch()
        except HostwardError as exc:
            self._latest = Polled(self._latest.value, self._latest.timestamp, str(exc))
            log.debug("%s: %s", self.name, exc)
        except Exception as exc:  # a bug in one source must not end its thread silently
            self._latest = Polled(self._latest.value, self._latest.timestamp, f"{type(exc).__name__}: {exc}")
            log.exception("%s poll failed", self.name)
        else:
            self._latest = Polled(value, self._clock(), None)

    def latest(self) -> Polled[T]:
        self._last_read = time.monotonic()
        return self._latest

    def _run(self) -> None:
        # Poll only while someone scrapes: a daemon nobody scrapes does not scan every process every interval
        # (the OOM ranking and the protection status read all of /proc). The first poll always runs, so the
        # first scrape has values; after an idle spell the first scrape gets the old values, marked by age.
        while not self._stop.is_set():
            idle = time.monotonic() - self._last_read > IDLE_INTERVALS * self._interval
            if not (idle and self._latest.timestamp):
                self.poll_once()
            self._stop.wait(self._interval)

"""The ``hostward_*`` families: what node_exporter cannot know (OOM victims, guard actions, recorder health).

Everything here is read from what the other parts leave behind (the kernel log, DATA_DIR/events.jsonl, the day
files), never from another thread's variables, so it works the same inside the daemon, in ``hostward metrics
serve`` beside a running daemon, and in textfile mode. Labels are bounded: victim names beyond ``MAX_VICTIMS``
fold into ``comm="other"``, and no label carries a pid or a command line.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client.core import Metric

from hostward.collect.sample import ClockSample, SystemSample
from hostward.errors import StoreError
from hostward.export.families import CounterFamily, GaugeFamily
from hostward.export.hostward_oom import clock_families
from hostward.export.poll import Polled, Poller
from hostward.oom.guard.events import read_events
from hostward.oom.kernlog.kernlog import kernel_lines
from hostward.oom.kernlog.oomevent import OomEvent
from hostward.oom.kernlog.oomparse import OomReportParser
from hostward.recorder.status import RecorderStatus, read_status
from hostward.store.paths import day_parts
from hostward.store.reader import read_day

MAX_VICTIMS = 20  # distinct (comm, cgroup, constraint) label sets kept; the rest count as "other"
GUARD_OUTCOMES = ("signal", "escalate", "exited", "error")


@dataclass(frozen=True, slots=True)
class OomKills:
    """Kills seen in the kernel log since this process started reading it, by bounded victim labels."""

    by_victim: tuple[tuple[tuple[str, str, str], int], ...]  # ((comm, cgroup, constraint), count)


class OomKillCounter:
    """Reads the kernel log on each poll and counts each OOM kill once (keyed by its monotonic time and pid),
    so a counter never goes down when old records scroll out of the ring buffer."""

    def __init__(self, lines: Callable[[], Iterable[str]]) -> None:
        self._lines = lines
        self._seen: set[tuple[float | None, int]] = set()
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def poll(self) -> OomKills:
        parser = OomReportParser()
        events: list[OomEvent] = []
        for line in kernel_lines(self._lines()):
            events.extend(parser.feed(line))
        events.extend(parser.finish())
        for event in events:
            for victim in event.victims:
                key = (event.monotonic_seconds, victim.pid)
                if key in self._seen:
                    continue
                self._seen.add(key)
                self._counts[self._labels(victim.comm, event)] += 1
        return OomKills(tuple(sorted(self._counts.items())))

    def _labels(self, comm: str, event: OomEvent) -> tuple[str, str, str]:
        # The victim's memory cgroup names a service (system.slice/foo.service), bounded in number like comm.
        labels = (comm[:15], (event.task_memcg or "")[:128], event.constraint or "")
        if labels not in self._counts and len(self._counts) >= MAX_VICTIMS:
            return ("other", "other", event.constraint or "")
        return labels


@dataclass(frozen=True, slots=True)
class RecorderState:
    samples_today: int  # samples stored in today's day file
    last_write_time: float  # mtime of today's day file (0: no file yet)
    clock: ClockSample | None = None  # the last sample's clock health (NTP servers, offset)
    status: RecorderStatus | None = None  # the recorder session's write errors (from its lock file)


def read_recorder_state(data_dir: Path, clock: Callable[[], float] = time.time) -> RecorderState:
    today = dt.date.fromtimestamp(clock())
    status = read_status(data_dir)
    try:
        day = read_day(
            data_dir, today, salvage=True, processes=False
        )  # counts and the clock: no process frames
    except StoreError:
        return RecorderState(0, 0.0, status=status)
    mtime = max((p.stat().st_mtime for p in day_parts(data_dir, today) if p.exists()), default=0.0)
    samples = [e for e in day.entries if isinstance(e, SystemSample)]
    return RecorderState(len(samples), mtime, samples[-1].time if samples else None, status)


class HostwardCollector:
    """hostward_* families from the kernel log (polled), events.jsonl and the day files (polled)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        oom: Poller[OomKills] | None,
        recorder: Poller[RecorderState] | None,
        extra: tuple[Callable[[], Iterator[Metric]], ...] = (),
        sources: tuple[Poller[Any], ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.data_dir = data_dir
        self.oom = oom
        self.recorder = recorder
        self.extra = extra
        self.sources = sources  # further polled sources (memcached servers) noted under their poller's name
        self.clock = clock
        self._guard_cache: tuple[tuple[int, ...], Counter[tuple[str, str]], float] | None = None

    def collect(self) -> Iterator[Metric]:
        polls = GaugeFamily(
            "hostward_source_last_poll_timestamp_seconds",
            "When a slowly read source was last read successfully (0: not yet); scrapes serve that reading.",
            labels=("source",),
        )
        up = GaugeFamily(
            "hostward_source_up", "Whether the last read of a polled source succeeded.", labels=("source",)
        )
        if self.oom is not None:
            latest = self.oom.latest()
            self._note(polls, up, "kernel_log", latest)
            yield self._oom_family(latest.value)
        yield from self._guard_families()
        if self.recorder is not None:
            latest_rec = self.recorder.latest()
            self._note(polls, up, "recorder", latest_rec)
            yield from self._recorder_families(latest_rec.value)
        for extra in self.extra:
            yield from extra()
        for source in self.sources:
            self._note(polls, up, source.name, source.latest())
        yield polls
        yield up

    @staticmethod
    def _note(polls: GaugeFamily, up: GaugeFamily, source: str, latest: Polled[Any]) -> None:
        polls.add_metric((source,), latest.timestamp)
        up.add_metric((source,), 1 if latest.error is None and latest.timestamp else 0)

    @staticmethod
    def _oom_family(kills: OomKills | None) -> Metric:
        family = CounterFamily(
            "hostward_oom_kills_total",
            "Processes killed by the kernel's OOM killer, seen in the kernel log, by victim.",
            labels=("comm", "cgroup", "constraint"),
        )
        for labels, count in kills.by_victim if kills else ():
            family.add_metric(labels, count)
        return family

    def _guard_families(self) -> Iterator[Metric]:
        family = CounterFamily(
            "hostward_guard_actions_total",
            "Actions of the early OOM guard by outcome (signal, escalate, exited, error) and dry run.",
            labels=("outcome", "dry_run"),
        )
        counts, last = self._guard_counts()
        for outcome in GUARD_OUTCOMES:
            for dry in ("false", "true"):
                family.add_metric((outcome, dry), counts[(outcome, dry)])
        yield family
        yield GaugeFamily(
            "hostward_guard_last_action_timestamp_seconds",
            "When the guard last acted (0: never).",
            value=last,
        )

    def _guard_counts(self) -> tuple[Counter[tuple[str, str]], float]:
        """Actions by (outcome, dry_run) and the last one's time, re-read only when events.jsonl changed (it is
        append-only and grows for as long as the guard runs; a scrape costs one stat while it stays the same)."""
        path = self.data_dir / "events.jsonl"
        try:
            st = path.stat()
            key: tuple[int, ...] = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            key = ()
        cached = self._guard_cache
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        counts: Counter[tuple[str, str]] = Counter()
        try:
            events = read_events(path) if key else []
        except StoreError:
            events = []
        last = 0.0
        for event in events:
            if event.kind in GUARD_OUTCOMES:
                counts[(event.kind, "true" if event.dry_run else "false")] += 1
                last = max(last, event.time)
        self._guard_cache = (key, counts, last)  # replaced whole: concurrent scrapes see one or the other
        return counts, last

    def _recorder_families(self, state: RecorderState | None) -> Iterator[Metric]:
        if state is None:
            return
        yield GaugeFamily(
            "hostward_recorder_samples_today",
            "Samples stored in today's day file.",
            value=state.samples_today,
        )
        yield GaugeFamily(
            "hostward_recorder_last_write_timestamp_seconds",
            "When the recorder last wrote its day file (0: no file today).",
            value=state.last_write_time,
        )
        if state.status is not None:
            yield CounterFamily(
                "hostward_recorder_write_errors_total",
                "Day-file writes that failed (full disk, I/O error, unwritable file) in this recorder session.",
                value=state.status.write_errors,
            )
            yield GaugeFamily(
                "hostward_recorder_last_write_error_timestamp_seconds",
                "When a day-file write last failed (0: not in this recorder session).",
                value=state.status.last_error_time,
            )
        yield from clock_families(state.clock)
        if state.last_write_time:
            yield GaugeFamily(
                "hostward_recorder_lag_seconds",
                "Seconds since the recorder last wrote its day file.",
                value=max(0.0, self.clock() - state.last_write_time),
            )

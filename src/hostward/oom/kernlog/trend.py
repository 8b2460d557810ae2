"""What hostward recorded in the minutes before an OOM kill: the memory trend and the processes that grew.

The recorder (``hostward record``) stores /proc/meminfo and the top processes by resident memory with every
sample. For one OOM event this module takes the samples from ``before_seconds`` before the kill to
``after_seconds`` after it and computes how MemAvailable, MemFree, page cache, anon and swap moved, and which
recorded processes grew by how much. ``compute_trend`` is pure (a DayData in, typed records out);
``TrendLoader`` is the thin part that finds the event's time and reads the data files.

Limits worth knowing: only the top N processes by RSS are recorded, so a process "appeared" in the window when
it started *or* when it grew into that list; and a victim smaller than the N largest processes on the host
(typical for a kill inside a small memory cgroup) is not recorded at all.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from hostward.errors import StoreError
from hostward.frozen import frozen
from hostward.store.paths import day_parts

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from pathlib import Path

    from hostward.collect.procs import ProcessInfo
    from hostward.collect.sample import SystemSample
    from hostward.oom.kernlog.oomevent import OomEvent
    from hostward.store import DayData, Entry

# The store (reader, codec, every collect record) is imported only when the data directory holds a file of a day
# the log's events fall on (store/paths.py names the files and imports none of it): a report on a host that does
# not record, or of a log without a recording, starts without it (issue 17).

BEFORE_SECONDS = 600.0
AFTER_SECONDS = 60.0
MIB = 1 << 20


@frozen
class EventTime:
    epoch: float  # seconds since the epoch
    approximate: (
        bool  # derived from the printk clock, which stops during suspend (and dmesg -T does the same)
    )
    origin: str  # "log" (the log's own time stamp), "dmesg -T", or "boot" (printk stamp + boot time)


@frozen
class MemoryPoint:
    """System memory at one recorded sample (kB, as /proc/meminfo prints it)."""

    timestamp: float
    seconds_to_event: float  # negative before the kill
    available_kb: int
    free_kb: int
    page_cache_kb: int  # Cached (sar's kbcached): file pages less buffers and swap cache
    anon_kb: int  # AnonPages
    swap_used_kb: int  # SwapTotal - SwapFree


@frozen
class MemoryRates:
    """Change per minute between the first and the last sample before the kill (negative: falling)."""

    available_kb_per_minute: float
    free_kb_per_minute: float
    page_cache_kb_per_minute: float
    anon_kb_per_minute: float
    swap_used_kb_per_minute: float


@frozen
class MemoryTrend:
    first: MemoryPoint
    last: MemoryPoint  # the last sample at or before the kill
    lowest_available: MemoryPoint  # the earliest sample with the lowest MemAvailable before the kill
    rates: MemoryRates | None  # None with a single sample before the kill
    per_minute: tuple[
        MemoryPoint, ...
    ]  # the first sample, then the last sample of each minute before the kill
    after: MemoryPoint | None  # the first sample after the kill, when one was recorded in the window


@frozen
class Growth:
    """One recorded process (pid + start time, so a reused pid is another process) before the kill."""

    pid: int
    comm: str  # as of its last sample
    command: str
    first_seen: float  # timestamps of its first and last sample in the window, before the kill
    last_seen: float
    span_seconds: float  # between those two samples, measured on the uptime clock when possible
    rss_first_bytes: int
    rss_last_bytes: int
    swap_last_bytes: int
    samples: int
    appeared: bool  # not in the window's first process list: it started, or grew into the top N, meanwhile

    @property
    def growth_bytes(self) -> int:
        return self.rss_last_bytes - self.rss_first_bytes

    @property
    def growth_mib(self) -> float:
        return self.growth_bytes / MIB

    @property
    def growth_mib_per_minute(self) -> float | None:
        return self.growth_mib * 60 / self.span_seconds if self.span_seconds > 0 else None


@frozen
class EventTrend:
    at: EventTime
    window_start: float
    window_end: float
    samples_before: int
    samples_after: int
    memory: MemoryTrend
    processes: tuple[Growth, ...]  # every recorded process seen before the kill, largest growth first
    top_processes_recorded: int  # the longest process list of a sample (the recorder's top_processes)
    victim_pid: int | None
    victim: Growth | None  # the victim among the recorded processes, when it was there
    notes: tuple[str, ...]


@frozen
class NoTrend:
    """Why there is no trend for an event: a sentence for the report, never an error."""

    note: str


# -- the event's wall-clock time ---------------------------------------------------------------------------------
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1
    )
}
# syslog "Nov 27 17:00:00[.123]" (no year) and dmesg -T "Nov 27 17:00:00 2026" (the weekday is cut by kernlog)
_BSD = re.compile(r"(\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d(?:\.\d+)?)(?: (\d{4}))?")
# journalctl -o short-full "2026-11-27 17:00:00 UTC": a zone abbreviation, which fromisoformat refuses
_FULL = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (\S+)")


def parse_wall_time(text: str, *, now: float) -> EventTime | None:
    """The epoch time of a wall-clock stamp as kernlog keeps it, or None when it is not one of its formats.
    Stamps without a zone are local time; a syslog stamp without a year is taken in the year that puts it
    not more than a day after ``now``."""
    text = text.strip()
    try:
        moment = dt.datetime.fromisoformat(text)
        return EventTime(moment.timestamp(), False, "log")  # naive -> local time
    except ValueError:
        pass
    if m := _BSD.fullmatch(text):
        month = _MONTHS.get(m[1])
        if month is None:
            return None
        seconds = float(m[5])
        whole = int(seconds)
        try:
            if m[6]:  # dmesg -T: computed by dmesg from the boot time, as inexact as "boot"
                return EventTime(
                    _local(int(m[6]), month, int(m[2]), m, whole) + seconds - whole, True, "dmesg -T"
                )
            year = dt.datetime.fromtimestamp(now).year
            epoch = _local(year, month, int(m[2]), m, whole)
            if epoch > now + 86400:  # "Dec 31" read in January
                epoch = _local(year - 1, month, int(m[2]), m, whole)
        except ValueError:  # Feb 29 of a year that has none, or a day 31 in a 30-day month
            return None
        return EventTime(epoch + seconds - whole, False, "log")
    if m := _FULL.fullmatch(text):
        zone = m[2]
        try:
            moment = dt.datetime.fromisoformat(m[1])
        except ValueError:
            return None
        if zone in ("UTC", "GMT", "Z"):
            return EventTime(moment.replace(tzinfo=dt.UTC).timestamp(), False, "log")
        # Another abbreviation: only the local zone's own names can be resolved without a zone database.
        return EventTime(moment.timestamp(), zone not in time.tzname, "log")
    return None


def _local(year: int, month: int, day: int, m: re.Match[str], whole_seconds: int) -> float:
    return dt.datetime(year, month, day, int(m[3]), int(m[4]), whole_seconds).timestamp()


def event_time(event: OomEvent, boot_epoch: float | None, *, now: float) -> EventTime | None:
    """When the kill happened: the log's own wall-clock stamp when it has one, else the printk stamp plus the
    boot time (for this boot's dmesg or /dev/kmsg; approximate: the printk clock does not count suspend)."""
    if event.wall_time is not None and (parsed := parse_wall_time(event.wall_time, now=now)) is not None:
        return parsed
    if boot_epoch is not None and event.monotonic_seconds is not None:
        return EventTime(boot_epoch + event.monotonic_seconds, True, "boot")
    return None


# -- the pure part -----------------------------------------------------------------------------------------------
def _span(a: SystemSample, b: SystemSample) -> float:
    """Seconds from a to b: on the uptime clock within one boot (a wall-clock step does not distort it, as in
    activities.base.uptime_cs), else on the wall clock."""
    if b.uptime_seconds >= a.uptime_seconds and b.timestamp >= a.timestamp:
        return b.uptime_seconds - a.uptime_seconds
    return b.timestamp - a.timestamp


def _point(sample: SystemSample, event_epoch: float) -> MemoryPoint:
    m = sample.memory
    return MemoryPoint(
        timestamp=sample.timestamp,
        seconds_to_event=sample.timestamp - event_epoch,
        available_kb=m.mem_available_kb,
        free_kb=m.mem_free_kb,
        page_cache_kb=m.cached_kb,
        anon_kb=m.anon_pages_kb,
        swap_used_kb=max(m.swap_total_kb - m.swap_free_kb, 0),
    )


def _rates(first: MemoryPoint, last: MemoryPoint, seconds: float) -> MemoryRates | None:
    if seconds <= 0:
        return None
    per = 60.0 / seconds
    return MemoryRates(
        available_kb_per_minute=(last.available_kb - first.available_kb) * per,
        free_kb_per_minute=(last.free_kb - first.free_kb) * per,
        page_cache_kb_per_minute=(last.page_cache_kb - first.page_cache_kb) * per,
        anon_kb_per_minute=(last.anon_kb - first.anon_kb) * per,
        swap_used_kb_per_minute=(last.swap_used_kb - first.swap_used_kb) * per,
    )


def _memory(before: list[SystemSample], after: list[SystemSample], event_epoch: float) -> MemoryTrend:
    points = [_point(s, event_epoch) for s in before]
    last_of_minute: dict[int, MemoryPoint] = {}
    for p in points:  # in time order, so the last one of each minute before the kill stays
        last_of_minute[int(-p.seconds_to_event // 60)] = p
    per_minute = sorted({id(p): p for p in (points[0], *last_of_minute.values())}.values(), key=_stamp)
    return MemoryTrend(
        first=points[0],
        last=points[-1],
        lowest_available=min(points, key=lambda p: (p.available_kb, p.timestamp)),
        rates=_rates(points[0], points[-1], _span(before[0], before[-1])),
        per_minute=tuple(per_minute),
        after=_point(after[0], event_epoch) if after else None,
    )


def _stamp(p: MemoryPoint) -> float:
    return p.timestamp


_Key = tuple[int, int]


def _processes(before: list[SystemSample]) -> tuple[Growth, ...]:
    first: dict[_Key, tuple[SystemSample, ProcessInfo]] = {}
    last: dict[_Key, tuple[SystemSample, ProcessInfo]] = {}
    counts: dict[_Key, int] = {}
    # pid + start time identify a process, as in the store (procs_codec): a reused pid is another process.
    at_start = {(p.pid, p.start_ticks) for p in before[0].top_processes}
    for sample in before:
        for proc in sample.top_processes:
            key = (proc.pid, proc.start_ticks)
            first.setdefault(key, (sample, proc))
            last[key] = (sample, proc)
            counts[key] = counts.get(key, 0) + 1
    result = []
    for key, (s0, p0) in first.items():
        s1, p1 = last[key]
        result.append(
            Growth(
                pid=p1.pid,
                comm=p1.comm,
                command=p1.command,
                first_seen=s0.timestamp,
                last_seen=s1.timestamp,
                span_seconds=_span(s0, s1),
                rss_first_bytes=p0.rss_bytes,
                rss_last_bytes=p1.rss_bytes,
                swap_last_bytes=p1.swap_bytes,
                samples=counts[key],
                appeared=key not in at_start,
            )
        )
    return tuple(sorted(result, key=lambda g: (-g.growth_bytes, g.pid)))


def compute_trend(
    data: DayData,
    at: EventTime,
    victim_pid: int | None = None,
    *,
    before_seconds: float = BEFORE_SECONDS,
    after_seconds: float = AFTER_SECONDS,
    data_dir: Path | None = None,
    now: float | None = None,
) -> EventTrend | NoTrend:
    """The trend around ``at`` from the samples of ``data`` (any entries; those outside the window are
    ignored). ``data_dir`` and ``now`` only shape the note when nothing was recorded: where hostward looked,
    and whether the window is today (then its date is left out)."""
    from hostward.collect.sample import SystemSample  # noqa: PLC0415  (the store imported it: data was read)

    start, end = at.epoch - before_seconds, at.epoch + after_seconds
    window = sorted(
        (e for e in data.entries if isinstance(e, SystemSample) and start <= e.timestamp <= end),
        key=lambda s: s.timestamp,
    )
    before = [s for s in window if s.timestamp <= at.epoch]
    after = [s for s in window if s.timestamp > at.epoch]
    if not before:
        if after:
            return NoTrend(
                f"hostward recorded {_span_text(start, end, now)} only after the kill "
                f"(from {_clock(after[0].timestamp)}): nothing to compare"
            )
        return no_coverage(start, end, data_dir, now)
    processes = _processes(before)
    top_n = max(len(s.top_processes) for s in before)
    victims = [g for g in processes if g.pid == victim_pid]
    victim = max(victims, key=lambda g: g.last_seen) if victims else None
    notes = []
    if len(before) == 1:
        notes.append("only one sample before the kill: no rates of change")
    if top_n == 0:
        notes.append("the recorder kept no process list (top_processes = 0)")
    elif victim_pid is not None and victim is None:
        notes.append(
            f"the victim (pid {victim_pid}) was not among the {top_n} largest processes recorded: smaller "
            "than those (a kill inside a small memory cgroup), or it lived between two samples"
        )
    return EventTrend(
        at=at,
        window_start=start,
        window_end=end,
        samples_before=len(before),
        samples_after=len(after),
        memory=_memory(before, after, at.epoch),
        processes=processes,
        top_processes_recorded=top_n,
        victim_pid=victim_pid,
        victim=victim,
        notes=tuple(notes),
    )


def no_coverage(start: float, end: float, data_dir: Path | None, now: float | None = None) -> NoTrend:
    where = f" (looked in {data_dir})" if data_dir is not None else ""
    return NoTrend(
        f"no hostward recording covers {_span_text(start, end, now)}{where}; "
        "run `hostward record` to get trends next time"
    )


def _span_text(start: float, end: float, now: float | None) -> str:
    """Local times like 17:03–17:14; the date goes first unless it is today, and before the end time too
    when the window crosses midnight."""
    a, b = dt.datetime.fromtimestamp(start), dt.datetime.fromtimestamp(end)
    today = dt.date.fromtimestamp(time.time() if now is None else now)
    head = f"{a:%H:%M}" if a.date() == today else f"{a:%Y-%m-%d %H:%M}"
    return head + "–" + (f"{b:%H:%M}" if b.date() == a.date() else f"{b:%Y-%m-%d %H:%M}")


def _clock(epoch: float) -> str:
    return f"{dt.datetime.fromtimestamp(epoch):%H:%M:%S}"


# -- the thin loader ---------------------------------------------------------------------------------------------
class TrendLoader:
    """Trends for the events of one report. Whole days are read once and kept (a log often holds many kills of
    the same day, and a day at 1 s is tens of MiB to decode), at most ``max_days`` of them."""

    def __init__(
        self,
        data_dir: Path,
        *,
        before_seconds: float = BEFORE_SECONDS,
        after_seconds: float = AFTER_SECONDS,
        clock: Callable[[], float] = time.time,
        max_days: int = 3,
    ) -> None:
        self.data_dir = data_dir
        self.before_seconds = before_seconds
        self.after_seconds = after_seconds
        self._clock = clock
        self._max_days = max_days
        self._days: dict[dt.date, DayData | str | None] = {}  # data, a read error, or nothing recorded

    def trend(self, event: OomEvent, boot_epoch: float | None) -> EventTrend | NoTrend:
        now = self._clock()
        at = event_time(event, boot_epoch, now=now)
        if at is None:
            return NoTrend(
                "the log gives no wall-clock time for this event (printk stamps of an unknown boot): "
                "read this boot's log with --dmesg or --kmsg, or a log with dates, to see recorded trends"
            )
        start, end = at.epoch - self.before_seconds, at.epoch + self.after_seconds
        parts: list[DayData] = []
        errors: list[str] = []
        day, last = dt.date.fromtimestamp(start), dt.date.fromtimestamp(end)
        while day <= last:
            got = self._day(day)
            if isinstance(got, str):
                errors.append(got)
            elif got is not None:
                parts.append(got)
            day += dt.timedelta(days=1)
        if not parts:
            if errors:
                return NoTrend(f"cannot read hostward's recordings: {'; '.join(errors)}")
            return no_coverage(start, end, self.data_dir, now)
        from hostward.store import DayData  # noqa: PLC0415  (imported by _day already: days were read)

        entries: tuple[Entry, ...] = tuple(e for p in parts for e in p.entries)
        victim = event.victims[0].pid if event.victims else None
        return compute_trend(
            DayData(parts[0].host, entries, parts[0].previous),
            at,
            victim,
            before_seconds=self.before_seconds,
            after_seconds=self.after_seconds,
            data_dir=self.data_dir,
            now=now,
        )

    def _day(self, day: dt.date) -> DayData | str | None:
        if day not in self._days:
            if len(self._days) >= self._max_days:
                del self._days[next(iter(self._days))]  # the oldest read: logs run forward in time
            try:
                if files := day_parts(self.data_dir, day):
                    from hostward.store import read_day  # noqa: PLC0415  (see the note at the imports)

                    self._days[day] = read_day(self.data_dir, day, files=files)
                else:
                    self._days[day] = None
            except StoreError as exc:  # a damaged file must not cost the whole report
                self._days[day] = str(exc)
        return self._days[day]

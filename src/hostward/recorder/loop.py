"""The record loop: sample, append, sleep; rotate at local midnight; survive a full disk; stop on a signal.

sadc's behaviours kept here, with their reasons:

* A restart mark ("LINUX RESTART") is written when the recorder starts on a new boot (recorder/bootmark.py):
  counters restarted from zero, so reports never compute a rate across it. A recorder restarted on the same
  boot is a gap, as with sadc (which writes its R_RESTART record only at boot, ``sa1 --boot``): the first
  interval after it spans the gap, from counters that kept counting.
* At local midnight the new day's file starts with the old day's last sample, flagged as carried, so the new
  day's first interval has a predecessor (sadc writes the first sample of the new day at the end of the old
  file *and* at the top of the new one, for the same purpose).
* The data file is ``fdatasync``-ed when a day is closed, not after every sample.

A write that fails (disk full, I/O error) loses that sample only: the failure is logged once, sampling goes
on, and every following sample retries (reopening the file, which also drops a torn tail) until writing works
again; the first success is logged with the number of samples lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hostward.collect.cpu import read_stat
from hostward.collect.host import HostInfo, read_host
from hostward.collect.redact import Redactor
from hostward.collect.sample import SystemSample
from hostward.config import CacheConfig, NtpConfig, RecordConfig
from hostward.errors import CollectError, StoreError
from hostward.procfs import ProcFS
from hostward.recorder.bootmark import boot_id, rebooted_since_last_session, remember_boot
from hostward.recorder.cachewatch import CacheWatch
from hostward.recorder.sampler import CachingSampler
from hostward.recorder.schedule import Schedule
from hostward.recorder.selection import groups_for
from hostward.recorder.status import LOCK_NAME, note_write_errors, start_status
from hostward.recorder.timehealth import TimeHealth
from hostward.safefs import check_private_dir, make_dirs, open_lock, prepare_private_dir
from hostward.store.housekeeping import housekeep
from hostward.store.model import CommentMark, RestartMark
from hostward.store.paths import day_path
from hostward.store.writer import DataFileWriter, is_disk_full

log = logging.getLogger("hostward.record")

WriterFactory = Callable[[Path, dt.date, HostInfo], DataFileWriter]


def local_day(timestamp: float) -> dt.date:
    """The local calendar day of a wall-clock timestamp: sysstat's files are local-time days too."""
    return dt.date.fromtimestamp(timestamp)


@dataclass(slots=True)
class RecordSummary:
    samples: int = 0  # samples taken
    written: int = 0  # samples stored
    lost: int = 0  # samples that could not be stored (full disk, I/O error)
    write_errors: int = 0  # failed writes and closes of day files (published in the lock file: status.py)
    collect_errors: int = 0
    files: list[Path] = field(default_factory=list)


class Recorder:
    """One recording session. ``run()`` returns when ``count`` samples were taken or ``stop()`` was called
    (from a signal handler: it only sets flags)."""

    def __init__(
        self,
        config: RecordConfig,
        *,
        procfs: ProcFS | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        writer_factory: WriterFactory | None = None,
        comment: str | None = None,
        housekeeping: bool = True,
        ntp: NtpConfig | None = None,
        time_health: TimeHealth | None = None,
        cache: CacheConfig | None = None,
        cache_watch: CacheWatch | None = None,
    ) -> None:
        # First: a bad [record] redact_patterns entry is a ConfigError before anything is opened.
        redactor = Redactor(redact=config.redact_cmdline, patterns=config.redact_patterns)
        self.config = config
        self.procfs = procfs or ProcFS()
        self.clock = clock
        self.monotonic = monotonic
        self.writer_factory: WriterFactory = writer_factory or (
            lambda path, day, host: DataFileWriter.open(path, day, host, clock=clock)
        )
        self.comment = comment
        self.housekeeping = housekeeping
        self.summary = RecordSummary()
        if time_health is None:
            # adjtimex with every sample; the [ntp] servers (if any) at most every 64 s, off the sampling path.
            ntp = ntp or NtpConfig()
            time_health = TimeHealth(
                ntp.servers,
                timeout=ntp.timeout_seconds,
                samples_per_server=ntp.samples_per_server,
                burst_interval=ntp.interval_seconds,
            )
        if cache_watch is None and cache is not None and cache.servers:
            # [cache] servers: polled in background threads, never on the sampling path (recorder/cachewatch.py).
            cache_watch = CacheWatch(
                cache.servers, interval=config.interval_seconds, timeout=cache.timeout_seconds
            )
        self._sample = CachingSampler(
            self.procfs,
            clock,
            monotonic,
            top_processes=config.top_processes,
            time_health=time_health,
            cmdline_filter=redactor,
            cache_watch=cache_watch,
            groups=groups_for(config.activities),
        )
        # Held while nobody asked to stop: the loop sleeps in acquire(timeout=...) and stop() releases it. One C
        # call per sample, where Event.wait ran threading.Condition's Python code (a lock allocated, a deque,
        # two acquires): ~40 us more CPU per sample on the test VMs, a twentieth of the recorder's cost. A
        # release also never blocks, so stop() is safe in a signal handler at any point of the loop (Event.set
        # takes the Condition's lock, which the interrupted loop may hold).
        self._wake = threading.Lock()
        self._wake.acquire()
        self._stop = False
        self._reopen = False
        self._writer: DataFileWriter | None = None
        self._host: HostInfo | None = None
        self._previous: SystemSample | None = None  # last sample of this session, for the midnight carry
        self._pending: list[RestartMark | CommentMark] = []  # marks not yet stored (disk full at start)
        self._failing_since: float | None = None
        self._lost_in_outage = 0
        self._housekept: dt.date | None = None
        self._housekeeper: threading.Thread | None = None
        self._lock_fd = -1

    # -- control, safe from signal handlers -----------------------------------------------------------------
    def stop(self) -> None:
        self._stop = True
        with contextlib.suppress(RuntimeError):  # already released by an earlier stop()
            self._wake.release()

    def reopen(self) -> None:
        """SIGHUP: close the data file and open it again before the next write (after it was moved)."""
        self._reopen = True

    # -- the loop ----------------------------------------------------------------------------------------------
    def run(self, count: int | None = None) -> RecordSummary:
        """Record until ``count`` samples were taken or ``stop()``. Raises StoreError when another recorder
        is already recording into the same directory (two delta-encoded streams must not interleave)."""
        interval = self.config.interval_seconds
        lock = acquire_directory_lock(self.config.data_dir)
        self._lock_fd = lock
        schedule = Schedule(interval, self.monotonic(), self.clock())
        first = True
        try:
            while not self._stop:
                self._take_and_store(first)
                first = False
                if count is not None and self.summary.samples >= count:
                    break
                due = schedule.next_due(self.monotonic())
                while not self._stop:
                    remaining = due - self.monotonic()
                    if remaining <= 0:
                        break
                    self._wake.acquire(timeout=remaining)
        finally:
            self._close(sync=True)
            self._sample.close()
            if self._housekeeper is not None:
                # Let a compression finish rather than leave its temporary file behind.
                self._housekeeper.join(timeout=120)
            self._lock_fd = -1
            if lock >= 0:
                os.close(lock)
        return self.summary

    def _take_and_store(self, first: bool) -> None:
        try:
            sample = self._sample()
        except CollectError as exc:
            self.summary.collect_errors += 1
            log.error("sampling failed: %s", exc)
            return
        self.summary.samples += 1
        if self._host is None:
            self._host = read_host(self.procfs, len(sample.cpu.per_cpu))
        if first:
            current_boot = boot_id(self.procfs, sample)
            if rebooted_since_last_session(self.config.data_dir, current_boot):
                self._pending.append(RestartMark(sample.timestamp, sample.uptime_seconds, self._host))
            else:
                log.info("same boot as the last recording session: a gap in the recording, not a restart")
            remember_boot(self.config.data_dir, current_boot)
            if self.comment:
                self._pending.append(CommentMark(sample.timestamp, self.comment))
        self._store(sample)
        self._previous = sample

    def _store(self, sample: SystemSample) -> None:
        day = local_day(sample.timestamp)
        if self._reopen:
            self._reopen = False
            log.info("reopening the data file (SIGHUP)")
            self._close(sync=False)
        try:
            writer = self._writer
            if writer is not None and writer.day != day:
                self._close(sync=True)  # midnight: close the old day like sadc (fdatasync)
                writer = None
            if writer is None:
                writer = self._open(day)
                previous = self._previous
                if not self._pending and previous is not None and local_day(previous.timestamp) != day:
                    # A new day's file inside a session: give its first sample a predecessor.
                    writer.write_sample(previous, carried=True)
            while self._pending:
                mark = self._pending[0]
                if isinstance(mark, RestartMark):
                    writer.write_restart(mark)
                else:
                    writer.write_comment(mark)
                self._pending.pop(0)
            writer.write_sample(sample)
        except StoreError as exc:
            self._write_failed(exc)
            return
        self.summary.written += 1
        if self._failing_since is not None:
            log.warning(
                "writing to %s again; %d sample(s) since %s could not be stored",
                self._writer.path if self._writer else "?",
                self._lost_in_outage,
                time.strftime("%H:%M:%S", time.localtime(self._failing_since)),
            )
            self._failing_since = None
            self._lost_in_outage = 0
        self._maybe_housekeep(day)

    def _open(self, day: dt.date) -> DataFileWriter:
        assert self._host is not None  # set before the first store
        path = day_path(self.config.data_dir, day)
        writer = self.writer_factory(path, day, self._host)
        self._writer = writer
        if path not in self.summary.files:
            self.summary.files.append(path)
        log.info("recording into %s every %g s", path, self.config.interval_seconds)
        return writer

    def _count_write_error(self) -> None:
        self.summary.write_errors += 1
        note_write_errors(self._lock_fd, self.summary.write_errors, self.clock())

    def _write_failed(self, exc: StoreError) -> None:
        self.summary.lost += 1
        self._count_write_error()
        self._lost_in_outage += 1
        # Reopen before the next write: that re-validates the file and drops anything half-written.
        self._close(sync=False, counted=True)
        if self._failing_since is None:
            self._failing_since = self.clock()
            advice = (
                "; still sampling, will resume writing when space is freed"
                if is_disk_full(exc)
                else ("; still sampling, retrying at every sample")
            )
            log.error("%s%s", exc, advice)
        else:
            log.debug("still cannot write: %s", exc)

    def _close(self, *, sync: bool, counted: bool = False) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            writer.close(sync=sync)
        except StoreError as exc:
            # a failed close (fdatasync at midnight) lost data too; after a failed write it is counted once
            if not counted:
                self._count_write_error()
            log.warning("%s", exc)

    def _maybe_housekeep(self, today: dt.date) -> None:
        """Once a day (at start and after midnight), in a thread: xz takes seconds on a big day file."""
        if not self.housekeeping or self._housekept == today:
            return
        self._housekept = today
        config = self.config
        thread = threading.Thread(
            target=_housekeep_quietly,
            args=(config.data_dir, today, config.retention_days, config.compress_after_days),
            name="hostward-housekeeping",
            daemon=True,
        )
        thread.start()
        self._housekeeper = thread


def acquire_directory_lock(data_dir: Path) -> int:
    """Hold an exclusive flock on ``data_dir/.hostward-record.lock`` (sadc -L locks its file the same way) and
    return its descriptor (-1 when a full disk prevents creating it). The lock goes with the process, so a
    kill -9 never leaves a stale one."""
    path = data_dir / LOCK_NAME
    try:
        make_dirs(data_dir)
        check_private_dir(data_dir)
        fd = open_lock(path)  # never through a planted symlink or hard link
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            # A full disk must not stop the recorder (it waits for space); go on without the guard.
            log.warning(
                "cannot create %s (%s): recording without the single-recorder lock", path, exc.strerror
            )
            return -1
        raise StoreError(f"cannot create {path}: {exc.strerror}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").split("\n")[0].strip() or "?"
        os.close(fd)
        raise StoreError(
            f"another hostward record (pid {holder}) is already recording into {data_dir}; "
            "use a different --data-dir, or --comment alone to add a note"
        ) from None
    start_status(fd)  # the pid for the message above, and the write-error count (status.py)
    return fd


def _housekeep_quietly(data_dir: Path, today: dt.date, retention_days: int, compress_after_days: int) -> None:
    try:
        housekeep(data_dir, today, retention_days, compress_after_days)
    except StoreError as exc:
        log.error("housekeeping: %s", exc)


def append_comment(
    data_dir: Path, text: str, *, procfs: ProcFS | None = None, clock: Callable[[], float] = time.time
) -> Path:
    """``hostward record --comment TEXT`` without sampling: add a comment to today's file and return its path
    (sadc -C with no interval). Safe beside a running recorder: appends are locked and atomic."""
    procfs = procfs or ProcFS()
    prepare_private_dir(data_dir)
    now = clock()
    day = local_day(now)
    path = day_path(data_dir, day)
    host = read_host(procfs, len(read_stat(procfs).per_cpu))
    with DataFileWriter.open(path, day, host, clock=clock) as writer:
        writer.write_comment(CommentMark(now, text))
    return path

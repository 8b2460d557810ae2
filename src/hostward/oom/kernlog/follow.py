"""Kernel OOM kills on the timeline: follow /dev/kmsg and append each kill to DATA_DIR/events.jsonl.

The daemon's ``kernel-log`` part. It reads /dev/kmsg records as they arrive (non-blocking, polled), assembles
OOM reports with the same parser ``hostward oom report`` uses, and writes one ``kernel-kill`` event per victim
(victim, memory cgroup, the report's one-line cause) beside the guard's events, so ``sar -C``, ``plot`` and the
dashboard show the kernel's kills next to the guard's actions.

History is not read again on restart: the sequence number of the last record handled is kept in
DATA_DIR/kmsg.position with the boot id (/proc/sys/kernel/random/boot_id; sequence numbers restart at each
boot). With a position of this boot, reading resumes after it (kills that happened while the daemon was down are
caught up, none twice); without one, reading starts at the end of the ring buffer. The position file is
replaced atomically (temporary file + rename) and read without following a symlink.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hostward.atomic import writing
from hostward.digits import is_digits
from hostward.errors import CollectError, PermissionProblem, StoreError, UnsafePath
from hostward.oom.guard.events import KIND_KERNEL_KILL, GuardEvent, append_event, events_path
from hostward.oom.kernlog.kernlog import MAX_LINE_BYTES, split_line
from hostward.oom.kernlog.oomevent import OomEvent
from hostward.oom.kernlog.oomparse import OomReportParser
from hostward.oom.kernlog.report import verdict
from hostward.safefs import make_dirs, open_read

log = logging.getLogger("hostward.kernel-log")

POSITION_FILE = "kmsg.position"
BOOT_ID = "/proc/sys/kernel/random/boot_id"
POLL_SECONDS = 0.5
SAVE_EVERY_SECONDS = 30.0  # the position is saved at least this often while ordinary records flow
MAX_POSITION_BYTES = 256


@dataclass(frozen=True, slots=True)
class KmsgPosition:
    boot_id: str
    seq: int  # the last record handled


def read_position(path: Path) -> KmsgPosition | None:
    """The saved position, or None when there is none or it is unusable (a symlink, garbage: start afresh)."""
    try:
        fd = open_read(path)
    except (OSError, UnsafePath):
        return None
    try:
        text = os.read(fd, MAX_POSITION_BYTES).decode("ascii", "replace").split()
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(text) != 2 or not is_digits(text[1]):
        return None
    return KmsgPosition(text[0], int(text[1]))


def write_position(path: Path, position: KmsgPosition) -> None:
    with writing(path, what="save the kernel log position to") as handle:
        handle.write(f"{position.boot_id} {position.seq}\n".encode("ascii", "replace"))


def read_boot_id(path: str = BOOT_ID) -> str:
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read(64).strip() or "unknown"
    except OSError:
        return "unknown"


def kill_events(event: OomEvent, wall_time: float, seq: int | None = None) -> list[GuardEvent]:
    """One ``kernel-kill`` event per victim of a kernel OOM event: who, which cgroup, the one-line cause."""
    cause = verdict(event).summary
    cgroup = event.task_memcg or event.oom_memcg
    scope = f"memcg {event.oom_memcg or cgroup}" if event.scope == "memcg" else event.scope
    extra: dict[str, object] = {"constraint": event.constraint, "cgroup": cgroup}
    if event.monotonic_seconds is not None:
        extra["printk_seconds"] = event.monotonic_seconds
    if seq is not None:
        extra["seq"] = seq
    return [
        GuardEvent(
            time=wall_time,
            kind=KIND_KERNEL_KILL,
            reason=cause,
            pid=victim.pid,
            comm=victim.comm,
            signal="SIGKILL",
            scope=scope,
            extra=extra,
        )
        for victim in event.victims
    ]


class KmsgFollower:
    """Polls /dev/kmsg; each completed OOM report becomes events. ``run`` until ``stop``."""

    def __init__(
        self,
        data_dir: Path,
        *,
        device: str = "/dev/kmsg",
        boot_id: Callable[[], str] = read_boot_id,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.data_dir = data_dir
        self.device = device
        self.events_file = events_path(data_dir)
        self.position_file = data_dir / POSITION_FILE
        self._boot_id = boot_id
        self._clock = clock
        self._monotonic = monotonic
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._fd: int | None = None
        self._skip_through = -1  # records up to this seq were handled before a restart
        self._boot = ""
        self._parser = OomReportParser()
        self._open_lines = 0  # lines fed since the parser was last finished
        self._last_seq: int | None = None  # last record read
        self._saved_at = 0.0
        self.kills_written = 0

    # -- life cycle -----------------------------------------------------------------------------------------
    def open(self) -> None:
        """Open the device and position it: after the saved record of this boot, else at the end."""
        try:
            fd = os.open(self.device, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except PermissionError as exc:
            raise PermissionProblem(f"{self.device}: permission denied (needs root or CAP_SYSLOG)") from exc
        except OSError as exc:
            raise CollectError(f"{self.device}: {exc.strerror}") from exc
        self._fd = fd
        self._boot = self._boot_id()
        saved = read_position(self.position_file)
        try:
            if saved is not None and saved.boot_id == self._boot:
                os.lseek(fd, 0, os.SEEK_SET)  # the oldest record still kept; handled ones are skipped
                self._skip_through = saved.seq
            else:
                os.lseek(fd, 0, os.SEEK_END)
        except OSError as exc:
            self.close()
            raise CollectError(f"{self.device}: cannot seek: {exc.strerror}") from exc

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> int:
        self.open()
        log.info("kernel-log: following %s for OOM kills", self.device)
        try:
            while not self._stop.is_set():
                self.poll_once()
                self._stop.wait(self.poll_seconds)
            self.poll_once(final=True)
        finally:
            self.close()
        return 0

    # -- one poll -------------------------------------------------------------------------------------------
    def poll_once(self, *, final: bool = False) -> int:
        """Read what arrived; an OOM report with no new line since the last poll is complete. Returns the
        number of kill events written."""
        written = 0
        fed = 0
        for seq, raw in self._records():
            self._last_seq = seq
            if seq <= self._skip_through:
                continue
            line = split_line(raw, seq)
            if line is None:
                continue
            fed += 1
            self._open_lines += 1
            for event in self._parser.feed(line):
                written += self._write(event)
        if (fed == 0 or final) and self._open_lines:
            for event in self._parser.finish():
                written += self._write(event)
            self._parser = OomReportParser()
            self._open_lines = 0
        if self._open_lines == 0 and self._last_seq is not None:
            now = self._monotonic()
            if written or final or now - self._saved_at >= SAVE_EVERY_SECONDS:
                self._save(self._last_seq)
                self._saved_at = now
        return written

    def _records(self) -> Iterator[tuple[int, str]]:
        if self._fd is None:
            return
        while True:
            try:
                record = os.read(self._fd, 16384)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # overwritten before we read it: the next read goes on
                    continue
                raise CollectError(f"{self.device}: {exc.strerror}") from exc
            if not record:
                return
            # /dev/kmsg returns one record per read ("PRI,SEQ,USEC,FLAGS;text\n" then " KEY=value" lines); a
            # regular file or pipe in its place (tests) returns many: take every record line of the chunk.
            for raw in record.split(b"\n"):
                head = raw[:64].split(b",", 2)
                if len(head) < 3 or not head[1].isdigit() or b";" not in raw:
                    continue
                yield int(head[1]), raw[:MAX_LINE_BYTES].decode("utf-8", "surrogateescape")

    def _write(self, event: OomEvent) -> int:
        if not event.victims:
            return 0
        wall = self._clock()
        if event.monotonic_seconds is not None:  # printk's clock runs with CLOCK_MONOTONIC (no suspend)
            wall -= max(self._monotonic() - event.monotonic_seconds, 0.0)
        written = 0
        for kill in kill_events(event, wall, self._last_seq):
            try:
                append_event(self.events_file, kill)
            except StoreError as exc:
                log.error("kernel-log: %s", exc)
                continue
            written += 1
            log.warning("kernel OOM kill: pid %s: %s", kill.pid, kill.reason)
        self.kills_written += written
        return written

    def _save(self, seq: int) -> None:
        try:
            make_dirs(self.data_dir)
        except OSError as exc:
            log.error("kernel-log: cannot create %s: %s", self.data_dir, exc.strerror)
            return
        try:
            write_position(self.position_file, KmsgPosition(self._boot, seq))
        except StoreError as exc:
            log.error("kernel-log: %s", exc)

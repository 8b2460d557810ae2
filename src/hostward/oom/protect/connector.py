"""Process start notifications: the kernel's process-event connector, with a cheap /proc scan as fallback.

The connector (drivers/connector/cn_proc.c, include/uapi/linux/cn_proc.h) multicasts a ``proc_event`` on a
NETLINK_CONNECTOR socket for every fork, exec, uid change, comm change and exit, within microseconds. It needs
CONFIG_PROC_EVENTS and CAP_NET_ADMIN in the initial user namespace; where either is missing, or the socket
overruns (ENOBUFS: events were lost), the caller falls back to comparing /proc listings.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import struct
import time
from collections.abc import Iterator

from hostward.errors import CollectError, PermissionProblem
from hostward.frozen import frozen
from hostward.procfs import ProcFS

NETLINK_CONNECTOR = 11
CN_IDX_PROC = 1
CN_VAL_PROC = 1
PROC_CN_MCAST_LISTEN = 1
PROC_CN_MCAST_IGNORE = 2
NLMSG_DONE = 3

PROC_EVENT_FORK = 0x00000001
PROC_EVENT_EXEC = 0x00000002
PROC_EVENT_UID = 0x00000004
PROC_EVENT_COMM = 0x00000200
PROC_EVENT_EXIT = 0x80000000

_NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
_CN_MSG = struct.Struct("=IIIIHH")  # idx, val, seq, ack, len, flags
_EVENT_HEAD = struct.Struct("=IIQ")  # what, cpu, timestamp_ns
_TWO_PIDS = struct.Struct("=ii")
_FORK = struct.Struct("=iiii")  # parent pid, parent tgid, child pid, child tgid


@frozen
class ProcEvent:
    """A process (thread group) that started, exec'd, changed uid or name: worth (re)checking against rules."""

    kind: str  # "fork", "exec", "uid", "comm", "exit", "overrun" (events were lost: rescan everything)
    tgid: int


def parse_proc_event(data: bytes) -> list[ProcEvent]:
    """Events in one datagram (several netlink messages may be batched). Threads (pid != tgid) are dropped."""
    events: list[ProcEvent] = []
    offset = 0
    while offset + _NLMSGHDR.size <= len(data):
        length, _type, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data, offset)
        if length < _NLMSGHDR.size or offset + length > len(data):
            break
        body = offset + _NLMSGHDR.size
        if body + _CN_MSG.size + _EVENT_HEAD.size <= offset + length:
            idx, val, _s, _a, _l, _f = _CN_MSG.unpack_from(data, body)
            if (idx, val) == (CN_IDX_PROC, CN_VAL_PROC):
                event = _decode(data, body + _CN_MSG.size, offset + length)
                if event is not None:
                    events.append(event)
        offset += (length + 3) & ~3  # NLMSG_ALIGN
    return events


def _decode(data: bytes, start: int, end: int) -> ProcEvent | None:
    what, _cpu, _ts = _EVENT_HEAD.unpack_from(data, start)
    at = start + _EVENT_HEAD.size
    if what == PROC_EVENT_FORK and at + _FORK.size <= end:
        _ppid, _ptgid, child_pid, child_tgid = _FORK.unpack_from(data, at)
        return ProcEvent("fork", child_tgid) if child_pid == child_tgid else None
    kinds = {PROC_EVENT_EXEC: "exec", PROC_EVENT_UID: "uid", PROC_EVENT_COMM: "comm", PROC_EVENT_EXIT: "exit"}
    if what in kinds and at + _TWO_PIDS.size <= end:
        pid, tgid = _TWO_PIDS.unpack_from(data, at)
        if what == PROC_EVENT_EXIT and pid != tgid:
            return None
        return ProcEvent(kinds[what], tgid)
    return None


class ProcConnector:
    """A subscribed connector socket. Use as a context manager; :meth:`events` yields until ``deadline``."""

    def __init__(self) -> None:
        try:
            self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
        except OSError as exc:
            raise CollectError(f"process-event connector unavailable: {exc.strerror}") from exc
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            self._sock.bind((0, CN_IDX_PROC))
            self._send(PROC_CN_MCAST_LISTEN)
        except OSError as exc:
            self._sock.close()
            if exc.errno in (errno.EPERM, errno.EACCES):
                raise PermissionProblem("process-event connector needs CAP_NET_ADMIN") from exc
            raise CollectError(f"process-event connector unavailable: {exc.strerror}") from exc

    def _send(self, op: int) -> None:
        payload = struct.pack("=I", op)
        cn = _CN_MSG.pack(CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(payload), 0) + payload
        header = _NLMSGHDR.pack(_NLMSGHDR.size + len(cn), NLMSG_DONE, 0, 0, os.getpid())
        self._sock.send(header + cn)

    def events(self, timeout_seconds: float) -> Iterator[ProcEvent]:
        """Events arriving within ``timeout_seconds``; an overrun yields ProcEvent('overrun', 0)."""
        deadline = time.monotonic() + timeout_seconds
        while (left := deadline - time.monotonic()) > 0:
            self._sock.settimeout(left)
            try:
                data = self._sock.recv(65536)
            except TimeoutError:
                return
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:
                    yield ProcEvent("overrun", 0)
                    continue
                raise CollectError(f"process-event connector: {exc.strerror}") from exc
            yield from parse_proc_event(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._send(PROC_CN_MCAST_IGNORE)
        self._sock.close()

    def __enter__(self) -> ProcConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ScanWatcher:
    """Fallback: new pids between two /proc listings are reported as 'exec' events (cheap: one listdir).

    A new pid is reported on two consecutive scans, because a fork seen before its exec() still shows the
    parent's command line the first time. An exec() without a new pid is only caught by the caller's periodic
    full rescan: that is the price of not having the connector.
    """

    def __init__(self, procfs: ProcFS, period_seconds: float) -> None:
        self._procfs = procfs
        self._period = max(period_seconds, 0.05)
        self._known = set(procfs.pids())
        self._young: set[int] = set()

    def events(self, timeout_seconds: float) -> Iterator[ProcEvent]:
        deadline = time.monotonic() + timeout_seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(self._period, left))
            now = set(self._procfs.pids())
            new = now - self._known
            for pid in sorted(new | (self._young & now)):
                yield ProcEvent("exec", pid)
            self._known, self._young = now, new

    def close(self) -> None:
        return None

    def __enter__(self) -> ScanWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The dashboard's audit log: one JSON line per authentication event, denied request, change and data access.

Each entry carries UTC time, user, role, source address, action, object and result, and ``hash`` =
SHA-256(previous entry's hash + this entry's canonical JSON): editing, removing or reordering any line breaks the
chain from there on, which ``hostward web audit verify`` reports. JSON encoding with ``ensure_ascii`` turns every
control character and non-ASCII character of a user-supplied field into an escape, so no value can forge a line.
Secrets (passwords, codes, session ids, CSRF tokens) are never passed here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from hostward.errors import StoreError
from hostward.frozen import frozen
from hostward.safefs import open_append, open_read
from hostward.web import audit_lines

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing; starlette only for the server (~60 ms)
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from starlette.requests import Request

GENESIS = "0" * 64
MAX_FIELD_CHARS = 300


def _canonical(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _chain(prev: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256((prev + _canonical(entry)).encode()).hexdigest()


class AuditLog:
    """Append-only, hash-chained; one writer per process (a lock), the file opened without following links."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._last_hash: str | None = None

    def _tail_hash(self) -> str:
        """The last entry's hash, read backwards from the end of the log; GENESIS when there is none."""
        try:
            with _open_log(self.path) as handle:
                for line in audit_lines.backwards(handle):
                    entry = _parsed(line)
                    if "hash" in entry:
                        return str(entry["hash"])
        except FileNotFoundError:
            pass
        return GENESIS

    def append(self, **fields: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            **{key: str(value)[:MAX_FIELD_CHARS] for key, value in fields.items()},
        }
        with self._lock:
            prev = self._last_hash if self._last_hash is not None else self._tail_hash()
            entry["prev"] = prev
            entry["hash"] = _chain(prev, entry)
            line = (_canonical(entry) + "\n").encode()
            try:
                fd = open_append(self.path, 0o600)  # never through a planted link, FIFO or second hard link
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise StoreError(f"cannot append to the audit log {self.path}: {exc.strerror}") from exc
            self._last_hash = entry["hash"]
        return entry

    def newest(
        self, limit: int, wanted: Callable[[dict[str, Any]], bool] = lambda _entry: True
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` entries that ``wanted`` accepts, the newest first, read backwards from the end of the log
        (as far back as it takes to find them, and no further); a line that is not a JSON object is
        ``{"unreadable": its start}``."""
        try:
            with _open_log(self.path) as handle:
                entries = map(_parsed, audit_lines.backwards(handle))
                return list(itertools.islice(filter(wanted, entries), limit))
        except FileNotFoundError:
            return []


def _parsed(line: str) -> dict[str, Any]:
    """An entry as the admin page shows it and verify reads it: an object, or what the line starts with when it
    is not one (a line ``5`` or ``[]`` is JSON but no entry: the page's search and verify read it as an object)."""
    try:
        entry = json.loads(line)
    except ValueError:
        entry = None
    return entry if isinstance(entry, dict) else {"unreadable": line[:120]}


@frozen
class Verdict:
    entries: int
    broken_at: int | None  # 1-based line of the first entry that does not chain, None when intact
    reason: str = ""


def verify(path: Path) -> Verdict:
    """Recompute the chain from the first line, reading one line at a time; the first line whose hash or link is
    wrong is reported."""
    try:
        handle = _open_log(path)
    except FileNotFoundError:
        return Verdict(0, None)
    with handle:
        return _verdict(audit_lines.forwards(handle))


def _verdict(lines: Iterator[str]) -> Verdict:
    prev = GENESIS
    number = 0  # an empty log
    for number, line in enumerate(lines, start=1):
        entry = _parsed(line)  # `[1]` is JSON but no entry: it is "unreadable", and has no hash either
        if "hash" not in entry:
            return Verdict(number, number, "not a JSON audit entry")
        stated = entry.pop("hash")
        if entry.get("prev") != prev:
            return Verdict(number, number, "does not link to the entry before it (removed or reordered)")
        if _chain(prev, entry) != stated:
            return Verdict(number, number, "its contents were changed after it was written")
        prev = stated
    return Verdict(number, None)


def _open_log(path: Path) -> BinaryIO:
    """The log opened to read as it is written (safefs.open_read: no link, regular files only)."""
    return os.fdopen(open_read(path), "rb")


def audit(request: Request, action: str, object: str, result: str) -> None:
    """Record ``action`` on ``object`` with ``result`` for the request's user (if any) and source address."""
    log: AuditLog = request.app.state.audit
    user = getattr(request.state, "user", None)
    log.append(
        user=getattr(user, "name", "-"),
        role=getattr(user, "role", "-"),
        address=request.client.host if request.client else "-",
        action=action,
        object=object,
        result=result,
    )

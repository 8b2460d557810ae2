"""Where the dashboard keeps its state (accounts, sessions, audit log, TLS key) and how it opens the database.

Everything lives in DATA_DIR/web, a directory only its owner may enter (0700): the database holds password
hashes and session ids, the audit log names users and addresses. A directory that someone else owns or can
write is refused rather than used, so another local user cannot plant a database or a symlink there.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

from hostward.errors import ConfigError, StoreError

PRIVATE_MODE = 0o700  # the database holds password hashes and session ids

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    pw_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS recovery_codes (
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user, code_hash)
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created REAL NOT NULL,
    last_seen REAL NOT NULL,
    address TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrolments (
    key TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    pw_hash TEXT,
    totp_secret TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires REAL NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last REAL NOT NULL
);
"""


def web_dir(data_dir: Path) -> Path:
    """DATA_DIR/web, created 0700 if missing (DATA_DIR 0750, as every writer makes it); refused if it is a link,
    another user owns it, or it or a directory above it is not private (safefs's StrictModes). A refused call
    removes the directories it made (the checks resolve links and read modes, so they come after the making)."""
    from hostward import safefs  # noqa: PLC0415 - its tempfile only for writers, not for listings

    path = data_dir / "web"
    missing = _missing(path)
    try:
        try:
            safefs.make_dirs(data_dir)
            safefs.make_dirs(path, PRIVATE_MODE)
            info = os.lstat(path)
            _checked(path, info)
            safefs.check_private_dir(path, "the dashboard's state directory")
        except OSError as exc:  # a data directory that is a file, or read-only: one line, not a traceback
            raise ConfigError(f"cannot use {path} for the dashboard's state: {exc.strerror or exc}") from exc
    except (ConfigError, StoreError):
        for directory in missing:  # deepest first; one someone filled in between stays (rmdir: empty only)
            with contextlib.suppress(OSError):
                os.rmdir(directory)
        raise
    return path


def _missing(path: Path) -> list[Path]:
    """``path`` and the directories above it that do not exist (not even as a link), deepest first."""
    missing = []
    while not os.path.lexists(path) and path.parent != path:
        missing.append(path)
        path = path.parent
    return missing


def existing_web_dir(data_dir: Path) -> Path | None:
    """DATA_DIR/web for commands that only read (listing accounts, verifying the audit log): nothing is created,
    so a mistyped --data-dir leaves nothing behind. None when the dashboard has kept no state there yet; a data
    directory that does not exist is an error, as it is surely not the one meant."""
    path = data_dir / "web"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not data_dir.is_dir():
            raise ConfigError(
                f"the data directory {data_dir} does not exist (or is not a directory)"
            ) from None
        return None
    except OSError as exc:  # a path through a file, a directory we may not search: one line
        raise ConfigError(f"cannot use {path} for the dashboard's state: {exc.strerror or exc}") from exc
    return _checked(path, info)


def _checked(path: Path, info: os.stat_result) -> Path:
    """``path`` (lstat as ``info``) when it is our private directory; too open is closed, anything else refused."""
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path} is not a directory (a symlink is not accepted)")
    if info.st_uid != os.geteuid():
        raise ConfigError(f"{path} is owned by uid {info.st_uid}, not by this user: refusing to use it")
    if info.st_mode & 0o077:  # ours, but too open (an older umask): close it before anything secret lands
        os.chmod(path, PRIVATE_MODE, follow_symlinks=False)
    return path


_SIDE_FILES = ("-wal", "-shm", "-journal")  # sqlite's write-ahead log, its shared index, the rollback journal


def _refuse_foreign(path: Path) -> None:
    """Nothing when ``path`` is absent or a regular file of ours; a link, a directory, a fifo or another
    user's file is refused in one line before sqlite may open it."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):  # a link (sqlite would follow it), a directory, a fifo
        raise ConfigError(f"{path} is not a regular file (a symlink is not accepted): move it away")
    if info.st_uid != os.geteuid():
        raise ConfigError(f"{path} is owned by uid {info.st_uid}, not by this user: move it away")


_SCHEMA_CHECKED: set[Path] = set()  # databases this process has brought up to the current SCHEMA


@contextlib.contextmanager
def connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    """One short-lived connection per operation (threads of the ASGI server never share one); WAL so readers
    and the single writer do not block each other; foreign keys on so deleting a user ends their sessions."""
    fresh = not os.path.lexists(db_path)
    # sqlite opens its side files by name; what it does with a link or another user's file there depends on
    # its version and build. Each that exists must be a regular file of ours before sqlite opens anything.
    for path in (db_path, *(db_path.with_name(db_path.name + side) for side in _SIDE_FILES)):
        _refuse_foreign(path)
    if fresh:
        # Create the file ourselves, exclusively and 0600, so sqlite never follows a planted link.
        os.close(os.open(db_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
    try:
        connection = sqlite3.connect(db_path, timeout=5.0, isolation_level=None)
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot open {db_path}: {exc}") from exc
    try:
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            if fresh:
                connection.execute("PRAGMA journal_mode = WAL")
            if fresh or db_path not in _SCHEMA_CHECKED:
                connection.executescript(SCHEMA)  # tables added since the file was made appear on first use
                _SCHEMA_CHECKED.add(db_path)
        except sqlite3.DatabaseError as exc:  # not a database, or damaged: one line naming the file
            raise ConfigError(f"{db_path}: {exc} (the dashboard's database)") from exc
        yield connection
    finally:
        connection.close()

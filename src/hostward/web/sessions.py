"""Server-side sessions: the browser holds only an opaque random id; the server keeps who, since when, and the
session's CSRF token. Only a SHA-256 of the id is stored, so a copy of the database opens no session.

A new id is issued at every login (no fixation); a session ends after ``idle`` without requests or
``absolute`` after login, whichever comes first; logout, disabling the user or an admin ends it at once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from hostward.web.state import connect

ID_BYTES = 32  # 256 bits of randomness: ASVS asks for at least 128


@dataclass(frozen=True, slots=True)
class Session:
    key: str  # the stored hash: safe to show and to use as a handle to end a session
    user: str
    role: str
    csrf: str
    created: float
    last_seen: float
    address: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    def __init__(self, db_path: Path, *, idle_seconds: float, absolute_seconds: float) -> None:
        self.db_path = db_path
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds

    def create(self, user: str, address: str) -> str:
        """A fresh session for ``user``; returns the id for the cookie (never stored in clear)."""
        session_id = secrets.token_urlsafe(ID_BYTES)
        now = time.time()
        with connect(self.db_path) as db:
            db.execute(
                "INSERT INTO sessions (id_hash, user, csrf, created, last_seen, address) VALUES (?, ?, ?, ?, ?, ?)",
                (_hash(session_id), user, secrets.token_urlsafe(32), now, now, address),
            )
        return session_id

    def lookup(self, session_id: str) -> Session | None:
        """The live session behind ``session_id`` (touching its idle clock), or None if unknown or expired."""
        if not session_id or len(session_id) > 128:
            return None
        key = _hash(session_id)
        now = time.time()
        with connect(self.db_path) as db:
            row = db.execute(
                "SELECT s.user, u.role, s.csrf, s.created, s.last_seen, s.address FROM sessions s "
                "JOIN users u ON u.name = s.user WHERE s.id_hash = ? AND u.disabled = 0",
                (key,),
            ).fetchone()
            if row is None:
                return None
            if now - row[4] > self.idle_seconds or now - row[3] > self.absolute_seconds:
                db.execute("DELETE FROM sessions WHERE id_hash = ?", (key,))
                return None
            db.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, key))
        return Session(key, row[0], row[1], row[2], row[3], now, row[5])

    def end(self, session_id: str) -> None:
        self.end_key(_hash(session_id))

    def end_key(self, key: str, *, user: str | None = None) -> bool:
        """End the session stored under ``key`` (only if it belongs to ``user`` when one is given)."""
        with connect(self.db_path) as db:
            if user is None:
                cursor = db.execute("DELETE FROM sessions WHERE id_hash = ?", (key,))
            else:
                cursor = db.execute("DELETE FROM sessions WHERE id_hash = ? AND user = ?", (key, user))
            return cursor.rowcount == 1

    def list(self, user: str | None = None) -> list[Session]:
        """Live sessions of ``user`` (every user's when None), newest first; expired ones are purged."""
        now = time.time()
        with connect(self.db_path) as db:
            db.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR created < ?",
                (now - self.idle_seconds, now - self.absolute_seconds),
            )
            query = (
                "SELECT s.id_hash, s.user, u.role, s.csrf, s.created, s.last_seen, s.address "
                "FROM sessions s JOIN users u ON u.name = s.user"
            )
            if user is None:
                rows = db.execute(query + " ORDER BY s.created DESC").fetchall()
            else:
                rows = db.execute(query + " WHERE s.user = ? ORDER BY s.created DESC", (user,)).fetchall()
        return [Session(*row) for row in rows]

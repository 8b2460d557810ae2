"""TOTP enrolment in the browser: a new secret counts only once its owner has typed a code it produced.

Two ways in: the first administrator through the one-time setup link (the account itself is created only when
the code is confirmed, so an abandoned setup leaves no half-made admin behind), and a viewer who opts in to a
second factor from the account page. A pending enrolment lives ``ENROL_SECONDS`` in the ``enrolments`` table,
allows ``MAX_TRIES`` wrong codes, and carries its own CSRF token for the setup pages (which have no session).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import pyotp

from hostward.errors import UsageError
from hostward.web.accounts import User, check_name, hash_password, new_recovery_codes
from hostward.web.passwords import password_problem
from hostward.web.state import connect

ENROL_SECONDS = 10 * 60
MAX_TRIES = 5


@dataclass(frozen=True, slots=True)
class Pending:
    key: str
    user: str
    role: str
    secret: str
    uri: str
    csrf: str


@dataclass(frozen=True, slots=True)
class Confirmed:
    user: User
    recovery_codes: tuple[str, ...]


def setup_key(enrolment_id: str) -> str:
    """The stored key of a setup enrolment: the SHA-256 of the id its browser holds in a cookie."""
    return "setup:" + hashlib.sha256(enrolment_id.encode()).hexdigest()


def user_key(name: str) -> str:
    return "user:" + name


class Enrolments:
    def __init__(self, db_path: Path, *, issuer: str = "hostward") -> None:
        self.db_path = db_path
        self.issuer = issuer

    def _pending(self, key: str, user: str, role: str, secret: str, csrf: str) -> Pending:
        uri = pyotp.TOTP(secret).provisioning_uri(name=user, issuer_name=self.issuer)
        return Pending(key, user, role, secret, uri, csrf)

    def begin_setup(self, name: str, password: str, *, now: float | None = None) -> tuple[str, Pending]:
        """Start the first administrator's enrolment; the id for the browser's cookie and what to show.
        UsageError for a bad name or password, or when an account exists already."""
        check_name(name)
        problem = password_problem(password, user=name)
        if problem:
            raise UsageError(problem)
        enrolment_id = secrets.token_urlsafe(32)
        key, secret, csrf = setup_key(enrolment_id), pyotp.random_base32(), secrets.token_urlsafe(32)
        pw_hash = hash_password(password)
        now = time.time() if now is None else now
        with connect(self.db_path) as db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("SELECT count(*) FROM users").fetchone()[0]:
                db.execute("ROLLBACK")
                raise UsageError("an account exists already: setup is over")
            db.execute("DELETE FROM enrolments WHERE key LIKE 'setup:%'")  # one setup at a time
            db.execute(
                "INSERT INTO enrolments (key, user, role, pw_hash, totp_secret, csrf, expires)"
                " VALUES (?, ?, 'admin', ?, ?, ?, ?)",
                (key, name, pw_hash, secret, csrf, now + ENROL_SECONDS),
            )
            db.execute("COMMIT")
        return enrolment_id, self._pending(key, name, "admin", secret, csrf)

    def begin_totp(self, user: User, *, now: float | None = None) -> Pending:
        """Start enrolling a second factor for ``user`` (who has none yet); replaces an earlier attempt."""
        key, secret = user_key(user.name), pyotp.random_base32()
        now = time.time() if now is None else now
        with connect(self.db_path) as db:
            row = db.execute("SELECT totp_secret FROM users WHERE name = ?", (user.name,)).fetchone()
            if row is None or row[0] is not None:
                raise UsageError("this account has a second factor already")
            db.execute(
                "INSERT OR REPLACE INTO enrolments (key, user, role, pw_hash, totp_secret, csrf, expires)"
                " VALUES (?, ?, ?, NULL, ?, '', ?)",
                (key, user.name, user.role, secret, now + ENROL_SECONDS),
            )
        return self._pending(key, user.name, user.role, secret, "")

    def pending(self, key: str, *, now: float | None = None) -> Pending | None:
        """The live enrolment under ``key``, or None (unknown, expired)."""
        with connect(self.db_path) as db:
            row = db.execute(
                "SELECT user, role, totp_secret, csrf FROM enrolments WHERE key = ? AND expires > ?",
                (key, time.time() if now is None else now),
            ).fetchone()
        return self._pending(key, row[0], row[1], row[2], row[3]) if row else None

    def confirm(self, key: str, code: str, *, now: float | None = None) -> Confirmed | None:
        """Activate the enrolment when ``code`` is the secret's current code (one 30 s step of skew either way);
        None for a wrong code (the enrolment ends after MAX_TRIES of them) or a gone enrolment."""
        now = time.time() if now is None else now
        found = self.pending(key, now=now)
        if found is None:
            return None
        totp, code = pyotp.TOTP(found.secret), code.strip().replace(" ", "")
        step = next(
            (
                s
                for s in (int(now // totp.interval) + d for d in (0, -1, 1))
                if hmac.compare_digest(totp.generate_otp(s), code)
            ),
            None,
        )
        with connect(self.db_path) as db:
            if step is None:
                db.execute("UPDATE enrolments SET failures = failures + 1 WHERE key = ?", (key,))
                db.execute("DELETE FROM enrolments WHERE key = ? AND failures >= ?", (key, MAX_TRIES))
                return None
            codes, hashes = new_recovery_codes()
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT pw_hash FROM enrolments WHERE key = ?", (key,)).fetchone()
            if row is None:  # ended by a racing request
                db.execute("ROLLBACK")
                return None
            if key.startswith("setup:"):
                if db.execute("SELECT count(*) FROM users").fetchone()[0]:
                    db.execute("DELETE FROM enrolments WHERE key = ?", (key,))
                    db.execute("COMMIT")
                    return None
                db.execute(
                    "INSERT INTO users (name, role, pw_hash, totp_secret, totp_last_step, created)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (found.user, found.role, row[0], found.secret, step, now),
                )
            else:
                # The code just typed is spent: the login that follows needs the next one.
                if not db.execute(
                    "UPDATE users SET totp_secret = ?, totp_last_step = ? WHERE name = ? AND disabled = 0",
                    (found.secret, step, found.user),
                ).rowcount:
                    db.execute("DELETE FROM enrolments WHERE key = ?", (key,))
                    db.execute("COMMIT")
                    return None
                db.execute("DELETE FROM recovery_codes WHERE user = ?", (found.user,))
            db.executemany(
                "INSERT INTO recovery_codes (user, code_hash) VALUES (?, ?)",
                [(found.user, code_hash) for code_hash in hashes],
            )
            db.execute("DELETE FROM enrolments WHERE key = ?", (key,))
            db.execute("COMMIT")
        return Confirmed(User(found.user, found.role), codes)

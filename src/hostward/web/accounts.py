"""Local accounts: argon2id password hashes, roles, TOTP second factor and one-time recovery codes.

Every statement is parameterised (no SQL is ever built from strings). Unknown users, disabled users, wrong
passwords and wrong codes all end in the same ``None`` after the same argon2 work, so neither the answer nor
its timing tells an attacker which user names exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION

from hostward.errors import UsageError
from hostward.web.accounts_list import AccountRow, account_rows
from hostward.web.passwords import password_problem
from hostward.web.state import connect

ROLES = ("viewer", "operator", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
# Operators change the host (comments, protection policy) and admins the accounts: both need a second factor.
TOTP_REQUIRED = frozenset({"operator", "admin"})
RECOVERY_CODES = 10

_HASHER = PasswordHasher()  # argon2id with the library's current RFC 9106 low-memory parameters


def _dummy_hash() -> str:
    """A hash in the hasher's own form and parameters (type, version, memory, time, lanes, salt and digest
    lengths) with a random salt and a random digest: verifying any password against it does the same argon2 work
    as against a real hash and fails. Written out, not computed: hashing it cost ~200 ms of CPU and a 64 MiB
    peak at every import of this module (the daemon's start, every ``hostward web`` command; issue 17)."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii").rstrip("=")  # argon2's encoding: standard, unpadded

    h = _HASHER
    return (
        f"$argon2{h.type.name.lower()}$v={ARGON2_VERSION}$m={h.memory_cost},t={h.time_cost},p={h.parallelism}"
        f"${b64(secrets.token_bytes(h.salt_len))}${b64(secrets.token_bytes(h.hash_len))}"
    )


# Verified against when the user is unknown, so the work done does not depend on whether the name exists.
_DUMMY_HASH = _dummy_hash()


def _password_ok(stored: str | None, password: str) -> bool:
    """argon2 verification of ``password``; an unknown name (None) costs the same work against a dummy hash."""
    try:
        return bool(_HASHER.verify(stored if stored is not None else _DUMMY_HASH, password))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What a new account's owner must keep: the TOTP secret (and its otpauth URI) and the recovery codes."""

    totp_secret: str | None
    totp_uri: str | None
    recovery_codes: tuple[str, ...]


def _code_hash(code: str) -> str:
    # Recovery codes are 80-bit random: a fast hash is enough, unlike for chosen passwords.
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def new_recovery_codes() -> tuple[tuple[str, ...], list[str]]:
    """Fresh recovery codes (shown once) and their hashes (stored)."""
    codes = tuple("-".join(secrets.token_hex(5)[i : i + 5] for i in (0, 5)) for _ in range(RECOVERY_CODES))
    return codes, [_code_hash(code) for code in codes]


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_name(name: str) -> str:
    if not (1 <= len(name) <= 64) or not all(c.isalnum() or c in "._-" for c in name):
        raise UsageError("a user name has 1-64 letters, digits, '.', '_' or '-'")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}: choose {', '.join(ROLES)}")
    return role


class Accounts:
    def __init__(self, db_path: Path, *, issuer: str = "hostward") -> None:
        self.db_path = db_path
        self.issuer = issuer

    def add(self, name: str, role: str, password: str, *, totp: bool | None = None) -> Enrolment:
        """Create an account; TOTP is enrolled for operators and admins always, for viewers when asked."""
        check_name(name)
        check_role(role)
        problem = password_problem(password, user=name)
        if problem:
            raise UsageError(problem)
        with_totp = role in TOTP_REQUIRED or bool(totp)
        secret = pyotp.random_base32() if with_totp else None
        codes, hashes = new_recovery_codes()
        with connect(self.db_path) as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise UsageError(f"user {name!r} exists already")
            db.execute(
                "INSERT INTO users (name, role, pw_hash, totp_secret, created) VALUES (?, ?, ?, ?, ?)",
                (name, role, _HASHER.hash(password), secret, time.time()),
            )
            db.executemany(
                "INSERT INTO recovery_codes (user, code_hash) VALUES (?, ?)",
                [(name, code_hash) for code_hash in hashes],
            )
        uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=self.issuer) if secret else None
        return Enrolment(secret, uri, codes if secret else ())

    def authenticate(self, name: str, password: str, code: str) -> User | None:
        """The user when name, password and (if enrolled) TOTP or recovery code are right, else None."""
        with connect(self.db_path) as db:
            row = db.execute(
                "SELECT role, pw_hash, totp_secret, totp_last_step, disabled FROM users WHERE name = ?",
                (name,),
            ).fetchone()
        password_ok = _password_ok(row[1] if row else None, password)
        if row is None or not password_ok or row[4]:
            return None
        role, pw_hash, secret, last_step = row[0], row[1], row[2], row[3]
        if secret and not self._second_factor(name, secret, last_step, code):
            return None
        if _HASHER.check_needs_rehash(pw_hash):
            with connect(self.db_path) as db:
                db.execute("UPDATE users SET pw_hash = ? WHERE name = ?", (_HASHER.hash(password), name))
        return User(name, role)

    def _second_factor(self, name: str, secret: str, last_step: int, code: str) -> bool:
        code = code.strip().replace(" ", "")
        totp = pyotp.TOTP(secret)
        now = time.time()
        for drift in (0, -1, 1):  # one 30 s step either way for clock skew
            step = int(now // totp.interval) + drift
            if step <= last_step:
                continue  # a code is good once: a replayed (shoulder-surfed, phished) code is refused
            if hmac.compare_digest(totp.generate_otp(step), code):
                with connect(self.db_path) as db:
                    db.execute("UPDATE users SET totp_last_step = ? WHERE name = ?", (step, name))
                return True
        with connect(self.db_path) as db:
            used = db.execute(
                "DELETE FROM recovery_codes WHERE user = ? AND code_hash = ?", (name, _code_hash(code))
            ).rowcount
        return used == 1

    def get(self, name: str) -> User | None:
        with connect(self.db_path) as db:
            row = db.execute("SELECT role FROM users WHERE name = ? AND disabled = 0", (name,)).fetchone()
        return User(name, row[0]) if row else None

    def list(self) -> list[AccountRow]:
        """(name, role, has TOTP, disabled, created) for every account, by name."""
        return account_rows(self.db_path)

    def password_matches(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s (an enabled account); the same argon2 work for unknown names."""
        with connect(self.db_path) as db:
            row = db.execute("SELECT pw_hash FROM users WHERE name = ? AND disabled = 0", (name,)).fetchone()
        return _password_ok(row[0] if row else None, password) and row is not None

    def has_totp(self, name: str) -> bool:
        with connect(self.db_path) as db:
            row = db.execute("SELECT totp_secret IS NOT NULL FROM users WHERE name = ?", (name,)).fetchone()
        return bool(row and row[0])

    def count(self) -> int:
        with connect(self.db_path) as db:
            return int(db.execute("SELECT count(*) FROM users").fetchone()[0])

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disabling a user also ends every session of theirs."""
        with connect(self.db_path) as db:
            if not db.execute("UPDATE users SET disabled = ? WHERE name = ?", (int(disabled), name)).rowcount:
                raise UsageError(f"no user {name!r}")
            if disabled:
                db.execute("DELETE FROM sessions WHERE user = ?", (name,))

    def set_password(self, name: str, password: str) -> None:
        problem = password_problem(password, user=name)
        if problem:
            raise UsageError(problem)
        with connect(self.db_path) as db:
            if not db.execute(
                "UPDATE users SET pw_hash = ? WHERE name = ?", (_HASHER.hash(password), name)
            ).rowcount:
                raise UsageError(f"no user {name!r}")
            db.execute("DELETE FROM sessions WHERE user = ?", (name,))

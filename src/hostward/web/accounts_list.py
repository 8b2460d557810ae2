"""Every account as a row (``hostward web user list``, the dashboard's admin page): a read of the users table and
nothing of the credential machinery, so a listing does not import argon2, pyotp, the password rules and their
hashing (~20 ms of the command's start-up, issue 17)."""

from __future__ import annotations

from pathlib import Path

from hostward.web.state import connect

AccountRow = tuple[str, str, bool, bool, float]  # name, role, has TOTP, disabled, created (Unix time)


def account_rows(db_path: Path) -> list[AccountRow]:
    """(name, role, has TOTP, disabled, created) for every account, by name."""
    with connect(db_path) as db:
        rows = db.execute(
            "SELECT name, role, totp_secret IS NOT NULL, disabled, created FROM users ORDER BY name"
        ).fetchall()
    return [(r[0], r[1], bool(r[2]), bool(r[3]), r[4]) for r in rows]

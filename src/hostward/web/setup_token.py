"""The one-time setup link: how the first administrator gets in when no account exists yet.

At start, a server without accounts writes a fresh 256-bit token's SHA-256 and its expiry to DATA_DIR/web/
setup-token (0600, replaced atomically) and logs the link ``/setup?token=...``; the token itself is stored
nowhere. The link works once (the file is removed when it is redeemed), for ``VALID_SECONDS``, and only while
no account exists; the routes also accept it only from a loopback address. A restart issues a new link and
with it invalidates the old one.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from hostward.atomic import replacing

LINK_FILE = "setup-token"
VALID_SECONDS = 30 * 60
MAX_TOKEN_CHARS = 100


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(state_dir: Path, *, now: float | None = None, valid_seconds: float = VALID_SECONDS) -> str:
    """A new token (43 URL-safe characters, 256 bits); any earlier one stops working."""
    token = secrets.token_urlsafe(32)
    record = {"sha256": _digest(token), "expires": (time.time() if now is None else now) + valid_seconds}
    with replacing(state_dir / LINK_FILE, what="write the setup token") as tmp:
        os.chmod(tmp, 0o600)
        tmp.write_text(json.dumps(record) + "\n", "utf-8")
    return token


def withdraw(state_dir: Path) -> None:
    """Remove any setup token (accounts exist: there is nothing left to set up)."""
    with contextlib.suppress(FileNotFoundError):
        (state_dir / LINK_FILE).unlink()


def _stored(state_dir: Path) -> tuple[str, float] | None:
    try:
        fd = os.open(state_dir / LINK_FILE, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "r", encoding="utf-8") as handle:
            record = json.loads(handle.read(1024))
        return str(record["sha256"]), float(record["expires"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_valid(state_dir: Path, token: str, *, now: float | None = None) -> bool:
    """Whether ``token`` is the current, unexpired, unused token (nothing is consumed)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return False
    stored = _stored(state_dir)
    if stored is None:
        return False
    digest, expires = stored
    return hmac.compare_digest(_digest(token), digest) and (time.time() if now is None else now) < expires


def redeem(state_dir: Path, token: str, *, now: float | None = None) -> bool:
    """Consume ``token``: True for exactly one caller while it is valid, False for every other."""
    if not is_valid(state_dir, token, now=now):
        return False
    try:
        (state_dir / LINK_FILE).unlink()  # one unlink succeeds: two racing requests cannot both redeem it
    except FileNotFoundError:
        return False
    return True

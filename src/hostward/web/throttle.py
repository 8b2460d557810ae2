"""Login throttling that slows guessing without locking the real user out.

Failures are counted per account and per source address. After ``FREE_TRIES`` failures each further attempt
must wait an exponentially growing delay, capped at ``MAX_DELAY_SECONDS``; a success or ``FORGET_SECONDS`` of
quiet clears the count. An attacker guessing one account from many addresses is held to one try per 30 s at
worst, while its owner is never refused for longer than that: there is no lockout an attacker could trigger.
"""

from __future__ import annotations

import time
from pathlib import Path

from hostward.web.state import connect

FREE_TRIES = 3
MAX_DELAY_SECONDS = 30.0
FORGET_SECONDS = 15 * 60.0


def _delay(failures: int) -> float:
    if failures < FREE_TRIES:
        return 0.0
    return min(MAX_DELAY_SECONDS, 2.0 ** (failures - FREE_TRIES))


class Throttle:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    def wait_seconds(self, *keys: str) -> float:
        """How long the caller must still wait before another attempt for any of ``keys`` (0: go ahead)."""
        now = time.time()
        longest = 0.0
        with connect(self.db_path) as db:
            for key in keys:
                row = db.execute("SELECT failures, last FROM throttle WHERE key = ?", (key,)).fetchone()
                if row is None or now - row[1] > FORGET_SECONDS:
                    continue
                longest = max(longest, row[1] + _delay(row[0]) - now)
        return max(0.0, longest)

    def failed(self, *keys: str) -> None:
        now = time.time()
        with connect(self.db_path) as db:
            for key in keys:
                db.execute(
                    "INSERT INTO throttle (key, failures, last) VALUES (?, 1, ?) ON CONFLICT(key) DO UPDATE "
                    "SET failures = CASE WHEN ? - last > ? THEN 1 ELSE failures + 1 END, last = ?",
                    (key, now, now, FORGET_SECONDS, now),
                )

    def succeeded(self, *keys: str) -> None:
        with connect(self.db_path) as db:
            db.executemany("DELETE FROM throttle WHERE key = ?", [(key,) for key in keys])

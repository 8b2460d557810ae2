"""Password rules (NIST SP 800-63B, OWASP ASVS 5.0 V6.2): length, not composition, and no known-bad passwords.

At least 8 characters and up to 128 are accepted, any characters; no rule demands digits or symbols. A password
on the shipped lists of common ones (8,354 of 8+ characters from Django's list of the 20,000 most common, and
hostward's own host and season words), or equal to the user's name or the host's name, is refused.
"""

from __future__ import annotations

import functools
import socket
from importlib import resources

MIN_LENGTH = 8
MAX_LENGTH = 128


@functools.cache
def _common() -> frozenset[str]:
    """Django's list of the most common passwords (see resources/common-passwords.LICENSE) plus our own."""
    folder = resources.files("hostward.web").joinpath("resources")
    words: set[str] = set()
    for name in ("common-passwords.txt", "local-passwords.txt"):
        text = folder.joinpath(name).read_text("utf-8")
        words.update(line.strip().lower() for line in text.splitlines() if line.strip())
    return frozenset(words)


def password_problem(password: str, *, user: str) -> str | None:
    """Why ``password`` is refused for ``user``, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password may have at most {MAX_LENGTH} characters"
    folded = password.lower()
    if folded in _common():
        return "that password is on the list of commonly used passwords"
    host = socket.gethostname().lower()
    if folded in {user.lower(), host, host.split(".")[0]}:
        return "a password may not be the user's name or the host's name"
    return None

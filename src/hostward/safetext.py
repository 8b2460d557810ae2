"""Make untrusted text (process names, command lines, log lines, names a user chose) safe to show on a terminal.

Any user can name a process ``\\x1b]0;owned\\x07`` or put a newline in it (prctl PR_SET_NAME, or argv), mount a FUSE
filesystem under such a name, and a kernel log carries those bytes verbatim. Control characters (C0, DEL, C1),
lone surrogates from undecodable bytes and bidirectional overrides are replaced by visible escapes, so what is
printed is exactly one line of inert text. Text without them is returned unchanged.
"""

from __future__ import annotations

import functools
import re

# C0 controls, DEL, C1 controls, surrogates (undecodable bytes), bidi overrides/isolates, zero-width marks.
_UNSAFE_CHARS = "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"


@functools.cache
def _unsafe() -> re.Pattern[str]:
    """Compiled on first use (~0.6 ms): printable ASCII, the usual text, never needs it."""
    return re.compile(_UNSAFE_CHARS)


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\x1b": "\\e"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape of an undecodable byte: show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: str, max_len: int | None = None) -> str:
    """``text`` with every control or invisible-formatting character escaped; optionally cut with an ellipsis."""
    # Printable ASCII holds none of the characters above (they are C0 controls, DEL, or not ASCII).
    cleaned = text if text.isascii() and text.isprintable() else _unsafe().sub(_escape, text)
    if max_len is not None and len(cleaned) > max_len:
        return cleaned[: max(max_len - 1, 0)] + "…"
    return cleaned


@functools.lru_cache(maxsize=4096)
def safe_name(name: str) -> str:
    """``safe_text`` of a name shown on every row of a report (a disk, interface, filesystem): the same few names
    repeat, so the answer is cached."""
    return safe_text(name)

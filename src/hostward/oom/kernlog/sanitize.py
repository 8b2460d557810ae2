"""Make untrusted text (process names, command lines, log lines) safe to show on a terminal.

Any user can name a process ``\\x1b]0;owned\\x07`` or put a newline in it (prctl PR_SET_NAME, or argv), and a kernel
log carries those bytes verbatim. Control characters (C0, DEL, C1), lone surrogates from undecodable bytes and
bidirectional overrides are replaced by visible escapes, so what is printed is exactly one line of inert text.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls, DEL, C1 controls, surrogates (undecodable bytes), bidi overrides/isolates, zero-width marks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
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
    cleaned = _UNSAFE.sub(_escape, text)
    if max_len is not None and len(cleaned) > max_len:
        return cleaned[: max(max_len - 1, 0)] + "…"
    return cleaned


def decode_kernel_escapes(text: str) -> str:
    """/dev/kmsg and journald escape non-printable bytes as ``\\xNN``; turn them back into characters.

    The result is raw again, so it must pass through :func:`safe_text` before display.
    """
    if "\\x" not in text:
        return text
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m[1], 16)), text)


_RSYSLOG = re.compile(r"#(0[0-3][0-7]|177)")


def decode_rsyslog_escapes(text: str) -> str:
    """rsyslog writes a control character it received as ``#`` and three octal digits (``#012`` for a newline,
    $EscapeControlCharactersOnReceive, on by default); turn those back into characters. Only control
    characters are decoded, so a literal ``#123`` in a message is left alone.
    """
    if "#" not in text:
        return text
    return _RSYSLOG.sub(lambda m: chr(int(m[1], 8)), text)


def json_safe(value: Any) -> Any:
    """Strings that held undecodable bytes (surrogate escapes) become valid Unicode for any JSON reader."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value

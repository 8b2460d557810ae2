"""Kernel-log text: its escapes decoded (kmsg/journald ``\\xNN``, rsyslog ``#NNN``), then shown through
``hostward.safetext.safe_text`` (re-exported here), and made valid for JSON."""

from __future__ import annotations

import re

from hostward.safetext import safe_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["decode_kernel_escapes", "decode_rsyslog_escapes", "json_safe", "safe_text"]


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

"""Helpers for the parsers' fast paths.

The recorder parses every /proc file at every sample, and a daemon that sleeps between samples runs its Python
with cold caches, where each bytecode executed costs about three times what it costs in a tight loop; so the
per-line Python loops of the parsers were most of the recorder's CPU time. Their fast paths hand the scanning
to C (``re.findall``, ``str.split``, ``map(int, ...)``) and fall back to the line-by-line reference parser
whenever the text is not plainly what the kernel prints, or anything about it looks wrong: results and errors
are then exactly the reference parser's (tests/collect/test_fast_parsers.py compares the two on any text).
"""

from __future__ import annotations

# Every line boundary ``str.splitlines`` knows besides "\n" (within ASCII; other text is never "plain").
_OTHER_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")


def plain_lines(text: str) -> bool:
    """True when ``text`` is ASCII and "\\n" is its only line boundary, so that matching a regular expression
    against "\\n" + text sees the same lines as iterating ``text.splitlines()``. About 1 µs for 4 KB (memchr)."""
    return text.isascii() and not any(char in text for char in _OTHER_BREAKS)

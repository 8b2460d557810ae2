"""ASCII digit checks for text from outside (files, sockets, headers, the environment, the command line).

``str.isdigit()`` is true for '²', '①' and other characters that ``int()`` refuses, so a check made with it lets
a hostile value through to a ValueError (a traceback, or a 500) instead of the one-line refusal meant for it.
"""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """True when ``text`` is one or more ASCII digits 0-9 (what ``int()`` then always accepts)."""
    return text.isascii() and text.isdigit()

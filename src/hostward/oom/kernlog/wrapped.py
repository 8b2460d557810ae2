"""Lines a log broke that belong together: a record continued on an indented line (dmesg and journalctl print a
newline inside a record so, and the only newline a user can put there is in a process name), and a header or
panic message wrapped by a terminal, a mail or a forum. Used by oomparse's line loop."""

from __future__ import annotations

import re

from hostward.oom.kernlog.kernlog import KernelLine

GAP_SECONDS = 120.0  # lines this far apart on the boot clock belong to different events
KILLED_START = re.compile(r"Killed process \d+(?:, UID \d+,)? \(")
_CONSTRAINT_TASK = re.compile(r"^oom-kill:.*,task=")
_HEADER_DONE = re.compile(r"=-?\d+\s*$")  # a whole header ends with order=, oom_adj= or oom_score_adj=


def open_header(msg: str) -> bool:
    return "invoked oom-killer:" in msg and not _HEADER_DONE.search(msg)


def continues(held: KernelLine, line: KernelLine) -> bool:
    """Whether ``line`` is the rest of ``held``: indented without a stamp, or the stamp-less rest of a header or
    panic message that had one."""
    if line.monotonic_seconds is not None or line.wall_time is not None:
        return False
    if line.continued:
        return True
    stamped = held.monotonic_seconds is not None or held.wall_time is not None
    return stamped and (held.message.startswith("Kernel panic") or open_header(held.message))


def separator(held: KernelLine, line: KernelLine) -> str:
    # Trailing spaces were stripped: a header wrapped after "oom-killer:" or a comma, and a panic message
    # between two words, lost a space; a header cut inside a token lost nothing. Anything else broken onto an
    # indented line was broken by a newline in the record (a process name: the only text a user controls).
    msg = held.message
    if msg.startswith("Kernel panic"):
        return " "
    if open_header(msg):
        return " " if msg.endswith((":", ",")) else ""
    return "\n" if line.continued else ""


def name_break(first: KernelLine, rest: KernelLine) -> str:
    """What stood between a kill line cut inside the process name and its rest: a newline in the name when
    the kernel (or dmesg/journalctl, indenting) broke the record there, nothing for a plain terminal wrap."""
    start = KILLED_START.search(first.message) or _CONSTRAINT_TASK.search(first.message)
    if start is None or ")" in first.message[start.end() :] or "," in first.message[start.end() :]:
        return ""
    stamped = rest.monotonic_seconds is not None or rest.wall_time is not None
    return "\n" if rest.continued or stamped else ""


def far_apart(a: KernelLine, b: KernelLine) -> bool:
    if a.monotonic_seconds is None or b.monotonic_seconds is None:
        return False
    return abs(a.monotonic_seconds - b.monotonic_seconds) > GAP_SECONDS

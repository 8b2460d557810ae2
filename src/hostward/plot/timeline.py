"""Events drawn on the time axis besides restarts: guard actions and OOM kills from ``events.jsonl``
(written by hostward.oom.guard.events). Clock steps are found in the recorded samples themselves (wall clock against
uptime, activities/time.py) and marked by series.series_from_day like restarts; "clock-step"/"step" events in
events.jsonl, should another part write them, are drawn the same way.

The CLI reads the events (it may import every part) and hands them here as plain (time, kind, text)
triples, so the plot library does not depend on the OOM package.
"""

from __future__ import annotations

from collections.abc import Iterable

from hostward.plot.series import Mark

# events.jsonl kinds (oom/guard/events.py) -> mark kinds drawn with their own style; the rest keep their name.
KIND_MAP = {
    "signal": "oom-kill",
    "escalate": "oom-kill",
    "exited": "oom-kill",
    "would-kill": "oom-kill (dry run)",
    "kernel-kill": "oom-kill",  # the kernel's own kill, from the daemon's kernel-log part
}
DRAWN = frozenset(
    {"signal", "escalate", "would-kill", "oom-kill", "clock-step", "step", "kernel-oom", "kernel-kill"}
)


def event_marks(events: Iterable[tuple[float, str, str]], start: float, end: float) -> list[Mark]:
    """Marks for the events inside [start, end] worth a line on every graph (kills, clock steps)."""
    out: list[Mark] = []
    for stamp, kind, text in events:
        if start <= stamp <= end and kind in DRAWN:
            out.append(Mark(stamp, KIND_MAP.get(kind, kind), text))
    return out

"""When to take the next sample.

Samples land on wall-clock multiples of the interval (…:00, :10, :20 for 10 s), so rows of different hosts
and days line up, but the waiting itself is done on the monotonic clock: an NTP step or ``date -s`` moves
neither the schedule nor the measured intervals (those come from /proc/uptime, activities/base.py uptime_cs). The
first sample is taken at once, like sadc's; the second at the first aligned slot at least half an interval
later. When the process was stopped or the machine suspended for longer
than an interval, the missed slots are skipped rather than sampled in a burst.
"""

from __future__ import annotations

import math


class Schedule:
    def __init__(self, interval: float, monotonic_now: float, wall_now: float) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        # Distance to the next wall-clock multiple of the interval, fixed once on the monotonic axis.
        offset = interval - math.fmod(wall_now, interval)
        if offset < interval / 2:  # keep the first interval from being a sliver with noisy rates
            offset += interval
        self._next = monotonic_now + offset

    def next_due(self, monotonic_now: float) -> float:
        """The monotonic time of the next sample after one was just taken at ``monotonic_now``."""
        due = self._next
        if due <= monotonic_now:
            missed = math.floor((monotonic_now - due) / self.interval) + 1
            due += missed * self.interval
        self._next = due + self.interval
        return due

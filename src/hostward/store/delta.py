"""Counter arithmetic shared by every report: the one place where resets, wraps and bad intervals are handled.

The recorder stores raw cumulative counters; a rate is ``counter_delta(prev, cur, width) / interval``. Two
things can make ``cur < prev``:

* a **wrap**: a counter the kernel keeps in ``width`` bits went past ``2**width - 1`` and restarted at zero
  (32-bit network counters of old drivers; sysstat's ``ll_sp_value`` / ``S_VALUE`` compute the same thing by
  doing the subtraction in unsigned arithmetic);
* a **reset**: the counter started again from zero (a network interface or a disk was removed and re-added,
  a module reloaded, the host rebooted).

A wrap is only plausible when ``prev`` was in the upper half of the counter's range and the wrapped distance is
shorter than half the range; anything else is a reset, and the best estimate of what happened since is then
``cur`` itself (what Prometheus' ``rate()`` also assumes).
"""

from __future__ import annotations

from hostward.collect.sample import SystemSample


def counter_delta(prev: int, cur: int, width: int | None = 64) -> int:
    """Increase of a cumulative counter between two reads, never negative.

    ``width`` is the counter's size in bits in the kernel (32 or 64); ``None`` means "never wraps" (a value
    the kernel sums itself, like a /proc/stat total), so a decrease is always a reset.
    """
    if cur >= prev:
        return cur - prev
    if width is not None:
        span = 1 << width
        if prev < span and prev >= span >> 1:
            wrapped = cur + span - prev
            if 0 <= wrapped < span >> 1:
                return wrapped
    return cur


def interval_seconds(prev: SystemSample, cur: SystemSample) -> float | None:
    """Seconds between two samples measured on /proc/uptime (sysstat's ``get_interval`` on uptime_cs).

    The wall clock is never used: an NTP step or ``date -s`` between the samples would make the interval
    negative or huge. ``None`` when no rate can be computed: the host rebooted between the two samples (uptime
    went back) or they are the same instant. A reboot between two samples taken far apart can leave uptime
    higher than before: that case is marked in the data by a RestartMark, across which reports never compute.
    """
    seconds = cur.uptime_seconds - prev.uptime_seconds
    if seconds <= 0:
        return None
    return seconds


def rate_per_second(prev: int, cur: int, seconds: float, width: int | None = 64) -> float:
    """``counter_delta`` divided by an interval from ``interval_seconds`` (which the caller checked)."""
    return counter_delta(prev, cur, width) / seconds

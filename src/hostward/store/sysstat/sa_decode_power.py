"""A_PWR_CPU of a sysstat sa file (rd_stats.h stats_pwr_cpufreq): one unsigned long per item, the clock in
MHz x 100, item 0 CPU "all" and item 1 + n CPU n, stored as hostward's CpuFrequency records (sar -m CPU)."""

from __future__ import annotations

from hostward.collect.power import CpuFrequency

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any


def decode_cpufreq(items: list[tuple[Any, ...]] | None) -> tuple[CpuFrequency, ...] | None:
    """None when the file does not hold A_PWR_CPU (sadc ran without -S POWER) or holds no item."""
    if not items:
        return None
    return tuple(CpuFrequency("all" if i == 0 else str(i - 1), int(item[0])) for i, item in enumerate(items))

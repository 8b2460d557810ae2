"""``sar -h`` / ``--human``: sizes with a unit letter and percentages with a ``%`` sign (common.c cprintf_unit,
cprintf_pc with ``human``), for the columns pr_stats.c prints with a unit.

A size is scaled by 1024 until it is below 1024 and printed ``" %8.1f"`` followed by the letter of its unit
(``s B k M G T P ?``): kB values start at ``k``, -n DEV's rates start at ``B`` (sar prints bytes, not kB, per
second). A percentage loses one decimal to make room for the sign (``" %8.1f%"``). --dec=0 prints sizes
without decimals.
"""

from __future__ import annotations

UNITS = "sBkMGTP?"
UNIT_BYTE = 1
UNIT_KILOBYTE = 2

_KB = UNIT_KILOBYTE
# activity name -> column header -> (first unit, factor applied to hostward's value); pr_stats.c `unit` uses
SIZE_COLUMNS: dict[str, dict[str, tuple[int, float]]] = {
    "memory": {h: (_KB, 1.0) for h in ("kbmemfree", "kbavail", "kbmemused", "kbbuffers", "kbcached", "kbcommit",
                                       "kbactive", "kbinact", "kbdirty", "kbanonpg", "kbslab", "kbkstack",
                                       "kbpgtbl", "kbvmused")},
    "swap": {h: (_KB, 1.0) for h in ("kbswpfree", "kbswpused", "kbswpcad")},
    "huge": {h: (_KB, 1.0) for h in ("kbhugfree", "kbhugused", "kbhugrsvd", "kbhugsurp")},
    "disk": {h: (_KB, 1.0) for h in ("rkB/s", "wkB/s", "dkB/s", "areq-sz")},
    "net_dev": {h: (UNIT_BYTE, 1024.0) for h in ("rxkB/s", "txkB/s")},
    # sar -F -h prints the free and used bytes (f_bfree, f_blocks - f_bfree), not MB
    **{fs: {h: (UNIT_BYTE, 1048576.0) for h in ("MBfsfree", "MBfsused")} for fs in ("filesystems", "filesystems_mount")},
}  # fmt: skip


def size_text(value: float, unit: int, decimals: int | None) -> tuple[str, str]:
    """common.c cprintf_unit for width 9: the number (``" %8.1f"``) and the unit letter, printed apart (the
    colour's end goes between them)."""
    while value >= 1024:
        value /= 1024
        unit += 1
    places = 0 if decimals == 0 else 1  # dplaces_nr ? 1 : 0, with dplaces_nr -1 when --dec is not given
    return f" {value:8.{places}f}", UNITS[min(unit, len(UNITS) - 1)]


def percent_places(places: int) -> int:
    """cprintf_pc with human: one decimal less than asked (2 -> 1), for the "%" sign."""
    return places - 1 if places > 1 else places

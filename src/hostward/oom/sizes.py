"""Sizes for people: kB as the kernel counts them, shown in B/KiB/MiB/GiB/TiB (the OOM report, top, doctor), and
the page the kernel's OOM reports count in.
Its own module so that ``oom top`` and ``oom doctor`` do not import the OOM report to print a size."""

from __future__ import annotations

PAGE_KB = 4  # task tables and Mem-Info count 4 KiB pages on x86_64, the reports' usual origin


def human_kb(kb: float | None) -> str:
    if kb is None:
        return "?"
    value = float(kb) * 1024
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"

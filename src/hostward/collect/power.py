"""CPU clock frequencies for sar -m CPU, from /proc/cpuinfo (rd_stats.c read_cpuinfo, sysstat 12.6).

sadc reads two kinds of line: "processor\\t: N" sets the current CPU, and "cpu MHz\\t: I.D" (or "clock\\t" on
Power) stores ``I * 100 + D / 10`` for it, an integer in hundredths of a MHz (``%u.%u``: "2596.142" gives
259614; the decimals are read as a whole number, so "2596.05" gives 259600). CPU "all" is the integer mean of
every frequency line read. Offline CPUs have no lines: their value stays 0, which sar takes for "offline" and
leaves out of the report. The arithmetic is sadc's ``unsigned int``, so it wraps at 2**32.

Records: CPU "all" first, then each CPU number up to the highest read (store/shape.py OPTIONAL_LISTS: the CPU
names live in the shape). No file, or no frequency line (an architecture whose kernel shows none), gives None:
nothing is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hostward.frozen import frozen

MASK = 0xFFFFFFFF
NR_CPUS = 8192  # sysstat's limit on the CPU number
_NUMBER = re.compile(r"\s*\+?(\d+)")
_FREQ = re.compile(r"\s*\+?(\d+)(?:\.\+?(\d+))?")


@frozen
class CpuFrequency:
    """rd_stats.h stats_pwr_cpufreq for one CPU ("all", "0", "1" ...): MHz x 100, 0 when not read (offline)."""

    cpu: str
    cpufreq: int = 0


def _after_colon(line: str) -> str | None:
    colon = line.find(":")
    return None if colon < 0 else line[colon + 1 :]


def parse_cpuinfo(text: str | None) -> tuple[CpuFrequency, ...] | None:
    if text is None:
        return None
    freqs: dict[int, int] = {}
    total = count = proc = whole = decimals = 0
    for line in text.splitlines():
        if line.startswith("processor\t"):
            rest = _after_colon(line)
            match = _NUMBER.match(rest) if rest is not None else None
            if match is not None:  # sscanf's %u: a line without a number keeps the previous CPU
                proc = int(match[1]) & MASK
        elif line.startswith(("cpu MHz\t", "clock\t")):
            rest = _after_colon(line)
            match = _FREQ.match(rest) if rest is not None else None
            if match is not None:  # "%u.%u": what is not matched keeps its previous value, as in sadc
                whole = int(match[1]) & MASK
                if match[2] is not None:
                    decimals = int(match[2]) & MASK
            if proc >= NR_CPUS:
                continue  # beyond sysstat's CPU limit: sadc has no room for it
            value = (whole * 100 + decimals // 10) & MASK
            freqs[proc] = value
            total += value
            count += 1
    if not count:
        return None
    every = (CpuFrequency(str(cpu), freqs.get(cpu, 0)) for cpu in range(max(freqs) + 1))
    return (CpuFrequency("all", total // count), *every)


def read_cpufreq(read_optional: Callable[[str], str | None]) -> tuple[CpuFrequency, ...] | None:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional."""
    return parse_cpuinfo(read_optional("cpuinfo"))

"""Pressure stall information, /proc/pressure/{cpu,memory,io} (since 4.20, CONFIG_PSI)."""

from __future__ import annotations

import functools
import re

from hostward.errors import CollectError
from hostward.frozen import frozen
from hostward.procfs import ProcFS


@frozen
class PressureLine:
    """One 'some' or 'full' line of a PSI file."""

    avg10: float  # percent of wall time stalled, kernel's running averages
    avg60: float
    avg300: float
    total_us: int  # cumulative stall time in microseconds: rates are computed from this


@frozen
class Pressure:
    """One PSI file: tasks stalled on the resource (some) and all non-idle tasks stalled (full)."""

    some: PressureLine
    full: PressureLine | None  # cpu has "full" only since 5.13 (and it reads zero at system level)


@frozen
class PressureSet:
    """/proc/pressure/{cpu,memory,io}; None for a resource this kernel does not report."""

    cpu: Pressure | None
    memory: Pressure | None
    io: Pressure | None


def parse_pressure(text: str) -> Pressure:
    """Parse "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and an optional "full ..." line."""
    # Fast path for the kernel's exact layout (the recorder reads three of these at every sample); anything
    # else goes to the reference parser below, which accepts fields in any order.
    match = _kernel_psi().fullmatch(text)
    if match is not None:
        some = PressureLine(float(match[1]), float(match[2]), float(match[3]), int(match[4]))
        if match[5] is None:
            return Pressure(some=some, full=None)
        return Pressure(
            some=some, full=PressureLine(float(match[5]), float(match[6]), float(match[7]), int(match[8]))
        )
    return _parse_pressure_lines(text)


_PSI_LINE = r"avg10=(\d+\.\d+) avg60=(\d+\.\d+) avg300=(\d+\.\d+) total=(\d+)\n"


@functools.cache
def _kernel_psi() -> re.Pattern[str]:
    """Compiled on first use: a report of a recording parses no pressure file (start-up, issue 17)."""
    return re.compile(f"some {_PSI_LINE}(?:full {_PSI_LINE})?", re.ASCII)


def _parse_pressure_lines(text: str) -> Pressure:
    """The reference parser: line by line, fields by name."""
    lines: dict[str, PressureLine] = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        try:
            values = dict(part.split("=", 1) for part in parts[1:])
            lines[parts[0]] = PressureLine(
                float(values["avg10"]), float(values["avg60"]), float(values["avg300"]), int(values["total"])
            )
        except (KeyError, ValueError) as exc:
            raise CollectError(f"pressure: unexpected line {line!r}") from exc
    if "some" not in lines:
        raise CollectError("pressure: no 'some' line")
    return Pressure(some=lines["some"], full=lines.get("full"))


def read_pressure(procfs: ProcFS) -> PressureSet | None:
    """None when the kernel has no PSI at all; a resource it does not report is None inside the set."""
    found: dict[str, Pressure | None] = {}
    for resource in ("cpu", "memory", "io"):
        # Reading fails with EOPNOTSUPP when PSI is compiled in but disabled (psi=0 on the command line).
        text = procfs.read_optional(f"pressure/{resource}")
        found[resource] = parse_pressure(text) if text else None
    if not any(found.values()):
        return None
    return PressureSet(**found)

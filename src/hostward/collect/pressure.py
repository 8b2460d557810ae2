"""Pressure stall information, /proc/pressure/{cpu,memory,io} (since 4.20, CONFIG_PSI)."""

from __future__ import annotations

from dataclasses import dataclass

from hostward.errors import CollectError
from hostward.procfs import ProcFS


@dataclass(frozen=True, slots=True)
class PressureLine:
    avg10: float  # percent of wall time stalled, kernel's running averages
    avg60: float
    avg300: float
    total_us: int  # cumulative stall time in microseconds: rates are computed from this


@dataclass(frozen=True, slots=True)
class Pressure:
    some: PressureLine
    full: PressureLine | None  # cpu has "full" only since 5.13 (and it reads zero at system level)


@dataclass(frozen=True, slots=True)
class PressureSet:
    cpu: Pressure | None
    memory: Pressure | None
    io: Pressure | None


def parse_pressure(text: str) -> Pressure:
    """Parse "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and an optional "full ..." line."""
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

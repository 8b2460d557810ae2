"""What the parity tests hold sadf's and hostward's machine formats to, and the locale guard of their runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.conftest import unavailable

from hostward.store.sysstat.sa_format import R_STATS, parse_sa

if TYPE_CHECKING:
    from tests.report.sidebyside import Recording

    from hostward.activities.base import Column


def json_keys(value: object, prefix: str = "") -> set[str]:
    """Every key path of a sadf -j value, lists as "[]" (their first element stands for all)."""
    if isinstance(value, dict):
        return {k for key, v in value.items() for k in {prefix + key, *json_keys(v, prefix + key + "/")}}
    if isinstance(value, list) and value:
        return json_keys(value[0], prefix + "[]/")
    return set()


def csv_problems(theirs: str, ours: str) -> list[str]:
    """Comment lines identical; data lines: same host, interval, timestamp and item, values within 10 % + 1000
    (the CSV carries the same numbers the text reports compare column by column)."""
    problems = []
    a_lines, b_lines = theirs.splitlines(), ours.splitlines()
    if len(a_lines) != len(b_lines):
        return [f"{len(a_lines)} lines from sadf, {len(b_lines)} from hostward"]
    keys = 3
    for a, b in zip(a_lines, b_lines, strict=True):
        if a.startswith("#"):
            if a != b:
                problems.append(f"{a!r} != {b!r}")
            keys = 4 if a.split(";")[3] in ("CPU", "DEV", "IFACE") else 3
            continue
        fa, fb = a.split(";"), b.split(";")
        if len(fa) != len(fb):
            problems.append(f"{a!r} vs {b!r}: field count")
            continue
        if fa[:keys] != fb[:keys]:
            problems.append(f"{fa[:keys]} != {fb[:keys]}")
        for x, y in zip(fa[keys:], fb[keys:], strict=True):
            if abs(float(x) - float(y)) > 1000 + 0.1 * abs(float(x)) or x.count(".") != y.count("."):
                problems.append(f"{a!r} vs {b!r}: {x} {y}")
    return problems


def require_locale(name: str) -> None:
    import locale

    saved = locale.setlocale(locale.LC_TIME)
    try:
        locale.setlocale(locale.LC_TIME, name)
    except locale.Error:
        unavailable(f"locale {name} is not generated (scripts/setup --test generates it)")
    finally:
        locale.setlocale(locale.LC_TIME, saved)


QUEUE_COLUMNS = ("runq-sz", "plist-sz", "ldavg-1", "ldavg-5", "ldavg-15", "blocked")
_QUEUE_SCALE = (1, 1, 100, 100, 100, 1)  # load averages are read as hundredths, as sadc reads them


@dataclass(frozen=True)
class Reading:
    """The kernel's figures the lock-step sampler reads around sadc's read and ours (sidebyside._lockstep):
    ``queue`` as -q counts them (runq-sz as running - 1, the reader not counted; plist-sz the total tasks; the load
    averages in hundredths; blocked), ``interrupts`` /proc/interrupts' every line summed (sar -I's "sum" line:
    all, then per CPU). ``at`` is CLOCK_BOOTTIME (the clock of /proc/uptime) taken once the three files were read."""

    at: float
    queue: tuple[int, ...]
    interrupts: tuple[int, ...]


def read_kernel() -> Reading:
    """One Reading, now (~0.1 ms): /proc/loadavg, /proc/stat's procs_blocked and /proc/interrupts."""
    with open("/proc/loadavg", "rb") as f:
        load = f.read().split()
    with open("/proc/stat", "rb") as f:
        stat = f.read()
    with open("/proc/interrupts", "rb") as f:
        lines = f.read().split(b"\n")
    cpus = len(lines[0].split())
    per_cpu = [0] * cpus
    for line in lines[1:]:
        for k, count in enumerate(line.split(None, cpus + 1)[1 : cpus + 1]):
            if not count.isdigit():
                break  # ERR and MIS have one figure, then words
            per_cpu[k] += int(count)
    at = time.clock_gettime(time.CLOCK_BOOTTIME)
    running, tasks = (int(n) for n in load[3].split(b"/"))
    blocked = stat.index(b"\nprocs_blocked ") + 15
    queue = (
        max(running - 1, 0),
        tasks,
        *(round(float(v) * 100) for v in load[:3]),
        int(stat[blocked : stat.index(b"\n", blocked)]),
    )
    return Reading(at, queue, (sum(per_cpu), *per_cpu))


def _half_unit(printed: str) -> float:
    """Half the last printed digit's unit: how far the printed value can be from the value computed."""
    decimals = len(printed.replace(",", ".").partition(".")[2])
    return 0.5 * 10.0**-decimals


@dataclass(frozen=True)
class Measured:
    """What the recording's own readings allow beyond a column's parity tolerance (which assumes reads a few ms
    apart; a loaded host can hold our sampler back tens of ms). Per sample k: ``gaps[k]`` seconds between sadc's
    uptime (read before its activities) and ours; ``windows[k]`` the sampler's readings from the last one taken
    before sadc's read through the one right after ours: both programs read within that window.

    - CPU columns: each end of an interval read ``d`` seconds apart moves up to ``100 * d / interval`` points
      between modes.
    - -q's columns, instantaneous: hostward's value within the range the window's readings and sadc's span, or
      the tolerance around sar's reaches (an average: within the mean of its rows' ranges). Not sar's within ours: sadc reads while
      the sampler sleeps, so it sees one runnable task fewer than the readings taken while sadc runs.
    - -I's columns: each end of the rate interval lets ours count the interrupts taken in that end's window
      (the "sum" line's figure for the column, which bounds every line's) more or fewer than sadc's.

    Rows are named by record number; rates use records k - 1 and k (an Average: the printed rows' first - 1 and
    last), so a resampled report (-i) gets no allowance for them (``rows`` not consecutive)."""

    labels: dict[str, int]  # "HH:MM:SS" of each sadc record -> sample number
    gaps: tuple[float, ...]
    sadc_cs: tuple[int, ...]
    ours_cs: tuple[int, ...]
    windows: tuple[tuple[Reading, ...], ...]

    def record(self, label: str) -> int | None:
        """The sample number of a row's time text (12-hour "08:00:01 PM" too), None for an Average row."""
        clock, _, half = label.strip().partition(" ")
        parts = clock.split(":")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return None
        hour = int(parts[0]) % 12 + (12 if half == "PM" else 0) if half in ("AM", "PM") else int(parts[0])
        return self.labels.get(f"{hour:02d}:{parts[1]}:{parts[2]}")

    def _span(self, rows: list[int], average: bool) -> tuple[int, int] | None:
        """The records a rate row (the last of ``rows``, the activity's rows printed so far) or an Average over
        ``rows`` spans: record k's rate is from k - 1, unless rows show the report resampled (then None)."""
        if not rows:
            return None
        if not average:
            k = rows[-1]
            return (k - 1, k) if k > 0 and (rows[-2:-1] == [k - 1] or rows == [1]) else None
        if rows != list(range(rows[0], rows[-1] + 1)) or rows[0] == 0:
            return None
        return rows[0] - 1, rows[-1]

    def _queue_range(self, c: int, k: int, printed: str, column: Column) -> tuple[float, float]:
        """Where a -q value of record ``k`` may be, sar's being ``printed``: within the range the window's readings
        and sadc's value span, or sar's within the column's tolerance (whichever reaches further)."""
        sar = float(printed.replace(",", "."))
        slack = column.parity.abs + column.parity.rel * abs(sar) + _half_unit(printed)
        window = [r.queue[c] / _QUEUE_SCALE[c] for r in self.windows[k]]
        return min(*window, sar - slack), max(*window, sar + slack)

    def explains(
        self,
        activity: str,
        column: Column,
        rows: list[int],
        x: str,
        y: str,
        *,
        average: bool,
        sar_rows: dict[int, str] | None = None,
    ) -> tuple[bool, str]:
        """Whether what was measured for a row (the last of ``rows``, an Average over ``rows``, sar's values of
        those rows in ``sar_rows``) explains how far sar's ``x`` and hostward's ``y`` are apart, and what it was
        ("" when nothing was measured)."""
        theirs, ours = float(x.replace(",", ".")), float(y.replace(",", "."))
        ex, ey = _half_unit(x), _half_unit(y)
        span, header = self._span(rows, average), column.header
        if activity == "cpu" and span is not None:
            a, b = span
            slack = 100 * (self.gaps[a] + self.gaps[b]) / ((self.sadc_cs[b] - self.sadc_cs[a]) / 100 or 1)
            allowed = abs(ours - theirs) <= column.parity.abs + slack + 1e-9
            return allowed, f"the read offset allows {slack:.2f} more"
        if activity == "queue" and header in QUEUE_COLUMNS and rows:
            c, picked = QUEUE_COLUMNS.index(header), rows if average else rows[-1:]
            sar = sar_rows or {}
            if average and not all(j in sar for j in picked):
                return False, ""
            ranges = [self._queue_range(c, j, sar[j] if average else x, column) for j in picked]
            lo, hi = sum(r[0] for r in ranges) / len(ranges), sum(r[1] for r in ranges) / len(ranges)
            return lo - ey <= ours <= hi + ey, f"the kernel and sar allow {lo:g}..{hi:g}"
        if activity == "irq" and span is not None:
            a, b = span
            c = 0 if header == "all" else 1 + int(header[3:])
            gained = [w[-1].interrupts[c] - w[0].interrupts[c] for w in (self.windows[a], self.windows[b])]
            t_sadc = (self.sadc_cs[b] - self.sadc_cs[a]) / 100
            t_ours = (self.ours_cs[b] - self.ours_cs[a]) / 100
            if t_sadc <= 0 or t_ours <= 0:
                return False, ""
            lo = ((theirs - ex) * t_sadc - gained[0]) / t_ours - ey
            hi = ((theirs + ex) * t_sadc + gained[1]) / t_ours + ey
            return (
                lo <= ours <= hi,
                f"{gained[0]} + {gained[1]} interrupts during the reads allow {lo:.2f}..{hi:.2f}",
            )
        return False, ""


def measured(recording: Recording) -> Measured | None:
    """The Measured allowances of a plain lock-step recording (one sadc record per sample, readings taken), else
    None."""
    stats = [r for r in parse_sa(recording.safile.read_bytes(), "sa").records if r.record_type == R_STATS]
    if len(stats) != len(recording.samples) or len(recording.after) != len(recording.samples):
        return None
    readings = recording.readings
    windows = []
    for r, after in zip(stats, recording.after, strict=True):
        before = max((i for i in range(after + 1) if readings[i].at < r.uptime_cs / 100), default=None)
        if before is None:
            return None  # no reading known to precede sadc's
        windows.append(readings[before : after + 1])
    return Measured(
        labels={time.strftime("%H:%M:%S", time.localtime(r.ust_time)): k for k, r in enumerate(stats)},
        gaps=tuple(
            abs(s.uptime_seconds - r.uptime_cs / 100) for s, r in zip(recording.samples, stats, strict=True)
        ),
        sadc_cs=tuple(r.uptime_cs for r in stats),
        ours_cs=tuple(round(s.uptime_seconds * 100) for s in recording.samples),
        windows=tuple(windows),
    )

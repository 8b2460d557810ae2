"""What the parity tests hold sadf's and hostward's machine formats to, and the locale guard of their runs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tests.conftest import unavailable

from hostward.store.sysstat.sa_format import R_STATS, parse_sa

if TYPE_CHECKING:
    from tests.report.sidebyside import Recording


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


def cpu_slack(recording: Recording) -> dict[str, float]:
    """Points of a CPU line that the measured offset between sadc's reads and ours can explain, by the row's time
    text (and "Average:"): each end of an interval read ``d`` seconds apart moves up to ``100 * d / interval``
    points between modes. The CPU tolerance (one tick at each end) assumes reads ms apart; a loaded host can
    hold our sampler back tens of ms (0.06 s seen), and sadc's uptime in each record says by how much."""
    stats = [r for r in parse_sa(recording.safile.read_bytes(), "sa").records if r.record_type == R_STATS]
    if len(stats) != len(recording.samples):
        return {}  # not a plain lock-step recording: no slack
    gaps = [abs(s.uptime_seconds - r.uptime_cs / 100) for s, r in zip(recording.samples, stats, strict=True)]
    slack = {}
    for k in range(1, len(stats)):
        interval = (stats[k].uptime_cs - stats[k - 1].uptime_cs) / 100
        label = time.strftime("%H:%M:%S", time.localtime(stats[k].ust_time))
        slack[label] = 100 * (gaps[k - 1] + gaps[k]) / interval
    span = (stats[-1].uptime_cs - stats[0].uptime_cs) / 100
    slack["Average:"] = 100 * (gaps[0] + gaps[-1]) / span if span else 0.0
    return slack

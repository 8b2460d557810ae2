"""`hostward ntp status`: the host's time health from local sources only (no network queries).

Sources, in order of authority: the kernel (adjtimex: is the clock marked synchronised, how large may the
error be), the running daemon (which one; for chronyd its own tracking and sources through chronyc), and the
drift file (the oscillator's learned frequency error).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hostward.errors import CollectError
from hostward.ntp.adjtimex import AdjtimexCall, KernelClock, libc_adjtimex, read_kernel_clock
from hostward.ntp.daemons import ChronyView, RunningDaemon, find_time_daemons, read_chrony
from hostward.ntp.drift import DriftInfo, find_drift_file, read_drift
from hostward.ntp.verdict import Verdict
from hostward.procfs import ProcFS

LARGE_FREQUENCY_PPM = 100.0  # real oscillators sit within about ±50 ppm; beyond 100 something is off
LARGE_MAXERROR_S = 1.0
WARN_OFFSET_S = 0.1


@dataclass(frozen=True, slots=True)
class TimeHealth:
    kernel: KernelClock | None
    kernel_problem: str | None
    daemons: tuple[RunningDaemon, ...]
    chrony: ChronyView | None
    drift: DriftInfo | None
    drift_problem: str | None
    verdict: Verdict


def gather(
    *,
    adjtimex: AdjtimexCall = libc_adjtimex,
    procfs: ProcFS | None = None,
    chrony_reader: Callable[[], ChronyView] = read_chrony,
    now: Callable[[], float] = time.time,
) -> TimeHealth:
    kernel: KernelClock | None = None
    kernel_problem = None
    try:
        kernel = read_kernel_clock(adjtimex)
    except CollectError as exc:
        kernel_problem = str(exc)
    daemons = find_time_daemons(procfs)
    names = {d.name for d in daemons}
    chrony = chrony_reader() if "chronyd" in names else None
    drift = None
    drift_problem = None
    for daemon in ("chronyd", "ntpd"):
        if daemon in names or (not names and daemon == "chronyd"):
            path = find_drift_file(daemon)
            if path is None:
                continue
            try:
                drift = read_drift(daemon, path, now())
            except CollectError as exc:
                drift_problem = str(exc)
            except Exception as exc:
                drift_problem = str(exc)
            if drift is None and drift_problem is None:
                drift_problem = f"{path} does not exist (yet)"
            break
    verdict = judge(kernel, kernel_problem, daemons, chrony, drift)
    return TimeHealth(kernel, kernel_problem, daemons, chrony, drift, drift_problem, verdict)


def judge(
    kernel: KernelClock | None,
    kernel_problem: str | None,
    daemons: tuple[RunningDaemon, ...],
    chrony: ChronyView | None,
    drift: DriftInfo | None,
) -> Verdict:
    steps: list[str] = []
    names = sorted({d.name for d in daemons})
    ntp_daemons = [n for n in names if n in ("chronyd", "ntpd", "systemd-timesyncd", "openntpd")]
    level = "ok"

    def worse(new: str) -> None:
        nonlocal level
        order = ("ok", "warning", "critical")
        level = max(level, new, key=order.index)

    if len(ntp_daemons) > 1:
        worse("warning")
        steps.append(
            f"Several time daemons run at once ({', '.join(ntp_daemons)}): they fight over the clock. Keep one."
        )
    if not ntp_daemons:
        worse("critical")
        steps.append(
            "No NTP daemon is running, so nothing corrects this clock: it drifts by its frequency error "
            "(tens of ms a day is typical). Install and start chrony (or systemd-timesyncd)."
        )
    if kernel is None:
        worse("warning")
        steps.append(f"The kernel clock state could not be read: {kernel_problem}.")
    elif not kernel.synchronised:
        worse("critical" if not ntp_daemons else "warning")
        if ntp_daemons:
            steps.append(
                f"{ntp_daemons[0]} runs but the kernel clock is not marked synchronised: the daemon has not yet "
                "reached a usable server, or (chronyd -x) does not control the clock. Check its sources "
                "(chronyc sources: reach should be 377), UDP port 123 through firewalls, and DNS."
            )
        else:
            steps.append("The kernel marks the clock unsynchronised (maxerror reached 16 s).")
    elif kernel.maxerror_seconds > LARGE_MAXERROR_S:
        worse("warning")
        steps.append(
            f"The kernel's maximum error is {kernel.maxerror_seconds:.3f} s: the daemon updates it rarely."
        )
    if kernel is not None and abs(kernel.frequency_ppm) > LARGE_FREQUENCY_PPM:
        worse("warning")
        steps.append(
            f"The kernel corrects the clock rate by {kernel.frequency_ppm:+.1f} ppm "
            f"({kernel.frequency_seconds_per_day:+.2f} s/day): far more than a healthy oscillator needs. "
            "Typical of a virtual machine with an unstable clocksource; check /sys/devices/system/clocksource."
        )
    if chrony is not None:
        if chrony.tracking is None:
            worse("warning")
            steps.append(f"chronyd runs but chronyc could not report: {chrony.problem}.")
        else:
            tracking = chrony.tracking
            if not tracking.synchronised:
                worse("warning")
                steps.append("chronyd reports 'Not synchronised': it has no selectable source.")
            elif abs(tracking.system_offset_seconds) > WARN_OFFSET_S:
                worse("warning")
                side = "behind" if tracking.system_offset_seconds > 0 else "ahead of"
                steps.append(
                    f"chronyd measures the system clock {abs(tracking.system_offset_seconds):.3f} s {side} NTP time "
                    "and is slewing it out; 'chronyc makestep' steps it at once."
                )
            bad = [s.name for s in chrony.sources if s.state in ("x", "~")]
            if bad:
                worse("warning")
                steps.append(
                    f"chronyd distrusts these sources (falseticker or too variable): {', '.join(bad)}."
                )
    if drift is not None and abs(drift.frequency_ppm) > LARGE_FREQUENCY_PPM:
        worse("warning")
        steps.append(f"The drift file records {drift.frequency_ppm:+.3f} ppm, unusually large.")
    if level == "ok":
        daemon = ntp_daemons[0]
        error = f" (kernel estimated error ±{kernel.esterror_seconds * 1000:.3f} ms)" if kernel else ""
        summary = f"The clock is synchronised by {daemon}{error}."
    elif level == "warning":
        summary = "The clock needs attention."
    else:
        summary = "This host's time cannot be trusted."
    return Verdict(level, summary, tuple(steps))

"""`hostward ntp status`: the host's time health from local sources only (no network queries).

Sources, in order of authority: the kernel (adjtimex: is the clock marked synchronised, how large may the
error be), the running daemon (which one; for chronyd its own tracking and sources through chronyc), and the
drift file (the oscillator's learned frequency error).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hostward.errors import CollectError, ParseError
from hostward.frozen import frozen
from hostward.ntp.adjtimex import AdjtimexCall, KernelClock, libc_adjtimex, read_kernel_clock
from hostward.ntp.control import ClockControl, assess
from hostward.ntp.daemonconf import DEFAULT_CHRONY_SOCKET, DaemonSetup, read_setup
from hostward.ntp.daemons import ChronyView, RunningDaemon, find_time_daemons, read_chrony
from hostward.ntp.drift import DriftInfo, find_drift_file, read_drift
from hostward.ntp.verdict import BAD_OFFSET_S, GOOD_OFFSET_S, Verdict
from hostward.procfs import ProcFS

LARGE_FREQUENCY_PPM = 100.0  # real oscillators sit within about ±50 ppm; beyond 100 something is off
LARGE_MAXERROR_S = 1.0
WARN_OFFSET_S = GOOD_OFFSET_S


@frozen
class TimeHealth:
    kernel: KernelClock | None
    kernel_problem: str | None
    daemons: tuple[RunningDaemon, ...]
    chrony: ChronyView | None
    drift: DriftInfo | None
    drift_problem: str | None
    verdict: Verdict
    setups: tuple[DaemonSetup, ...] = ()  # chronyd/ntpd: the configuration each runs with
    controls: tuple[ClockControl, ...] = ()  # one per setup: do its corrections reach the clock?


def gather(
    *,
    adjtimex: AdjtimexCall = libc_adjtimex,
    procfs: ProcFS | None = None,
    chrony_reader: Callable[[str | None], ChronyView] | None = None,
    now: Callable[[], float] = time.time,
    daemons: tuple[RunningDaemon, ...] | None = None,
) -> TimeHealth:
    """``daemons`` replaces the scan of /proc (tests pick their own chronyd out of the host's processes)."""
    kernel: KernelClock | None = None
    kernel_problem = None
    try:
        kernel = read_kernel_clock(adjtimex)
    except CollectError as exc:
        kernel_problem = str(exc)
    if daemons is None:
        daemons = find_time_daemons(procfs)
    setups = tuple(read_setup(d, procfs) for d in daemons if d.name in ("chronyd", "ntpd"))
    chrony_setup = next((s for s in setups if s.daemon.name == "chronyd"), None)
    chrony = None
    if chrony_setup is not None:
        reader = chrony_reader or _read_chrony_at
        chrony = reader(chrony_setup.command_socket)
    now_unix = now()
    drift, drift_problem = _drift(setups, now_unix)
    controls = assess_all(setups, chrony, kernel, kernel_problem, now_unix)
    verdict = judge(kernel, kernel_problem, daemons, chrony, drift, setups=setups, controls=controls)
    return TimeHealth(
        kernel, kernel_problem, daemons, chrony, drift, drift_problem, verdict, setups, controls
    )


def assess_all(
    setups: tuple[DaemonSetup, ...],
    chrony: ChronyView | None,
    kernel: KernelClock | None,
    kernel_problem: str | None,
    now_unix: float,
) -> tuple[ClockControl, ...]:
    tracking = chrony.tracking if chrony is not None else None
    return tuple(
        assess(s, tracking if s.daemon.name == "chronyd" else None, kernel, kernel_problem, now_unix)
        for s in setups
    )


def _read_chrony_at(socket: str | None) -> ChronyView:
    # The default socket is left to chronyc, which then also tries UDP 127.0.0.1:323 as it does by default.
    return read_chrony(socket_path=None if socket in (None, DEFAULT_CHRONY_SOCKET) else socket)


def _drift(setups: tuple[DaemonSetup, ...], now_unix: float) -> tuple[DriftInfo | None, str | None]:
    """The running daemon's own drift file (from its configuration); with no daemon, chrony's default."""
    if setups:
        setup = setups[0]
        daemon, path = setup.daemon.name, setup.drift_path
        if path is None:
            where = setup.config_path or setup.config_source
            return (
                None,
                f"{daemon}'s configuration ({where}) has no driftfile: the frequency is relearned at each start",
            )
    else:
        daemon, found = "chronyd", find_drift_file("chronyd")
        if found is None:
            return None, None
        path = found
    try:
        drift = read_drift(daemon, path, now_unix)
    except (CollectError, ParseError) as exc:
        return None, str(exc)
    if drift is None:
        return None, f"{path} does not exist (yet)"
    return drift, None


def judge(
    kernel: KernelClock | None,
    kernel_problem: str | None,
    daemons: tuple[RunningDaemon, ...],
    chrony: ChronyView | None,
    drift: DriftInfo | None,
    *,
    setups: tuple[DaemonSetup, ...] = (),
    controls: tuple[ClockControl, ...] | None = None,
) -> Verdict:
    """``controls`` defaults to assess_all() at the current time."""
    if controls is None:
        controls = assess_all(setups, chrony, kernel, kernel_problem, time.time())
    steps: list[str] = []
    names = sorted({d.name for d in daemons})
    ntp_daemons = [n for n in names if n in ("chronyd", "ntpd", "systemd-timesyncd", "openntpd")]
    levels = ["ok"]

    def worse(new: str) -> None:
        levels.append(new)

    idle = [c for c in controls if c.adjusts is False]
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
    for control in idle:
        worse("warning")
        reason = str(control.reason) + (f" ({control.detail})" if control.detail else "")
        steps.append(
            f"{control.daemon} (pid {control.pid}): {reason[0].lower()}{reason[1:]}. Nothing keeps this clock "
            "right: remove what stops it, or measure the clock itself with 'hostward ntp query'."
        )
    no_rtcsync = next((s for s in setups if not s.marks_kernel_synchronised), None)
    chrony_synchronised = chrony is not None and chrony.tracking is not None and chrony.tracking.synchronised
    if kernel is None:
        worse("warning")
        steps.append(f"The kernel clock state could not be read: {kernel_problem}.")
    elif not kernel.synchronised:
        if ntp_daemons and idle:
            worse("warning")
            steps.append(
                "The kernel clock is not marked synchronised: expected, since the daemon does not adjust it."
            )
        elif (
            ntp_daemons
            and no_rtcsync is not None
            and (chrony_synchronised or no_rtcsync.daemon.name == "ntpd")
        ):
            name = no_rtcsync.daemon.name
            why = (
                "chronyd clears it only with 'rtcsync'" if name == "chronyd" else "ntpd has 'disable kernel'"
            )
            steps.append(
                f"The kernel clock stays marked unsynchronised: {why} in its configuration, so the flag says "
                f"nothing here; {name}'s own state is the authority."
            )
        elif ntp_daemons:
            worse("warning")
            steps.append(
                f"{ntp_daemons[0]} runs but the kernel clock is not marked synchronised: the daemon has not yet "
                "reached a usable server. Check its sources (chronyc sources: reach should be 377), UDP port "
                "123 through firewalls, and DNS."
            )
        else:
            worse("critical")
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
        chrony_control = next((c for c in controls if c.daemon == "chronyd"), None)
        for level, step in judge_chrony(chrony, chrony_control):
            worse(level)
            steps.append(step)
    if drift is not None and abs(drift.frequency_ppm) > LARGE_FREQUENCY_PPM:
        worse("warning")
        steps.append(f"The drift file records {drift.frequency_ppm:+.3f} ppm, unusually large.")
    level = max(levels, key=("ok", "warning", "critical").index)
    if level == "ok":
        daemon = ntp_daemons[0]
        error = f" (kernel estimated error ±{kernel.esterror_seconds * 1000:.3f} ms)" if kernel else ""
        summary = f"The clock is synchronised by {daemon}{error}."
    elif level == "warning":
        summary = "The clock needs attention."
    else:
        summary = "This host's time cannot be trusted."
    return Verdict(level, summary, tuple(steps))


def judge_chrony(chrony: ChronyView, control: ClockControl | None) -> list[tuple[str, str]]:
    """(level, sentence) findings from chronyd's own tracking and sources (``chronyc tracking``/``sources``).

    The system time offset is graded as ``ntp query`` grades a measured offset: chronyd knowing how wrong the
    clock is does not make it right, and it is only being corrected when chronyd controls the clock.
    """
    tracking = chrony.tracking
    if tracking is None:
        return [("warning", f"chronyd runs but chronyc could not report: {chrony.problem}.")]
    found: list[tuple[str, str]] = []
    if not tracking.synchronised:
        found.append(("warning", "chronyd reports 'Not synchronised': it has no selectable source."))
    else:
        offset = tracking.system_offset_seconds
        if abs(offset) >= WARN_OFFSET_S:
            level = "critical" if abs(offset) >= BAD_OFFSET_S else "warning"
            side = "behind" if offset > 0 else "ahead of"
            measured = f"chronyd measures the system clock {abs(offset):.3f} s {side} NTP time"
            if control is None or control.adjusts:
                found.append(
                    (level, f"{measured} and is slewing it out; 'chronyc makestep' steps it at once.")
                )
            elif control.adjusts is None:
                found.append((level, f"{measured} and says it is slewing it out; {control.reason}."))
            else:
                found.append((level, f"{measured} and does not correct it ({control.reason})."))
        if tracking.rms_offset_seconds >= WARN_OFFSET_S:
            found.append(
                (
                    "warning",
                    f"chronyd's RMS offset is {tracking.rms_offset_seconds:.3f} s: its measurements are noisy.",
                )
            )
        distance = tracking.root_delay_seconds / 2 + tracking.root_dispersion_seconds
        if distance >= BAD_OFFSET_S:
            found.append(
                (
                    "warning",
                    f"The root distance (root delay/2 + root dispersion) is {distance:.3f} s: the reference "
                    "is far away or has not been heard from for long.",
                )
            )
    if tracking.leap_status in ("Insert second", "Delete second"):
        verb = "inserted" if tracking.leap_status == "Insert second" else "deleted"
        found.append(
            (
                "ok",
                f"A leap second is pending: one second will be {verb} at the end of this UTC day "
                "(chronyd leap status).",
            )
        )
    bad = [s.name for s in chrony.sources if s.state in ("x", "~")]
    if bad:
        found.append(
            ("warning", f"chronyd distrusts these sources (falseticker or too variable): {', '.join(bad)}.")
        )
    return found

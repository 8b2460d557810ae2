"""Does the running daemon's correction reach the clock? Judged from evidence an unprivileged reader has.

What stops a running daemon from steering the clock on Linux, and what of it can be seen from outside:
  * it was told not to: chronyd ``-x`` or ``-Q`` on its command line, ntpd ``disable ntp`` in its
    configuration (daemonconf.py reads both);
  * the kernel refuses it: no CAP_SYS_TIME, or a seccomp/LSM policy that denies adjtimex(2). chronyd 4.3 cannot
    keep running so: at start it resets the kernel PLL through adjtimex and exits on the refusal ("Fatal
    error : adjtimex(0x8001) failed : Operation not permitted"). A daemon whose /proc/PID/status lacks
    CAP_SYS_TIME is still reported (daemonconf.py). Our own adjtimex being refused says nothing about the
    daemon's: its sandbox is not ours;
  * its corrections never reach this kernel's clock while it believes they do (chronyd -x under a name we do
    not see, a sandbox that answers adjtimex without applying it). This one shows in the kernel's state:
    chronyd (not -x) writes the kernel's maxerror at every clock update (chrony sys_timex.c set_sync_status:
    maxerror = its root distance, capped at 16 s), and the kernel adds 500 µs to maxerror every second
    (kernel/time/ntp.c, MAXFREQ) until it reaches 16 s (NTP_PHASE_LIMIT). A chronyd that reports itself
    synchronised while the kernel's maxerror is well above its root distance plus 500 µs per second since its
    last update has written nothing to this kernel.
Not detectable here: a sandbox that keeps and reads back what was written without applying it, or another
agent (a hypervisor's time sync) undoing the corrections. Only a measurement against other clocks
(``hostward ntp query``) shows those. Neither the kernel's STA_PLL/STA_FLL (chronyd turns the kernel PLL off
and steers by frequency; ntpd ``disable kernel`` steers with adjtime(3)) nor STA_UNSYNC (chronyd clears it
only with ``rtcsync``) says whether a daemon steers.
"""

from __future__ import annotations

from hostward.frozen import frozen
from hostward.ntp.adjtimex import MAXERROR_UNSYNC_US, KernelClock
from hostward.ntp.daemonconf import DaemonSetup
from hostward.ntp.daemons import ChronyTracking

MAXERROR_GROWTH_PER_S = (
    500e-6  # kernel/time/ntp.c second_overflow(): time_maxerror += MAXFREQ / NSEC_PER_USEC
)
MAXERROR_LIMIT_S = MAXERROR_UNSYNC_US / 1e6
# chronyd fuzzes the reference time it reports by up to 1 s; the kernel's maxerror is in µs. One second of
# slack is far above both and far below the 16 s of a maxerror nobody writes.
SLACK_S = 1.0


@frozen
class ClockControl:
    """Whether one daemon's corrections reach the clock: True, False, or None for "cannot tell"."""

    daemon: str
    pid: int
    adjusts: bool | None
    reason: str | None  # why not, or why we cannot tell; None when it adjusts
    evidence: str  # what the answer rests on, for the report
    detail: str | None = None  # the numbers behind a "no" from the kernel's state

    @property
    def text(self) -> str:
        if self.adjusts is None:
            return str(self.reason)
        if self.adjusts:
            return f"yes ({self.evidence})"
        return f"no: {self.reason}" + (f"; {self.detail}" if self.detail else "")


def assess(
    setup: DaemonSetup,
    tracking: ChronyTracking | None,
    kernel: KernelClock | None,
    kernel_problem: str | None,
    now_unix: float,
) -> ClockControl:
    """One daemon's control of the clock, from its command line and configuration and, for chronyd, its
    tracking checked against the kernel's clock state."""
    name, pid = setup.daemon.name, setup.daemon.pid
    if not setup.controls_clock:
        return ClockControl(name, pid, False, setup.no_control_reason, "its command line and configuration")
    if name != "chronyd":
        return ClockControl(name, pid, True, None, "its command line and configuration")
    if tracking is None:
        reason = "cannot tell whether chronyd's corrections reach the clock: chronyc did not report"
        return ClockControl(name, pid, None, reason, "")
    if not tracking.synchronised:
        # Unsynchronised, chronyd writes maxerror 16 s itself: the kernel's state cannot tell us anything.
        return ClockControl(name, pid, True, None, "its command line; no reference to steer to yet")
    if kernel is None:
        reason = (
            "cannot tell whether chronyd's corrections reach the clock: the kernel's clock state is "
            f"unreadable ({kernel_problem})"
        )
        return ClockControl(name, pid, None, reason, "")
    age = max(0.0, now_unix - tracking.reference_time_unix)
    root_distance = tracking.root_delay_seconds / 2 + tracking.root_dispersion_seconds
    expected = min(MAXERROR_LIMIT_S, root_distance + MAXERROR_GROWTH_PER_S * age)
    if kernel.maxerror_seconds > expected + SLACK_S:
        detail = (
            f"kernel maxerror {kernel.maxerror_seconds:.3f} s, where chronyd's updates (root distance "
            f"{root_distance * 1000:.3f} ms, {age:.0f} s ago) would leave at most {expected:.3f} s: -x out of "
            "our sight, or a sandbox that ignores clock adjustments"
        )
        reason = "its corrections do not reach this clock"
        return ClockControl(name, pid, False, reason, "the kernel's clock state", detail)
    return ClockControl(name, pid, True, None, "the kernel's maximum error agrees with chronyd's updates")

"""Which time daemon runs here, and what chrony itself says (through ``chronyc -c``, its CSV output).

Sign conventions differ between tools, which is a classic source of misreadings; we convert everything to
θ = reference − local (RFC 5905), positive when this host is behind:
  * ``chronyc sources`` "Last sample": local − source (positive: local ahead), so θ = −value;
  * ``chronyc -c tracking`` "System time": positive when the system clock is *slow* of NTP time, so θ = +value
    (the human form prints "N seconds slow/fast of NTP time");
  * ``chronyc -c tracking`` "Frequency": the rate error the clock would have uncorrected, negative = slow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hostward.errors import CollectError, ParseError, ProcessGone
from hostward.frozen import frozen
from hostward.procfs import ProcFS

# /proc/PID/comm is cut to 15 characters: systemd-timesyncd appears as "systemd-timesyn".
KNOWN_DAEMONS = {
    "chronyd": "chronyd",
    "ntpd": "ntpd",  # the reference ntpd, NTPsec and OpenNTPD all call themselves ntpd
    "systemd-timesyn": "systemd-timesyncd",
    "openntpd": "openntpd",
    "ptp4l": "ptp4l",
    "phc2sys": "phc2sys",
    "timemaster": "timemaster",
    "htpdate": "htpdate",
}
CHRONYC_NEVER = 4294967295  # LastRx of a source never heard from


@frozen
class RunningDaemon:
    name: str
    pid: int
    cmdline: str
    argv: tuple[str, ...] = ()  # the command line as the kernel holds it (NUL-separated), for option parsing


def find_time_daemons(procfs: ProcFS | None = None) -> tuple[RunningDaemon, ...]:
    procfs = procfs or ProcFS()
    found = []
    for pid in procfs.pids():
        try:
            comm = procfs.read_pid(pid, "comm").strip()
            if comm not in KNOWN_DAEMONS:
                continue
            raw = procfs.read_pid_bytes(pid, "cmdline")
        except (ProcessGone, CollectError):
            continue
        argv = tuple(a.decode(errors="replace") for a in raw.rstrip(b"\0").split(b"\0")) if raw else ()
        found.append(RunningDaemon(KNOWN_DAEMONS[comm], pid, " ".join(argv).strip(), argv))
    return tuple(found)


@frozen
class ChronySource:
    mode: str  # ^ server, = peer, # reference clock
    state: str  # * selected, + combined, - not combined, ? unusable, x falseticker, ~ too variable
    name: str
    stratum: int
    poll: int
    reach: int
    last_rx_seconds: int | None
    adjusted_offset_seconds: float  # chronyc's convention: local − source
    measured_offset_seconds: float
    error_seconds: float

    @property
    def theta_seconds(self) -> float:
        """The same measurement in RFC 5905's sign: source − local."""
        return -self.measured_offset_seconds


@frozen
class ChronyTracking:
    reference_id: str
    reference_name: str
    stratum: int
    reference_time_unix: float
    system_offset_seconds: float  # θ-like: positive = system clock slow (behind) of NTP time
    last_offset_seconds: float
    rms_offset_seconds: float
    frequency_ppm: float  # negative = the uncorrected clock runs slow
    residual_frequency_ppm: float
    skew_ppm: float
    root_delay_seconds: float
    root_dispersion_seconds: float
    update_interval_seconds: float
    leap_status: str

    @property
    def synchronised(self) -> bool:
        return (
            self.leap_status != "Not synchronised" and self.stratum < 16 and self.reference_id != "00000000"
        )


def parse_chronyc_sources(text: str) -> tuple[ChronySource, ...]:
    """Parse ``chronyc -c -n sources``."""
    sources = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != 10:
            raise ParseError(f"chronyc sources line {number}: expected 10 fields, got {len(fields)}")
        try:
            last_rx = int(fields[6])
            sources.append(
                ChronySource(
                    mode=fields[0],
                    state=fields[1],
                    name=fields[2],
                    stratum=int(fields[3]),
                    poll=int(fields[4]),
                    reach=int(fields[5], 8),
                    last_rx_seconds=None if last_rx == CHRONYC_NEVER else last_rx,
                    adjusted_offset_seconds=float(fields[7]),
                    measured_offset_seconds=float(fields[8]),
                    error_seconds=float(fields[9]),
                )
            )
        except ValueError as exc:
            raise ParseError(f"chronyc sources line {number}: {exc}") from exc
    return tuple(sources)


def parse_chronyc_tracking(text: str) -> ChronyTracking:
    """Parse ``chronyc -c tracking`` (one line, 14 fields)."""
    fields = text.strip().split(",")
    if len(fields) != 14:
        raise ParseError(f"chronyc tracking: expected 14 fields, got {len(fields)}")
    try:
        return ChronyTracking(
            reference_id=fields[0],
            reference_name=fields[1],
            stratum=int(fields[2]),
            reference_time_unix=float(fields[3]),
            system_offset_seconds=float(fields[4]),
            last_offset_seconds=float(fields[5]),
            rms_offset_seconds=float(fields[6]),
            frequency_ppm=float(fields[7]),
            residual_frequency_ppm=float(fields[8]),
            skew_ppm=float(fields[9]),
            root_delay_seconds=float(fields[10]),
            root_dispersion_seconds=float(fields[11]),
            update_interval_seconds=float(fields[12]),
            leap_status=fields[13],
        )
    except ValueError as exc:
        raise ParseError(f"chronyc tracking: {exc}") from exc


@frozen
class ChronySourceStats:
    """One line of ``chronyc -c sourcestats``: chronyd's regression over a source's recent samples."""

    name: str
    samples: int  # NP: samples kept
    runs: int  # NR: runs of residuals with the same sign (few runs: the fit is poor)
    span_seconds: int
    frequency_ppm: float  # the source's frequency relative to the local clock
    frequency_skew_ppm: float  # error bound of that frequency
    offset_seconds: float  # chronyc's convention (local − source), relative to the corrected clock
    std_dev_seconds: float


def parse_chronyc_sourcestats(text: str) -> tuple[ChronySourceStats, ...]:
    """Parse ``chronyc -c -n sourcestats`` (8 fields a line)."""
    stats = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != 8:
            raise ParseError(f"chronyc sourcestats line {number}: expected 8 fields, got {len(fields)}")
        try:
            stats.append(
                ChronySourceStats(
                    fields[0],
                    int(fields[1]),
                    int(fields[2]),
                    int(fields[3]),
                    float(fields[4]),
                    float(fields[5]),
                    float(fields[6]),
                    float(fields[7]),
                )
            )
        except ValueError as exc:
            raise ParseError(f"chronyc sourcestats line {number}: {exc}") from exc
    return tuple(stats)


Runner = Callable[[Sequence[str], float], str]


def run_command(argv: Sequence[str], timeout: float) -> str:
    """Run a helper program with a finite timeout; failures become CollectError naming the command."""
    import subprocess  # noqa: PLC0415  (only with a time daemon to ask: ntp status starts without it)

    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise CollectError(f"{argv[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise CollectError(f"{' '.join(argv)} did not answer within {timeout:g} s") from exc
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise CollectError(
            f"{' '.join(argv)} failed: {message[-1] if message else f'exit {done.returncode}'}"
        )
    return done.stdout


@frozen
class ChronyView:
    tracking: ChronyTracking | None
    sources: tuple[ChronySource, ...]
    problem: str | None  # why chronyc could not tell us (not installed, daemon not answering)
    sourcestats: tuple[ChronySourceStats, ...] = ()


def read_chrony(
    runner: Runner = run_command,
    chronyc: str = "chronyc",
    socket_path: str | None = None,
    timeout: float = 3.0,
) -> ChronyView:
    """Tracking and sources from a running chronyd. ``socket_path`` selects a non-default command socket."""
    base = [chronyc, "-c", "-n"] + (["-h", socket_path] if socket_path else [])
    try:
        tracking = parse_chronyc_tracking(runner([*base, "tracking"], timeout))
        sources = parse_chronyc_sources(runner([*base, "sources"], timeout))
        stats = parse_chronyc_sourcestats(runner([*base, "sourcestats"], timeout))
    except (CollectError, ParseError) as exc:
        return ChronyView(None, (), str(exc))
    return ChronyView(tracking, sources, None, stats)

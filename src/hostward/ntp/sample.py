"""The recorder's view of time health: one small, typed sample per interval.

The recorder stores what it gets here as raw values (as it does for counters). Clock steps are found when
reading, from two consecutive samples: the wall clock moved by a different amount than the monotonic clock
(``detect_step``). Querying servers is optional and bounded by ``timeout`` per request; without servers the
sample costs one adjtimex call (microseconds) and no network traffic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from hostward.errors import CollectError
from hostward.frozen import frozen
from hostward.ntp.adjtimex import AdjtimexCall, libc_adjtimex, read_kernel_clock
from hostward.ntp.query import run_query
from hostward.ntp.select import SourceState
from hostward.ntp.transport import ServerAddress, SocketFactory, parse_server, udp_socket

STEP_THRESHOLD_S = 0.5  # a wall/monotonic disagreement larger than this between samples is a step


@frozen
class TimeSample:
    """Kernel clock state plus, optionally, the measured offset against servers.

    ``offset_seconds`` follows RFC 5905: servers' consensus − local clock (positive: this host is behind).
    Fields are None when that source was not available; ``problem`` then says why.
    """

    wall_ns: int  # time.time_ns() at sampling
    monotonic_ns: int  # time.monotonic_ns() at sampling, for step detection
    synchronised: bool | None  # the kernel's flag (STA_UNSYNC clear and state != TIME_ERROR)
    clock_state: str | None  # TIME_OK, TIME_INS, ..., TIME_ERROR
    maxerror_seconds: float | None
    esterror_seconds: float | None
    frequency_ppm: (
        float | None
    )  # kernel frequency correction (node_exporter: node_timex_frequency_adjustment_ratio × 1e6)
    kernel_offset_seconds: float | None = None  # phase correction the kernel PLL is still slewing in
    offset_seconds: float | None = None  # combined θ against configured servers
    offset_error_seconds: float | None = None  # root distance of the selected server
    servers_queried: int = 0
    servers_agreeing: int = 0  # size of the majority clique (0: no majority or nothing answered)
    problem: str | None = None


def sample_time_health(
    servers: Sequence[ServerAddress | str] = (),
    *,
    timeout: float = 1.0,
    samples_per_server: int = 1,
    interval: float = 0.0,
    adjtimex: AdjtimexCall = libc_adjtimex,
    socket_factory: SocketFactory = udp_socket,
    wall_ns: Callable[[], int] = time.time_ns,
    monotonic_ns: Callable[[], int] = time.monotonic_ns,
) -> TimeSample:
    """Never raises for an unavailable source: the recorder must keep recording."""
    wall, mono = wall_ns(), monotonic_ns()
    problems = []
    synchronised = state = maxerror = esterror = freq = kernel_offset = None
    try:
        kernel = read_kernel_clock(adjtimex)
        synchronised, state = kernel.synchronised, kernel.state.name
        maxerror, esterror, freq = kernel.maxerror_seconds, kernel.esterror_seconds, kernel.frequency_ppm
        kernel_offset = kernel.offset_seconds
    except CollectError as exc:
        problems.append(str(exc))
    offset = error = None
    agreeing = 0
    addresses = [s if isinstance(s, ServerAddress) else parse_server(s) for s in servers]
    if addresses:
        report = run_query(
            addresses,
            samples=samples_per_server,
            interval=interval,
            timeout=timeout,
            retries=0,
            socket_factory=socket_factory,
        )
        selection = report.selection
        offset, error = selection.offset_seconds, selection.error_seconds
        agreeing = sum(
            1
            for s in selection.states.values()
            if s in (SourceState.SELECTED, SourceState.COMBINED, SourceState.OUTLIER)
        )
        if not selection.majority:
            problems.append(report.verdict.summary)
    return TimeSample(
        wall_ns=wall,
        monotonic_ns=mono,
        synchronised=synchronised,
        clock_state=state,
        maxerror_seconds=maxerror,
        esterror_seconds=esterror,
        frequency_ppm=freq,
        kernel_offset_seconds=kernel_offset,
        offset_seconds=offset,
        offset_error_seconds=error,
        servers_queried=len(addresses),
        servers_agreeing=agreeing,
        problem="; ".join(problems) or None,
    )


def detect_step(
    previous: TimeSample, current: TimeSample, threshold: float = STEP_THRESHOLD_S
) -> float | None:
    """The size of a clock step between two samples (seconds, + forward), or None if the clock only ran.

    Between samples the monotonic clock measures real elapsed time (it is slewed but never stepped); the wall
    clock should agree to within the slew. A larger disagreement is a step (settimeofday, chronyd makestep).
    """
    wall = current.wall_ns - previous.wall_ns
    mono = current.monotonic_ns - previous.monotonic_ns
    jump = (wall - mono) / 1e9
    return jump if abs(jump) >= threshold else None

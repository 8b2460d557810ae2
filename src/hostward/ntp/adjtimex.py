"""The kernel's own view of its clock, read with adjtimex(2) in read-only mode (modes = 0).

The kernel keeps the NTP state that the time daemon feeds it (RFC 1589 / RFC 5905 "kernel discipline"):
  * status STA_UNSYNC: set until a daemon declares the clock synchronised; the kernel also sets it by itself
    when maxerror reaches 16 s (maxerror grows by 500 µs per second unless a daemon keeps resetting it);
  * maxerror / esterror: the daemon's worst-case and estimated error, in microseconds;
  * freq: the frequency correction in ppm with a 16-bit binary fraction (so 65536 = 1 ppm);
    1 ppm is 1 µs per second = 86.4 ms per day;
  * the return value is the clock state: TIME_OK, a pending leap second, or TIME_ERROR (unsynchronised).
Calling it with modes = 0 changes nothing and needs no privilege.
"""

from __future__ import annotations

import ctypes
import enum
import functools
from collections.abc import Callable

from hostward.errors import CollectError
from hostward.frozen import frozen

SECONDS_PER_DAY = 86_400
STA_PLL = 0x0001
STA_FLL = 0x0008
STA_INS = 0x0010
STA_DEL = 0x0020
STA_UNSYNC = 0x0040
STA_NANO = 0x2000  # offset is in ns rather than µs (since Linux 2.6.26)
MAXERROR_UNSYNC_US = 16_000_000  # NTP_PHASE_LIMIT in the kernel: at 16 s the kernel declares unsync itself


class ClockState(enum.IntEnum):
    """adjtimex(2) return value."""

    TIME_OK = 0
    TIME_INS = 1  # insert a leap second at the end of the UTC day
    TIME_DEL = 2  # delete a leap second
    TIME_OOP = 3  # leap second in progress
    TIME_WAIT = 4  # leap second has occurred
    TIME_ERROR = 5  # clock not synchronised


class _Timeval(ctypes.Structure):
    _fields_ = (("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long))


class Timex(ctypes.Structure):
    """struct timex from <sys/timex.h> (glibc, 64-bit and 32-bit alike: ctypes applies the C padding)."""

    _fields_ = (
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", _Timeval),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),
    )


@frozen
class RawTimex:
    """The fields we use, as the kernel reports them (units as in the C struct)."""

    state: int
    status: int
    offset: int
    freq: int
    maxerror_us: int
    esterror_us: int
    constant: int
    precision_us: int
    tolerance: int
    tick_us: int
    tai: int
    # PPS discipline fields (node_exporter's node_timex_pps_*); zero without a PPS source
    ppsfreq: int = 0
    jitter: int = 0
    shift: int = 0
    stabil: int = 0
    jitcnt: int = 0
    calcnt: int = 0
    errcnt: int = 0
    stbcnt: int = 0


@frozen
class KernelClock:
    """adjtimex state in units people use."""

    state: ClockState
    synchronised: bool
    status_flags: tuple[str, ...]
    offset_seconds: float  # the phase correction still being slewed in by the kernel PLL
    frequency_ppm: float  # + means the kernel speeds the clock up
    maxerror_seconds: float
    esterror_seconds: float
    tick_us: int
    tai_offset_seconds: int

    @property
    def frequency_seconds_per_day(self) -> float:
        """How far the clock would drift in a day without this correction (1 ppm = 86.4 ms/day)."""
        return self.frequency_ppm * 1e-6 * SECONDS_PER_DAY


def interpret(raw: RawTimex) -> KernelClock:
    """Pure conversion of raw adjtimex fields."""
    try:
        state = ClockState(raw.state)
    except ValueError:
        state = ClockState.TIME_ERROR
    flags = tuple(
        name
        for bit, name in (
            (STA_PLL, "PLL"),
            (STA_FLL, "FLL"),
            (STA_INS, "INS"),
            (STA_DEL, "DEL"),
            (STA_UNSYNC, "UNSYNC"),
            (STA_NANO, "NANO"),
        )
        if raw.status & bit
    )
    offset_unit = 1e-9 if raw.status & STA_NANO else 1e-6
    # Synchronised per the kernel: STA_UNSYNC clear and the state not TIME_ERROR (as ntp_adjtime callers such
    # as timedatectl's "System clock synchronized" read it).
    synchronised = not (raw.status & STA_UNSYNC) and state != ClockState.TIME_ERROR
    return KernelClock(
        state=state,
        synchronised=synchronised,
        status_flags=flags,
        offset_seconds=raw.offset * offset_unit,
        frequency_ppm=raw.freq / 65536.0,
        maxerror_seconds=raw.maxerror_us / 1e6,
        esterror_seconds=raw.esterror_us / 1e6,
        tick_us=raw.tick_us,
        tai_offset_seconds=raw.tai,
    )


AdjtimexCall = Callable[[], RawTimex]
GLIBC = "libc.so.6"


@functools.cache
def warm_libc() -> ctypes.CDLL:
    # glibc's soname first: find_library runs ldconfig -p (or gcc) in a child process, several ms of CPU, and
    # imports subprocess and shutil; it is asked only where that name does not load (musl, say). Once per process.
    try:
        return ctypes.CDLL(GLIBC, use_errno=True)
    except OSError:
        pass
    from ctypes.util import find_library  # noqa: PLC0415  (see above)

    libc_name = find_library("c") or GLIBC
    try:
        return ctypes.CDLL(libc_name, use_errno=True)
    except OSError as exc:
        raise CollectError(f"cannot load the C library ({libc_name}) for adjtimex: {exc}") from exc


def libc_adjtimex() -> RawTimex:
    """Call libc adjtimex() with modes = 0: read-only, needs no capability."""
    libc = warm_libc()
    buf = Timex()
    buf.modes = 0
    state = libc.adjtimex(ctypes.byref(buf))
    if state < 0:
        errno = ctypes.get_errno()
        raise CollectError(f"adjtimex failed: errno {errno}")
    return RawTimex(
        state=state,
        status=buf.status,
        offset=buf.offset,
        freq=buf.freq,
        maxerror_us=buf.maxerror,
        esterror_us=buf.esterror,
        constant=buf.constant,
        precision_us=buf.precision,
        tolerance=buf.tolerance,
        tick_us=buf.tick,
        tai=buf.tai,
        ppsfreq=buf.ppsfreq,
        jitter=buf.jitter,
        shift=buf.shift,
        stabil=buf.stabil,
        jitcnt=buf.jitcnt,
        calcnt=buf.calcnt,
        errcnt=buf.errcnt,
        stbcnt=buf.stbcnt,
    )


def read_kernel_clock(call: AdjtimexCall = libc_adjtimex) -> KernelClock:
    return interpret(call())

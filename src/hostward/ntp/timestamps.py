"""NTP time arithmetic that survives the 2036 era rollover (RFC 5905 §6).

An NTP timestamp is 64 bits: 32 bits of seconds since 1900-01-01 and 32 bits of fraction. The seconds field
wraps every 2^32 s (136 years); the first wrap is 2036-02-07 06:28:16 UTC, when era 0 ends and era 1 begins.
RFC 5905 §6 makes the on-wire protocol indifferent to eras: only *differences* of timestamps enter the offset
and delay formulas, and a difference computed modulo 2^64 and read as a signed 64-bit number is correct as
long as the two clocks are within 68 years of each other. So we never turn a received timestamp into an
absolute date unless we have a pivot (our own clock) to resolve its era.

Timestamps are plain ``int`` in [0, 2^64); durations are signed ``int`` in units of 2^-32 s ("fixed").
"""

from __future__ import annotations

MOD64 = 1 << 64
HALF64 = 1 << 63
FRAC = 1 << 32  # one second in fixed-point units
NS_PER_S = 1_000_000_000

# Seconds from the NTP prime epoch (1900-01-01) to the Unix epoch (1970-01-01): 70 years incl. 17 leap days.
NTP_UNIX_DELTA_S = 2_208_988_800

# 2036-02-07 06:28:16 UTC as a Unix time: the instant NTP era 0 ends (seconds field wraps to 0).
ERA1_START_UNIX_S = (1 << 32) - NTP_UNIX_DELTA_S


def unix_ns_to_ntp(unix_ns: int) -> int:
    """Unix nanoseconds -> 64-bit NTP timestamp; the era is dropped, as on the wire (RFC 5905 §6)."""
    total_ns = unix_ns + NTP_UNIX_DELTA_S * NS_PER_S
    seconds, ns = divmod(total_ns, NS_PER_S)
    fraction = (ns * FRAC) // NS_PER_S
    return ((seconds % FRAC) << 32) | fraction


def ntp_to_unix_ns(timestamp: int, pivot_unix_ns: int) -> int:
    """Resolve the era of ``timestamp`` by choosing the instant nearest ``pivot_unix_ns`` (our own clock).

    Correct whenever the true time is within 68 years of the pivot; this is how a client reads a server's
    reference timestamp after 2036 without any era field on the wire.
    """
    pivot = unix_ns_to_ntp(pivot_unix_ns)
    return pivot_unix_ns + fixed_to_ns(diff(timestamp, pivot))


def diff(a: int, b: int) -> int:
    """a − b modulo 2^64, as a signed 64-bit fixed-point duration (RFC 5905 §6: era-safe differences)."""
    return ((a - b + HALF64) % MOD64) - HALF64


def add(timestamp: int, duration_fixed: int) -> int:
    """Timestamp plus a signed duration, wrapping like the 64-bit on-wire field."""
    return (timestamp + duration_fixed) % MOD64


def fixed_to_seconds(duration_fixed: int) -> float:
    return duration_fixed / FRAC


def fixed_to_ns(duration_fixed: int) -> int:
    # Round to nearest: a 2^-32 s unit is 0.23 ns.
    return (duration_fixed * NS_PER_S + (FRAC >> 1)) // FRAC


def seconds_to_fixed(seconds: float) -> int:
    return round(seconds * FRAC)


def ns_to_fixed(ns: int) -> int:
    return (ns * FRAC) // NS_PER_S


def short_to_seconds(short: int) -> float:
    """NTP short format (16.16 unsigned, used for root delay and root dispersion) -> seconds."""
    return short / (1 << 16)


def seconds_to_short(seconds: float) -> int:
    """Seconds -> NTP short format, clamped to the field's range (0 .. 65535.99998 s)."""
    return max(0, min(0xFFFFFFFF, round(seconds * (1 << 16))))


def offset_and_delay(t1: int, t2: int, t3: int, t4: int) -> tuple[float, float]:
    """θ and δ in seconds from the four on-wire timestamps (RFC 5905 §8).

    T1 client transmit, T2 server receive, T3 server transmit, T4 client receive:
        θ = ((T2 − T1) + (T3 − T4)) / 2      how far the server's clock is ahead of ours
        δ = (T4 − T1) − (T3 − T2)            round trip minus the server's processing time
    Each difference is taken modulo 2^64 first (era-safe); only then are they summed, in Python's unbounded
    integers, so nothing overflows (the RFC does the sum in double precision for the same reason).
    """
    # diff() written out four times: this runs once per reply, and the calls were half its cost.
    theta = (((t2 - t1 + HALF64) % MOD64) - HALF64) + (((t3 - t4 + HALF64) % MOD64) - HALF64)
    delta = (((t4 - t1 + HALF64) % MOD64) - HALF64) - (((t3 - t2 + HALF64) % MOD64) - HALF64)
    return theta / (2 * FRAC), delta / FRAC

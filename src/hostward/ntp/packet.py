"""The 48-byte NTP header (RFC 5905 §7.3): encode, decode, and the reasons a datagram is not one.

Layout (network byte order):
    LI(2) VN(3) Mode(3) | Stratum | Poll | Precision          1+1+1+1 bytes
    Root Delay (16.16) | Root Dispersion (16.16) | Reference ID   4+4+4
    Reference | Origin | Receive | Transmit timestamps (32.32)  8 each
We neither send nor accept extension fields or MACs (RFC 7822): nothing here authenticates, so a longer
datagram is counted as ``oversized`` and ignored rather than half-understood.
"""

from __future__ import annotations

import enum
import socket
import struct

from hostward.frozen import frozen
from hostward.ntp.timestamps import seconds_to_short, short_to_seconds

PACKET_SIZE = 48
HEADER = struct.Struct("!BBbbII4sQQQQ")


class Mode(enum.IntEnum):
    """Association modes (RFC 5905 §7.3, Figure 10)."""

    RESERVED = 0
    SYMMETRIC_ACTIVE = 1
    SYMMETRIC_PASSIVE = 2
    CLIENT = 3
    SERVER = 4
    BROADCAST = 5
    CONTROL = 6  # ntpq; the classic amplification vector
    PRIVATE = 7  # ntpdc "monlist": the 2014 amplification attacks


class Leap(enum.IntEnum):
    """Leap indicator (RFC 5905 §7.3, Figure 9). 3 means the sender's clock is not synchronised."""

    NONE = 0
    INSERT = 1  # last minute of the day has 61 s
    DELETE = 2  # last minute of the day has 59 s
    UNSYNCHRONISED = 3


class Drop(enum.StrEnum):
    """Why a datagram was ignored. Counters are keyed by these values, so they are stable names."""

    TRUNCATED = "truncated"  # shorter than 48 bytes
    OVERSIZED = "oversized"  # longer than 48 bytes (extension fields/MAC: unsupported)
    BAD_VERSION = "bad-version"  # version outside 1..4
    WRONG_MODE = "wrong-mode"  # not the mode this side expects (client: 4; server: 3)
    WRONG_SOURCE = "wrong-source"  # came from an address we did not query
    BOGUS_ORIGIN = "bogus-origin"  # origin timestamp is not our transmit timestamp (RFC 5905 §8 test)
    DUPLICATE = "duplicate"  # answers a request that was already answered
    STALE = "stale"  # answers an earlier request of ours that we had given up on (timed out, retried)
    ZERO_TIMESTAMP = "zero-timestamp"  # receive or transmit timestamp is 0: not a real measurement
    UNSYNCHRONISED = "unsynchronised"  # LI=3, or stratum 16 (or above) (RFC 5905 §7.3)
    KISS_OF_DEATH = "kiss-of-death"  # stratum 0 with a kiss code (RFC 5905 §7.4)
    RATE_LIMITED = "rate-limited"  # server side: the client sends too fast


class PacketError(ValueError):
    """A datagram that is not a usable NTP packet; ``reason`` says which rule it broke."""

    def __init__(self, reason: Drop, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


@frozen
class Packet:
    """One NTP header. Timestamps are raw 64-bit integers (see timestamps.py); short fields are raw 16.16."""

    leap: int = Leap.NONE
    version: int = 4
    mode: int = Mode.CLIENT
    stratum: int = 0
    poll: int = 0
    precision: int = 0
    root_delay_raw: int = 0
    root_dispersion_raw: int = 0
    reference_id: bytes = b"\0\0\0\0"
    reference_ts: int = 0
    origin_ts: int = 0
    receive_ts: int = 0
    transmit_ts: int = 0

    @property
    def root_delay_seconds(self) -> float:
        return short_to_seconds(self.root_delay_raw)

    @property
    def root_dispersion_seconds(self) -> float:
        return short_to_seconds(self.root_dispersion_raw)

    @property
    def is_kiss_of_death(self) -> bool:
        # RFC 5905 §7.4: a server mode packet with stratum 0 carries a four-letter ASCII kiss code.
        return self.mode == Mode.SERVER and self.stratum == 0

    @property
    def kiss_code(self) -> str:
        return self.reference_id.decode("ascii", errors="replace").rstrip("\0")

    @property
    def reference_text(self) -> str:
        """The reference ID as people read it: an IPv4 address above stratum 1, else ASCII (GPS, LOCL)."""
        return reference_text(self.stratum, self.reference_id)

    def encode(self) -> bytes:
        return HEADER.pack(
            ((self.leap & 3) << 6) | ((self.version & 7) << 3) | (self.mode & 7),
            self.stratum & 0xFF,
            _signed8(self.poll),
            _signed8(self.precision),
            self.root_delay_raw & 0xFFFFFFFF,
            self.root_dispersion_raw & 0xFFFFFFFF,
            self.reference_id[:4].ljust(4, b"\0"),
            self.reference_ts,
            self.origin_ts,
            self.receive_ts,
            self.transmit_ts,
        )


Fields = tuple[int, int, int, int, int, int, bytes, int, int, int, int]


def decode_fields(data: bytes) -> Fields:
    """The header's fields in wire order (first byte LI|VN|mode, stratum, poll, precision, root delay, root
    dispersion, reference ID, reference, origin, receive, transmit), with decode()'s checks: for hot paths
    that need no Packet object. Raises PacketError."""
    if len(data) != PACKET_SIZE:
        if len(data) < PACKET_SIZE:
            raise PacketError(Drop.TRUNCATED, f"{len(data)} bytes, need {PACKET_SIZE}")
        raise PacketError(Drop.OVERSIZED, f"{len(data)} bytes; extension fields and MACs are not supported")
    fields: Fields = HEADER.unpack(data)
    version = (fields[0] >> 3) & 7
    if not 1 <= version <= 4:
        raise PacketError(Drop.BAD_VERSION, f"version {version}")
    return fields


def decode(data: bytes) -> Packet:
    """Parse one datagram. Raises PacketError for anything that is not exactly an NTPv1-4 header."""
    first, stratum, poll, precision, rdelay, rdisp, refid, ref, org, rec, xmt = decode_fields(data)
    return Packet(
        leap=first >> 6,
        version=(first >> 3) & 7,
        mode=first & 7,
        stratum=stratum,
        poll=poll,
        precision=precision,
        root_delay_raw=rdelay,
        root_dispersion_raw=rdisp,
        reference_id=refid,
        reference_ts=ref,
        origin_ts=org,
        receive_ts=rec,
        transmit_ts=xmt,
    )


def reference_text(stratum: int, reference_id: bytes) -> str:
    """The reference ID as people read it: an IPv4 address above stratum 1, else ASCII (GPS, LOCL)."""
    if stratum >= 2:
        return socket.inet_ntoa(reference_id[:4].ljust(4, b"\0"))
    return reference_id.decode("ascii", errors="replace").rstrip("\0")


def short_from_seconds(seconds: float) -> int:
    return seconds_to_short(seconds)


def _signed8(value: int) -> int:
    return max(-128, min(127, value))

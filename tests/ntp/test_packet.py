from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostward.ntp.packet import PACKET_SIZE, Drop, Mode, Packet, PacketError, decode

packets = st.builds(
    Packet,
    leap=st.integers(0, 3),
    version=st.integers(1, 4),
    mode=st.integers(0, 7),
    stratum=st.integers(0, 255),
    poll=st.integers(-128, 127),
    precision=st.integers(-128, 127),
    root_delay_raw=st.integers(0, 2**32 - 1),
    root_dispersion_raw=st.integers(0, 2**32 - 1),
    reference_id=st.binary(min_size=4, max_size=4),
    reference_ts=st.integers(0, 2**64 - 1),
    origin_ts=st.integers(0, 2**64 - 1),
    receive_ts=st.integers(0, 2**64 - 1),
    transmit_ts=st.integers(0, 2**64 - 1),
)


@given(packets)
def test_encode_decode_round_trip(packet: Packet) -> None:
    data = packet.encode()
    assert len(data) == PACKET_SIZE
    assert decode(data) == packet


def test_field_layout_matches_rfc5905_figure_8() -> None:
    data = Packet(
        leap=3, version=4, mode=Mode.CLIENT, stratum=2, poll=6, precision=-20, transmit_ts=1
    ).encode()
    assert data[0] == 0b11_100_011
    assert data[1:4] == bytes([2, 6, 0xEC])
    assert data[40:48] == (1).to_bytes(8, "big")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", Drop.TRUNCATED),
        (b"\x23" * 47, Drop.TRUNCATED),
        (b"\x23" + b"\0" * 48, Drop.OVERSIZED),
        (bytes([0b00_000_011]) + b"\0" * 47, Drop.BAD_VERSION),
        (bytes([0b00_101_011]) + b"\0" * 47, Drop.BAD_VERSION),
    ],
)
def test_malformed_datagrams_name_their_reason(data: bytes, reason: Drop) -> None:
    with pytest.raises(PacketError) as info:
        decode(data)
    assert info.value.reason is reason


def test_kiss_of_death_and_reference_text() -> None:
    kod = Packet(mode=Mode.SERVER, stratum=0, reference_id=b"RATE")
    assert kod.is_kiss_of_death
    assert kod.kiss_code == "RATE"
    assert not Packet(mode=Mode.SERVER, stratum=1, reference_id=b"GPS\0").is_kiss_of_death
    assert Packet(mode=Mode.SERVER, stratum=1, reference_id=b"GPS\0").reference_text == "GPS"
    assert (
        Packet(mode=Mode.SERVER, stratum=3, reference_id=bytes([192, 0, 2, 1])).reference_text == "192.0.2.1"
    )

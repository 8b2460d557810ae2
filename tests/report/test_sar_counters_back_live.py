"""A network interface registered again between two samples, recorded by sysstat's sadc and by hostward side
by side: a tun device that received 300 packets of 1000 bytes is closed and made again under its name, and
receives 400 packets of 100 bytes. Its bytes went back while its packets went on, below 2**63: sar (12.6.1,
sa_common.c check_net_dev_reg) takes the interface as registered again and prints every rate of it from zeros
(400 packets, 40,000 bytes); hostward read each counter on its own (100 packets, a reset for the bytes)."""

from __future__ import annotations

import fcntl
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_binary, require_root
from tests.report.sidebyside import record, run_hostward, run_sar

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000  # linux/if_tun.h
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1  # linux/sockios.h, linux/if.h
NAME = f"hwsar{os.getpid() % 100000}"


class Tun:
    """A tun device of this name while open: packets written to it are what the interface receives."""

    def __init__(self) -> None:
        self.fd = -1

    def open(self, packets: int, size: int) -> None:
        self.close()
        self.fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(self.fd, TUNSETIFF, struct.pack("16sH", NAME.encode(), IFF_TUN | IFF_NO_PI))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # up, or it takes no packet
            flags = struct.unpack(
                "16sh22x", fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack("16sh22x", NAME.encode(), 0))
            )[1]
            fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh22x", NAME.encode(), flags | IFF_UP))
        for _ in range(packets):
            os.write(self.fd, b"\x45" + bytes(size - 1))  # IPv4's version nibble, or the device drops it

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # not persistent: the device goes with its last descriptor
            self.fd = -1


@pytest.fixture
def tun() -> Iterator[Tun]:
    require_root()
    if not Path("/dev/net/tun").exists():
        pytest.fail("/dev/net/tun is missing")
    device = Tun()
    try:
        yield device
    finally:
        device.close()


def rows(text: str) -> list[list[float]]:
    """The values of the tun device's rows (times and Average:), in order."""
    return [[float(v) for v in line[11:].split()[1:]] for line in text.splitlines() if f" {NAME} " in line]


def test_an_interface_registered_again_is_read_from_zeros_as_sar_reads_it(tmp_path: Path, tun: Tun) -> None:
    sadc = require_binary("sadc", "sar")["sadc"]
    tun.open(300, 1000)
    recording = record(sadc, tmp_path, 1, (lambda: tun.open(400, 100), 1), groups="DISK")
    theirs = rows(run_sar(["-n", "DEV"], recording.safile))
    result = run_hostward("sar", ["-n", "DEV", "-f", str(recording.hwfile)])
    assert result.returncode == 0, result.stderr
    ours = rows(result.stdout)
    assert len(theirs) == len(ours) == 3  # the first interval, the one across the new device, Average:
    across = theirs[1]
    # rxkB/s * 1024 / rxpck/s, bytes a packet, whatever the interval between the runs: 100 counted from zeros
    # (40,000 bytes, 400 packets); 400 with the packets' difference (100) and the bytes from zero, and far more
    # for the bytes' difference wrapped modulo 2**64.
    assert across[2] * 1024 / across[0] == pytest.approx(100, rel=0.02), across
    for mine, sars in zip(ours, theirs, strict=True):
        # Each program measures its interval on its own uptime read, a few milliseconds apart.
        assert mine == pytest.approx(sars, rel=0.05, abs=0.02), (mine, sars)

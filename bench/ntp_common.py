"""Shared helpers for the NTP benchmarks: start real peers on loopback, measure process CPU, drive load."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hostward.ntp.packet import Mode, Packet

CLK_TCK = os.sysconf("SC_CLK_TCK")
REQUEST = Packet(mode=Mode.CLIENT, transmit_ts=0x0123_4567_89AB_CDEF).encode()


@dataclass
class Peer:
    name: str
    address: str
    port: int
    process: subprocess.Popen[bytes]
    pid: int  # the process that does the work (chronyd itself, not a wrapper)
    home: Path | None = None  # private files, removed on stop

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)


def free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def wait_answering(address: str, port: int, process: subprocess.Popen[bytes], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.05)
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"peer on {address}:{port} did not start")
            try:
                sock.sendto(REQUEST, (address, port))
                if len(sock.recvfrom(512)[0]) == 48:
                    return
            except OSError:
                continue


def start_chronyd(address: str) -> Peer:
    """chronyd -x serving its local clock, no rate limiting (chrony's default), files in a private dir."""
    home = Path(tempfile.mkdtemp(prefix="bench-chronyd-"))
    home.chmod(0o700)
    port = free_port(address)
    conf = home / "chrony.conf"
    conf.write_text(
        f"bindaddress {address}\nport {port}\ncmdport 0\nbindcmdaddress {home}/chronyd.sock\n"
        f"pidfile {home}/chronyd.pid\ndriftfile {home}/drift\nlocal stratum 8\nallow 127.0.0.0/8\n"
    )
    process = subprocess.Popen(
        ["/usr/sbin/chronyd", "-x", "-d", "-u", "root", "-f", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_answering(address, port, process)
    return Peer("chronyd", address, port, process, process.pid, home)


def start_hostward(address: str) -> Peer:
    port = free_port(address)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostward",
            "ntp",
            "serve",
            "--listen",
            address,
            "--port",
            str(port),
            "--rate",
            "0",
        ],
        stdout=subprocess.DEVNULL,
    )
    wait_answering(address, port, process)
    return Peer("hostward ntp serve", address, port, process, process.pid)


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def drive(address: str, port: int, seconds: float, window: int = 16) -> int:
    """Keep ``window`` requests in flight for ``seconds``; return the number of replies received."""
    replies = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((address, port))
        sock.settimeout(0.2)
        for _ in range(window):
            sock.send(REQUEST)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                sock.recv(512)
            except TimeoutError:
                for _ in range(window):  # a lost datagram: refill the window
                    sock.send(REQUEST)
                continue
            replies += 1
            sock.send(REQUEST)
    return replies

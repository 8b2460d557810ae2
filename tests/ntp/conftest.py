"""Real chronyd servers on loopback, shifted by faketime, for tests of the client against the real thing.

Each server: its own 127.0.86.x address and a free UDP port, ``-x`` (never touches the clock), ``-d``
(foreground, logs to our file), ``-u root`` (no privilege drop, so it can write its files in the temp dir),
``local stratum 8`` + ``allow`` (serve while unsynchronised), ``cmdport 0`` and a private command socket,
pid and drift files in a private 0700 directory. Readiness is polled with real NTP requests; every server is
stopped by PID in the fixture finalizer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.conftest import require_binary

from hostward.ntp.daemons import RunningDaemon, find_time_daemons, read_chrony
from hostward.ntp.packet import Mode, Packet

START_TIMEOUT_S = 5.0


@dataclass
class ChronyServer:
    address: str
    port: int
    offset_seconds: float
    process: subprocess.Popen[bytes]
    pidfile: Path
    log: Path

    @property
    def label(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def family_of(address: str) -> int:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def free_udp_port(address: str) -> int:
    with socket.socket(family_of(address), socket.SOCK_DGRAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def answers(address: str, port: int, timeout: float = 0.05) -> bool:
    """True when an NTP server answers a client request at address:port."""
    request = Packet(mode=Mode.CLIENT, transmit_ts=0x1234_5678_9ABC_DEF0).encode()
    with socket.socket(family_of(address), socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(request, (address, port))
            data, _ = sock.recvfrom(512)
        except OSError:
            return False
    return len(data) == 48


@dataclass
class ChronydFactory:
    workdir: Path
    chronyd: str
    faketime: str
    servers: list[ChronyServer] = field(default_factory=list)

    def start(
        self, address: str, offset_seconds: float, *, stratum: int = 8, local: bool = True
    ) -> ChronyServer:
        """``local=False``: no "local stratum", so chronyd answers but is unsynchronised (no reference)."""
        # MACHINE-NOTES: chronyd uses kernel receive timestamps within 1 s of its own clock and faketime does
        # not fake those, so a shift between 0 and 1.5 s would give wrong answers.
        assert offset_seconds == 0 or abs(offset_seconds) >= 1.5, "shift chronyd by 0 or at least 1.5 s"
        port = free_udp_port(address)
        home = self.workdir / f"{address}-{port}"
        home.mkdir(mode=0o700)
        conf = home / "chrony.conf"
        conf.write_text(
            f"bindaddress {address}\nport {port}\ncmdport 0\nbindcmdaddress {home}/chronyd.sock\n"
            f"pidfile {home}/chronyd.pid\ndriftfile {home}/chrony.drift\n"
            + (f"local stratum {stratum}\n" if local else "")
            + "allow 127.0.0.0/8\nallow ::1\n"
        )
        argv = [self.chronyd, "-x", "-d", "-u", "root", "-f", str(conf)]
        if offset_seconds:
            argv = [self.faketime, "-f", f"{offset_seconds:+.6f}s", *argv]
        log = home / "chronyd.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        server = ChronyServer(address, port, offset_seconds, process, home / "chronyd.pid", log)
        self.servers.append(server)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not answers(address, port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chronyd on {address}:{port} did not start:\n{log.read_text()}")
        return server

    def start_client(
        self, servers: list[ChronyServer], *, offset_seconds: float = 0.0, drift: str | None = None
    ) -> tuple[ChronyServer, Path]:
        """A chronyd that follows ``servers`` (polling every 1/16 s) without touching the clock (-x), with
        its command socket in its private directory: returns the server record and that socket's path.
        ``offset_seconds`` runs it under faketime (0 or at least 1.5 s); ``drift`` pre-writes its drift file."""
        assert offset_seconds == 0 or abs(offset_seconds) >= 1.5, "shift chronyd by 0 or at least 1.5 s"
        home = self.workdir / f"client-{len(self.servers)}"
        home.mkdir(mode=0o700)
        if drift is not None:
            (home / "chrony.drift").write_text(drift)
        lines = [f"server {s.address} port {s.port} iburst minpoll -4 maxpoll -4" for s in servers]
        lines += [
            "port 0",
            "cmdport 0",
            f"bindcmdaddress {home}/chronyd.sock",
            f"pidfile {home}/chronyd.pid",
            f"driftfile {home}/chrony.drift",
        ]
        conf = home / "chrony.conf"
        conf.write_text("\n".join(lines) + "\n")
        log = home / "chronyd.log"
        argv = [self.chronyd, "-x", "-d", "-u", "root", "-f", str(conf)]
        if offset_seconds:
            argv = [self.faketime, "-f", f"{offset_seconds:+.6f}s", *argv]
        with open(log, "wb") as out:
            process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        client = ChronyServer("client", 0, 0.0, process, home / "chronyd.pid", log)
        self.servers.append(client)
        return client, home / "chronyd.sock"

    def stop_all(self) -> None:
        for server in self.servers:
            pid = None
            with contextlib.suppress(OSError, ValueError):
                pid = int(server.pidfile.read_text().strip())
            for target in (pid, server.process.pid):
                if target is None or server.process.poll() is not None:
                    continue
                try:
                    os.kill(target, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                try:
                    server.process.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    continue
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait(timeout=3)
        self.servers.clear()


def wait_synchronised(chronyc: str, sock: Path, client: ChronyServer) -> None:
    deadline = time.monotonic() + 10
    view = read_chrony(chronyc=chronyc, socket_path=str(sock), timeout=2.0)
    while view.tracking is None or not view.tracking.synchronised:
        assert client.process.poll() is None, client.log.read_text()
        assert time.monotonic() < deadline, f"chronyd did not synchronise: {view.problem}"
        time.sleep(0.1)
        view = read_chrony(chronyc=chronyc, socket_path=str(sock), timeout=2.0)


def our_chronyd(client: ChronyServer) -> tuple[RunningDaemon, ...]:
    deadline = time.monotonic() + 5
    while not client.pidfile.exists():
        assert time.monotonic() < deadline, client.log.read_text()
        time.sleep(0.05)
    pid = int(client.pidfile.read_text())
    return tuple(d for d in find_time_daemons() if d.pid == pid)


@pytest.fixture(scope="module")
def chronyd_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChronydFactory]:
    found = require_binary("chronyd", "faketime")
    workdir = tmp_path_factory.mktemp("chronyd")
    workdir.chmod(0o700)
    factory = ChronydFactory(workdir, found["chronyd"], found["faketime"])
    try:
        yield factory
    finally:
        factory.stop_all()

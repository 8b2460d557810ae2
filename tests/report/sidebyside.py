"""Side-by-side recording with sysstat's sadc, the traffic recorded under, and the runs of sar, sadf and hostward
on the files (sidebyside_compare.py compares their reports column by column).

sadc samples the system once a second into a sysstat file; this process takes a hostward sample right after
each record appears in that file (polling its size every 0.5 ms), so both programs read /proc within a few
milliseconds of each other. The run starts just after a second boundary so that both stamp their samples with
the same second. The hostward samples go into a hostward data file through the store's writer, so the reports
compared are `sar FLAGS -f safile` and `hostward sar FLAGS -f hwfile`, end to end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_binary, require_root
from tests.report.parity_checks import Reading, read_kernel

from hostward.collect.host import read_host
from hostward.collect.load import read_uptime
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS
from hostward.store import DataFileWriter
from hostward.store.model import CommentMark, Entry, RestartMark

SRC = Path(__file__).resolve().parents[2] / "src"


# XDISK for -d and -F, IPV6 for -n SOCK6, SNMP for -n IP/EIP/TCP/ETCP/UDP, INT for -I, POWER for -m CPU (-v, -n
# SOCK are sadc's defaults): what hostward's -A prints.
SADC_GROUPS = "XDISK,IPV6,SNMP,INT,POWER"


@dataclass(frozen=True)
class Recording:
    """``readings``: the kernel's figures read while waiting for sadc and right after each sample, the one
    after ``samples[k]`` at ``readings[after[k]]`` (parity_checks.Measured)."""

    safile: Path
    hwfile: Path
    samples: tuple[SystemSample, ...]
    readings: tuple[Reading, ...]
    after: tuple[int, ...]


def record(
    sadc: str,
    directory: Path,
    count: int,
    script: tuple[int | str | Callable[[], object], ...] = (),
    *,
    groups: str = SADC_GROUPS,
    after_sample: Callable[[], object] | None = None,
) -> Recording:
    """``count`` intervals (count + 1 samples) recorded by sadc and by hostward in lock-step; ``after_sample``
    is called right after each of our samples, when both programs have read this second.

    ``script`` continues the recording: a number N appends N more samples (a new sadc run), "restart" a LINUX
    RESTART record (sadc with no interval) and "#text" a comment (sadc -C text), each mirrored on our side; a
    callable is called there (between two runs: something to happen between two samples).
    """
    safile = directory / "sa"
    hwfile = directory / "hw"
    procfs = ProcFS()
    entries: list[Entry] = []
    readings: list[Reading] = []
    after: list[int] = []
    samples = _lockstep(
        sadc, safile, procfs, count + 1, groups, kernel=(readings, after), after_sample=after_sample
    )
    entries += samples
    host = read_host(procfs, len(samples[0].cpu.per_cpu))
    for step in script:
        if callable(step):
            step()
        elif isinstance(step, int):
            entries += _lockstep(sadc, safile, procfs, step, groups, kernel=(readings, after))
        elif step == "restart":
            subprocess.run([sadc, str(safile)], check=True)
            entries.append(RestartMark(time.time(), read_uptime(procfs).uptime_seconds, host))
        else:
            subprocess.run([sadc, "-C", step[1:], str(safile)], check=True)
            entries.append(CommentMark(time.time(), step[1:]))
    with DataFileWriter.open(hwfile, dt.date.fromtimestamp(samples[0].timestamp), host) as writer:
        for entry in entries:
            if isinstance(entry, RestartMark):
                writer.write_restart(entry)
            elif isinstance(entry, CommentMark):
                writer.write_comment(entry)
            else:
                writer.write_sample(entry)
    samples = [e for e in entries if isinstance(e, SystemSample)]
    return Recording(safile, hwfile, tuple(samples), tuple(readings), tuple(after))


def recording_fixture(
    name: str,
    count: int,
    traffic: Callable[[Path], AbstractContextManager[object]] | None = None,
    *,
    groups: str = SADC_GROUPS,
    root: bool = False,
) -> Any:
    """A module-scoped ``recording`` fixture: ``count`` intervals recorded side by side (``record``, sadc -S
    ``groups``) in a fresh directory while ``traffic(directory)``, if any, runs; ``root`` when it needs it."""

    @pytest.fixture(scope="module", name="recording")
    def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
        sadc = require_binary("sadc", "sar")["sadc"]
        if root:
            require_root()
        directory = tmp_path_factory.mktemp(name)
        with traffic(directory) if traffic else contextlib.nullcontext():
            return record(sadc, directory, count, groups=groups)

    return recording


def _lockstep(
    sadc: str,
    safile: Path,
    procfs: ProcFS,
    records: int,
    groups: str,
    *,
    kernel: tuple[list[Reading], list[int]],
    after_sample: Callable[[], object] | None = None,
) -> list[SystemSample]:
    """Run ``sadc -S groups 1 records`` and take one sample right after each record it appends; ``kernel``'s
    readings get one reading before sadc starts, one at each wait and one right after each sample (whose index
    goes to its second list)."""
    readings, after = kernel
    time.sleep((1.11 - time.time() % 1) % 1)  # start ~0.12 s after a second boundary: same stamps
    last_size = safile.stat().st_size if safile.exists() else 0
    readings.append(read_kernel())
    time.sleep(0.01)  # sadc's uptime is in whole cs: this reading is surely before sadc's first read
    proc = subprocess.Popen([sadc, "-S", groups, "1", str(records), str(safile)])
    samples: list[SystemSample] = []
    last_hit = -10.0
    deadline = time.monotonic() + records + 10
    try:
        while len(samples) < records and time.monotonic() < deadline:
            readings.append(read_kernel())
            size = safile.stat().st_size if safile.exists() else 0
            now = time.monotonic()
            if size > last_size and now - last_hit > 0.5:
                samples.append(sample_system(procfs))
                readings.append(read_kernel())
                after.append(len(readings) - 1)
                last_hit = now
                if after_sample is not None:
                    after_sample()
            last_size = max(size, last_size)
            time.sleep(0.0005)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(samples) == records, f"sadc wrote {len(samples)} records, expected {records}"
    return samples


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "S_TIME"))}
    env.update({"LANG": "C", "PYTHONPATH": str(SRC)}, **extra)
    return env


def run_sar(flags: list[str], safile: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["sar", *flags, "-f", str(safile)],
        capture_output=True,
        text=True,
        env=env or environment(),
        check=True,
    )
    return result.stdout


def run_sadf(options: list[str], safile: Path, report: list[str], env: dict[str, str] | None = None) -> str:
    """``sadf OPTIONS safile -- REPORT``'s output."""
    return subprocess.run(
        ["sadf", *options, str(safile), "--", *report],
        capture_output=True,
        text=True,
        env=env or environment(),
        check=True,
    ).stdout


def run_hostward(
    command: str, flags: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hostward", command, *flags],
        capture_output=True,
        text=True,
        env=env or environment(),
    )


@contextlib.contextmanager
def background(step: Callable[[], object], period: float | Callable[[], float] = 0.05) -> Iterator[None]:
    """``step()`` every ``period`` seconds (or after ``period()`` seconds each time) in a thread until the block
    ends, then waits for the last one."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(period() if callable(period) else period):
            step()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


@contextlib.contextmanager
def socket_traffic() -> Iterator[None]:
    """Loopback TCP connections opened and closed every 50 ms (TIME_WAIT grows), a few held open, UDP and
    IPv6 sockets open, and a datagram to a closed port each time (NoPorts, ICMP), until the block ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    held = [
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
    ]
    held[0].bind(("127.0.0.1", 0))
    held[1].bind(("::1", 0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # free again once closed: nobody listens there

    def churn() -> None:
        client = socket.create_connection(listener.getsockname(), timeout=5)
        server, _ = listener.accept()
        held.append(client)
        if len(held) > 12:
            held.pop(2).close()  # the oldest client closes first: its end goes to TIME_WAIT
        server.close()
        held[0].sendto(b"x", ("127.0.0.1", closed_port))  # a UDP NoPorts and an ICMP error each

    try:
        with background(churn):
            yield
    finally:
        for sock in held:
            sock.close()
        listener.close()


def _ip6_packet(next_header: int, payload_length: int, payload: bytes, version: int = 6) -> bytes:
    """An IPv6 header from ::1 to ::1 and its payload, for a raw IPPROTO_RAW socket (the header included)."""
    loopback = socket.inet_pton(socket.AF_INET6, "::1")
    return struct.pack("!IHBB", version << 28, payload_length, next_header, 64) + loopback * 2 + payload


@contextlib.contextmanager
def ipv6_traffic() -> Iterator[None]:
    """Every 50 ms over ::1 (needs root for the raw sockets), until the block ends: a TCP connection opened and
    closed; a UDP datagram received and one to a closed port (Udp6 NoPorts, ICMPv6 destination unreachable
    out and in); an ICMPv6 echo request (echo, echo reply); packets the kernel rejects: an unknown next
    header (InUnknownProtos, ICMPv6 parameter problem out and in), a payload length beyond the packet
    (InTruncatedPkts), a version 4 header (InHdrErrors); and a datagram to ff01::1 out of lo, which has no
    route (OutNoRoutes)."""
    listener = socket.create_server(("::1", 0), family=socket.AF_INET6)
    receiver = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    receiver.bind(("::1", 0))
    receiver.setblocking(False)
    sender = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    # Multicast out of lo, which has no multicast route: ff01::1 fails with ENETUNREACH (Ip6 OutNoRoutes).
    sender.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("lo"))
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
        probe.bind(("::1", 0))
        closed_port = probe.getsockname()[1]  # free again once closed: nobody listens there
    icmp = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    icmp.setblocking(False)
    raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rejected = (
        _ip6_packet(253, 4, b"hwrd"),
        _ip6_packet(17, 100, b"8 bytes!"),
        _ip6_packet(17, 8, b"8 bytes!", 4),
    )
    echo = struct.pack("!BBHHH", 128, 0, 0, os.getpid() & 0xFFFF, 1) + b"hostward"  # the kernel sums it

    def churn() -> None:
        client = socket.create_connection(listener.getsockname()[:2], timeout=5)
        server, _ = listener.accept()
        client.close()
        server.close()
        sender.sendto(b"x", receiver.getsockname()[:2])
        sender.sendto(b"x", ("::1", closed_port))
        icmp.sendto(echo, ("::1", 0))
        for packet in rejected:
            raw.sendto(packet, ("::1", 0))
        with contextlib.suppress(OSError):
            sender.sendto(b"x", ("ff01::1", 9))
        for sock in (receiver, icmp):
            with contextlib.suppress(BlockingIOError):
                while sock.recv(2048):
                    pass

    try:
        with background(churn):
            yield
    finally:
        for sock in (listener, receiver, sender, icmp, raw):
            sock.close()


def ping_loopback(count: int) -> None:
    """``count`` ICMP echo requests to 127.0.0.1 over a raw socket (root), as ping sends them: the kernel
    answers each (InEchos, OutEchoReps) and the reply comes back (InEchoReps); the request counts as OutEchos."""
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as raw:
        raw.settimeout(5)
        for seq in range(count):
            raw.sendto(_echo_request(os.getpid() & 0xFFFF, seq & 0xFFFF), ("127.0.0.1", 0))


def _echo_request(ident: int, seq: int) -> bytes:
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"hostward"
    total = sum(struct.unpack(f"!{len(body) // 2}H", body))
    total = (total & 0xFFFF) + (total >> 16)
    checksum = ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF
    return body[:2] + struct.pack("!H", checksum) + body[4:]


@contextlib.contextmanager
def loop_filesystem(directory: Path, megabytes: int = 64) -> Iterator[Path]:
    """An ext4 filesystem in a file, mounted through a loop device under ``directory``; unmounted after."""
    require_root()
    found = require_binary("mkfs.ext4", "mount", "umount")
    image, mountpoint = directory / "fs.img", directory / "mnt"
    with image.open("wb") as f:
        f.truncate(megabytes << 20)
    subprocess.run([found["mkfs.ext4"], "-q", "-F", str(image)], check=True, timeout=60)
    mountpoint.mkdir()
    subprocess.run([found["mount"], "-o", "loop", str(image), str(mountpoint)], check=True, timeout=60)
    try:
        yield mountpoint
    finally:
        subprocess.run([found["umount"], str(mountpoint)], check=True, timeout=60)


def fill_step(directory: Path, chunk: int = 2 << 20, files: int = 5) -> Callable[[], None]:
    """Each call writes ``chunk`` bytes and creates ``files`` empty files in ``directory``, synced: given to
    ``record`` as ``after_sample``, the filesystem moves between samples, never between sadc's read and ours
    (a fill on a wall-clock timer can run late on a loaded host and land between the two reads)."""
    numbers = itertools.count()

    def fill() -> None:
        n = next(numbers)
        with (directory / f"blob{n}").open("wb") as f:
            f.write(os.urandom(chunk))
            os.fsync(f.fileno())
        for i in range(files):
            (directory / f"e{n}-{i}").touch()
        os.sync()

    return fill


@contextlib.contextmanager
def filling(directory: Path, chunk: int = 2 << 20, files: int = 5) -> Iterator[None]:
    """Each second, 0.6 s after its start (away from the reads sadc and the lock-step sampler make just
    after the boundary), write ``chunk`` bytes and create ``files`` empty files in ``directory``, synced, so
    the free space and inode counts of its filesystem move between samples but not during them."""
    with background(fill_step(directory, chunk, files), lambda: (1.6 - time.time() % 1) % 1):
        yield

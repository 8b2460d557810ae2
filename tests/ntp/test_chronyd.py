"""The client against real chronyd servers, and real chronyd (as a client) against our server.

Servers run Debian's chronyd 4.3 on their own 127.0.86.x addresses, shifted by faketime by known offsets.
Every tolerance is 50 ms; on loopback the measured error is tens of microseconds, so a sign error, a
delay-for-offset mix-up or an era bug is far outside it.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_binary
from tests.ntp.conftest import ChronydFactory, ChronyServer, answers, free_udp_port

from hostward.cli import main
from hostward.ntp import timestamps as ts
from hostward.ntp.client import ServerAddress, query_server
from hostward.ntp.daemons import read_chrony
from hostward.ntp.packet import Mode, Packet, decode
from hostward.ntp.query import run_query
from hostward.ntp.select import SourceState

pytestmark = [pytest.mark.peer, pytest.mark.slow]
TOLERANCE_S = 0.05
FAST = {"samples": 3, "interval": 0.05, "timeout": 1.0}

# name -> (address, offset in seconds); at least 1.5 s or exactly 0 (see MACHINE-NOTES)
LAYOUT = {
    "a": ("127.0.86.1", 2.0),
    "b": ("127.0.86.2", 2.0),
    "c": ("127.0.86.3", 2.0),
    "false": ("127.0.86.4", -7.0),
    "far": ("127.0.86.5", 9.0),
    "zero": ("127.0.86.6", 0.0),
    "behind": ("127.0.86.7", -2.5),
}


@pytest.fixture(scope="module")
def chrony(chronyd_factory: ChronydFactory) -> dict[str, ChronyServer]:
    return {name: chronyd_factory.start(addr, offset) for name, (addr, offset) in LAYOUT.items()}


def addr(server: ChronyServer) -> ServerAddress:
    return ServerAddress(server.address, server.port)


def test_each_measured_offset_is_within_50_ms_of_the_truth(chrony: dict[str, ChronyServer]) -> None:
    for name, server in chrony.items():
        result = query_server(addr(server), **FAST)  # type: ignore[arg-type]
        assert result.error is None, f"{name}: {result.error}"
        assert result.best is not None
        assert abs(result.best.offset_seconds - server.offset_seconds) < TOLERANCE_S, name
        assert 0 < result.best.delay_seconds < TOLERANCE_S  # the delay is tiny, whatever the offset
        assert result.best.stratum == 8 and result.best.reference == "127.127.1.1"
        assert result.reach == 0b111 and result.drops == {}


def test_unsynchronised_chronyd_is_reported_as_such(chronyd_factory: ChronydFactory) -> None:
    """A chronyd with no reference answers with LI=3 and stratum 0 but no kiss code: that is an
    unsynchronised server, not a kiss-o'-death, and the message must say so."""
    server = chronyd_factory.start("127.0.86.30", 0.0, local=False)
    result = query_server(addr(server), **FAST)  # type: ignore[arg-type]
    assert result.samples == () and result.kiss_code is None
    assert result.error == "server is not synchronised (leap indicator 3, or stratum 0 or 16)"
    assert result.drops == {"unsynchronised": 3} and result.reach == 0b111


def test_ipv6_chronyd(chronyd_factory: ChronydFactory) -> None:
    try:
        server = chronyd_factory.start("::1", -3.0)
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback: {exc}")
    result = query_server(ServerAddress("::1", server.port), **FAST)  # type: ignore[arg-type]
    assert result.address == "::1"
    assert result.best is not None and abs(result.best.offset_seconds + 3.0) < TOLERANCE_S


def test_falseticker_is_rejected(chrony: dict[str, ChronyServer]) -> None:
    chosen = [chrony[n] for n in ("a", "b", "false", "c")]
    report = run_query([addr(s) for s in chosen], **FAST)  # type: ignore[arg-type]
    sel = report.selection
    assert sel.majority and sel.falsetickers == 1
    assert sel.states[chrony["false"].label] is SourceState.FALSETICKER
    for name in "abc":
        assert sel.states[chrony[name].label] in (SourceState.SELECTED, SourceState.COMBINED)
    assert sel.offset_seconds is not None and abs(sel.offset_seconds - 2.0) < TOLERANCE_S
    behind = re.search(r"clock is ([0-9.]+) s behind", report.verdict.summary)
    assert behind and abs(float(behind.group(1)) - 2.0) < TOLERANCE_S
    assert any(chrony["false"].label in d for d in report.verdict.details)


@pytest.mark.parametrize("names", [("a", "far"), ("a", "b", "far", "false"), ("zero", "behind", "far")])
def test_no_majority_is_reported_as_unsynchronised(
    chrony: dict[str, ChronyServer], names: tuple[str, ...]
) -> None:
    report = run_query([addr(chrony[n]) for n in names], **FAST)  # type: ignore[arg-type]
    assert not report.selection.majority
    assert report.selection.offset_seconds is None
    assert report.verdict.level == "critical"
    assert report.verdict.summary.startswith("No majority")


def test_cli_query_against_chronyd(
    chrony: dict[str, ChronyServer], capsys: pytest.CaptureFixture[str]
) -> None:
    labels = [chrony[n].label for n in ("zero", "a", "b", "c")]
    code = main(["ntp", "query", "--interval", "0.05", "--samples", "2", *labels])
    out = capsys.readouterr().out
    zero_row = next(line for line in out.splitlines() if chrony["zero"].label in line)
    assert zero_row.startswith("^x")  # +0 s is the odd one out against three at +2 s
    assert code == 3


def test_chronyc_view_of_a_real_chronyd_client(
    chrony: dict[str, ChronyServer], chronyd_factory: ChronydFactory
) -> None:
    """Our chronyc parser and sign conversion against the live tool: a chronyd following three servers at
    +2 s must report its system clock 2 s *behind* (θ = +2), the same sign as our own measurement."""
    chronyc = require_binary("chronyc")["chronyc"]
    client, sock = chronyd_factory.start_client([chrony[n] for n in ("a", "b", "c")])
    deadline = time.monotonic() + 10
    view = read_chrony(chronyc=chronyc, socket_path=str(sock), timeout=2.0)
    while view.tracking is None or not view.tracking.synchronised:
        assert client.process.poll() is None, client.log.read_text()
        assert time.monotonic() < deadline, f"chronyd did not synchronise: {view.problem}"
        time.sleep(0.1)
        view = read_chrony(chronyc=chronyc, socket_path=str(sock), timeout=2.0)
    assert abs(view.tracking.system_offset_seconds - 2.0) < TOLERANCE_S
    assert {s.name for s in view.sources} == {chrony[n].address for n in ("a", "b", "c")}
    assert any(s.state == "*" for s in view.sources)
    assert all(s.reach > 0 for s in view.sources if s.state == "*")
    ours = run_query([addr(chrony[n]) for n in ("a", "b", "c")], **FAST)  # type: ignore[arg-type]
    assert ours.selection.offset_seconds is not None
    assert abs(ours.selection.offset_seconds - view.tracking.system_offset_seconds) < TOLERANCE_S


@pytest.fixture(scope="module")
def era_servers(chronyd_factory: ChronydFactory) -> list[ChronyServer]:
    """Three servers whose clocks read just past 2036-02-07 06:28:16 UTC, when the NTP seconds field wraps."""
    offset = ts.ERA1_START_UNIX_S + 20 - time.time()
    return [chronyd_factory.start(f"127.0.86.{20 + i}", offset) for i in range(3)]


def test_era_rollover_offset_is_right(era_servers: list[ChronyServer]) -> None:
    truth = era_servers[0].offset_seconds  # about +9.2 years
    # The raw reply really is in era 1: its seconds field has wrapped to a small number.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        sock.sendto(
            Packet(mode=Mode.CLIENT, transmit_ts=42).encode(), (era_servers[0].address, era_servers[0].port)
        )
        reply = decode(sock.recvfrom(512)[0])
    assert reply.transmit_ts >> 32 < 3600
    resolved = ts.ntp_to_unix_ns(reply.transmit_ts, time.time_ns() + int(truth * 1e9)) / 1e9
    assert ts.ERA1_START_UNIX_S < resolved < ts.ERA1_START_UNIX_S + 3600

    report = run_query([addr(s) for s in era_servers], **FAST)  # type: ignore[arg-type]
    for result in report.results:
        assert result.best is not None
        assert abs(result.best.offset_seconds - truth) < TOLERANCE_S
    assert report.selection.majority
    assert report.selection.offset_seconds is not None
    assert abs(report.selection.offset_seconds - truth) < TOLERANCE_S


@pytest.fixture
def hostward_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    offset: float = request.param
    port = free_udp_port("127.0.86.40")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostward",
            "ntp",
            "serve",
            "--listen",
            "127.0.86.40",
            "--port",
            str(port),
            "--offset",
            str(offset),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not answers("127.0.86.40", port):
            assert proc.poll() is None and time.monotonic() < deadline, "hostward ntp serve did not start"
        yield "127.0.86.40", port
    finally:
        proc.terminate()
        proc.communicate(timeout=5)


@pytest.mark.parametrize(
    ("hostward_server", "expected"), [(45.0, 45.0), (-45.0, -45.0)], indirect=["hostward_server"]
)
def test_real_chronyd_client_sees_our_offset(
    hostward_server: tuple[str, int], expected: float, tmp_path: Path
) -> None:
    chronyd = require_binary("chronyd")["chronyd"]
    host, port = hostward_server
    tmp_path.chmod(0o700)
    done = subprocess.run(
        [
            chronyd, "-Q", "-u", "root", "-t", "10",
            f"server {host} port {port} iburst minpoll -6 maxpoll -6",
            f"pidfile {tmp_path}/chronyd.pid", "cmdport 0", f"bindcmdaddress {tmp_path}/chronyd.sock",
            f"driftfile {tmp_path}/drift",
        ],
        capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    match = re.search(r"System clock wrong by (-?[0-9.]+) seconds", output)
    assert match, output
    # chronyd -Q prints how far the local clock is behind the server (its correction): our θ.
    assert abs(float(match.group(1)) - expected) < TOLERANCE_S

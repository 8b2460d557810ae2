"""`ntp status` with a daemon running: the daemon's own configuration, whether it adjusts the clock, and an
offset the daemon reports graded as `ntp query` grades a measured one."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import require_binary
from tests.ntp.conftest import ChronydFactory, our_chronyd, wait_synchronised

from hostward.cli.ntp import render_status
from hostward.errors import ParseError
from hostward.ntp.adjtimex import STA_NANO, STA_PLL, RawTimex, interpret
from hostward.ntp.daemonconf import read_setup
from hostward.ntp.daemons import (
    ChronyTracking,
    ChronyView,
    find_time_daemons,
    parse_chronyc_sourcestats,
)
from hostward.ntp.status import gather, judge
from hostward.procfs import ProcFS

CAPS_ALL = "000001fffeffffff"  # what root has on this machine (no CAP_SYS_RESOURCE)
CAPS_NO_SYS_TIME = f"{int(CAPS_ALL, 16) & ~(1 << 25):016x}"


def fake_proc(root: Path, pid: int, argv: list[str], caps: str = CAPS_ALL, cwd: Path | None = None) -> ProcFS:
    (root / str(pid)).mkdir(parents=True)
    (root / str(pid) / "comm").write_text(Path(argv[0]).name + "\n")
    (root / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (root / str(pid) / "status").write_text(f"Name:\tchronyd\nCapInh:\t0\nCapEff:\t{caps}\n")
    if cwd is not None:
        (root / str(pid) / "cwd").symlink_to(cwd)
    return ProcFS(proc=root)


def tracking(offset: float, leap: str = "Normal") -> ChronyTracking:
    return ChronyTracking(
        "7F000003", "127.0.0.3", 9, 1.8e9, offset, 0.0, 1e-6, 0.03, 0.0, 0.1, 3e-5, 2e-6, 1.0, leap
    )


def test_setup_reads_the_daemons_own_config_relative_to_its_cwd(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "chrony.conf").write_text(
        f"driftfile {home}/my.drift\nbindcmdaddress {home}/my.sock\ninclude {home}/extra.conf\n"
    )
    (home / "extra.conf").write_text(f"driftfile {home}/later.drift\n")
    procfs = fake_proc(tmp_path / "proc", 41, ["/usr/sbin/chronyd", "-d", "-f", "chrony.conf"], cwd=home)
    (daemon,) = find_time_daemons(procfs)
    assert daemon.argv == ("/usr/sbin/chronyd", "-d", "-f", "chrony.conf")
    setup = read_setup(daemon, procfs)
    assert setup.config_path == home / "chrony.conf" and setup.config_source == "-f option"
    assert setup.drift_path == home / "later.drift"  # the include comes after, and wins
    assert setup.command_socket == f"{home}/my.sock"
    assert setup.controls_clock and setup.no_control_reason is None


@pytest.mark.parametrize(
    ("argv", "caps", "reason"),
    [
        (["chronyd", "-dx", "-f", "/nonexistent.conf"], CAPS_ALL, "-x"),  # combined short options
        (["chronyd", "-x"], CAPS_ALL, "-x"),
        (["chronyd", "-d"], CAPS_NO_SYS_TIME, "CAP_SYS_TIME"),
    ],
)
def test_a_daemon_that_cannot_adjust_the_clock_is_recognised(
    tmp_path: Path, argv: list[str], caps: str, reason: str
) -> None:
    procfs = fake_proc(tmp_path, 7, argv, caps)
    setup = read_setup(find_time_daemons(procfs)[0], procfs)
    assert not setup.controls_clock
    assert setup.no_control_reason is not None and reason in setup.no_control_reason


def test_directives_on_the_command_line_replace_the_config_file(tmp_path: Path) -> None:
    argv = ["chronyd", "-Q", "server 127.0.0.1 iburst", "driftfile /tmp/cmdline.drift"]
    procfs = fake_proc(tmp_path, 9, argv)
    setup = read_setup(find_time_daemons(procfs)[0], procfs)
    assert setup.config_path is None and setup.config_source == "command line directives"
    assert setup.drift_path == Path("/tmp/cmdline.drift")


def _judge(offset: float, argv: list[str], tmp_path: Path, leap: str = "Normal") -> tuple[str, str]:
    procfs = fake_proc(tmp_path, 5, argv)
    daemons = find_time_daemons(procfs)
    setups = tuple(read_setup(d, procfs) for d in daemons)
    kernel = interpret(RawTimex(0, STA_PLL | STA_NANO, 0, 0, 1000, 50, 6, 1, 32768000, 10000, 37))
    view = ChronyView(tracking(offset, leap), (), None)
    verdict = judge(kernel, None, daemons, view, None, setups=setups)
    return verdict.level, " ".join(verdict.details)


def test_a_large_offset_reported_by_chronyd_is_critical_even_while_slewing(tmp_path: Path) -> None:
    level, text = _judge(2.5, ["chronyd", "-f", "/nonexistent.conf"], tmp_path)
    assert level == "critical"
    assert "2.500 s behind NTP time and is slewing it out" in text


def test_chronyd_x_is_not_said_to_slew(tmp_path: Path) -> None:
    level, text = _judge(-2.5, ["chronyd", "-x", "-f", "/nonexistent.conf"], tmp_path)
    assert level == "critical"
    assert "slewing" not in text
    assert "2.500 s ahead of NTP time and does not correct it" in text and "started with -x" in text


def test_small_offset_is_ok_and_a_pending_leap_second_is_mentioned(tmp_path: Path) -> None:
    level, text = _judge(0.0001, ["chronyd", "-f", "/nonexistent.conf"], tmp_path, leap="Insert second")
    assert level == "ok"
    assert "leap second is pending" in text and "inserted" in text


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_sourcestats_parser_only_raises_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_chronyc_sourcestats(text)


# -- a real chronyd client ----------------------------------------------------------------------------------


@pytest.mark.peer
@pytest.mark.slow
def test_status_of_a_real_chronyd_x_under_faketime(chronyd_factory: ChronydFactory) -> None:
    """chronyd -x with its configuration in a temp dir, 2.5 s behind its server (faketime): status reads that
    configuration (command socket, drift file), grades the offset critical and does not claim slewing."""
    chronyc = require_binary("chronyc")["chronyc"]
    server = chronyd_factory.start("127.0.86.40", 0.0)
    client, sock = chronyd_factory.start_client([server], offset_seconds=-2.5, drift="12.345000 0.500000\n")
    wait_synchronised(chronyc, sock, client)
    daemons = our_chronyd(client)
    assert len(daemons) == 1
    health = gather(daemons=daemons)
    (setup,) = health.setups
    home = sock.parent
    assert setup.config_path == home / "chrony.conf" and setup.command_socket == str(sock)
    assert setup.drift_path == home / "chrony.drift"
    assert not setup.controls_clock and "-x" in (setup.no_control_reason or "")
    assert health.drift is not None and health.drift.frequency_ppm == pytest.approx(12.345)
    assert health.chrony is not None and health.chrony.tracking is not None
    assert abs(health.chrony.tracking.system_offset_seconds - 2.5) < 0.05
    assert health.chrony.sourcestats and health.chrony.sourcestats[0].name == server.address
    assert health.verdict.level == "critical"
    details = " ".join(health.verdict.details)
    assert "s behind NTP time and does not correct it" in details and "slewing" not in details
    text = render_status(health)
    assert f"{home / 'chrony.conf'} (-f option)" in text
    assert "adjusts the clock: no: chronyd was started with -x" in text
    assert re.search(r"System time     : 2\.(49|50)[0-9]* seconds slow of NTP time", text)
    assert "relative to the clock as chronyd has already corrected it" in text
    assert "Leap status     : Normal" in text

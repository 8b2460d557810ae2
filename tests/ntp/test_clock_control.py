"""Whether a running daemon's corrections reach the clock: told not to (-x, -Q, 'disable ntp'), refused by the
kernel (a real chronyd without CAP_SYS_TIME exits), or accepted nowhere (chronyd synchronised while the kernel's
state shows none of its updates), and "cannot tell" when the kernel's state is unreadable.

No test lets a chronyd steer this machine's clock: the machine is shared. The real chronyd runs with -x, and a
chronyd whose -x we "cannot see" is the same process with its setup read as if the option were absent."""

from __future__ import annotations

import dataclasses
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import require_binary
from tests.ntp.conftest import ChronydFactory, our_chronyd, wait_synchronised
from tests.ntp.test_status_daemon import CAPS_ALL, fake_proc, tracking

from hostward.cli.ntp import render_status
from hostward.errors import CollectError
from hostward.ntp.adjtimex import STA_NANO, STA_UNSYNC, RawTimex, interpret, read_kernel_clock
from hostward.ntp.control import MAXERROR_LIMIT_S, assess
from hostward.ntp.daemonconf import DaemonSetup, ntpd_disabled, read_setup
from hostward.ntp.daemons import ChronyView, find_time_daemons, read_chrony
from hostward.ntp.status import TimeHealth, assess_all, gather, judge


def _kernel(maxerror_us: int, status: int = STA_NANO) -> RawTimex:
    return RawTimex(
        0 if not status & STA_UNSYNC else 5, status, 0, 0, maxerror_us, 50, 6, 1, 32768000, 10000, 37
    )


def _setup(tmp_path: Path, argv: list[str], config: str | None = None) -> DaemonSetup:
    tmp_path.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (tmp_path / "daemon.conf").write_text(config)
        argv = [*argv, "-f" if argv[0] == "chronyd" else "-c", str(tmp_path / "daemon.conf")]
    procfs = fake_proc(tmp_path / "proc", 5, argv, CAPS_ALL)
    return read_setup(find_time_daemons(procfs)[0], procfs)


# -- what the command line and the configuration say ---------------------------------------------------------


def test_chronyd_q_only_measures(tmp_path: Path) -> None:
    setup = _setup(tmp_path, ["chronyd", "-Q", "server 127.0.0.1 iburst"])
    assert not setup.controls_clock and "-Q" in (setup.no_control_reason or "")


@pytest.mark.parametrize(
    ("config", "controls", "kernel_discipline"),
    [
        ("server 127.0.0.1\n", True, True),
        ("disable ntp\n", False, True),
        ("disable monitor kernel\n", True, False),
        ("disable ntp kernel\nenable ntp  # loop closed again\n", True, False),
        ("# disable ntp\n", True, True),
    ],
)
def test_ntpd_disable_ntp_opens_the_loop(
    tmp_path: Path, config: str, controls: bool, kernel_discipline: bool
) -> None:
    setup = _setup(tmp_path, ["ntpd", "-g"], config)
    assert setup.controls_clock is controls
    assert setup.marks_kernel_synchronised is kernel_discipline
    if not controls:
        assert "'disable ntp'" in (setup.no_control_reason or "")


def test_ntpd_x_is_not_chronyd_x(tmp_path: Path) -> None:
    """ntpd -x only raises the step threshold to 600 s: it still slews the clock."""
    setup = _setup(tmp_path, ["ntpd", "-x"], "server 127.0.0.1\n")
    assert setup.controls_clock


@given(st.lists(st.text(max_size=40), max_size=12))
def test_ntpd_flag_parser_returns_only_words_it_was_given(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert ntpd_disabled([text]) <= set(text.split())


@pytest.mark.parametrize(("rtcsync", "expected"), [("rtcsync\n", True), ("#rtcsync\n", False), ("", False)])
def test_rtcsync_is_read_from_chronyds_config(tmp_path: Path, rtcsync: str, expected: bool) -> None:
    setup = _setup(tmp_path, ["chronyd"], f"server 127.0.0.1\n{rtcsync}")
    assert setup.marks_kernel_synchronised is expected


def test_without_rtcsync_an_unsynchronised_kernel_flag_is_not_a_finding(tmp_path: Path) -> None:
    """chronyd on Linux leaves STA_UNSYNC set unless rtcsync is configured; its own tracking is the authority."""
    setup = _setup(tmp_path, ["chronyd"], "server 127.0.0.1\n")
    kernel = interpret(_kernel(20_000, STA_NANO | STA_UNSYNC))
    view = ChronyView(tracking(0.0001), (), None)
    verdict = judge(kernel, None, (setup.daemon,), view, None, setups=(setup,))
    assert verdict.level == "ok", verdict.details
    assert "chronyd clears it only with 'rtcsync'" in " ".join(verdict.details)
    with_rtcsync = _setup(tmp_path / "b", ["chronyd"], "server 127.0.0.1\nrtcsync\n")
    verdict = judge(kernel, None, (with_rtcsync.daemon,), view, None, setups=(with_rtcsync,))
    assert verdict.level == "warning" and "has not yet reached a usable server" in " ".join(verdict.details)


# -- what the kernel's state says ----------------------------------------------------------------------------


def test_chronyds_updates_explain_the_kernels_maxerror(tmp_path: Path) -> None:
    setup = _setup(tmp_path, ["chronyd"], "server 127.0.0.1\n")
    t = tracking(0.0001)  # root delay 30 µs, root dispersion 2 µs
    now = t.reference_time_unix + 64
    # What chronyd leaves: its root distance, grown by the kernel's 500 µs per second since the update.
    written = interpret(_kernel(int((15e-6 + 2e-6 + 64 * 500e-6) * 1e6)))
    control = assess(setup, t, written, None, now)
    assert control.adjusts is True and "agrees with chronyd's updates" in control.text
    untouched = interpret(_kernel(16_000_000, STA_NANO | STA_UNSYNC))
    control = assess(setup, t, untouched, None, now)
    assert control.adjusts is False and control.reason == "its corrections do not reach this clock"
    assert control.detail is not None and "kernel maxerror 16.000 s" in control.detail
    # Eight hours and more after chronyd's last update the kernel's maxerror would be at its limit anyway.
    assert assess(setup, t, untouched, None, t.reference_time_unix + 33_000).adjusts is True


def test_an_unsynchronised_chronyd_is_not_judged_by_the_kernels_maxerror(tmp_path: Path) -> None:
    setup = _setup(tmp_path, ["chronyd"], "server 127.0.0.1\n")
    t = dataclasses.replace(tracking(0.0), leap_status="Not synchronised")
    untouched = interpret(_kernel(16_000_000, STA_NANO | STA_UNSYNC))
    assert assess(setup, t, untouched, None, t.reference_time_unix).adjusts is True


# -- a real chronyd ------------------------------------------------------------------------------------------


@pytest.mark.peer
def test_a_real_chronyd_without_cap_sys_time_does_not_keep_running(tmp_path: Path) -> None:
    """So a running chronyd (without -x) was allowed adjtimex at start; the bounding set is dropped, so this
    chronyd cannot touch the clock whatever it tries."""
    found = require_binary("chronyd", "setpriv")
    tmp_path.chmod(0o700)
    (tmp_path / "chrony.conf").write_text(
        f"port 0\ncmdport 0\nbindcmdaddress {tmp_path}/chronyd.sock\npidfile {tmp_path}/chronyd.pid\n"
    )
    done = subprocess.run(
        [found["setpriv"], "--bounding-set=-sys_time", "--inh-caps=-sys_time",
         found["chronyd"], "-d", "-u", "root", "-f", str(tmp_path / "chrony.conf")],
        capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "adjtimex(0x8001) failed : Operation not permitted" in output


@pytest.mark.peer
@pytest.mark.slow
def test_a_real_chronyd_whose_updates_never_reach_the_kernel(chronyd_factory: ChronydFactory) -> None:
    """A synchronised real chronyd that writes nothing to the kernel (it runs -x; its setup is read as if we could
    not see that): the kernel's own state gives it away, and nothing says it is slewing."""
    chronyc = require_binary("chronyc")["chronyc"]
    kernel = read_kernel_clock()
    assert kernel.maxerror_seconds >= MAXERROR_LIMIT_S, (
        "this test needs a host clock no daemon disciplines (maxerror at 16 s); something writes it here"
    )
    server = chronyd_factory.start("127.0.86.41", 0.0)
    client, sock = chronyd_factory.start_client([server], offset_seconds=-2.5)
    wait_synchronised(chronyc, sock, client)
    (daemon,) = our_chronyd(client)
    view = read_chrony(chronyc=chronyc, socket_path=str(sock), timeout=2.0)
    assert view.tracking is not None
    seen = read_setup(daemon)
    assert not seen.controls_clock  # what the command line shows
    hidden = dataclasses.replace(seen, controls_clock=True, no_control_reason=None)  # -x out of sight
    (control,) = assess_all((hidden,), view, kernel, None, time.time())
    assert control.adjusts is False and "do not reach this clock" in (control.reason or "")
    verdict = judge(kernel, None, (daemon,), view, None, setups=(hidden,), controls=(control,))
    details = " ".join(verdict.details)
    assert verdict.level == "critical"  # 2.5 s behind
    assert "slewing" not in details
    assert "s behind NTP time and does not correct it (its corrections do not reach this clock" in details
    health = TimeHealth(kernel, None, (daemon,), view, None, None, verdict, (hidden,), (control,))
    assert "adjusts the clock: no: its corrections do not reach this clock" in render_status(health)

    def unreadable() -> RawTimex:
        raise CollectError("adjtimex failed: errno 1")

    # Our own adjtimex refused (a sandbox of ours, not the daemon's): say we cannot tell, never "slewing" as fact.
    health = gather(adjtimex=unreadable, daemons=(daemon,))
    (control,) = assess_all((hidden,), health.chrony, None, "adjtimex failed: errno 1", time.time())
    assert control.adjusts is None
    verdict = judge(None, "adjtimex failed: errno 1", (daemon,), health.chrony, None, setups=(hidden,))
    details = " ".join(verdict.details)
    assert (
        "and says it is slewing it out; cannot tell whether chronyd's corrections reach the clock" in details
    )
    assert "is slewing it out;" not in details.replace("says it is slewing it out;", "")

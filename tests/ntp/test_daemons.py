from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from hostward.errors import CollectError, ParseError
from hostward.ntp.daemons import find_time_daemons, parse_chronyc_sources, parse_chronyc_tracking, read_chrony
from hostward.ntp.drift import configured_drift_path, find_drift_file, parse_drift, read_drift
from hostward.procfs import ProcFS

FIX = Path(__file__).parent.parent / "fixtures" / "ntp"


def test_parse_real_chronyc_sources() -> None:
    # Captured from chronyd 4.3 following two loopback servers (+2 s via faketime) and one dead address.
    sources = parse_chronyc_sources((FIX / "chronyc-sources.csv").read_text())
    assert [s.name for s in sources] == ["127.0.0.2", "127.0.0.3", "127.0.0.9"]
    assert [s.state for s in sources] == ["-", "*", "?"]
    first = sources[0]
    assert first.mode == "^" and first.stratum == 8 and first.poll == -2
    assert first.reach == 0o377
    assert first.measured_offset_seconds == pytest.approx(-4.469e-6)
    assert first.theta_seconds == pytest.approx(4.469e-6)  # chronyc's sign is local − source
    assert sources[2].last_rx_seconds is None  # 4294967295: never heard from


def test_parse_real_chronyc_tracking_sign() -> None:
    tracking = parse_chronyc_tracking((FIX / "chronyc-tracking.csv").read_text())
    assert tracking.reference_name == "127.0.0.3"
    assert tracking.stratum == 9
    # The same capture's human form said "seconds slow of NTP time": CSV positive = behind = θ's sign.
    assert tracking.system_offset_seconds == pytest.approx(2.00001049)
    assert "slow of NTP time" in (FIX / "chronyc-tracking.txt").read_text()
    assert tracking.leap_status == "Normal" and tracking.synchronised


@pytest.mark.parametrize("text", ["^,*,1.2.3.4,2,6,377", "^,*,1.2.3.4,x,6,377,0,0,0,0"])
def test_malformed_chronyc_sources(text: str) -> None:
    with pytest.raises(ParseError):
        parse_chronyc_sources(text)


def test_malformed_tracking() -> None:
    with pytest.raises(ParseError):
        parse_chronyc_tracking("506 Cannot talk to daemon")


def test_read_chrony_reports_runner_failure_as_problem() -> None:
    def runner(argv: Sequence[str], timeout: float) -> str:
        raise CollectError("chronyc -c -n tracking failed: 506 Cannot talk to daemon")

    view = read_chrony(runner)
    assert view.tracking is None and view.sources == ()
    assert view.problem is not None and "506" in view.problem


def test_read_chrony_with_fixture_runner() -> None:
    calls: list[list[str]] = []

    def runner(argv: Sequence[str], timeout: float) -> str:
        calls.append(list(argv))
        assert timeout > 0
        return (FIX / f"chronyc-{argv[-1]}.csv").read_text()

    view = read_chrony(runner, socket_path="/tmp/x.sock")
    assert view.tracking is not None and len(view.sources) == 3
    assert [s.name for s in view.sourcestats] == ["127.0.0.2", "127.0.0.3"]
    assert view.sourcestats[1].samples == 12 and view.sourcestats[1].span_seconds == 130
    assert view.sourcestats[1].offset_seconds == pytest.approx(3.922e-6)
    assert calls[0] == ["chronyc", "-c", "-n", "-h", "/tmp/x.sock", "tracking"]


def make_proc(root: Path, processes: dict[int, tuple[str, bytes]]) -> ProcFS:
    for pid, (comm, cmdline) in processes.items():
        (root / str(pid)).mkdir(parents=True)
        (root / str(pid) / "comm").write_text(comm + "\n")
        (root / str(pid) / "cmdline").write_bytes(cmdline)
    return ProcFS(proc=root)


def test_find_time_daemons_in_a_fixture_proc(tmp_path: Path) -> None:
    procfs = make_proc(
        tmp_path,
        {
            1: ("init", b"/sbin/init\0"),
            412: ("chronyd", b"/usr/sbin/chronyd\0-F\0001\0"),
            500: ("systemd-timesyn", b"/lib/systemd/systemd-timesyncd\0"),
            900: ("bash", b"bash\0"),
        },
    )
    found = find_time_daemons(procfs)
    assert [(d.name, d.pid) for d in found] == [("chronyd", 412), ("systemd-timesyncd", 500)]
    assert found[0].cmdline == "/usr/sbin/chronyd -F 1"


def test_drift_files() -> None:
    chrony = parse_drift((FIX / "chrony.drift").read_text(), "chronyd", FIX / "chrony.drift")
    assert chrony.frequency_ppm == pytest.approx(0.034663)
    assert chrony.skew_ppm == pytest.approx(0.170103)
    ntpd = parse_drift("-12.5\n", "ntpd", Path("/var/lib/ntp/ntp.drift"))
    assert ntpd.skew_ppm is None
    assert ntpd.seconds_per_day == pytest.approx(-1.08)  # 1 ppm = 86.4 ms/day
    with pytest.raises(ParseError):
        parse_drift("garbage", "ntpd", Path("x"))
    with pytest.raises(ParseError):
        parse_drift("1.0", "chronyd", Path("x"))


def test_drift_path_from_configuration(tmp_path: Path) -> None:
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "drift.conf").write_text("driftfile /srv/chrony/drift  # moved\n")
    main = tmp_path / "chrony.conf"
    main.write_text(f"pool 2.debian.pool.ntp.org iburst\n# driftfile /nope\nconfdir {conf_d}\n")
    assert configured_drift_path("driftfile /a\ndriftfile /b\n") == Path("/b")
    assert find_drift_file("chronyd", (main,)) == Path("/srv/chrony/drift")
    assert find_drift_file("chronyd", (tmp_path / "missing.conf",)) == Path("/var/lib/chrony/chrony.drift")
    assert read_drift("chronyd", tmp_path / "missing.drift", 0.0) is None

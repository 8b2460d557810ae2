"""The `hostward oom` command line: help, JSON shapes, exit codes."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from tests.conftest import unavailable

from hostward.cli import main
from hostward.cli.oom import run

FIXTURES = Path(__file__).parents[1] / "fixtures" / "oom"


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = run(list(argv))
    return code, out.getvalue()


@pytest.mark.parametrize("sub", ["", "top", "explain", "protect", "report", "doctor"])
def test_help_has_examples(sub: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run([sub, "--help"] if sub else ["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "usage: hostward oom" in text
    if sub:
        assert "example" in text


def test_top_json_carries_kernel_and_computed_scores() -> None:
    code, out = _cli("top", "--json", "--all")
    assert code == 0
    data = json.loads(out)
    procs = {p["pid"]: p for p in data["processes"]}
    me = procs[os.getpid()]
    assert me["oom_score_kernel"] == me["oom_score_computed"]
    assert me["badness_pages"] > 0 and me["eligibility"] == "killable"
    assert procs[2]["kernel_thread"] and procs[2]["badness_pages"] is None
    assert data["victim_pid"] in procs


def test_top_live_mode_refreshes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["top", "--json", "--interval", "0.05", "--iterations", "3", "-n", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all(len(json.loads(x)["processes"]) == 2 for x in lines)


def test_top_rejects_bad_interval() -> None:
    from hostward.errors import UsageError

    with pytest.raises(UsageError):
        run(["top", "--interval", "0"])


def test_report_json_lists_victims_with_pid() -> None:
    code, out = _cli("report", "--json", str(FIXTURES / "debian11-5.10-two-kills-panic.monotonic"))
    data = json.loads(out)
    assert code == 0
    assert [[v["pid"] for v in e["victims"]] for e in data["events"]] == [[90211], [90212], []]
    assert data["events"][2]["panic"].startswith("Out of memory")
    assert data["events"][0]["top_consumers"][0]["pid"] == 90211
    assert "verdict" in data["events"][0] and data["events"][0]["scope"] == "global"


def test_report_last_and_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (FIXTURES / "grep-filtered.txt").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    code, out = _cli("report", "--json", "--last", "1", "-")
    assert code == 0 and [e["victims"][0]["pid"] for e in json.loads(out)["events"]] == [9300]


def test_report_text_for_people() -> None:
    code, out = _cli("report", str(FIXTURES / "rhel6-2.6.32-global.messages"))
    assert code == 0
    assert "victim     mysqld (pid 2301, uid 27)" in out
    assert "one process dominated: mysqld (pid 2301)" in out
    assert "no swap is configured" in out
    assert "  Before the kill (recorded by hostward): no hostward recording covers " in out


def test_doctor_json() -> None:
    code, out = _cli("doctor", "--json")
    checks = {f["check"]: f for f in json.loads(out)}
    assert code in (0, 1)
    assert checks["vm.panic_on_oom"]["value"] == Path("/proc/sys/vm/panic_on_oom").read_text().strip()
    assert "swap" in checks and "kdump" in checks
    assert all(f["recommendation"] for f in checks.values())


def test_dispatcher_maps_errors_to_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["oom", "report", "/nonexistent/kern.log"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["oom", "explain", "999999999"]) == 2


def test_report_reads_gzip_rotated_logs(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "kern.log.2.gz"
    path.write_bytes(gzip.compress((FIXTURES / "debian8-3.16-memcg-v1.kern.log").read_bytes()))
    code, out = _cli("report", "--json", str(path))
    assert code == 0 and [e["victims"][0]["pid"] for e in json.loads(out)["events"]] == [4242]


def test_report_from_journal_without_entries_is_not_an_error() -> None:
    import shutil

    if shutil.which("journalctl") is None:
        unavailable("journalctl is not installed")
    code, out = _cli("report", "--journal")
    assert code == 0
    assert "journalctl -k" in out or "OOM event" in out


def test_repeats_are_counted_per_memory_cgroup(tmp_path: Path) -> None:
    """Kills in other cgroups on a busy host are not "the same OOM again"; the same cgroup twice is."""
    one = (FIXTURES / "debian8-3.16-memcg-v1.kern.log").read_text()
    path = tmp_path / "kern.log"
    path.write_text(one + one.replace("/docker/a1b2c3", "/docker/d4e5f6") + one)
    code, out = _cli("report", "--json", "--no-trend", str(path))
    events = json.loads(out)["events"]
    assert code == 0 and [e["oom_memcg"] for e in events] == [
        "/docker/a1b2c3",
        "/docker/d4e5f6",
        "/docker/a1b2c3",
    ]
    again = [[f for f in e["verdict"]["findings"] if "did not remove the cause" in f] for e in events]
    assert again == [
        [],
        [],
        [
            "this is OOM event number 2 for memory cgroup /docker/a1b2c3 in this log: "
            "killing did not remove the cause"
        ],
    ]
    code, out = _cli("report", "--json", "--no-trend", "--last", "1", str(path))
    (last,) = json.loads(out)["events"]
    assert any(
        "number 2 for memory cgroup" in f for f in last["verdict"]["findings"]
    )  # counted before --last


def test_half_report_does_not_claim_there_was_no_swap() -> None:
    code, out = _cli("report", "--no-trend", str(FIXTURES / "half-report.dmesg"))
    assert code == 0 and "swap unknown" in out and "no swap" not in out
    code, out = _cli("report", "--no-trend", str(FIXTURES / "debian11-5.10-two-kills-panic.monotonic"))
    # The first event's Mem-Info shows 2 GiB of swap; the second has no Mem-Info: never "no swap".
    assert "ran out of memory (RAM and swap)" in out and "no swap" not in out


def test_top_says_when_the_next_victim_is_hostward_itself() -> None:
    import dataclasses

    from hostward.oom.score.top import take_snapshot
    from hostward.oom.score.toptext import format_top

    snap = take_snapshot()
    me = next(p for p in snap.processes if p.info.pid == os.getpid())
    other = next(p for p in snap.killable if p.info.pid != os.getpid())
    only_me = dataclasses.replace(snap, processes=(me,))
    assert format_top(only_me, [me])[0].endswith(
        f"next victim: {me.info.pid} {me.info.comm} (this hostward process itself)"
    )
    only_other = dataclasses.replace(snap, processes=(other,))
    assert "itself" not in format_top(only_other, [other])[0]

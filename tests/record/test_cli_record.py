"""End to end: the `hostward record` process, its files, signals and kill -9."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import subprocess
from pathlib import Path

import pytest
from tests.record.conftest import hostward, wait_for

from hostward.collect.sample import SystemSample
from hostward.errors import StoreError
from hostward.store import CommentMark, RestartMark, read_day, read_file
from hostward.store.paths import day_parts


def finish(proc: subprocess.Popen[str]) -> int:
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return proc.returncode


def only_file(data_dir: Path) -> Path:
    files = [p for p in data_dir.iterdir() if p.name.startswith("hw")]
    assert len(files) == 1, files
    return files[0]


def samples_in(path: Path) -> list[SystemSample]:
    try:
        return [e for e in read_file(path).entries if isinstance(e, SystemSample)]
    except StoreError:
        return []


def test_record_three_samples_then_append_a_second_run(tmp_path: Path) -> None:
    proc = hostward("record", "--interval", "1", "--count", "3", "--data-dir", str(tmp_path))
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped after 3 sample(s): 3 stored, 0 lost" in err
    path = only_file(tmp_path)
    data = read_file(path, strict=True)
    kinds = [type(e).__name__ for e in data.entries]
    assert kinds == ["RestartMark", "SystemSample", "SystemSample", "SystemSample"]
    samples = [e for e in data.entries if isinstance(e, SystemSample)]
    gaps = [b.uptime_seconds - a.uptime_seconds for a, b in itertools.pairwise(samples)]
    assert 0.4 <= gaps[0] <= 1.6 and 0.9 <= gaps[1] <= 1.1  # first gap aligns to a whole second
    assert abs(samples[2].timestamp % 1 - 0.0) < 0.1 or abs(samples[2].timestamp % 1 - 1.0) < 0.1
    assert data.host.nodename == os.uname().nodename
    # top_processes defaults to 10: the largest processes ride along with every sample
    assert all(0 < len(s.top_processes) <= 10 for s in samples)
    assert all(p.rss_bytes > 0 and not p.kernel_thread for s in samples for p in s.top_processes)

    # A second session on the same boot is a gap, not a LINUX RESTART (as sadc appending without --boot).
    proc = hostward("record", "-i", "1", "-c", "1", "-d", str(tmp_path), "--comment", "second run")
    assert finish(proc) == 0
    data = read_file(path, strict=True)
    kinds = [type(e).__name__ for e in data.entries]
    assert kinds[4:] == ["CommentMark", "SystemSample"]
    assert isinstance(data.entries[4], CommentMark) and data.entries[4].text == "second run"
    report = hostward("sar", "-u", "-f", str(path))
    out, _ = report.communicate(timeout=30)
    assert out.count("LINUX RESTART") == 1 and len([ln for ln in out.splitlines() if " all " in ln]) == 4

    # Another boot id kept in the directory: the host rebooted in between, so this session is a restart.
    (tmp_path / ".hostward-boot").write_text("a-previous-boot\n")
    assert finish(hostward("record", "-i", "1", "-c", "1", "-d", str(tmp_path))) == 0
    kinds = [type(e).__name__ for e in read_file(path, strict=True).entries]
    assert kinds[6:] == ["RestartMark", "SystemSample"]
    assert (tmp_path / ".hostward-boot").read_text().strip() == Path(
        "/proc/sys/kernel/random/boot_id"
    ).read_text().strip()


def test_comment_alone_appends_and_exits(tmp_path: Path) -> None:
    proc = hostward("record", "--comment", "maintenance window", "--data-dir", str(tmp_path))
    assert finish(proc) == 0
    data = read_day(tmp_path, dt.date.today())
    assert len(data.entries) == 1 and isinstance(data.entries[0], CommentMark)
    assert data.entries[0].text == "maintenance window"


def test_kill_9_loses_at_most_the_sample_in_flight(tmp_path: Path) -> None:
    proc = hostward("record", "--interval", "1", "--data-dir", str(tmp_path))
    try:
        wait_for(
            lambda: any(tmp_path.glob("hw*")) and len(samples_in(only_file(tmp_path))) >= 3, what="3 samples"
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    path = only_file(tmp_path)
    before = samples_in(path)
    assert len(before) >= 3
    # The next start repairs whatever the kill left and appends after it.
    again = hostward("record", "-i", "1", "-c", "2", "-d", str(tmp_path))
    assert finish(again) == 0
    data = read_file(path, strict=True)
    after = [e for e in data.entries if isinstance(e, SystemSample)]
    assert after[: len(before)] == before and len(after) == len(before) + 2
    # same boot: the second session is a gap, not a second LINUX RESTART
    assert sum(isinstance(e, RestartMark) for e in data.entries) == 1


def test_sigterm_stops_cleanly_and_sighup_reopens(tmp_path: Path) -> None:
    proc = hostward("record", "--interval", "1", "--data-dir", str(tmp_path))
    try:
        wait_for(
            lambda: any(tmp_path.glob("hw*")) and len(samples_in(only_file(tmp_path))) >= 1, what="a sample"
        )
        path = only_file(tmp_path)
        moved = path.with_name("moved-away")
        path.rename(moved)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: path.exists() and len(samples_in(path)) >= 1, what="a new file after SIGHUP")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "SIGTERM received: stopping" in err and "reopening the data file (SIGHUP)" in err
    assert samples_in(moved) and read_file(path, strict=True).entries[0] != read_file(moved).entries[0]
    assert not isinstance(read_file(path).entries[0], RestartMark)  # a reopen is not a restart
    assert [p.name for p in day_parts(tmp_path, dt.date.today())] == [path.name]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--interval", "0.5"],
            "--interval: invalid value '0.5' (expected a number from 1 to 86400 seconds)",
        ),
        (["--count", "0"], "--count: invalid value '0' (expected a whole number from 1 to"),
        (
            ["--retention-days", "-1"],
            "--retention-days: invalid value '-1' (expected a whole number from 0 to",
        ),
    ],
)
def test_bad_usage_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = hostward("record", "--data-dir", str(tmp_path), *args)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and message in err


def test_help_documents_the_behaviour() -> None:
    proc = hostward("record", "--help")
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    for needle in (
        "--interval SECONDS",
        "--count N",
        "--comment TEXT",
        "SIGHUP",
        "LINUX RESTART",
        "hwYYYYMMDD",
        "/proc/uptime",
    ):
        assert needle in out

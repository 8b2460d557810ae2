"""Files written by format 1 stay readable: tests/fixtures/store/hw20261127-format1 was written by this
version (DataFileWriter, 2026-11) from the debian12-vm fixture tree: a carried sample, a restart, a comment, then
40 samples 10 s apart (keyframes, deltas, timestamps in ms and as float bits), each with 3-4 top processes (a command line change, a reused pid,
a missing oom_score, non-UTF-8 arguments). Never regenerate it: add a new golden file for a new format
version and keep this test."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

from hostward.collect.cpu import CpuTimes
from hostward.collect.sample import SystemSample
from hostward.store import CommentMark, RestartMark, read_day, read_file

GOLDEN = Path(__file__).parent.parent / "fixtures" / "store" / "hw20261127-format1"


def test_golden_file_is_the_committed_one() -> None:
    """A changed golden file means the test no longer proves that old files stay readable."""
    digest = hashlib.sha256(GOLDEN.read_bytes()).hexdigest()
    assert digest == "b9f492ee8c5dfc0708d53293dc24fb4947e4b5a5f2c061ea9a4aa5d40fefa797"


def test_golden_file_reads_back_its_values() -> None:
    data = read_file(GOLDEN)
    assert GOLDEN.read_bytes()[8:10] == b"\x01\x00"  # format version 1
    assert (data.host.nodename, data.host.release, data.host.cpu_count) == ("fixture-host", "6.18.0-test", 2)
    assert len(data.entries) == 42
    restart, comment, first = data.entries[:3]
    assert isinstance(restart, RestartMark) and restart.timestamp == 1795773599.5
    assert isinstance(comment, CommentMark) and comment.text == "golden file for format 1"
    assert isinstance(first, SystemSample) and first.timestamp == 1795773600.0
    assert first.cpu.per_cpu[1] == CpuTimes(3354, 0, 1455, 59229, 123, 0, 53, 5, 0, 0)
    assert (first.nets[0].name, first.nets[0].rx_bytes) == ("lo", 41623)

    last = data.entries[-1]
    assert isinstance(last, SystemSample)
    assert last.timestamp == 1795773990.000492
    assert last.uptime_seconds == 1034.87
    assert last.cpu.all == CpuTimes(5046, 0, 2443, 198651, 216, 0, 67, 8, 0, 0)
    assert last.cpu.context_switches == 404275
    assert (last.disks[8].name, last.disks[8].read_ios, last.disks[8].physical) == ("vda", 38844, True)
    assert (last.nets[-1].name, last.nets[-1].rx_bytes, last.nets[-1].speed_mbps) == (
        "eth0",
        97569905,
        0,
    )  # speed -1: link unknown
    assert last.load.load1 == 0.39
    assert last.memory.mem_free_kb == 24285192
    assert last.pressure is not None and last.pressure.memory is not None
    assert last.pressure.memory.full is not None and last.pressure.memory.full.total_us == 598
    assert last.pressure.cpu is not None and last.pressure.cpu.some.avg10 == 0.33

    assert data.previous is not None
    assert (data.previous.timestamp, data.previous.uptime_seconds, data.previous.cpu.all.user) == (
        1795773590.000738,
        634.89,
        4526,
    )
    postgres, nginx, uni, reused = last.top_processes
    assert (
        postgres.pid,
        postgres.cmdline,
        postgres.rss_bytes,
        postgres.oom_score_adj,
        postgres.oom_score,
    ) == (
        4242,
        ("/usr/bin/postgres", "-D", "/var/lib/pg"),
        1066401792,
        -500,
        694,
    )
    assert (nginx.cmdline, nginx.oom_score, nginx.cap_sys_admin) == (("nginx: worker process",), None, True)
    assert uni.cmdline == ("/usr/bin/ünïcode", "arg with spaces", "\udcff-not-utf8")
    assert (reused.pid, reused.start_ticks, reused.cmdline, reused.user) == (
        500,
        9000,
        ("/bin/reused-pid",),
        "app",
    )
    early = data.entries[5]
    assert isinstance(early, SystemSample)
    assert [(p.pid, p.start_ticks) for p in early.top_processes] == [
        (4242, 1000),
        (13, 1000),
        (77, 1000),
        (500, 2000),
    ]
    assert early.top_processes[1].cmdline == ("nginx: master process",)

    uptimes = [e.uptime_seconds for e in data.entries if isinstance(e, SystemSample)]
    assert uptimes == sorted(uptimes) and len(uptimes) == 40


def test_golden_file_through_read_day(tmp_path: Path) -> None:
    shutil.copy(GOLDEN, tmp_path / "hw20261127")
    assert read_day(tmp_path, dt.date(2026, 11, 27)) == read_file(GOLDEN)

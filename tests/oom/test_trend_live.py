"""End to end: `hostward record` runs while an allocator grows inside a small memory cgroup until the kernel
OOM-kills it; `hostward oom report --dmesg --data-dir` must then show the victim among the processes that grew.

The allocator runs only inside a child memory cgroup limited to 128 MiB; the cgroup and the recorder are removed
afterwards whatever happens. Nothing here touches /proc/sysrq-trigger. Waits are bounded polls, never timings
that are asserted.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_binary
from tests.oom.oomkit_helpers import make_memcg, spawn_in

from hostward.cli.oom import run
from hostward.collect.sample import SystemSample
from hostward.errors import StoreError
from hostward.store import read_range

pytestmark = [pytest.mark.root, pytest.mark.slow]

LIMIT = 128 << 20
# Grows by 16 MiB (every page touched) every 0.5 s: about 4 s to reach the limit, so a recorder sampling every
# second sees it several times while it grows.
GRADUAL = "import time\nb = []\nwhile True:\n    b.append(b'x' * (16 << 20))\n    time.sleep(0.5)\n"


def wait_for(what: str, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout:g} s")
        time.sleep(0.1)


def samples_after(data_dir: Path, epoch: float) -> int:
    now = time.time()
    try:
        data = read_range(data_dir, dt.datetime.fromtimestamp(epoch), dt.datetime.fromtimestamp(now + 60))
    except StoreError:  # nothing written yet
        return 0
    return sum(1 for e in data.entries if isinstance(e, SystemSample) and e.timestamp > epoch)


def kernel_log_has(needle: str) -> bool:
    out = subprocess.run(["dmesg"], capture_output=True, text=True, check=True).stdout
    return needle in out


def stop(proc: subprocess.Popen[bytes] | None, sig: int) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_recorded_trend_shows_the_victim_growing(tmp_path: Path) -> None:
    require_binary("dmesg")
    data_dir = tmp_path / "data"
    cg = make_memcg(LIMIT)
    recorder: subprocess.Popen[bytes] | None = None
    allocator: subprocess.Popen[bytes] | None = None
    started = time.time()
    try:
        with (tmp_path / "recorder.log").open("wb") as log:
            recorder = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hostward",
                    "record",
                    "--interval",
                    "1",
                    "--data-dir",
                    str(data_dir),
                    "--top-processes",
                    "25",
                    "--no-housekeeping",
                ],
                stdout=log,
                stderr=log,
            )
        wait_for("the recorder's first samples", lambda: samples_after(data_dir, started) >= 2)
        allocator = spawn_in(cg, GRADUAL)
        code = allocator.wait(timeout=30)
        killed_at = time.time()
        assert code == -signal.SIGKILL, f"allocator ended with {code}, expected the OOM killer's SIGKILL"
        pid = allocator.pid
        wait_for("the kill in dmesg", lambda: kernel_log_has(f"Killed process {pid} "))
        wait_for("two samples after the kill", lambda: samples_after(data_dir, killed_at) >= 2)
        stop(recorder, signal.SIGTERM)
        assert recorder.returncode == 0, (tmp_path / "recorder.log").read_text()
    finally:
        stop(allocator, signal.SIGKILL)
        stop(recorder, signal.SIGTERM)
        cg.destroy()

    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["report", "--dmesg", "--json", "--data-dir", str(data_dir)]) == 0
    events: list[dict[str, Any]] = [
        e for e in json.loads(out.getvalue())["events"] if any(v["pid"] == pid for v in e["victims"])
    ]
    assert len(events) == 1
    event = events[0]
    assert event["oom_memcg"] == cg.path and event["trend_note"] is None
    trend = event["trend"]
    # dmesg gives printk stamps only: the time comes from the boot time and is marked approximate.
    assert trend["time_origin"] == "boot" and trend["approximate"] is True
    assert started <= trend["event_time"] <= killed_at + 1
    assert trend["samples_before"] >= 3 and trend["samples_after"] >= 1
    assert 2 <= trend["top_processes_recorded"] <= 25
    victim = trend["victim"]
    assert victim is not None, trend["notes"]
    assert victim["pid"] == pid == trend["victim_pid"]
    assert victim["comm"] == event["victims"][0]["comm"]  # the recorder and the kernel name it alike
    assert victim["appeared"] is True  # started after the recorder
    assert victim["samples"] >= 2 and victim["growth_bytes"] > 0 and victim["growth_mib_per_minute"] > 0
    assert victim["rss_last_bytes"] > victim["rss_first_bytes"]
    growers = [p["pid"] for p in trend["processes"] if p["growth_bytes"] > 0]
    assert pid in growers

    text = io.StringIO()
    with redirect_stdout(text):
        assert run(["report", "--dmesg", "--data-dir", str(data_dir)]) == 0
    (tmp_path / "report.txt").write_text(text.getvalue())  # kept with the recorder's log for a failure
    assert "  Before the kill (recorded by hostward)" in text.getvalue()
    assert f"the victim (pid {pid}) changed by +" in text.getvalue()

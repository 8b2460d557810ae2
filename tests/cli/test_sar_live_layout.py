"""Live ``sar -d``: a header before every sample and before Average when sadc found more than one disk (sar.c
check_line_hdr counts the devices that have done I/O since boot, not the rows of an empty interval)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import require_binary
from tests.store.sysstat.conftest import LOCALES, locale_env


def _shape(text: str) -> list[str]:
    """Lines with every number as N and runs of spaces as one: the layout without the values."""
    return [re.sub(r" +", " ", re.sub(r"[0-9][0-9.:]*", "N", line)) for line in text.splitlines()]


def test_live_disk_report_repeats_headers_like_sar() -> None:
    sar = require_binary("sar")["sar"]
    used = [f.split()[2] for f in Path("/proc/diskstats").read_text().splitlines() if int(f.split()[3]) > 0]
    env = locale_env(LOCALES["C"])
    theirs = subprocess.run([sar, "-d", "1", "2"], capture_output=True, text=True, check=True, env=env).stdout
    ours = subprocess.run(
        [sys.executable, "-m", "hostward", "sar", "-d", "1", "2"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert _shape(ours) == _shape(theirs), f"{ours}\n--- sar:\n{theirs}"
    if len(used) > 1:  # several devices: a header before each sample and before Average (one disk: once)
        assert sum(1 for line in ours.splitlines() if line.endswith("%util")) == 3

"""Report parsing speed (MB/s) per log format, next to `grep -c` over the same file as a floor reference.

Each file is mostly ordinary kernel noise with a full OOM report (two kills) every ~1.5 MB, in the format named.
hostward is measured in process (parse only) and end to end (`hostward oom report --json FILE`, a child process,
wall clock). grep only counts matching lines: it is what an administrator does today, and it understands
nothing; the ratio says what the understanding costs.

    /work/venv/bin/python bench/oom_report_parse.py [--mb 100]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")
sys.path.insert(0, SRC)

from hostward.oom.kernlog.kernlog import kernel_lines  # noqa: E402
from hostward.oom.kernlog.oomparse import parse_events  # noqa: E402
from hostward.oom.kernlog.sources import file_lines  # noqa: E402

REPORT = (
    (ROOT / "tests/fixtures/oom/debian11-5.10-two-kills-panic.monotonic").read_text().split("[ 5023.5")[0]
)


def _messages() -> tuple[list[str], list[str]]:
    noise = [
        f'audit: type=1400 audit({i}.1:1): apparmor="ALLOWED" operation="open" name="/proc/{i}/status" '
        f'pid={i} comm="python3"'
        for i in range(8000)
    ]
    report = [line.split("build01 kernel: ", 1)[-1].strip() for line in REPORT.splitlines()]
    return noise, report


FORMATS: dict[str, Callable[[int, str], str]] = {
    "dmesg": lambda i, m: f"[{i / 1000:12.6f}] {m}\n",
    "syslog": lambda i, m: (
        f"Nov 27 17:{i // 60000 % 60:02d}:{i // 1000 % 60:02d} host kernel: [{i / 1000:12.6f}] {m}\n"
    ),
    "kmsg": lambda i, m: f"6,{i},{i * 1000},-;{m}\n",
    "journal-json": lambda i, m: (
        json.dumps(
            {
                "__REALTIME_TIMESTAMP": str(1764000000000000 + i * 1000),
                "_SOURCE_MONOTONIC_TIMESTAMP": str(i * 1000),
                "_TRANSPORT": "kernel",
                "MESSAGE": m,
            }
        )
        + "\n"
    ),
}


def write(path: Path, fmt: Callable[[int, str], str], size: int) -> int:
    noise, report = _messages()
    kills = 0
    i = 0
    with open(path, "w") as handle:
        while handle.tell() < size:
            chunk = [fmt(i + n, m) for n, m in enumerate(noise + report)]
            i += len(chunk)
            handle.write("".join(chunk))
            kills += 2
    return kills


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    grep = shutil.which("grep")
    print(f"{'format':<13} {'size':>8} {'parse':>10} {'end-to-end':>11} {'grep -c':>10} {'grep/parse':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, fmt in FORMATS.items():
            path = Path(tmp) / f"kern.{name}"
            kills = write(path, fmt, args.mb << 20)
            mb = path.stat().st_size / 1e6
            t = time.perf_counter()
            victims = sum(len(e.victims) for e in parse_events(kernel_lines(file_lines(str(path)))))
            parse = mb / (time.perf_counter() - t)
            assert victims == kills, (victims, kills)
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "hostward", "oom", "report", "--json", str(path)],
                check=True,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": SRC},
            )
            e2e = mb / (time.perf_counter() - t)
            gps = float("nan")
            if grep:
                t = time.perf_counter()
                subprocess.run(
                    [grep, "-c", "-E", "invoked oom-killer|Killed process", str(path)],
                    stdout=subprocess.DEVNULL,
                    check=False,
                )
                gps = mb / (time.perf_counter() - t)
            print(
                f"{name:<13} {mb:6.0f}MB {parse:7.1f}MB/s {e2e:8.1f}MB/s {gps:7.0f}MB/s {gps / parse:9.1f}x"
            )
            path.unlink()


if __name__ == "__main__":
    main()

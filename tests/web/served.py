"""`hostward web serve` as a user starts it (HTTPS with the certificate it makes at first start, the same
WebServer the daemon runs), as a child process on 127.0.0.1 and a port the kernel picks, with its stderr kept:
the tests read the URL and the setup link from there, as a person reads them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

URL = re.compile(r"dashboard at (https://127\.0\.0\.1:\d+/)")
LINK = re.compile(r"open (https://127\.0\.0\.1:\d+/setup\?token=[A-Za-z0-9_-]{43}) ")


class Served:
    def __init__(self, proc: subprocess.Popen[str], data_dir: Path) -> None:
        self.proc = proc
        self.data_dir = data_dir
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, pattern: re.Pattern[str], limit: float = 30.0) -> str:
        """The first group of ``pattern`` in a line the server printed (AssertionError if it never does)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = pattern.search(line)
                if found:
                    return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"not printed: {pattern.pattern}; stderr: {''.join(self.lines)[-2000:]}")


@contextmanager
def web_serve(tmp_path: Path, data_dir: Path) -> Iterator[Served]:
    config = tmp_path / "hostward.toml"
    config.write_text(f'[record]\ndata_dir = "{data_dir}"\n')
    env = {**os.environ, "HOSTWARD_CONFIG": str(config)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hostward", "web", "serve", "--listen", "127.0.0.1:0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    served = Served(proc, data_dir)
    try:
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        served.thread.join(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()

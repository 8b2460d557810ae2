"""A memcached for the cache benches: a foreground child on 127.0.0.1 and a free port, stopped by PID."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Memcached:
    def __init__(self, *extra: str) -> None:
        binary = shutil.which("memcached") or "/usr/bin/memcached"
        self.port = free_port()
        user = ["-u", "memcache"] if os.geteuid() == 0 else []
        argv = [binary, *user, "-U", "0", "-l", "127.0.0.1", "-p", str(self.port), *extra]
        self.proc = subprocess.Popen(argv)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise SystemExit("memcached did not start")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)

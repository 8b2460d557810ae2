"""A real memcached for tests: started in the foreground as a child on 127.0.0.1 (or a unix socket), stopped by PID."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import require_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Memcached:
    def __init__(
        self,
        *,
        port: int | None = None,
        unix_path: Path | None = None,
        extra: tuple[str, ...] = (),
        listen: str = "127.0.0.1",  # memcached's -l: a comma-separated list, "127.0.0.1,[::1]"
    ):
        binary = require_binary("memcached")["memcached"]
        self.port = port if port is not None or unix_path else free_port()
        self.unix_path = unix_path
        where = ["-s", str(unix_path), "-a", "0777"] if unix_path else ["-l", listen, "-p", str(self.port)]
        user = ["-u", "memcache"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen([binary, *user, "-U", "0", *where, *extra])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with self._connect() as probe:
                    # A round trip, not just a connect: memcached counts a connection only when a worker takes it
                    # up, so a bare connect could still be counted after the test's first poll.
                    probe.sendall(b"version\r\n")
                    if probe.recv(64).startswith(b"VERSION"):
                        return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("memcached did not start")

    def _connect(self) -> socket.socket:
        if self.unix_path:
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(1)
            try:
                s.connect(str(self.unix_path))
            except OSError:
                s.close()
                raise
            return s
        return socket.create_connection(("127.0.0.1", self.port), timeout=1)

    @property
    def address(self) -> str:
        return f"unix:{self.unix_path}" if self.unix_path else f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


@contextmanager
def unix_memcached() -> Iterator[Memcached]:
    """memcached on a unix socket in a fresh directory it may write: it drops to the memcache user before it
    creates the socket, and pytest's tmp_path sits under a 0700 directory."""
    directory = Path(tempfile.mkdtemp(prefix="hostward-mc-"))
    directory.chmod(0o777)
    server = Memcached(unix_path=directory / "mc.sock")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)

"""Memory cgroup helpers for v1 (``memory`` controller hierarchy) and v2 (unified hierarchy).

Reusable by anything that needs to find, create, limit, populate and tear down a memory cgroup: ``oom doctor``
(limits of the big consumers), the test suite (real OOM kills inside a small limit) and the coming OOM drill/guard.

v1 files: memory.limit_in_bytes, memory.usage_in_bytes, memory.memsw.limit_in_bytes, memory.oom_control.
v2 files: memory.max, memory.current, memory.swap.max, memory.events (``oom_kill N``).
A process's memory cgroup is the ``N:memory:/path`` line of /proc/PID/cgroup (v1) or ``0::/path`` (v2).
"""

from __future__ import annotations

import errno
import signal
import time
from pathlib import Path

from hostward.errors import CollectError, PermissionProblem, ProcessGone
from hostward.frozen import frozen
from hostward.oom.pidsafe import PinnedProcess
from hostward.procfs import ProcFS

# A v1 "no limit" reads as PAGE_COUNTER_MAX * PAGE_SIZE (9223372036854771712 on x86_64).
V1_UNLIMITED_THRESHOLD = 1 << 62


@frozen
class MemoryCgroup:
    """A memory cgroup: its path inside the hierarchy and the directory that hierarchy is mounted at."""

    version: int  # 1 or 2
    mount: Path
    path: str  # "/process_api/abc" — as the kernel prints it in OOM reports

    @property
    def directory(self) -> Path:
        return self.mount / self.path.lstrip("/")

    def _file(self, v1: str, v2: str) -> Path:
        return self.directory / (v1 if self.version == 1 else v2)

    def limit_bytes(self) -> int | None:
        """The hard limit, or None for "max"/unlimited."""
        raw = _read(self._file("memory.limit_in_bytes", "memory.max"))
        if raw == "max":
            return None
        value = int(raw)
        return None if value >= V1_UNLIMITED_THRESHOLD else value

    def usage_bytes(self) -> int:
        return int(_read(self._file("memory.usage_in_bytes", "memory.current")))

    def oom_kills(self) -> int | None:
        """OOM kills counted by the kernel in this cgroup (v2 memory.events; v1 memory.oom_control since 4.13)."""
        text = _read(self._file("memory.oom_control", "memory.events"))
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return None

    def set_limit(self, limit_bytes: int) -> None:
        _write(self._file("memory.limit_in_bytes", "memory.max"), str(limit_bytes))
        if self.version == 2:
            swap = self.directory / "memory.swap.max"
            if swap.exists():
                _write(swap, "0")  # the limit means RAM: no escape into swap

    def add_process(self, pid: int) -> None:
        _write(self.directory / "cgroup.procs", str(pid))

    def pids(self) -> list[int]:
        try:
            text = _read(self.directory / "cgroup.procs")
        except CollectError:
            return []
        return [int(x) for x in text.split()]

    def kill_member(self, pid: int, procfs: ProcFS | None = None) -> bool:
        """SIGKILL ``pid`` if it is (still) in this cgroup; False when it exited or is now someone else.

        The pid was read from cgroup.procs a moment ago; it may have exited and been reused since. The signal
        goes through a /proc/PID descriptor whose cgroup is checked first (oom/pidsafe.py), never ``kill(pid)``.
        """
        try:
            with PinnedProcess(procfs or ProcFS(), pid) as proc:
                v1, v2 = parse_proc_cgroup(proc.read("cgroup"))
                if (v1 if self.version == 1 else v2) != self.path:
                    return False
                proc.send_signal(signal.SIGKILL)
                return True
        except ProcessGone:
            return False
        except (CollectError, PermissionProblem) as exc:
            raise CollectError(f"cannot kill pid {pid} in memory cgroup {self.path}: {exc}") from exc

    def child(self, name: str) -> MemoryCgroup:
        if "/" in name or name in ("", ".", ".."):
            raise ValueError(f"not a cgroup name: {name!r}")
        return MemoryCgroup(self.version, self.mount, f"{self.path.rstrip('/')}/{name}")

    def create(self) -> None:
        try:
            self.directory.mkdir()
        except PermissionError as exc:
            raise PermissionProblem(f"cannot create memory cgroup {self.directory}: {exc.strerror}") from exc
        except OSError as exc:
            raise CollectError(f"cannot create memory cgroup {self.directory}: {exc.strerror}") from exc

    def destroy(self, timeout_seconds: float = 5.0) -> None:
        """SIGKILL everything inside, wait until empty, rmdir. Safe to call on a cgroup that is already gone."""
        if not self.directory.exists():
            return
        deadline = time.monotonic() + timeout_seconds
        while True:
            for pid in self.pids():
                self.kill_member(pid)
            try:
                self.directory.rmdir()
                return
            except OSError as exc:
                if exc.errno == errno.ENOENT:
                    return
                if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise CollectError(
                        f"cannot remove memory cgroup {self.directory}: {exc.strerror}"
                    ) from exc
            time.sleep(0.02)


def parse_proc_cgroup(text: str) -> tuple[str | None, str | None]:
    """(v1 memory path, v2 path) from /proc/PID/cgroup text; either may be None."""
    v1 = v2 = None
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if "memory" in controllers.split(","):
            v1 = path
        elif parts[0] == "0" and controllers == "":
            v2 = path
    return v1, v2


def find_mounts(mounts_text: str) -> tuple[Path | None, Path | None]:
    """(v1 memory mount, cgroup2 mount) from /proc/self/mounts text."""
    v1 = v2 = None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        mount, fstype, options = fields[1], fields[2], fields[3].split(",")
        if fstype == "cgroup" and "memory" in options and v1 is None:
            v1 = Path(mount)
        elif fstype == "cgroup2" and v2 is None:
            v2 = Path(mount)
    return v1, v2


def v2_has_memory(mount: Path) -> bool:
    try:
        return "memory" in (mount / "cgroup.controllers").read_text().split()
    except OSError:
        return False


def memory_cgroup_of(pid: int | str, procfs: ProcFS | None = None) -> MemoryCgroup | None:
    """The memory cgroup of a process (``"self"`` works): v1 if the memory controller is there, else v2 when it
    has the memory controller, else None. Raises ProcessGone if the process exits."""
    procfs = procfs or ProcFS()
    text = procfs.read("self/cgroup") if pid == "self" else procfs.read_pid(int(pid), "cgroup")
    v1_path, v2_path = parse_proc_cgroup(text)
    v1_mount, v2_mount = find_mounts(procfs.read("self/mounts"))
    if v1_path is not None and v1_mount is not None:
        return MemoryCgroup(1, v1_mount, v1_path)
    if v2_path is not None and v2_mount is not None and v2_has_memory(v2_mount):
        return MemoryCgroup(2, v2_mount, v2_path)
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise CollectError(f"cannot read {path}: {exc.strerror}") from exc


def _write(path: Path, value: str) -> None:
    try:
        with open(path, "w") as handle:
            handle.write(value)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            raise ProcessGone(f"process {value} exited") from exc
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise PermissionProblem(f"cannot write {value} to {path}: {exc.strerror}") from exc
        raise CollectError(f"cannot write {value} to {path}: {exc.strerror}") from exc

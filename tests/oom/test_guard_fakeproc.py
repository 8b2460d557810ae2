"""A fixture /proc tree builder for victim selection and guard tests (no tests here).

Processes are described by FakeProc; ``real_pid`` processes map to live helper processes this test started, so
the guard's pidfd signals can only ever reach those. Everything else (PID 1, kernel threads, big strangers)
exists only as files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hostward.errors import CollectError, ProcessGone
from hostward.procfs import ProcFS

PAGE = 4096


@dataclass
class FakeProc:
    pid: int
    comm: str
    rss_kb: int
    cmdline: tuple[str, ...] = ()
    uid: int = 0
    adj: int = 0
    kthread: bool = False
    start_ticks: int = 1000
    cgroup: str = "/"


def stat_line(p: FakeProc) -> str:
    flags = 0x00200000 if p.kthread else 0x400100
    rest = [
        "S",
        "1",
        str(p.pid),
        str(p.pid),
        "0",
        "-1",
        str(flags),
        "0",
        "0",
        "0",
        "0",
        "5",
        "3",
        "0",
        "0",
        "20",
        "0",
    ]
    rest += ["1", "0", str(p.start_ticks), str(p.rss_kb * 1024 * 2), str(p.rss_kb // 4)]
    rest += ["0"] * 30
    return f"{p.pid} ({p.comm}) " + " ".join(rest) + "\n"


def status_text(p: FakeProc) -> str:
    lines = [f"Name:\t{p.comm}", f"Tgid:\t{p.pid}", f"Uid:\t{p.uid}\t{p.uid}\t{p.uid}\t{p.uid}"]
    lines.append(f"Kthread:\t{1 if p.kthread else 0}")
    if not p.kthread:
        lines += [
            f"VmSize:\t{p.rss_kb * 2} kB",
            f"VmRSS:\t{p.rss_kb} kB",
            f"RssAnon:\t{p.rss_kb} kB",
            "RssFile:\t0 kB",
            "RssShmem:\t0 kB",
            "VmPTE:\t40 kB",
            "VmSwap:\t0 kB",
        ]
    lines += ["CapEff:\t0000000000000000", "Threads:\t1"]
    return "\n".join(lines) + "\n"


def build_proc(root: Path, procs: list[FakeProc], *, mem_total_kb: int = 4 * 1024 * 1024) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "meminfo").write_text(
        f"MemTotal: {mem_total_kb} kB\nMemFree: {mem_total_kb // 2} kB\nMemAvailable: {mem_total_kb // 2} kB\n"
        "SwapTotal: 0 kB\nSwapFree: 0 kB\n"
    )
    (root / "sys" / "kernel").mkdir(parents=True, exist_ok=True)
    (root / "sys" / "kernel" / "osrelease").write_text("6.18.44\n")
    (root / "self").mkdir(exist_ok=True)
    (root / "self" / "status").write_text("Name:\tpytest\nNSpid:\t100\n")
    for p in procs:
        write_proc(root, p)
    return root


def write_proc(root: Path, p: FakeProc) -> None:
    d = root / str(p.pid)
    d.mkdir(exist_ok=True)
    (d / "stat").write_text(stat_line(p))
    (d / "status").write_text(status_text(p))
    (d / "oom_score_adj").write_text(f"{p.adj}\n")
    (d / "oom_score").write_text("0\n")
    (d / "cmdline").write_bytes(b"".join(a.encode() + b"\0" for a in p.cmdline))
    (d / "cgroup").write_text(f"4:memory:{p.cgroup}\n0::/\n")


class FlakyProcFS(ProcFS):
    """A ProcFS whose reads fail on purpose: ``gone`` pids exit mid-read, ``broken`` pids return EIO-like errors,
    and listing /proc fails ``list_failures`` times."""

    def __init__(self, proc: Path, gone: set[int], broken: set[int], list_failures: int = 0) -> None:
        super().__init__(proc=proc)
        object.__setattr__(self, "_gone", gone)
        object.__setattr__(self, "_broken", broken)
        object.__setattr__(self, "_list_failures", [list_failures])

    def read_pid(self, pid: int, name: str) -> str:
        if pid in self._gone and name == "status":  # type: ignore[attr-defined]
            raise ProcessGone(f"process {pid} exited")
        if pid in self._broken:  # type: ignore[attr-defined]
            raise CollectError(f"cannot read /proc/{pid}/{name}: Input/output error")
        return super().read_pid(pid, name)

    def pids(self) -> list[int]:
        left = self._list_failures  # type: ignore[attr-defined]
        if left[0] > 0:
            left[0] -= 1
            raise CollectError("cannot list /proc: Input/output error")
        return super().pids()

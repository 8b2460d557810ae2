from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from hostward.collect.host import HostInfo
from hostward.collect.procs import ProcessInfo
from hostward.collect.sample import SystemSample, sample_system
from hostward.procfs import ProcFS

PROC_TREES = Path(__file__).parent.parent / "fixtures" / "proc"
# 2026-11-27 10:00:00 UTC; tests that care about local days set TZ themselves.
T0 = 1795773600.0
HOST = HostInfo("Linux", "6.18.0-test", "fixture-host", "x86_64", 2)


def base_sample(tree: str = "debian12-vm") -> SystemSample:
    procfs = ProcFS(proc=PROC_TREES / tree / "proc", sys=PROC_TREES / tree / "sys")
    return sample_system(procfs, clock=lambda: T0)


def evolve(sample: SystemSample, i: int, step: float = 10.0) -> SystemSample:
    """The i-th sample after ``sample``: every kind of value moves a little, as on a busy host."""
    cpu = sample.cpu
    all_times = cpu.all._replace(user=cpu.all.user + 13 * i, idle=cpu.all.idle + 1987 * i)
    per_cpu = tuple(
        None if c is None else c._replace(user=c.user + 7 * i, system=c.system + 3 * i) for c in cpu.per_cpu
    )
    return dataclasses.replace(
        sample,
        timestamp=sample.timestamp + step * i + 0.000123 * (i % 7),
        uptime_seconds=round(sample.uptime_seconds + step * i + 0.01 * (i % 3), 2),
        cpu=dataclasses.replace(
            cpu,
            all=all_times,
            per_cpu=per_cpu,
            context_switches=cpu.context_switches + 1234 * i,
            forks=cpu.forks + i,
        ),
        load=dataclasses.replace(sample.load, load1=round(0.01 * (i % 150), 2), runnable=1 + i % 3),
        memory=dataclasses.replace(sample.memory, mem_free_kb=sample.memory.mem_free_kb - 4 * (i % 50)),
        disks=tuple(
            dataclasses.replace(d, read_ios=d.read_ios + i * (k + 1)) for k, d in enumerate(sample.disks)
        ),
        nets=tuple(dataclasses.replace(n, rx_bytes=n.rx_bytes + 1500 * i) for n in sample.nets),
    )


def series(n: int, start: int = 0, tree: str = "debian12-vm", step: float = 10.0) -> list[SystemSample]:
    base = base_sample(tree)
    return [evolve(base, i, step) for i in range(start, start + n)]


@pytest.fixture
def make_series() -> Callable[..., list[SystemSample]]:
    return series


def process(
    pid: int, rss_mb: int, *, cmdline: tuple[str, ...] = ("/usr/bin/app", "--serve"), start: int = 1000
) -> ProcessInfo:
    return ProcessInfo(
        pid=pid,
        ppid=1,
        comm=cmdline[0].rsplit("/", 1)[-1][:15] if cmdline else "kworker",
        state="S",
        cmdline=cmdline,
        uid=0 if pid < 100 else 1000,
        user="root" if pid < 100 else "app",
        kernel_thread=False,
        has_mm=True,
        rss_bytes=rss_mb << 20,
        swap_bytes=0,
        pgtables_bytes=(rss_mb << 20) // 512,
        vm_size_bytes=(rss_mb << 20) * 3,
        oom_score_adj=0 if pid % 2 else -500,
        oom_score=None if pid == 13 else 666 + rss_mb // 36,
        start_ticks=start,
        cap_sys_admin=pid < 100,
        cap_sys_resource=False,
    )


def with_processes(samples: list[SystemSample]) -> list[SystemSample]:
    """Attach a top-processes list that evolves: memory grows, a command line changes (setproctitle), a
    process exits and its pid is reused by another, one has no oom_score."""
    out = []
    for i, sample in enumerate(samples):
        top = [
            process(4242, 900 + 3 * i, cmdline=("/usr/bin/postgres", "-D", "/var/lib/pg")),
            process(13, 300, cmdline=("nginx: master process",) if i < 5 else ("nginx: worker process",)),
            process(77, 120 - i % 4, cmdline=("/usr/bin/ünïcode", "arg with spaces", "\udcff-not-utf8")),
        ]
        if i < 8:
            top.append(process(500, 50, start=2000))
        elif i >= 10:
            top.append(process(500, 60, cmdline=("/bin/reused-pid",), start=9000))
        out.append(dataclasses.replace(sample, top_processes=tuple(sorted(top, key=lambda p: -p.rss_bytes))))
    return out

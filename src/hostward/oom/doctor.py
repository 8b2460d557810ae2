"""``hostward oom doctor``: how this host will behave when memory runs out, and what to change.

Sysctls are documented in Documentation/admin-guide/sysctl/vm.rst; kdump in Documentation/admin-guide/kdump/.
"""

from __future__ import annotations

import enum

from hostward.collect.procs import ProcessInfo, sample_processes, top_by_rss
from hostward.digits import is_digits
from hostward.errors import CollectError, ProcessGone
from hostward.frozen import frozen
from hostward.oom.drill.stale import stale_drill_cgroups
from hostward.oom.guard.cgroup import memory_cgroup_of
from hostward.oom.kernlog.sanitize import safe_text
from hostward.oom.sizes import human_kb
from hostward.procfs import ProcFS

# Daemons for which -1000 is the usual, deliberate choice (they are small and their loss locks people out).
EXPECTED_UNKILLABLE = frozenset(
    {"sshd", "systemd", "systemd-udevd", "udevd", "dbus-daemon", "auditd", "init"}
)


class Level(enum.Enum):
    OK = "ok"
    INFO = "info"
    WARN = "warn"
    BAD = "bad"


@frozen
class Finding:
    check: str
    value: str
    level: Level
    meaning: str
    recommendation: str


def _sysctl(procfs: ProcFS, name: str) -> str | None:
    text = procfs.read_optional("sys/vm/" + name)
    return text.strip() if text is not None else None


def _meminfo_kb(procfs: ProcFS) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in procfs.read("meminfo").splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and is_digits(parts[0]):
            values[key] = int(parts[0])
    return values


def check_sysctls(procfs: ProcFS, mem: dict[str, int]) -> list[Finding]:
    out: list[Finding] = []
    panic = _sysctl(procfs, "panic_on_oom")
    if panic is not None:
        level = Level.OK if panic == "0" else Level.BAD
        meaning = {
            "0": "the OOM killer kills a process; the host stays up",
            "1": "a system-wide OOM panics the kernel (memory-cgroup and cpuset OOMs still kill)",
            "2": "every OOM, even inside a memory cgroup, panics the kernel",
        }.get(panic, "unknown value")
        rec = (
            "keep 0"
            if panic == "0"
            else (
                "set vm.panic_on_oom=0 unless this node is fenced and rebooted on "
                "purpose by a cluster manager; then make sure kdump works"
            )
        )
        out.append(Finding("vm.panic_on_oom", panic, level, meaning, rec))
    alloc = _sysctl(procfs, "oom_kill_allocating_task")
    if alloc is not None:
        ok = alloc == "0"
        out.append(
            Finding(
                "vm.oom_kill_allocating_task",
                alloc,
                Level.OK if ok else Level.WARN,
                "the biggest process by badness is killed"
                if ok
                else "the task that happened to allocate is killed, not the biggest: cheap on huge hosts, often the "
                "wrong victim",
                "keep 0" if ok else "set 0 unless scanning the task list is really too slow here",
            )
        )
    over = _sysctl(procfs, "overcommit_memory")
    ratio = _sysctl(procfs, "overcommit_ratio")
    kbytes = _sysctl(procfs, "overcommit_kbytes")
    if over is not None:
        if over == "2":
            limit, committed = mem.get("CommitLimit", 0), mem.get("Committed_AS", 0)
            level = Level.WARN if committed > 0.9 * limit else Level.INFO
            extra = (
                f"overcommit_kbytes={kbytes}" if kbytes not in (None, "0") else f"overcommit_ratio={ratio}"
            )
            out.append(
                Finding(
                    "vm.overcommit_memory",
                    f"2 ({extra})",
                    level,
                    f"strict accounting: allocations fail (ENOMEM) beyond CommitLimit {human_kb(limit)} = swap + "
                    f"RAM x ratio; committed now {human_kb(committed)}. The OOM killer rarely runs; programs see "
                    "failed mallocs instead",
                    "with no swap a ratio of 50 makes half of RAM unusable: size overcommit_ratio (or _kbytes) to "
                    "RAM you really want to hand out",
                )
            )
        else:
            out.append(
                Finding(
                    "vm.overcommit_memory",
                    over,
                    Level.INFO if over == "0" else Level.WARN,
                    "heuristic overcommit (default): obvious overcommits are refused, the rest is left to the OOM "
                    "killer"
                    if over == "0"
                    else "always overcommit: every allocation succeeds; the OOM killer is the only brake",
                    "fine for most hosts"
                    if over == "0"
                    else "use 0 unless a workload (e.g. Redis fork snapshots) needs 1",
                )
            )
    dump = _sysctl(procfs, "oom_dump_tasks")
    if dump is not None:
        out.append(
            Finding(
                "vm.oom_dump_tasks",
                dump,
                Level.OK if dump != "0" else Level.WARN,
                "OOM reports include the task table (who used how much)"
                if dump != "0"
                else "OOM reports omit the task table: hostward oom report cannot name the top consumers",
                "keep 1"
                if dump != "0"
                else "set vm.oom_dump_tasks=1 (the default) unless there are >100k tasks",
            )
        )
    return out


def check_swap(procfs: ProcFS, mem: dict[str, int]) -> Finding:
    total = mem.get("SwapTotal", 0)
    if total == 0:
        return Finding(
            "swap",
            "none",
            Level.INFO,
            "no swap: cold anonymous pages cannot leave RAM, so the page cache is squeezed first and "
            "the OOM killer comes sooner and with less warning",
            "consider a small swap device or zram; or accept it and rely on an early guard "
            "(hostward guard / earlyoom) with PSI",
        )
    free = mem.get("SwapFree", 0)
    level = Level.WARN if free < total * 0.1 else Level.OK
    return Finding(
        "swap",
        f"{human_kb(total)} ({human_kb(free)} free)",
        level,
        "swap is configured",
        "watch swap-in rates (hostward sar -W): thrashing is worse than a kill",
    )


def check_cgroup_limits(
    procfs: ProcFS, processes: list[ProcessInfo], ram_kb: int, count: int = 5
) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()  # one finding per cgroup: its limit applies to all the big processes in it
    for proc in top_by_rss([p for p in processes if p.has_mm], count):
        try:
            cg = memory_cgroup_of(proc.pid, procfs)
            limit = cg.limit_bytes() if cg is not None else None
        except (ProcessGone, CollectError, ValueError):
            continue
        if cg is not None:
            if cg.path in seen:
                continue
            seen.add(cg.path)
        name = f"pid {proc.pid} {safe_text(proc.comm)}"
        if cg is None:
            out.append(
                Finding(
                    f"memcg of {name}",
                    "no memory controller",
                    Level.INFO,
                    "memory cgroups are not available: nothing caps a single service",
                    "enable the memory controller (cgroup v2: +memory in cgroup.subtree_control)",
                )
            )
            continue
        rss = human_kb(proc.rss_bytes / 1024)
        if limit is None:
            out.append(
                Finding(
                    f"memcg of {name}",
                    f"{safe_text(cg.path)}: unlimited (this process holds {rss})",
                    Level.INFO,
                    "this consumer can take all of the host's memory; a leak becomes a host-wide OOM",
                    "give the service a limit (systemd MemoryMax=/MemoryHigh=, or memory.max) a bit "
                    "above its normal peak",
                )
            )
        else:
            # The limit is on the whole cgroup: compare its usage (every task, page cache included), not this
            # one process's RSS, which may be a small part of it.
            try:
                usage = cg.usage_bytes()
            except (CollectError, ValueError):
                usage = proc.rss_bytes
            used = usage / limit if limit else 1.0
            level = Level.WARN if used > 0.9 else Level.OK
            out.append(
                Finding(
                    f"memcg of {name}",
                    f"{safe_text(cg.path)}: limit {human_kb(limit / 1024)}, the cgroup uses "
                    f"{human_kb(usage / 1024)} ({used:.0%}); this process holds {rss}",
                    level,
                    "an overrun kills inside this cgroup only (CONSTRAINT_MEMCG)",
                    "raise the limit if it runs close to it normally" if level is Level.WARN else "fine",
                )
            )
    return out


def check_kdump(procfs: ProcFS) -> Finding:
    loaded = procfs.read_sys_optional("kernel/kexec_crash_loaded")
    size = procfs.read_sys_optional("kernel/kexec_crash_size")
    cmdline = procfs.read_optional("cmdline") or ""
    reserved = "crashkernel=" in cmdline
    import shutil  # noqa: PLC0415  (bz2 and lzma come with it: only this check needs it)

    tools = shutil.which("kdump-config") or shutil.which("kdumpctl")
    if loaded is None:
        return Finding(
            "kdump",
            "not supported by this kernel",
            Level.INFO,
            "no /sys/kernel/kexec_crash_loaded: the kernel lacks CONFIG_CRASH_DUMP; a panic after OOM "
            "(panic_on_oom) leaves only the console log",
            "if panics matter here, use a kernel with kexec/crash dump support",
        )
    if loaded.strip() == "1":
        return Finding("kdump", "crash kernel loaded", Level.OK, "a panic writes a vmcore", "fine")
    detail = (
        f"crashkernel= {'set' if reserved else 'missing'}, reserved {size.strip() if size else '?'} bytes, "
        f"tools {'installed' if tools else 'not installed'}"
    )
    return Finding(
        "kdump",
        f"not armed ({detail})",
        Level.WARN if _panics(procfs) else Level.INFO,
        "a kernel panic (after OOM with panic_on_oom) leaves no vmcore",
        "install kdump-tools, add crashkernel=256M (or auto) to the kernel command line, reboot",
    )


def _panics(procfs: ProcFS) -> bool:
    return _sysctl(procfs, "panic_on_oom") not in (None, "0")


def check_unkillable(processes: list[ProcessInfo], ram_kb: int) -> list[Finding]:
    out: list[Finding] = []
    for proc in processes:
        if proc.oom_score_adj != -1000 or not proc.has_mm:
            continue
        name = safe_text(proc.comm)
        big = proc.rss_bytes / 1024 > max(ram_kb * 0.05, 256 * 1024)
        expected = proc.comm in EXPECTED_UNKILLABLE
        if expected and not big:
            level, rec = Level.OK, "fine: small and essential"
        elif big:
            level, rec = (
                Level.BAD,
                (
                    "it is large: if it leaks, the kernel must kill everything else first and "
                    "may panic with nothing left to kill; use -900 or a memory limit instead"
                ),
            )
        else:
            level, rec = Level.WARN, "make sure this is deliberate; prefer a negative value above -1000"
        out.append(
            Finding(
                f"oom_score_adj -1000: pid {proc.pid} {name}",
                f"rss {human_kb(proc.rss_bytes / 1024)}",
                level,
                "the OOM killer will never choose it",
                rec,
            )
        )
    return out


def check_stale_drills(procfs: ProcFS) -> list[Finding]:
    """Drill cgroups whose drill was killed (SIGKILL) before it could remove them."""
    own = memory_cgroup_of("self", procfs)
    stale = stale_drill_cgroups(own, procfs) if own is not None else []
    if not stale:
        return []
    paths = ", ".join(safe_text(cg.path) for cg in stale[:5]) + (" ..." if len(stale) > 5 else "")
    return [
        Finding(
            "stale drill cgroups",
            f"{len(stale)}: {paths}",
            Level.WARN,
            "left by `hostward oom drill` runs that were killed; a hog may still hold memory in them",
            "the next `hostward oom drill` removes them; or kill their processes and rmdir them",
        )
    ]


def diagnose(procfs: ProcFS | None = None) -> list[Finding]:
    procfs = procfs or ProcFS()
    mem = _meminfo_kb(procfs)
    processes = sample_processes(procfs, with_cmdline=False, with_score=False)
    ram_kb = mem.get("MemTotal", 0)
    findings = check_sysctls(procfs, mem)
    findings.append(check_swap(procfs, mem))
    findings.extend(check_cgroup_limits(procfs, processes, ram_kb))
    findings.append(check_kdump(procfs))
    findings.extend(check_unkillable(processes, ram_kb))
    findings.extend(check_stale_drills(procfs))
    if not any(f.check.startswith("oom_score_adj -1000") for f in findings):
        findings.append(
            Finding(
                "oom_score_adj -1000",
                "none",
                Level.INFO,
                "no process is exempt from the OOM killer",
                "protect sshd (hostward oom protect) so a bad day does not also lock you out",
            )
        )
    return findings

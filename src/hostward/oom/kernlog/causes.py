"""Why an OOM happened, beyond "memory ran out": the causes an administrator has to act on differently.

Each check reads only figures the report printed (Mem-Info pages, memcg usage and memory.stat, the task table,
the victim's kill line) and, when it recognises its cause, gives the figures, what they mean and a next step:

* unreclaimable slab dominating RAM: kernel memory (a driver or subsystem leak); the victim was collateral;
* shmem/tmpfs holding the memory: files in tmpfs or System V/POSIX shared memory, which no kill frees;
* huge pages reserved (the hugetlb pool): RAM no ordinary allocation can use;
* dirty/writeback page cache in a memcg with little anon: reclaim could not write it back in time;
* swap free but unused (as opposed to absent or exhausted): anon pages could not go there;
* a kill while the cgroup's usage was already below its limit: premature (a kill racing a previous one);
* the victim against the top consumers: the leak itself, or a bystander chosen for its oom_score_adj;
* a kill storm ending in a panic, naming the driver that drove it when the trigger is one (a balloon driver).

Sizes are shown as the report shows them (oom/sizes.py), Mem-Info and task-table pages counted as PAGE_KB.
"""

from __future__ import annotations

from hostward.oom.kernlog.oomevent import OomEvent
from hostward.oom.kernlog.sanitize import safe_text
from hostward.oom.sizes import PAGE_KB, human_kb

SLAB_SHARE = 0.30  # unreclaimable slab above this share of RAM (or of the memcg usage) is the story
SHMEM_SHARE = 0.30  # Mem-Info shmem above this share of RAM
HUGEPAGES_SHARE = 0.25  # hugetlb pool above this share of RAM
VICTIM_SHMEM_SHARE = 0.5  # the victim's resident memory that is shmem
DIRTY_SHARE = 0.5  # memcg file_dirty + file_writeback against usage
ANON_LOW_SHARE = 0.3
SWAP_UNUSED_SHARE = 0.5  # free swap above this share of total swap at a global OOM: swap was not used
PREMATURE_SHARE = 0.9  # memcg usage below this share of the limit at the kill
BYSTANDER_RATIO = 2.0  # the top consumer held at least this many times the victim's memory
BALLOON_NAMES = ("balloon", "vmw_balloon", "vmmemctl", "hv_balloon")


class Diagnosis:
    """What the checks found, filled in by each of them in turn (plain mutable state)."""

    __slots__ = ("findings", "headline", "not_capacity", "not_process", "steps")

    def __init__(self) -> None:
        self.findings: list[str] = []
        self.steps: list[str] = []
        self.headline: str | None = None  # replaces the summary when one cause explains the event
        self.not_capacity = False  # "add memory" would be the wrong advice
        self.not_process = False  # no process's growth explains it (kernel memory, tmpfs)


def diagnose(event: OomEvent, *, repeated: int = 1) -> Diagnosis:
    d = Diagnosis()
    for check in (_slab, _shmem, _hugepages, _dirty, _swap, _premature, _bystander, _storm):
        check(event, d, repeated)
    return d


def _ram_kb(event: OomEvent) -> int | None:
    mi = event.meminfo
    return mi.ram_pages * PAGE_KB if mi is not None and mi.ram_pages else None


def _slab(event: OomEvent, d: Diagnosis, _repeated: int) -> None:
    mi, memcg = event.meminfo, event.memcg
    if event.scope == "memcg" and memcg is not None and memcg.usage_kb:
        slab = memcg.stats.get("slab_unreclaimable")
        if slab is not None and slab / 1024 > SLAB_SHARE * memcg.usage_kb:
            share = slab / 1024 / memcg.usage_kb
            d.findings.append(
                f"unreclaimable slab was {human_kb(slab / 1024)} ({share:.0%} of the cgroup's "
                f"{human_kb(memcg.usage_kb)}): kernel objects charged to the cgroup, not process memory"
            )
            d.steps.append(
                "find the growing slab cache (/sys/fs/cgroup/<cgroup>/memory.stat, slabtop -s c): dentries and "
                "inodes of many small files, sockets, or a kernel leak"
            )
            d.not_capacity = True
        return
    ram = _ram_kb(event)
    if mi is None or ram is None or "slab_unreclaimable" not in mi.values:
        return
    slab_kb = mi.values["slab_unreclaimable"] * PAGE_KB
    if slab_kb <= SLAB_SHARE * ram:
        return
    victim = event.victims[0] if event.victims else None
    d.headline = (
        f"Kernel memory (unreclaimable slab, {human_kb(slab_kb)} = {slab_kb / ram:.0%} of RAM) filled the host: a "
        "kernel-side leak, not a process."
    )
    d.findings.append(
        f"unreclaimable slab {human_kb(slab_kb)} against {human_kb(ram)} of RAM ({slab_kb / ram:.0%})"
        + (
            f"; {safe_text(victim.comm)} (pid {victim.pid}) was collateral: killing it freed little"
            if victim
            else ""
        )
    )
    d.steps.append(
        "look at what grows: slabtop -s c (or sort /proc/slabinfo by size); a driver or filesystem cache that "
        "only grows is a kernel leak: kmemleak (CONFIG_DEBUG_KMEMLEAK) or a kernel/driver update"
    )
    d.not_capacity = d.not_process = True


def _shmem(event: OomEvent, d: Diagnosis, _repeated: int) -> None:
    victim = event.victims[0] if event.victims else None
    ram = _ram_kb(event)
    mi = event.meminfo
    figures: list[str] = []
    if mi is not None and ram and "shmem" in mi.values and mi.values["shmem"] * PAGE_KB > SHMEM_SHARE * ram:
        figures.append(
            f"Shmem was {human_kb(mi.values['shmem'] * PAGE_KB)} ({mi.values['shmem'] * PAGE_KB / ram:.0%} of RAM)"
        )
    if event.scope == "memcg" and event.memcg is not None and event.memcg.usage_kb:
        shmem = event.memcg.stats.get("shmem")
        if shmem is not None and shmem / 1024 > SHMEM_SHARE * event.memcg.usage_kb:
            figures.append(
                f"the cgroup's shmem was {human_kb(shmem / 1024)} of {human_kb(event.memcg.usage_kb)}"
            )
    if (
        victim is not None
        and victim.shmem_rss_kb
        and victim.rss_kb
        and victim.shmem_rss_kb > VICTIM_SHMEM_SHARE * victim.rss_kb
    ):
        figures.append(
            f"{safe_text(victim.comm)} had shmem-rss {human_kb(victim.shmem_rss_kb)} of its "
            f"{human_kb(victim.rss_kb)} resident"
        )
    if not figures:
        return
    d.findings.append(
        "; ".join(figures) + ": the memory is held by tmpfs files or shared memory segments, which killing a "
        "process does not free"
    )
    d.steps.append(
        "find what holds it: df -h -t tmpfs (files in /dev/shm, /run, /tmp on tmpfs), ipcs -m; remove stale "
        "files or segments and give tmpfs mounts a size= limit"
    )
    d.not_capacity = d.not_process = True
    if d.headline is None:
        d.headline = "Shared memory or tmpfs files held the memory; the killed process was not the leak."


def _hugepages(event: OomEvent, d: Diagnosis, _repeated: int) -> None:
    mi, ram = event.meminfo, _ram_kb(event)
    if event.scope != "global" or mi is None or not ram or mi.hugepages_kb <= HUGEPAGES_SHARE * ram:
        return
    d.findings.append(
        f"{human_kb(mi.hugepages_kb)} ({mi.hugepages_kb / ram:.0%} of RAM) was reserved as huge pages, "
        f"{human_kb(mi.hugepages_free_kb)} of it unused: hugetlb memory serves only programs that map it and is "
        "never reclaimed for anything else"
    )
    d.steps.append(
        "size the huge page pool to what its users map (vm.nr_hugepages, HugePages_Free in /proc/meminfo); "
        "a pool reserved for a database that is not running is lost RAM"
    )
    d.not_capacity = True


def _dirty(event: OomEvent, d: Diagnosis, _repeated: int) -> None:
    memcg = event.memcg
    if event.scope != "memcg" or memcg is None or not memcg.usage_kb:
        return
    st = memcg.stats
    dirty = st.get("file_dirty", st.get("dirty"))
    if dirty is None:
        return
    dirty += st.get("file_writeback", st.get("writeback", 0))
    anon = st.get("anon", st.get("rss", 0))
    usage = memcg.usage_kb * 1024
    if dirty > DIRTY_SHARE * usage and anon < ANON_LOW_SHARE * usage:
        d.findings.append(
            f"dirty and writeback page cache was {human_kb(dirty / 1024)} of the cgroup's "
            f"{human_kb(memcg.usage_kb)}, anon only {human_kb(anon / 1024)}: reclaim could not write the cache back "
            "fast enough, the kill was premature"
        )
        d.steps.append(
            "lower vm.dirty_ratio/vm.dirty_bytes (or the cgroup's writeback share) so dirty pages are written "
            "earlier, and check the device's write speed; more memory would only delay it"
        )
        d.not_capacity = True


def _swap(event: OomEvent, d: Diagnosis, _repeated: int) -> None:
    mi = event.meminfo
    if event.scope != "global" or mi is None or not mi.total_swap_kb or mi.free_swap_kb is None:
        return
    if mi.free_swap_kb > SWAP_UNUSED_SHARE * mi.total_swap_kb:
        d.findings.append(
            f"swap was free but unused ({human_kb(mi.free_swap_kb)} free of {human_kb(mi.total_swap_kb)}): the "
            "memory could not be swapped (mlocked or hugetlb memory, shmem with swap limits, vm.swappiness 0 with "
            "cgroup swap limits) or the allocation could not wait for swap-out"
        )
        d.steps.append(
            "check what is unswappable: Mlocked and Unevictable in /proc/meminfo, hugepages (HugePages_Total), "
            "memory.swap.max / memory.memsw.limit_in_bytes of the cgroups"
        )


def _premature(event: OomEvent, d: Diagnosis, _repeated: int) -> None:
    memcg = event.memcg
    if event.scope != "memcg" or memcg is None or not memcg.limit_kb or memcg.usage_kb is None:
        return
    swap_full = (
        memcg.swap_limit_kb  # v1 memory+swap limit above the memory limit (0 or None: no swap allowed)
        and memcg.swap_usage_kb is not None
        and memcg.swap_usage_kb >= PREMATURE_SHARE * memcg.swap_limit_kb
    )
    if memcg.usage_kb < PREMATURE_SHARE * memcg.limit_kb and not swap_full:
        d.headline = (
            f"Memory cgroup {safe_text(event.oom_memcg or event.task_memcg or '?')} was at "
            f"{human_kb(memcg.usage_kb)} of its {human_kb(memcg.limit_kb)} limit when the kill came: a premature kill."
        )
        d.findings.append(
            f"usage {human_kb(memcg.usage_kb)} was {memcg.usage_kb / memcg.limit_kb:.0%} of the limit: memory had "
            "already been freed (a previous victim exiting, or reclaim racing the OOM decision) when this kill "
            "was chosen"
        )
        d.steps.append(
            "on kernels before 5.x repeated memcg kills in a burst are a known race; update the kernel, and "
            "leave headroom (memory.high below memory.max) so the cgroup is throttled before it is killed"
        )
        d.not_capacity = True


def _bystander(event: OomEvent, d: Diagnosis, _repeated: int) -> None:
    if not event.victims or not event.tasks:
        return
    victim = event.victims[0]
    row = next((r for r in event.tasks if r.pid == victim.pid), None)
    victim_kb = victim.rss_kb if victim.rss_kb is not None else (row.rss_pages * PAGE_KB if row else None)
    top = max(event.tasks, key=lambda r: (r.rss_pages + (r.swap_pages or 0), -r.pid))
    top_kb = (top.rss_pages + (top.swap_pages or 0)) * PAGE_KB
    if victim_kb is None or top.pid == victim.pid:
        if victim_kb and top.pid == victim.pid:
            d.findings.append(
                f"{safe_text(victim.comm)} was the largest process in the task table: the kernel took the "
                "biggest consumer, as designed"
            )
        return
    if top_kb >= BYSTANDER_RATIO * max(victim_kb, 1):
        adj = (
            victim.oom_score_adj if victim.oom_score_adj is not None else (row.oom_score_adj if row else None)
        )
        why = f" (its oom_score_adj {adj:+d} made it preferred)" if adj else ""
        d.findings.append(
            f"the victim {safe_text(victim.comm)} ({human_kb(victim_kb)}) was a bystander{why}: "
            f"{safe_text(top.name)} (pid {top.pid}) held {human_kb(top_kb)}"
        )
        d.steps.append(
            f"look at {safe_text(top.name)} first; give it a limit of its own, or lower the oom_score_adj "
            "that made the smaller process go first"
        )


def _storm(event: OomEvent, d: Diagnosis, repeated: int) -> None:
    if event.panic is None:
        return
    trigger = event.trigger.comm if event.trigger is not None else ""
    driver = next((name for name in BALLOON_NAMES if name in trigger.lower()), None)
    if repeated > 1:
        d.findings.append(
            f"this panic ended a storm of {repeated} OOM events: every kill freed too little for what kept "
            "allocating"
        )
    if driver is not None:
        d.findings.append(
            f"the allocations came from {safe_text(trigger)}, a memory balloon driver: the hypervisor was "
            "taking memory back from this guest"
        )
        d.steps.insert(0, "check the hypervisor's balloon target for this VM (over-committed host)")
        d.not_capacity = True

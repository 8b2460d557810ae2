"""Fields of one OOM report, read line by line: the Mem-Info block (swap, RAM, page cache, huge page pools, the
meminfo tokens), task table rows (whatever columns the kernel's era prints), the killed victim's tail
(``total-vm:...kB, anon-rss:...`` with UID and oom_score_adj) and the constraint a message implies. Split from
oomparse.py, which follows the report's structure across lines."""

from __future__ import annotations

import re

from hostward.oom.kernlog.oombuilder import EventBuilder
from hostward.oom.kernlog.oomevent import TaskRow, Victim

MAX_TASK_ROWS = 20000  # per event; a larger table is counted, not kept (constant memory on hostile input)
_MEMINFO_TOKEN = re.compile(r"\b([a-z_]+):(\d+)\b")
_FREE_SWAP = re.compile(r"^Free swap\s*=\s*(-?\d+)kB")
_TOTAL_SWAP = re.compile(r"^Total swap\s*=\s*(\d+)kB")
_PAGES_RAM = re.compile(r"^(\d+) pages RAM")
_HUGEPAGES = re.compile(
    r"hugepages_total=(\d+) hugepages_free=(\d+) hugepages_surp=\d+ hugepages_size=(\d+)kB"
)
_PAGECACHE = re.compile(r"^(\d+) total pagecache pages")
TAIL_KB = re.compile(r"(total-vm|vsz|anon-rss|file-rss|shmem-rss|pgtables):(\d+)kB")
_TAIL_UID = re.compile(r"UID:(\d+)")
_TAIL_ADJ = re.compile(r"oom_score_adj:(-?\d+)")
_MEMINFO_KEYS = frozenset(
    [
        "active_anon",
        "inactive_anon",
        "isolated_anon",
        "active_file",
        "inactive_file",
        "isolated_file",
        "unevictable",
        "dirty",
        "writeback",
        "unstable",
        "slab_reclaimable",
        "slab_unreclaimable",
        "mapped",
        "shmem",
        "pagetables",
        "bounce",
        "free",
        "free_pcp",
        "free_cma",
    ]
)
_NUMBER = re.compile(r"-?\d+")


def meminfo_line(ev: EventBuilder, msg: str) -> None:
    if m := _FREE_SWAP.match(msg):
        ev.free_swap_kb = int(m[1])
    elif m := _TOTAL_SWAP.match(msg):
        ev.total_swap_kb = int(m[1])
    elif m := _PAGES_RAM.match(msg):
        ev.ram_pages = int(m[1])
    elif m := _PAGECACHE.match(msg):
        ev.pagecache_pages = int(m[1])
    elif (huge := _HUGEPAGES.search(msg)) is not None:  # mm/show_mem.c show_hugetlb (per node and size)
        size_kb = int(huge[3])
        ev.hugepages_kb += int(huge[1]) * size_kb
        ev.hugepages_free_kb += int(huge[2]) * size_kb
    elif not msg.startswith(("Node ", "lowmem_reserve")):
        for key, value in _MEMINFO_TOKEN.findall(msg):
            if key in _MEMINFO_KEYS and key not in ev.meminfo:
                ev.meminfo[key] = int(value)


def task_row(ev: EventBuilder, pid_text: str, rest: str) -> None:
    columns = ev.columns or []
    numeric = columns[:-1]  # the last column is the name, which may contain spaces
    parts = rest.split(None, len(numeric))
    if len(parts) < len(numeric) or not all(_NUMBER.fullmatch(p) for p in parts[: len(numeric)]):
        return
    if len(ev.tasks) >= MAX_TASK_ROWS:
        ev.tasks_truncated += 1
        return
    values = dict(zip(numeric, (int(p) for p in parts[: len(numeric)]), strict=True))
    name = parts[len(numeric)] if len(parts) > len(numeric) else ""
    pgtables = values.get("pgtables_bytes")
    if pgtables is None and "nr_ptes" in values:
        pgtables = (values["nr_ptes"] + values.get("nr_pmds", 0)) * 4096
    ev.tasks.append(
        TaskRow(
            pid=int(pid_text),
            uid=values.get("uid"),
            tgid=values.get("tgid"),
            total_vm_pages=values.get("total_vm"),
            rss_pages=values.get("rss", 0),
            pgtables_bytes=pgtables,
            swap_pages=values.get("swapents"),
            oom_score_adj=values.get("oom_score_adj"),
            oom_adj=values.get("oom_adj"),
            name=name,
            rss_anon_pages=values.get("rss_anon"),
            rss_shmem_pages=values.get("rss_shmem"),
        )
    )


def infer_scope(ev: EventBuilder, message: str) -> None:
    if ev.constraint is not None:
        return
    lowered = message.lower()
    if "memory cgroup" in lowered:
        ev.constraint = "CONSTRAINT_MEMCG"
    elif "cpuset" in lowered:
        ev.constraint = "CONSTRAINT_CPUSET"
    elif "mpol_bind" in lowered:
        ev.constraint = "CONSTRAINT_MEMORY_POLICY"
    elif "out of memory" in lowered:
        ev.constraint = "CONSTRAINT_NONE"


def victim(pid: int, comm: str, tail: str, selected: Victim | None) -> Victim:
    kb = {k: int(v) for k, v in TAIL_KB.findall(tail)}
    uid = _TAIL_UID.search(tail)
    adj = _TAIL_ADJ.search(tail)
    return Victim(
        pid=pid,
        comm=comm,
        uid=int(uid[1]) if uid else None,
        total_vm_kb=kb.get("total-vm", kb.get("vsz")),
        anon_rss_kb=kb.get("anon-rss"),
        file_rss_kb=kb.get("file-rss"),
        shmem_rss_kb=kb.get("shmem-rss"),
        pgtables_kb=kb.get("pgtables"),
        oom_score_adj=int(adj[1]) if adj else None,
        score=selected.score if selected is not None and selected.pid == pid else None,
    )

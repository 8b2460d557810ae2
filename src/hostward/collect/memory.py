"""/proc/meminfo and /proc/vmstat."""

from __future__ import annotations

import functools
import re

from hostward.collect._fast import plain_lines
from hostward.errors import CollectError
from hostward.frozen import field_names, frozen
from hostward.procfs import ProcFS

# meminfo key -> MemInfo attribute. All values are kB as the kernel prints them.
_MEMINFO_KEYS = {
    "MemTotal": "mem_total_kb",
    "MemFree": "mem_free_kb",
    "MemAvailable": "mem_available_kb",  # since 3.14
    "Buffers": "buffers_kb",
    "Cached": "cached_kb",
    "SwapCached": "swap_cached_kb",
    "Active": "active_kb",
    "Inactive": "inactive_kb",
    "SwapTotal": "swap_total_kb",
    "SwapFree": "swap_free_kb",
    "Dirty": "dirty_kb",
    "Writeback": "writeback_kb",
    "AnonPages": "anon_pages_kb",
    "Mapped": "mapped_kb",
    "Shmem": "shmem_kb",
    "Slab": "slab_kb",
    "SReclaimable": "slab_reclaimable_kb",
    "KernelStack": "kernel_stack_kb",
    "PageTables": "page_tables_kb",
    "CommitLimit": "commit_limit_kb",
    "Committed_AS": "committed_as_kb",
    "VmallocTotal": "vmalloc_total_kb",
    "VmallocUsed": "vmalloc_used_kb",
    "HugePages_Total": "hugepages_total",  # a count of pages, not kB
    "HugePages_Free": "hugepages_free",
    "HugePages_Rsvd": "hugepages_rsvd",
    "HugePages_Surp": "hugepages_surp",
    "Hugepagesize": "hugepage_size_kb",
}


@frozen
class MemInfo:
    """/proc/meminfo, in kB as the kernel prints it (0 for a field this kernel lacks)."""

    mem_total_kb: int = 0
    mem_free_kb: int = 0
    mem_available_kb: int = 0
    buffers_kb: int = 0
    cached_kb: int = 0
    swap_cached_kb: int = 0
    active_kb: int = 0
    inactive_kb: int = 0
    swap_total_kb: int = 0
    swap_free_kb: int = 0
    dirty_kb: int = 0
    writeback_kb: int = 0
    anon_pages_kb: int = 0
    mapped_kb: int = 0
    shmem_kb: int = 0
    slab_kb: int = 0
    slab_reclaimable_kb: int = 0
    kernel_stack_kb: int = 0
    page_tables_kb: int = 0
    commit_limit_kb: int = 0
    committed_as_kb: int = 0
    vmalloc_total_kb: int = 0
    vmalloc_used_kb: int = 0
    hugepages_total: int = 0
    hugepages_free: int = 0
    hugepages_rsvd: int = 0  # reserved for mappings, not yet faulted in (sar -H kbhugrsvd)
    hugepages_surp: int = 0  # above vm.nr_hugepages, from vm.nr_overcommit_hugepages (kbhugsurp)
    hugepage_size_kb: int = 0
    # meminfo keys this kernel did not print (e.g. MemAvailable before 3.14): reported, not fatal.
    missing: frozenset[str] = frozenset()


def parse_meminfo(text: str) -> MemInfo:
    if plain_lines(text):
        # Fast path: the wanted lines found by one regular expression (see collect/_fast.py).
        try:
            values = {_MEMINFO_KEYS[key]: int(number) for key, number in _meminfo_line().findall("\n" + text)}
        except ValueError:
            pass  # the reference parser names the bad line
        else:
            if "mem_total_kb" in values:
                return MemInfo(**values, missing=_missing(values))
    return _parse_meminfo_lines(text)


# "\n" + the text: a wanted key at the start of a line, up to the first ":", and the first word after it
# (``rest.split()[0]``: in a plain line the only whitespace is space, tab and \x1f).
# Compiled on first use, as _vmstat_line: a report of a recording parses neither file (~0.6 ms of its start-up).
@functools.cache
def _meminfo_line() -> re.Pattern[str]:
    return re.compile("\n(" + "|".join(map(re.escape, _MEMINFO_KEYS)) + "):[ \t\x1f]*([^ \t\x1f\n]*)")


_NOTHING_MISSING: frozenset[str] = frozenset()


def _missing(values: dict[str, int]) -> frozenset[str]:
    if len(values) == len(_MEMINFO_KEYS):
        return _NOTHING_MISSING
    return frozenset(k for k, attr in _MEMINFO_KEYS.items() if attr not in values)


def _parse_meminfo_lines(text: str) -> MemInfo:
    """The reference parser: line by line."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        attr = _MEMINFO_KEYS.get(key)
        if not sep or attr is None:
            continue
        number = rest.split()
        try:
            values[attr] = int(number[0])
        except (IndexError, ValueError) as exc:
            raise CollectError(f"/proc/meminfo: bad value in line {line!r}") from exc
    if "mem_total_kb" not in values:
        raise CollectError("/proc/meminfo: no MemTotal line")
    return MemInfo(**values, missing=_missing(values))


def read_meminfo(procfs: ProcFS) -> MemInfo:
    return parse_meminfo(procfs.read("meminfo"))


@frozen
class VmStat:
    """Paging and swapping counters from /proc/vmstat (pages, or events, since boot)."""

    pgpgin: int = 0  # kB paged in from disk (the kernel counts these in kB despite the name)
    pgpgout: int = 0
    pswpin: int = 0
    pswpout: int = 0
    pgfault: int = 0
    pgmajfault: int = 0
    pgfree: int = 0
    pgscan_kswapd: int = 0
    pgscan_direct: int = 0
    pgsteal: int = 0
    oom_kill: int = 0  # since 4.13


_VMSTAT_SUMMED = (
    ("pgsteal_", "pgsteal"),
    ("pgscan_kswapd", "pgscan_kswapd"),
    ("pgscan_direct", "pgscan_direct"),
)
_VMSTAT_SUMMED_INTO = tuple(into for _, into in _VMSTAT_SUMMED)
_VMSTAT_SUMMED_PREFIXES = tuple(prefix for prefix, _ in _VMSTAT_SUMMED)
_VMSTAT_SIMPLE = frozenset(field_names(VmStat)) - set(_VMSTAT_SUMMED_INTO)


def _vmstat_value(raw: str, line: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise CollectError(f"/proc/vmstat: bad value in line {line!r}") from exc


def parse_vmstat(text: str) -> VmStat:
    """Sum the reclaim counters the way sysstat 12.6 does, so %vmeff and pgsteal/s match `sar -B`.

    sysstat 12.6 adds every line starting with ``pgsteal_`` and every line starting with ``pgscan_kswapd`` /
    ``pgscan_direct`` (older kernels split them per zone: pgscan_kswapd_dma, _normal, ...). On 5.x+ kernels
    that also sums pgsteal_anon/pgsteal_file and pgscan_direct_throttle; we keep the same sums for parity.
    """
    if plain_lines(text):
        # Fast path: the ~20 wanted lines of ~180 found by one regular expression (see collect/_fast.py).
        values = dict.fromkeys(_VMSTAT_SUMMED_INTO, 0)
        try:
            for key, raw in _vmstat_line().findall("\n" + text):
                if key in _VMSTAT_SIMPLE:
                    values[key] = int(raw)
                else:
                    values[_summed_into(key)] += int(raw)
        except ValueError:
            pass  # the reference parser names the bad line
        else:
            return VmStat(**values)
    return _parse_vmstat_lines(text)


# "\n" + the text: a line whose key (up to the first space) is wanted, and the rest of the line after that space.
@functools.cache
def _vmstat_line() -> re.Pattern[str]:
    return re.compile(
        "\n("
        + "|".join(sorted(_VMSTAT_SIMPLE))
        + "".join(f"|{prefix}[^ \n]*" for prefix in _VMSTAT_SUMMED_PREFIXES)
        + ")(?: ([^\n]*))?(?=\n|\\Z)"
    )


@functools.lru_cache(maxsize=256)  # a kernel has a dozen such keys
def _summed_into(key: str) -> str:
    return next(into for prefix, into in _VMSTAT_SUMMED if key.startswith(prefix))


def _parse_vmstat_lines(text: str) -> VmStat:
    """The reference parser: line by line."""
    values: dict[str, int] = dict.fromkeys(_VMSTAT_SUMMED_INTO, 0)
    # /proc/vmstat has ~180 lines of which a dozen matter: pick by key before converting (the recorder parses
    # this at every sample, and converting every value was 60% of the cost).
    for line in text.splitlines():
        key, _, raw = line.partition(" ")
        if key in _VMSTAT_SIMPLE:
            values[key] = _vmstat_value(raw, line)
        elif key.startswith(_VMSTAT_SUMMED_PREFIXES):
            into = next(into for prefix, into in _VMSTAT_SUMMED if key.startswith(prefix))
            values[into] += _vmstat_value(raw, line)
    return VmStat(**values)


def read_vmstat(procfs: ProcFS) -> VmStat:
    return parse_vmstat(procfs.read("vmstat"))

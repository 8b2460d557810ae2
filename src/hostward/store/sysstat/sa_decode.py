"""sysstat 12.x statistics structures -> hostward's raw ``SystemSample`` (plus restart and comment marks).

sadc stores raw cumulative counters, like hostward, so the mapping is one to one and ``hostward sar`` on the
imported data computes exactly what sar computes from the file. Structure layouts are rd_stats.h of sysstat
12.6.1 on a 64-bit writer (each ``unsigned long`` is ``aligned(8)``, so 32-bit writers give the same offsets);
an activity whose magic or field counts differ is listed in ``ImportReport.skipped``, never decoded blindly.

Two things are not in the file and are supplied by the importing host, as sar itself does when reporting:
disk names (sar resolves major:minor through /sys or /proc/partitions when printing) and whether a disk is a
physical whole device (sadc only stores the sums of those in A_IO; see sa_decode_disk.py).
"""

from __future__ import annotations

import functools
import struct

from hostward.collect.cpu import CpuStat, CpuTimes
from hostward.collect.host import HostInfo
from hostward.collect.load import LoadAvg
from hostward.collect.memory import MemInfo, VmStat
from hostward.collect.net import NetDev
from hostward.collect.pressure import Pressure, PressureLine, PressureSet
from hostward.collect.sample import SystemSample
from hostward.frozen import frozen
from hostward.store.model import CommentMark, Entry, RestartMark
from hostward.store.sysstat.sa_decode_disk import (
    DiskClassifier,
    DiskNamer,
    decode_disks,
    sys_classify,
    sys_disk_name,
)
from hostward.store.sysstat.sa_format import R_COMMENT, R_RESTART, SaActivity, SaFile, SaRecord, cached_struct
from hostward.store.sysstat.sa_layouts import A_IRQ, ACTIVITY_NAMES, LAYOUTS, OPTIONAL_IDS, SA_PARTS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    OptionalFields = Callable[[dict[int, list[Any]], int], dict[str, Any]]

C_DUPLEX_HALF = 1  # rd_stats.h


@frozen
class DecodedFile:
    host: HostInfo
    entries: tuple[Entry, ...]
    skipped: tuple[str, ...]  # activities in the file that hostward does not store (named, with why)
    missing: tuple[str, ...]  # activities hostward reports that the file does not hold (read as zeros)


# An activity's place in a record's ``where``, and how to unpack it: id, index of its offset in ``where``,
# its structure (byte order and layout), size in the file, nr2.
_Unpack = tuple[int, int, struct.Struct, int, int]


def _items(view: memoryview, offset: int, n: int, item: struct.Struct, size: int) -> list[Any]:
    """The ``n`` structures of ``size`` bytes at ``offset``, each unpacked with ``item`` (a prefix of it)."""
    if n == 1:
        return [item.unpack_from(view, offset)]
    if size == item.size:  # items back to back: one C loop
        return list(item.iter_unpack(view[offset : offset + n * size]))
    return [item.unpack_from(view, offset + i * size) for i in range(n)]


def _usable(act: SaActivity) -> bool:
    layout = LAYOUTS.get(act.id)
    if layout is None:
        return False
    magic, types, fmt = layout
    return act.magic == magic and act.types_nr == types and act.size >= struct.calcsize("<" + fmt)


def decode_sa(
    sa: SaFile,
    *,
    disk_name: DiskNamer = sys_disk_name,
    classify: DiskClassifier = sys_classify,
    parts: frozenset[str] | None = None,
) -> DecodedFile:
    """Every record of ``sa`` as hostward entries, in file order. ``parts`` (SystemSample field names, as
    store/parts.py reads them): only the activities filling them are decoded, the other fields read as not
    recorded (a graph of -u of a day need not unpack every disk and interface of every record). Only what
    parse_sa located is decoded (give it ``keep=activity_ids(parts)``)."""
    h = sa.header
    cpus = max(h.cpu_nr - 1, 1)
    host = HostInfo(h.sysname or "Linux", h.release, h.nodename, h.machine, cpus)
    skipped: dict[int, str] = {}
    for act in sa.activities:
        name = ACTIVITY_NAMES.get(act.id, f"activity {act.id}")
        if act.id not in LAYOUTS:
            skipped[act.id] = f"{name} (not recorded by hostward)"
        elif not _usable(act):
            skipped[act.id] = f"{name} (unknown layout: magic {act.magic:#x}, fields {act.types_nr})"
    present = {a.id for a in sa.activities if a.id not in skipped}
    wanted = {1: "A_CPU", 2: "A_PCSW", 4: "A_SWAP", 5: "A_PAGE", 6: "A_IO", 7: "A_MEMORY", 9: "A_QUEUE"}
    missing = tuple(name for aid, name in wanted.items() if aid not in present)
    # One /sys lookup per device and file, not per record (they were most of the decoding time of a day).
    disk_name = functools.cache(disk_name)
    classify = functools.cache(classify)
    ignored = set(skipped)
    if parts is not None:
        ignored |= {aid for aid, part in SA_PARTS.items() if part not in parts}
    order = h.byte_order
    # One compiled structure per activity layout, for the whole file.
    unpacks: list[_Unpack] = [
        (act.id, 2 * i, cached_struct(order + LAYOUTS[act.id][2]), act.size, act.nr2)
        for i, act in enumerate(sa.located)
        if act.id not in ignored
    ]
    irq_nr2 = next((act.nr2 for act in sa.located if act.id == A_IRQ and act.id not in ignored), 0)
    view = memoryview(sa.data)
    optional: OptionalFields | None = None
    if any(u[0] in OPTIONAL_IDS for u in unpacks):
        # Imported here: a file read for -u, -r or -n DEV needs none of the optional groups' records.
        from hostward.store.sysstat.sa_decode_optional import optional_fields  # noqa: PLC0415

        optional = optional_fields
    entries: list[Entry] = []
    for rec in sa.records:
        if rec.record_type == R_RESTART:
            restart_host = HostInfo(
                host.sysname, host.release, host.nodename, host.machine, max(rec.cpu_nr - 1, 1)
            )
            entries.append(RestartMark(float(rec.ust_time), rec.uptime_cs / 100, restart_host))
        elif rec.record_type == R_COMMENT:
            entries.append(CommentMark(float(rec.ust_time), rec.comment))
        else:
            where = rec.where
            by_id = {
                aid: _items(view, where[at], where[at + 1] * nr2, item, size)
                for aid, at, item, size, nr2 in unpacks
            }
            entries.append(_sample(rec, by_id, irq_nr2, disk_name, classify, optional=optional))
    return DecodedFile(host, tuple(entries), tuple(skipped.values()), missing)


_NO_CPU = CpuTimes()
_NO_PAGING = [(0,) * 8]
_NO_SWAP = [(0, 0)]


@functools.cache
def _blank_memory() -> MemInfo:
    return _memory(None, None)


@functools.cache
def _blank_vmstat() -> VmStat:
    return _vmstat(_NO_PAGING[0], _NO_SWAP[0])


def _cpu_times(v: tuple[int, ...]) -> CpuTimes:
    # stats_cpu: user nice sys idle iowait steal hardirq softirq guest guest_nice; CpuTimes orders them as
    # /proc/stat does: user nice system idle iowait irq softirq steal guest guest_nice.
    return CpuTimes(v[0], v[1], v[2], v[3], v[4], v[6], v[7], v[5], v[8], v[9])


def _sample(
    rec: SaRecord,
    by_id: dict[int, list[Any]],
    irq_nr2: int,
    disk_name: DiskNamer,
    classify: DiskClassifier,
    *,
    optional: OptionalFields | None,
) -> SystemSample:
    cpu_items = by_id.get(1, [])
    pcsw = by_id.get(2) or [(0, 0)]
    queue = by_id.get(9) or [(0, 0, 0, 0, 0, 0)]
    nr_running, blocked, threads, l1, l5, l15 = queue[0]  # "3Q3I4x": ints already
    cpu = CpuStat(
        all=_cpu_times(cpu_items[0]) if cpu_items else _NO_CPU,
        # sadc leaves an offline CPU's structure zeroed (rd_stats.c read_stat_cpu): no line in /proc/stat.
        per_cpu=tuple(_cpu_times(v) if any(v) else None for v in cpu_items[1:]),
        context_switches=pcsw[0][0],
        forks=pcsw[0][1],
        procs_running=nr_running + 1,
        procs_blocked=blocked,
        boot_time=rec.ust_time - rec.uptime_cs // 100,
        interrupts=0,
    )
    # sadc stores runq-sz already without itself (rd_stats.c read_loadavg: nr_running--) and load averages
    # as hundredths; hostward's queue activity subtracts the reader again, so add it back.
    load = LoadAvg(l1 / 100, l5 / 100, l15 / 100, nr_running + 1, threads, 0)
    mem = by_id.get(7)
    huge = by_id.get(34)
    swap = by_id.get(4)
    paging = by_id.get(5)
    timestamp = float(rec.ust_time)
    uptime = rec.uptime_cs / 100
    # Without an activity its record is the same blank every time: built once (records are immutable).
    memory = _memory(mem[0] if mem else None, huge) if mem or huge else _blank_memory()
    vmstat = _vmstat((paging or _NO_PAGING)[0], (swap or _NO_SWAP)[0]) if paging or swap else _blank_vmstat()
    disks = (
        decode_disks(by_id.get(11), by_id.get(6), disk_name, classify) if 11 in by_id or 6 in by_id else ()
    )
    nets = _nets(by_id.get(12, []), by_id.get(13, [])) if 12 in by_id or 13 in by_id else ()
    pressure = _pressure(by_id.get(40), by_id.get(41), by_id.get(42))
    # None: none of the later groups is decoded, and their defaults (None, ()) are what decoding gives.
    if optional is None:
        return SystemSample(timestamp, uptime, cpu, load, memory, vmstat, disks, nets, pressure)
    return SystemSample(
        timestamp, uptime, cpu, load, memory, vmstat, disks, nets, pressure, **optional(by_id, irq_nr2)
    )


def _memory(v: tuple[Any, ...] | None, huge: list[tuple[Any, ...]] | None) -> MemInfo:
    """stats_memory, and A_HUGE: it keeps kB, not pages and their size, so they are stored as pages of 1 kB,
    which gives sar -H's figures exactly. Without it, the hugepage lines read as missing, so sar -H shows
    nothing, as sar does. (One MemInfo built: dataclasses.replace per record was a tenth of the decoding.)"""
    pages: dict[str, int] = {}
    missing = frozenset({"HugePages_Total"})
    if huge:
        free, total, rsvd, surp = (int(x) for x in huge[0])
        pages = {"hugepages_total": total, "hugepages_free": free, "hugepages_rsvd": rsvd,
                 "hugepages_surp": surp, "hugepage_size_kb": 1}  # fmt: skip
        missing = frozenset()
    if v is None:
        return MemInfo(**pages, missing=missing)
    (frm, buf, cam, tlm, frs, tls, cas, com, act, ina, dirty, anon, slab, kst, pgt, vmu, avail) = (
        int(x) for x in v
    )
    return MemInfo(
        mem_total_kb=tlm,
        mem_free_kb=frm,
        mem_available_kb=avail,
        buffers_kb=buf,
        cached_kb=cam,
        swap_cached_kb=cas,
        active_kb=act,
        inactive_kb=ina,
        swap_total_kb=tls,
        swap_free_kb=frs,
        dirty_kb=dirty,
        anon_pages_kb=anon,
        slab_kb=slab,
        kernel_stack_kb=kst,
        page_tables_kb=pgt,
        committed_as_kb=com,
        vmalloc_used_kb=vmu,
        **pages,
        missing=missing,
    )


def _vmstat(paging: tuple[Any, ...], swap: tuple[Any, ...]) -> VmStat:
    pgin, pgout, fault, majflt, pgfree, scank, scand, steal = (int(x) for x in paging)
    return VmStat(
        pgpgin=pgin,
        pgpgout=pgout,
        pswpin=int(swap[0]),
        pswpout=int(swap[1]),
        pgfault=fault,
        pgmajfault=majflt,
        pgfree=pgfree,
        pgscan_kswapd=scank,
        pgscan_direct=scand,
        pgsteal=steal,
    )


def _nets(devs: list[tuple[Any, ...]], edevs: list[tuple[Any, ...]]) -> tuple[NetDev, ...]:
    errors: dict[str, tuple[int, ...]] = {}
    for e in edevs:
        errors[_cname(e[9])] = e[:9]  # "9Q": ints already
    out: list[NetDev] = []
    seen: set[str] = set()
    for rxp, txp, rxb, txb, rxc, txc, mc, speed, iface, duplex in devs:
        name = _cname(iface)
        seen.add(name)
        coll, rxe, txe, rxd, txd, rxfifo, txfifo, rxfr, txcarr = errors.get(name, (0,) * 9)
        out.append(
            NetDev(
                name,
                rx_bytes=int(rxb),
                rx_packets=int(rxp),
                rx_errors=rxe,
                rx_dropped=rxd,
                rx_fifo=rxfifo,
                rx_frame=rxfr,
                rx_compressed=int(rxc),
                rx_multicast=int(mc),
                tx_bytes=int(txb),
                tx_packets=int(txp),
                tx_errors=txe,
                tx_dropped=txd,
                tx_fifo=txfifo,
                tx_collisions=coll,
                tx_carrier=txcarr,
                tx_compressed=int(txc),
                speed_mbps=int(speed),
                full_duplex=duplex != C_DUPLEX_HALF,
            )
        )
    for name, (coll, rxe, txe, rxd, txd, rxfifo, txfifo, rxfr, txcarr) in errors.items():
        if name not in seen:  # EDEV without DEV (sadc -S ... with only EDEV): errors alone
            out.append(
                NetDev(name, 0, 0, rxe, rxd, rxfifo, rxfr, 0, 0, 0, 0, txe, txd, txfifo, coll, txcarr, 0)
            )
    return tuple(out)


@functools.lru_cache(maxsize=4096)  # the same interfaces in every record
def _cname(raw: Any) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def _line(total: Any, a10: Any, a60: Any, a300: Any) -> PressureLine:
    # sadc keeps avgN as hundredths of a percent (rd_stats.c read_psi_*: (unsigned long) (avg * 100)).
    return PressureLine(int(a10) / 100, int(a60) / 100, int(a300) / 100, int(total))


def _pressure(
    cpu: list[tuple[Any, ...]] | None,
    io: list[tuple[Any, ...]] | None,
    mem: list[tuple[Any, ...]] | None,
) -> PressureSet | None:
    if not (cpu or io or mem):
        return None

    def two(v: list[tuple[Any, ...]] | None) -> Pressure | None:
        if not v:
            return None
        st, ft, s10, s60, s300, f10, f60, f300 = v[0]
        return Pressure(_line(st, s10, s60, s300), _line(ft, f10, f60, f300))

    c = Pressure(_line(*cpu[0]), None) if cpu else None
    return PressureSet(cpu=c, memory=two(mem), io=two(io))

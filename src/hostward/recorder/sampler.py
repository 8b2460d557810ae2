"""The recorder's sampler: ``sample_system`` with kernel files kept open and slow-changing /sys facts cached.

The /proc files are read through ``KernelFiles`` (open once, ``pread`` at offset 0) and parsed with the same
pure parsers as ``sample_system``; the result is identical (tests/record check it on fixture trees).

Per sample, ``collect.sample.sample_system`` classifies every block device (two stat() calls in
/sys/block each) and reads every interface's link speed and duplex from /sys/class/net (a failing read for
virtual interfaces). On a 2-vCPU VM that is more than a third of the sampling cost, for facts that change
when a device is added or a link renegotiates. The recorder keeps them and looks again when the set of
devices changes, and at least every ``REFRESH_SECONDS`` (so a renegotiated link speed, which only scales
%ifutil, is picked up within a minute). sadc re-reads both each time; the values stored are the same.

Every file is read at every sample, but a file whose text reads the same as at the last sample is not parsed
again: its last record is given again (recorder/unchanged.py; snmp, snmp6, softnet, net/dev ... on a quiet host).
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from hostward.collect.cpu import parse_stat
from hostward.collect.disk import DiskStats, parse_diskstats
from hostward.collect.interrupts import LineMemo
from hostward.collect.load import parse_loadavg, parse_uptime
from hostward.collect.memory import parse_meminfo, parse_vmstat
from hostward.collect.net import NetDev, parse_net_dev, read_link
from hostward.collect.pressure import PressureSet, parse_pressure
from hostward.collect.procs import (
    ProcessInfo,
    process_again,
    read_process,
    status_for_again,
    top_by_rss,
)
from hostward.collect.sample import OPTIONAL_READERS, SystemSample, optional_reader
from hostward.errors import CollectError
from hostward.procfs import ProcFS
from hostward.recorder.cachewatch import CacheWatch
from hostward.recorder.kernelfiles import KernelFiles
from hostward.recorder.pidfiles import PidFiles
from hostward.recorder.proclisting import ProcListing
from hostward.recorder.selection import ALL_GROUPS
from hostward.recorder.timehealth import TimeHealth
from hostward.recorder.unchanged import SameReads, SameText

REFRESH_SECONDS = 60.0
_PSI_PATHS = ("pressure/cpu", "pressure/memory", "pressure/io")


class CachingSampler:
    def __init__(
        self,
        procfs: ProcFS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        top_processes: int = 0,
        time_health: TimeHealth | None = None,
        *,
        cmdline_filter: Callable[[Sequence[str]], tuple[str, ...]] | None = None,
        cache_watch: CacheWatch | None = None,
        groups: frozenset[str] = ALL_GROUPS,
    ) -> None:
        self.procfs = procfs
        # The readers of the optional activity groups collected ([record] activities, recorder/selection.py),
        # in sample_system's order (collect/sample.py OPTIONAL_READERS): imported once, here.
        # Each through SameReads (its last record again while the files it reads read the same): _reader.
        self._files = KernelFiles(procfs.proc)
        read_optional = self._files.read_optional
        self._optional: tuple[tuple[str, Callable[[], Any]], ...] = tuple(
            (name, _reader(name, optional_reader(name, procfs), read_optional))
            for name in OPTIONAL_READERS
            if name in groups
        )
        self.top_processes = top_processes
        # What a kept command line goes through before it is stored (collect.redact.Redactor: secrets masked,
        # length bounded); None keeps them as the kernel gives them.
        self.cmdline_filter = cmdline_filter
        self.time_health = time_health  # None: samples carry no time health (as sample_system's)
        self.cache_watch = cache_watch  # None: no memcached servers are recorded
        self.clock = clock
        self.monotonic = monotonic
        self._disk_class: dict[str, tuple[bool, bool]] = {}
        self._links: dict[str, tuple[int, bool]] = {}
        self._disk_names: tuple[str, ...] = ()
        self._net_names: tuple[str, ...] = ()
        self._refreshed = float("-inf")
        self._loadavg = SameText(parse_loadavg)
        self._psi = tuple(SameText(parse_pressure) for _ in _PSI_PATHS)
        self._disk_text: str | None = None
        self._disks_parsed: tuple[DiskStats, ...] = ()
        self._disk_memo: dict[str, DiskStats] = {}  # a line of the last text -> its record (_disk_lines)
        self._net_text: str | None = None
        self._nets_parsed: tuple[NetDev, ...] = ()
        self._pid_files = PidFiles(procfs)
        self._proc_listing = ProcListing(procfs)  # /proc's processes without its fixed entries
        self._mounts = 0  # ProcListing.mounts when the descriptors kept were last dropped for a new /proc
        # The last /proc listing and the fork count read with it (_listing); a fixture tree's stat does not
        # count the tasks its listing shows. Root only: under hidepid=, a process can come into an unprivileged
        # reader's view without a fork (a root daemon taking that reader's uid), which the count cannot tell.
        self._fork_gate = str(procfs.proc) == "/proc" and os.geteuid() == 0
        self._listed: list[int] | None = None
        self._listed_forks = 0
        self._listed_at = 0.0
        self._retained: list[int] | None = None  # the listing descriptors were last retained for
        self._seen: dict[int, tuple[int, int]] = {}  # pid -> (status descriptor serial, start ticks)
        self._closed = 0  # PidFiles.closed when _seen was last cleared of closed descriptors
        # pid -> (the texts read at the last sample, what its record was built from, the record): the status
        # descriptor's serial and read_process_again's four texts, whole (raw) and as compared (_read_again).
        self._again: dict[int, tuple[_Inputs, _Inputs, ProcessInfo]] = {}

    def __call__(self) -> SystemSample:
        """Same reads, in the same order, as ``sample_system`` (uptime first, then the wall clock)."""
        files = self._files
        uptime = parse_uptime(files.read("uptime"))
        # Rows are labelled to the millisecond (sar prints seconds); intervals come from uptime, not from this.
        now = round(self.clock(), 3)
        stale = self.monotonic() - self._refreshed >= REFRESH_SECONDS
        if stale:
            self._refreshed = self.monotonic()
        cpu = parse_stat(files.read("stat"))
        return SystemSample(
            timestamp=now,
            uptime_seconds=uptime.uptime_seconds,
            cpu=cpu,
            load=self._loadavg(files.read("loadavg")),
            memory=parse_meminfo(files.read("meminfo")),
            vmstat=parse_vmstat(files.read("vmstat")),
            disks=self._disks(stale),
            nets=self._nets(stale),
            pressure=self._pressure(),
            top_processes=self._top(cpu.forks) if self.top_processes > 0 else (),
            time=self.time_health() if self.time_health is not None else None,
            caches=self.cache_watch() if self.cache_watch is not None else (),
            **{name: reader() for name, reader in self._optional},
        )

    def _top(self, forks: int) -> tuple[ProcessInfo, ...]:
        """The ``top_processes`` largest user-space processes by RSS. Ranking reads only /proc/PID/statm of
        every process but the kernel threads (its second field is the resident set in pages, the same count as
        VmRSS; the kernel generates it for about half the cost of /proc/PID/stat, and zombies, which have no
        memory, read as 0); the full record is read for the winners alone. All through descriptors kept open
        across samples (recorder/pidfiles.py: pid reuse is detected there). A process that exits or cannot
        be read meanwhile is skipped, as it would be missing from a ps listing. ``forks``: /proc/stat's count
        of tasks created since boot, read for this sample (``_listing``)."""
        files = self._pid_files
        pids = self._listing(forks)
        seen = self._seen
        if seen and files.closed != self._closed:  # a descriptor was closed since the last look
            self._closed = files.closed
            for pid in [pid for pid in seen if files.kept(pid, "status") is None]:
                del seen[pid]  # its descriptor was closed (exited, not listed): forget it
            again = self._again
            for pid in [pid for pid in again if pid not in seen]:
                del again[pid]
        ranked = files.resident_pages(pids)
        ranked.sort()
        found: list[ProcessInfo] = []
        for _, pid in ranked:
            try:
                info = self._read_process(pid)
            except CollectError:  # ProcessGone included
                continue
            if not info.kernel_thread:
                found.append(info)
            if len(found) == self.top_processes:
                break
        return tuple(top_by_rss(found, self.top_processes))

    def _listing(self, forks: int) -> list[int]:
        """The pids to rank: /proc listed (and descriptors of pids gone from it closed), or the last listing
        again when /proc/stat's fork count read for this sample is the one read for the sample that listed.
        No task was created between those two reads then, so every process alive at this sample's read was
        alive at the last listing, which was after the earlier read: it is in that listing (the ones that
        exited since fail their statm read and are skipped). Listing /proc costs ~70 us of the kernel's and
        the interpreter's time (a dentry per process) where a quiet host often forks nothing in a second.
        Only for the live /proc, with a count the kernel wrote, listed at least every REFRESH_SECONDS, and still
        the mount listed (a /proc mounted anew is another pid namespace's, perhaps: listed, descriptors dropped)."""
        listed = self._listed
        if (
            listed is not None
            and forks == self._listed_forks > 0
            and self.monotonic() - self._listed_at < REFRESH_SECONDS
            and self._proc_listing.same_mount()
        ):
            return listed
        pids = self._proc_listing.pids()
        if self._proc_listing.mounts != self._mounts:  # /proc mounted anew (another pid namespace perhaps):
            self._mounts = self._proc_listing.mounts  # a pid kept may be another process there
            self._pid_files.retain(())
            self._retained = None
        if pids != self._retained:  # the same listing: every descriptor kept is of a listed pid already
            self._pid_files.retain(pids)
            self._retained = pids
        if self._fork_gate:
            self._listed, self._listed_forks, self._listed_at = pids, forks, self.monotonic()
        return pids

    def _read_process(self, pid: int) -> ProcessInfo:
        """read_process, without /proc/PID/stat for a process read before: its start time is kept with the
        serial of the status descriptor it was read through (recorder/pidfiles.py); while status is read
        through that same descriptor, it is the same process, and status gives the rest of what stat did
        (collect.procs.process_again, as read_process_again). A process whose status cannot stand in for stat
        (an older kernel without the Kthread line, a leader without memory) is read in full while its
        descriptor lasts, each time proven to be that one process as a first read is (_read_proven). When the
        four files read the same as at the last sample (status but for its context-switch counts and signal
        lines: collect.procs.status_for_again), the record built then is given again: it is a function of
        those texts. A process that may be another one now (another status descriptor, reads not proven of
        one process) is read afresh."""
        files, seen = self._pid_files, self._seen
        known = seen.get(pid)
        if known is not None:
            status_serial, start_ticks = known
            if start_ticks < 0:
                again = self._read_in_full(pid, status_serial)
            else:
                again = self._read_again(pid, status_serial, start_ticks)
            if again is not None:
                return again
            del seen[pid]  # another descriptor now, or reads not proven of one process: read it afresh
        info, one = self._read_proven(pid)
        new_status = files.kept(pid, "status")
        if one and new_status is not None:
            seen[pid] = (new_status, info.start_ticks)
        return info

    def _read_again(self, pid: int, status_serial: int, start_ticks: int) -> ProcessInfo | None:
        """The process known by its status descriptor ``status_serial`` and start time read again without stat
        (or in full, and from now on, when its status cannot stand in for stat); None when it may be another
        process now."""
        files, redact = self._pid_files, self.cmdline_filter
        kept = files.read_kept(pid, _AGAIN_FILES)  # status first: the serial is its descriptor's
        if kept is None:  # one not kept, or gone: read_pid_bytes reopens as needed
            read = files.read_pid_bytes
            texts = [read(pid, name) for name in _AGAIN_FILES]
            # A file reopened by its path may be another process's (the pid reused after an exit): status
            # read again through the descriptor kept with the start time proves the process lived across
            # those opens (its serial is compared below).
            read(pid, "status")
            serial = files.kept(pid, "status")
        else:
            serial, texts = kept
        if serial != status_serial:
            return None
        status, adj, score, cmdline = texts
        raw = (status_serial, status, adj, score, cmdline)
        last = self._again.get(pid)
        if last is not None and last[0] == raw:  # the same texts (half the winners at a sample,
            return last[2]  # measured): the same record, status_for_again not computed
        inputs = (status_serial, status_for_again(status), adj, score, cmdline)
        if last is not None and last[1] == inputs:
            self._again[pid] = (raw, inputs, last[2])
            return last[2]
        info_again = process_again(
            pid,
            start_ticks,
            status,
            oom_score_adj=adj,
            oom_score=score,
            cmdline=cmdline,
            cmdline_filter=redact,
        )
        if info_again is not None:
            self._again[pid] = (raw, inputs, info_again)
            return info_again
        info = self._read_in_full(pid, status_serial)
        if info is not None:
            self._seen[pid] = (status_serial, -1)
        return info

    def _read_in_full(self, pid: int, status_serial: int) -> ProcessInfo | None:
        """read_process of the process known by its status descriptor ``status_serial``; None when the reads
        are not proven to be of that process alone: of one process (_read_proven), whose status was read
        through that descriptor, so the process known (it was alive at that read, within theirs)."""
        info, one = self._read_proven(pid)
        return info if one and self._pid_files.kept(pid, "status") == status_serial else None

    def _read_proven(self, pid: int) -> tuple[ProcessInfo, bool]:
        """read_process, and whether its reads are proven to be of one process. A descriptor bound to its
        process, opened before stat and status were read and read again through after all five files, proves
        that process lived across those reads, so they were all of the same process (a pid is not reused while
        its process lives): the ranking's statm, the cheapest file to generate, else stat (the first read)."""
        files = self._pid_files
        statm_serial = files.kept(pid, "statm")  # opened by the ranking, before anything read here
        info = read_process(files, pid, cmdline_filter=self.cmdline_filter)
        name, serial = (
            ("statm", statm_serial) if statm_serial is not None else ("stat", files.kept(pid, "stat"))
        )
        if serial is None:
            return info, False
        files.read_pid_bytes(pid, name)
        return info, files.kept(pid, name) == serial

    def close(self) -> None:
        self._files.close()
        self._pid_files.close()
        self._proc_listing.close()
        if self.time_health is not None:
            self.time_health.close()
        if self.cache_watch is not None:
            self.cache_watch.close()

    def _pressure(self) -> PressureSet | None:
        """As collect.pressure.read_pressure: None without PSI, a resource the kernel lacks is None."""
        read = self._files.read_optional
        cpu, memory, io = (read(path) for path in _PSI_PATHS)
        parse_cpu, parse_memory, parse_io = self._psi
        found = (
            parse_cpu(cpu) if cpu else None,
            parse_memory(memory) if memory else None,
            parse_io(io) if io else None,
        )
        if found == (None, None, None):
            return None
        return PressureSet(*found)

    def _disks(self, stale: bool) -> tuple[DiskStats, ...]:
        text = self._files.read_optional("diskstats")
        if text is None:
            return ()
        if not stale and text == self._disk_text:
            return self._disks_parsed  # the same text parsed with the same classification: the same records
        # Parse with the classification we have, then check the device set on the result (one pass over the
        # text instead of two); when it changed, or the classification is due for a refresh, classify every
        # device again and parse again.
        known = self._disk_class
        disks = self._disk_lines(text, lambda name: known.get(name) or self._classify(name))
        names = tuple(disk.name for disk in disks)
        if stale or names != self._disk_names:
            known = self._disk_class = {name: self._classify(name) for name in names}
            self._disk_names = names
            self._disk_memo = {}
            disks = self._disk_lines(text, lambda name: known.get(name) or self._classify(name))
        self._disk_text, self._disks_parsed = text, disks
        return disks

    def _disk_lines(self, text: str, classify: Callable[[str], tuple[bool, bool]]) -> tuple[DiskStats, ...]:
        """parse_diskstats, a line at a time (each line is parsed alone there too), with the records of the
        lines read at the last sample kept: an idle device's line reads the same (loop devices, a quiet disk),
        and was parsed with the same classification (forgotten when that is made again)."""
        memo = self._disk_memo
        kept: dict[str, DiskStats] = {}
        disks: list[DiskStats] = []
        for line in text.splitlines():
            disk = memo.get(line)
            if disk is None:
                parsed = parse_diskstats(line, classify)
                if not parsed:
                    continue  # a short line, skipped as parse_diskstats skips it
                disk = parsed[0]
            kept[line] = disk
            disks.append(disk)
        self._disk_memo = kept
        return tuple(disks)

    def _classify(self, name: str) -> tuple[bool, bool]:
        # As collect.disk.read_diskstats: /sys/block/<name> exists for whole devices, .../device for physical.
        block = self.procfs.sys_path(f"block/{name.replace('/', '!')}")
        whole = block.exists()
        return whole, whole and (block / "device").exists()

    def _nets(self, stale: bool) -> tuple[NetDev, ...]:
        text = self._files.read("net/dev")
        if not stale and text == self._net_text:
            return self._nets_parsed  # as in _disks
        # As _disks: check the interface set on the parsed result, parse again after a refresh of the links.
        nets = parse_net_dev(text, self._links)
        names = tuple(net.name for net in nets)
        if stale or names != self._net_names:
            self._links = {name: read_link(self.procfs, name) for name in names}
            self._net_names = names
            nets = parse_net_dev(text, self._links)
        self._net_text, self._nets_parsed = text, nets
        return nets


_Inputs = tuple[int, bytes, bytes, bytes, bytes]  # a status descriptor's serial and the four texts read

# What read_process_again reads of a process read before, in its order.
_AGAIN_FILES = ("status", "oom_score_adj", "oom_score", "cmdline")

# The optional records built from the kernel files their reader reads through ``read`` alone (pure parsers of
# that text): the ones SameReads may give again while those files read the same. Opt-in, so that a reader added
# later (one that also calls statvfs, as sar -F's, or reads /sys, as sar -n FC's) is run at every sample.
SAME_TEXT_READERS = frozenset(
    {
        "ktables",
        "sockets",
        "sockets6",
        "snmp",
        "snmp6",
        "interrupts",
        "nfs",
        "nfsd",
        "serial",
        "softnet",
        "cpufreq",
    }
)


def _reader(name: str, reader: Callable[..., Any], read: Callable[[str], str | None]) -> Callable[[], Any]:
    """An optional record's reader bound to the kept-open files: through SameReads when its record is built
    from the files it reads alone (SAME_TEXT_READERS; recorder/unchanged.py).
    /proc/interrupts changes at every sample, but few of its lines do: its reader keeps its parsed lines."""
    if name == "interrupts":
        reader = functools.partial(reader, memo=LineMemo())
    if name not in SAME_TEXT_READERS:
        return lambda: reader(read)
    return SameReads(reader, read)

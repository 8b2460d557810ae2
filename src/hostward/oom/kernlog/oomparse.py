"""Assemble kernel OOM reports (2.6.32 .. 6.x) from kernel log lines into OomEvent records.

The printk formats, by era (mm/oom_kill.c dump_header/dump_task/oom_kill_process/__oom_kill_process,
mm/memcontrol.c mem_cgroup_print_oom_*, mm/show_mem.c):

* header: ``%s invoked oom-killer: gfp_mask=0x%x, order=%d, oom_adj=%d[, oom_score_adj=%d]`` (2.6.32-3.x),
  ``gfp_mask=%#x(%pGg), nodemask=%*pbl, order=%d, oom_score_adj=%hd`` (4.x), without nodemask (4.19+)
* stack dump: ``Pid: %d, comm: %.20s`` (2.6.x), ``CPU: %d PID: %d Comm: %s`` (``CPU: %d UID: %u PID: ...`` on 6.x)
* memcg: ``Task in %s killed as a result of limit of %s`` (until 4.18), ``memory: usage %llukB, limit %llukB,
  failcnt %lu``, ``memory+swap:``/``kmem:`` (v1) or ``swap:`` (v2), ``Memory cgroup stats for %s:``
* ``Mem-Info:`` block, ``Free swap  = %ldkB``, ``Total swap = %lukB``, ``%lu pages RAM``
* task table: ``[ pid ]   uid  tgid total_vm      rss cpu oom_adj name`` (2.6.32), ``... nr_ptes swapents
  oom_score_adj name`` (3.x), ``nr_pmds`` (4.4-4.14), ``pgtables_bytes`` (4.15+), ``rss_anon rss_file
  rss_shmem`` (6.x), under ``Tasks state (memory values in pages):`` (4.19+)
* selection: ``%s: kill process %d (%s) score %li or a child`` (2.6.32),
  ``%s: Kill process %d (%s) score %u or sacrifice child`` (2.6.36-5.0)
* ``oom-kill:constraint=%s,nodemask=%*pbl,cpuset=%s,mems_allowed=%*pbl[,oom_memcg=%s],task_memcg=%s,task=%s,
  pid=%d,uid=%d`` (4.19+)
* kill: ``Killed process %d (%s) vsz:%lukB, anon-rss:%lukB, file-rss:%lukB`` (2.6.32),
  ``total-vm:...kB, anon-rss:...kB, file-rss:...kB[, shmem-rss:...kB][, UID:%u pgtables:%lukB oom_score_adj:%hd]``
  prefixed ``%s: `` from 5.1; ``Kill process %d (%s) sharing same memory`` / ``oom killer %d (%s) has mm pinned``
* ``oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB``
* ``Kernel panic - not syncing: Out of memory...`` (panic_on_oom, or nothing left to kill)

Anything else is ignored, so interleaved messages, missing lines (grep) and wrapped lines do not derail it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from hostward.frozen import replace
from hostward.oom.kernlog.kernlog import ABSURD_NUMBER, KernelLine
from hostward.oom.kernlog.oombuilder import EventBuilder
from hostward.oom.kernlog.oomevent import OomEvent, Trigger, Victim
from hostward.oom.kernlog.oomfields import TAIL_KB, infer_scope, meminfo_line, task_row
from hostward.oom.kernlog.oomfields import victim as read_victim
from hostward.oom.kernlog.wrapped import (
    GAP_SECONDS,
    KILLED_START,
    continues,
    far_apart,
    name_break,
    separator,
)

MAX_VICTIMS = 1000  # per event (processes sharing the victim's memory are killed with it)

_HEADER = re.compile(
    r"^(?P<comm>.*?) invoked oom-killer: gfp_mask=(?P<gfp>0x[0-9a-fA-F]+|\d+)(?:\((?P<flags>[^)]*)\))?"
    r"(?:, nodemask=(?P<nodemask>[^,]*))?, order=(?P<order>-?\d+)"
    r"(?:, oomkilladj=(?P<oomkilladj>-?\d+))?(?:, oom_adj=(?P<oom_adj>-?\d+))?"
    r"(?:, oom_score_adj=(?P<adj>-?\d+))?",
    re.S,
)
_CPU = re.compile(r"^(?:CPU: \d+ (?:UID: \d+ )?PID: (\d+) Comm: |Pid: (\d+), comm: )")
_TASK_IN = re.compile(r"^Task in (\S+) killed as a result of limit of (\S+)")
_MEMCG_USAGE = re.compile(r"^(memory|memory\+swap|swap|kmem): usage (\d+)kB, limit (\d+)kB, failcnt (\d+)")
_MEMCG_STATS = re.compile(r"^Memory cgroup stats for (.*?):(.*)$")
_STAT_LINE = re.compile(r"^([a-z_]+) (\d+)$")
_STAT_TOKEN = re.compile(r"([a-z_]+):(\d+)KB")
_TABLE_HEAD = re.compile(r"^\[\s*pid\s*\]\s+(.*\bname)\s*$")
_TABLE_ROW = re.compile(r"^\[\s*(\d+)\]\s+(.*)$")
_SELECT = re.compile(
    r"^(?P<msg>.*?): (?:[Kk]ill) process (?P<pid>\d+) \((?P<comm>.*)\) score (?P<score>-?\d+)"
    r" (?:or sacrifice child|or a child|and children)",
    re.S,
)
_CONSTRAINT = re.compile(
    r"^oom-kill:constraint=(?P<constraint>[A-Z_]+),nodemask=(?P<nodemask>.*?),cpuset=(?P<cpuset>.*?),"
    r"mems_allowed=(?P<mems>.*?)(?:,oom_memcg=(?P<oom_memcg>.*?)|,global_oom)?,task_memcg=(?P<task_memcg>.*?),"
    r"task=(?P<task>.*),pid=(?P<pid>\d+),uid=(?P<uid>\d+)\s*$",
    re.S,
)
_KILLED = re.compile(
    r"^(?:(?P<msg>.*?): )?Killed process (?P<pid>\d+)(?:, UID (?P<uid>\d+),)? \((?P<comm>.*)\)"
    r"(?P<tail>(?: (?:total-vm|vsz):\d+kB.*)|\.)?\s*$",
    re.S,
)
_SHARING = re.compile(r"^(?:.*?: )?Kill(?:ed)? process (\d+) \((.*)\) sharing same memory", re.S)
_REAPED = re.compile(
    r"^oom_reaper: reaped process (\d+) \((.*)\), now anon-rss:(\d+)kB, file-rss:(\d+)kB(?:, shmem-rss:(\d+)kB)?",
    re.S,
)
_OOM_GROUP = re.compile(
    r"^(?:.*: Kill all processes in |Tasks in )(.*?)(?: are going to be killed)? due to memory\.oom\.group set"
)
_PANIC = re.compile(r"^Kernel panic - not syncing: (.*)$", re.S)
_FLUSH = KernelLine("", 0.0, None, 0)


class OomReportParser:
    """Feed KernelLines with :meth:`feed`; completed events come back as they close. Call :meth:`finish` last."""

    def __init__(self) -> None:
        self._current: EventBuilder | None = None
        self._count = 0
        self._pending_kill: KernelLine | None = None  # a "Killed process" line that may continue on the next
        self._previous: KernelLine | None = (
            None  # last kill/constraint line, for lines wrapped after a prefix
        )
        # mm/page_alloc.c warn_alloc(): "%s: page allocation failure: order:%u, mode:%#x(%pGg)..." is followed by
        # the same show_mem() block (Mem-Info, Free swap, ...) an OOM report has, but nothing was killed: while
        # inside one, report lines do not open a headerless event. Holds the failure line's time (or True).
        self._alloc_failure: float | bool = False
        self._held: KernelLine | None = None  # the last line, until the next shows whether it goes on
        # "Free swap"/"Total swap" seen before any event opened (a grep for "swap" keeps them, not Mem-Info)
        self._orphan_swap: list[tuple[KernelLine, str]] = []

    def feed(self, line: KernelLine) -> Iterator[OomEvent]:
        # Each line waits for the next one, which may be its wrapped rest: an indented line without a stamp
        # (dmesg and journalctl print a newline inside a record that way), or the unstamped rest of a header or
        # panic message cut by a terminal or a forum. (One generator per line: this runs for every log line.)
        held, self._held = self._held, line
        if held is None:
            return
        if (line.monotonic_seconds is None and line.wall_time is None) and continues(held, line):
            self._held = KernelLine(
                held.message + separator(held, line) + line.message,
                held.monotonic_seconds,
                held.wall_time,
                line.line_number,
            )
            return
        line = held
        if self._pending_kill is not None:
            pending, self._pending_kill = self._pending_kill, None
            joined = KernelLine(
                pending.message + name_break(pending, line) + line.message,
                pending.monotonic_seconds,
                pending.wall_time,
                line.line_number,
            )
            if _KILLED.match(joined.message) and TAIL_KB.search(line.message):
                yield from self._handle(joined)
                return
            yield from self._handle(pending)
        current = self._current
        if (
            current is not None
            and current.last_mono is not None
            and line.monotonic_seconds is not None
            and abs(line.monotonic_seconds - current.last_mono) > GAP_SECONDS
        ):
            yield from self._close()
        msg = line.message
        prev, self._previous = self._previous, None
        if (
            prev is not None
            and line.monotonic_seconds is None
            and line.wall_time is None
            and (prev.monotonic_seconds is not None or prev.wall_time is not None)
            and not _TABLE_ROW.match(msg)
        ):
            # A line without the timestamp every other line has, right after a kill line: the kill line was
            # wrapped (terminal copy, syslog line limit). Handle the whole line again; it replaces its first half.
            line = KernelLine(
                prev.message + name_break(prev, line) + msg,
                prev.monotonic_seconds,
                prev.wall_time,
                line.line_number,
            )
            msg = line.message
        killed = "process" in msg and KILLED_START.search(msg) is not None
        if killed and not TAIL_KB.search(msg) and not msg.rstrip().endswith((")", ").")):
            self._pending_kill = line  # wrapped: the rest of the line follows
            return
        if killed or msg.startswith("oom-kill:"):
            self._previous = line
        yield from self._handle(line)

    def finish(self) -> Iterator[OomEvent]:
        if self._held is not None:
            yield from self.feed(_FLUSH)  # handles the held line; the stamped sentinel continues nothing
            self._held = None
        if self._pending_kill is not None:
            pending, self._pending_kill = self._pending_kill, None
            yield from self._handle(pending)
        yield from self._close()

    # -- internals ---------------------------------------------------------------------------------------------
    def _close(self) -> Iterator[OomEvent]:
        if self._current is not None:
            event = self._current.build()
            self._current = None
            yield event

    def _ends_alloc_failure(self, line: KernelLine, msg: str) -> bool:
        """Whether a line after a page allocation failure starts a real OOM report (or is too late to belong)."""
        since = self._alloc_failure
        late = (
            since is not True
            and line.monotonic_seconds is not None
            and abs(line.monotonic_seconds - float(since)) > GAP_SECONDS
        )
        if (
            late
            or _HEADER.match(msg)
            or msg.startswith("oom-kill:")
            or "illed process" in msg
            or "ut of memory" in msg
        ):
            self._alloc_failure = False
            return True
        return False

    def _open(self, line: KernelLine) -> Iterator[OomEvent]:
        yield from self._close()
        self._count += 1
        self._current = EventBuilder(self._count, line.line_number)
        orphans, self._orphan_swap = self._orphan_swap, []
        for orphan, text in orphans:
            if not far_apart(orphan, line):
                meminfo_line(self._current, text)

    def _event(self, line: KernelLine) -> Iterator[OomEvent]:
        """Open an event for a report line that arrived without a header (filtered log)."""
        if self._current is None:
            yield from self._open(line)

    def _handle(self, line: KernelLine) -> Iterator[OomEvent]:
        msg = line.message.strip()
        if "allocation failure" in msg and "page allocation failure" in msg:
            yield from self._close()
            self._alloc_failure = line.monotonic_seconds if line.monotonic_seconds is not None else True
            return
        if (
            self._alloc_failure is not False
            and self._current is None
            and not self._ends_alloc_failure(line, msg)
        ):
            return
        cur = self._current
        if (
            (cur is None or not cur.section)
            and not _maybe_report(msg)
            and not msg.startswith(("CPU:", "Pid:"))
        ):
            return  # not part of a report, and no block (task table, Mem-Info, memcg stats) is being read
        if ABSURD_NUMBER.search(msg):
            return  # more digits than any kernel integer: not a kernel line (kernlog.ABSURD_NUMBER)
        if m := _HEADER.match(msg):
            yield from self._open(line)
            ev = self._ev()
            ev.has_header = True
            adj = m["adj"] if m["adj"] is not None else None
            legacy = m["oom_adj"] or m["oomkilladj"]
            ev.trigger = Trigger(
                comm=m["comm"],
                pid=None,
                gfp_mask=_int(m["gfp"]),
                gfp_flags=m["flags"],
                order=int(m["order"]),
                oom_score_adj=int(adj) if adj is not None else None,
                oom_adj=int(legacy) if legacy is not None else None,
            )
            ev.touch(line)
            return
        if cur is not None and cur.section == "tasks" and (row := _TABLE_ROW.match(msg)) and cur.columns:
            task_row(cur, row[1], row[2])
            cur.touch(line)
            return
        if cur is not None and (m := _CPU.match(msg)) and cur.trigger is not None and cur.trigger.pid is None:
            t = cur.trigger
            cur.trigger = Trigger(
                t.comm, int(m[1] or m[2]), t.gfp_mask, t.gfp_flags, t.order, t.oom_score_adj, t.oom_adj
            )
            cur.touch(line)
            return
        if cur is not None and cur.section == "memcg_stats" and (m := _STAT_LINE.match(msg)):
            if len(cur.memcg_stats) < 200:
                cur.memcg_stats[m[1]] = int(m[2])
            cur.touch(line)
            return
        if msg == "Mem-Info:" or msg.startswith("Mem-Info:"):
            yield from self._event(line)
            self._ev().section = "meminfo"
            self._ev().touch(line)
            return
        if (m := _MEMCG_USAGE.match(msg)) is not None:
            yield from self._event(line)
            ev = self._ev()
            ev.memcg[m[1]] = (int(m[2]), int(m[3]), int(m[4]))
            if m[1] in ("memory+swap", "kmem"):
                ev.memcg_version = 1
            elif m[1] == "swap" and ev.memcg_version is None:
                ev.memcg_version = 2
            ev.section = ""
            ev.touch(line)
            return
        if (m := _MEMCG_STATS.match(msg)) is not None:
            yield from self._event(line)
            ev = self._ev()
            ev.oom_memcg = ev.oom_memcg or m[1]
            for key, value in _STAT_TOKEN.findall(m[2]):  # pre-5.x v1: all on one line in KB
                ev.memcg_stats[key] = int(value) * 1024
            ev.section = "memcg_stats"
            ev.touch(line)
            return
        if (m := _TASK_IN.match(msg)) is not None:
            yield from self._event(line)
            ev = self._ev()
            ev.task_memcg, ev.oom_memcg = m[1], m[2]
            ev.constraint = ev.constraint or "CONSTRAINT_MEMCG"
            ev.touch(line)
            return
        if (m := _TABLE_HEAD.match(msg)) is not None:
            yield from self._event(line)
            ev = self._ev()
            ev.columns = m[1].split()
            ev.section = "tasks"
            ev.touch(line)
            return
        if (m := _SELECT.match(msg)) is not None:
            if cur is not None and (cur.victims or cur.selected is not None):
                yield from self._open(line)  # a second kill without its own header
            yield from self._event(line)
            ev = self._ev()
            ev.selected = Victim(int(m["pid"]), m["comm"], score=int(m["score"]))
            infer_scope(ev, m["msg"])
            ev.section = ""
            ev.touch(line)
            return
        if (m := _CONSTRAINT.match(msg)) is not None:
            if cur is not None and (cur.victims or cur.summary is not None):
                yield from self._open(line)
            yield from self._event(line)
            ev = self._ev()
            ev.constraint = m["constraint"]
            ev.summary = Victim(int(m["pid"]), m["task"], uid=int(m["uid"]))
            ev.cpuset = m["cpuset"]
            ev.oom_memcg = m["oom_memcg"] or ev.oom_memcg
            ev.task_memcg = m["task_memcg"]
            ev.section = ""
            ev.touch(line)
            return
        if (m := _SHARING.match(msg)) is not None:
            if cur is not None and len(cur.victims) < MAX_VICTIMS:
                main = cur.victims[0].pid if cur.victims else None
                cur.victims.append(Victim(int(m[1]), m[2], shares_mm_with=main))
                cur.touch(line)
            return
        if (m := _KILLED.match(msg)) is not None:
            pid = int(m["pid"])
            if cur is not None and cur.victims and not any(v.pid == pid for v in cur.victims):
                yield from self._open(line)  # several kills in a row, the later ones without a header
            yield from self._event(line)
            ev = self._ev()
            ev.victims = [v for v in ev.victims if v.pid != pid]
            victim = read_victim(pid, m["comm"], m["tail"] or "", ev.selected)
            if m["uid"] is not None:  # RHEL 6 backport: "Killed process %d, UID %d, (%s) ..."
                victim = replace(victim, uid=int(m["uid"]))
            ev.victims.append(victim)
            if m["msg"]:
                infer_scope(ev, m["msg"])
            ev.section = ""
            ev.touch(line)
            return
        if (m := _REAPED.match(msg)) is not None:
            if cur is not None:
                pid = int(m[1])
                cur.victims = [
                    replace(v, reaped=True, reaped_anon_rss_kb=int(m[3])) if v.pid == pid else v
                    for v in cur.victims
                ]
                cur.touch(line)
            return
        if (m := _OOM_GROUP.match(msg)) is not None:
            yield from self._event(line)
            self._ev().oom_group = m[1]
            self._ev().touch(line)
            return
        if (m := _PANIC.match(msg)) is not None:
            text = m[1]
            if cur is None and "memory" not in text.lower():
                return
            yield from self._event(line)
            self._ev().panic = text
            self._ev().touch(line)
            yield from self._close()
            return
        if msg.startswith(("Free swap", "Total swap")):
            if cur is None:
                self._orphan_swap = [*self._orphan_swap[-1:], (line, msg)]
                return
            meminfo_line(cur, msg)
            cur.touch(line)
            return
        if cur is not None and cur.section == "meminfo":
            meminfo_line(cur, msg)
            cur.touch(line)

    def _ev(self) -> EventBuilder:
        if self._current is None:  # pragma: no cover - callers open one first
            raise RuntimeError("no open event")
        return self._current


def _maybe_report(msg: str) -> bool:
    """Whether a line outside an open event can start one. Substring tests only: most log lines are not OOM
    reports, and this keeps them to a few C-level scans each."""
    return (
        "oom" in msg  # invoked oom-killer, oom-kill:, oom_reaper, memory.oom.group
        or "ill process" in msg  # Kill process, kill process
        or "illed process" in msg
        or "ut of memory" in msg
        or "Mem-Info" in msg
        or "Memory cgroup" in msg
        or ": usage " in msg
        or msg.startswith(("Task in ", "Kernel panic", "[ pid ]", "[  pid  ]", "Free swap", "Total swap"))
    )


def _int(text: str) -> int | None:
    try:
        return int(text, 0)
    except ValueError:
        return None


def parse_events(lines: Iterable[KernelLine]) -> Iterator[OomEvent]:
    """Every OOM event in a stream of kernel lines, in order, each yielded as soon as it is complete."""
    parser = OomReportParser()
    for line in lines:
        yield from parser.feed(line)
    yield from parser.finish()

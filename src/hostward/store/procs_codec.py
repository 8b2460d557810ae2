"""Payload of the T_PROCS frame: the top processes of the sample frame just before it.

Kept compact the way the per-process facts change: a process is identified by (pid, start time), which also
tells pid reuse apart; what is fixed for a process (parent, name, command line, user, kernel thread) is written
only when the process first appears in a frame sequence or changes (setproctitle, exec), and the memory
figures are written as differences from the process's previous frame. Both sides restart from scratch at
each sample keyframe, so a reader can start at any keyframe and damage never spreads past the next one.

Layout: uint flags (bit 0: reset), uint count, then per process: uint ref (1 + its position in the previous
frame's list, or 0 followed by uint pid, uint start_ticks), uint bits (bit 0: fixed part follows, bit 1: the
numbers are deltas, bit 2: the four byte counts are in kB, bit 3: the state follows), [fixed part], text state, then the ``_DYNAMIC``
numbers as signed varints (oom_score None is stored as -1: real scores are 0..2000).
"""

from __future__ import annotations

from hostward.collect.procs import ProcessInfo
from hostward.store.framing import Corrupt, Reader, Writer

_DYNAMIC = (
    "rss_bytes",
    "swap_bytes",
    "pgtables_bytes",
    "vm_size_bytes",
    "oom_score_adj",
    "oom_score",
    "has_mm",
    "cap_sys_admin",
    "cap_sys_resource",
)
Key = tuple[int, int]
Fixed = tuple[int, str, tuple[str, ...], int, str, bool]


def _fixed(p: ProcessInfo) -> Fixed:
    return (p.ppid, p.comm, p.cmdline, p.uid, p.user, p.kernel_thread)


def _dynamic(p: ProcessInfo) -> list[int]:
    return [
        p.rss_bytes,  # rss, swap, page tables, vm size: bytes, the first four (see in_kb below)
        p.swap_bytes,
        p.pgtables_bytes,
        p.vm_size_bytes,
        p.oom_score_adj,
        -1 if p.oom_score is None else p.oom_score,
        int(p.has_mm),
        int(p.cap_sys_admin),
        int(p.cap_sys_resource),
    ]


# An entry whose record is the previous frame's very object (the recorder gives an idle process's record again):
# bits 2 | 4 (deltas, in kB), no fixed part, no state, every number 0 (one byte each).
_SAME_BITS = 2 | 4
_SAME_NUMBERS = bytes(len(_DYNAMIC))


class ProcsEncoder:
    def __init__(self) -> None:
        self._fixed: dict[Key, Fixed] = {}
        self._dynamic: dict[Key, list[int]] = {}
        self._state: dict[Key, str] = {}
        self._position: dict[Key, int] = {}
        self._records: dict[Key, ProcessInfo] = {}

    def encode(self, processes: tuple[ProcessInfo, ...], *, reset: bool) -> bytes:
        if reset:
            self._fixed, self._dynamic, self._state, self._position = {}, {}, {}, {}
            self._records = {}
        out = Writer().uint(int(reset)).uint(len(processes))
        fixed_now: dict[Key, Fixed] = {}
        dynamic_now: dict[Key, list[int]] = {}
        state_now: dict[Key, str] = {}
        records = self._records
        for p in processes:
            key = (p.pid, p.start_ticks)
            if records.get(key) is p:
                # What the general path below writes for it: no field differs from the previous frame's.
                out.uint(self._position[key] + 1).uint(_SAME_BITS).buf += _SAME_NUMBERS
                fixed_now[key], dynamic_now[key], state_now[key] = (
                    self._fixed[key],
                    self._dynamic[key],
                    self._state[key],
                )
                continue
            fixed, dynamic = _fixed(p), _dynamic(p)
            prev = self._dynamic.get(key)
            send_fixed = self._fixed.get(key) != fixed
            numbers = [v - prev[i] for i, v in enumerate(dynamic)] if prev is not None else dynamic
            # /proc/PID/status prints kB: the four byte counts are multiples of 1024, store them in kB.
            in_kb = all(v % 1024 == 0 for v in numbers[:4])
            if in_kb:
                numbers = [v // 1024 for v in numbers[:4]] + numbers[4:]
            send_state = self._state.get(key) != p.state
            bits = (
                int(send_fixed)
                | (2 if prev is not None else 0)
                | (4 if in_kb else 0)
                | (8 if send_state else 0)
            )
            position = self._position.get(key)
            if position is not None:
                out.uint(position + 1)
            else:
                out.uint(0).uint(p.pid).uint(p.start_ticks)
            out.uint(bits)
            if send_fixed:
                ppid, comm, cmdline, uid, user, kthread = fixed
                out.uint(ppid).text(comm).uint(len(cmdline))
                for arg in cmdline:
                    out.text(arg)
                out.uint(uid).text(user).uint(int(kthread))
            if send_state:
                out.text(p.state)
            for value in numbers:
                out.sint(value)
            fixed_now[key], dynamic_now[key], state_now[key] = fixed, dynamic, p.state
        self._fixed, self._dynamic, self._state = fixed_now, dynamic_now, state_now
        self._position = {(p.pid, p.start_ticks): i for i, p in enumerate(processes)}
        self._records = {(p.pid, p.start_ticks): p for p in processes}
        return out.bytes()


class ProcsDecoder:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._fixed: dict[Key, Fixed] = {}
        self._dynamic: dict[Key, list[int]] = {}
        self._state: dict[Key, str] = {}
        self._order: list[Key] = []

    def decode(self, payload: bytes | memoryview) -> tuple[ProcessInfo, ...]:
        r = Reader(payload)
        flags = r.uint()
        if flags & ~1:
            raise Corrupt(f"unknown process frame flags {flags:#x}")
        if flags & 1:
            self.reset()
        fixed_now: dict[Key, Fixed] = {}
        dynamic_now: dict[Key, list[int]] = {}
        state_now: dict[Key, str] = {}
        result: list[ProcessInfo] = []
        for _ in range(r.count(1 << 16)):
            ref = r.uint()
            if ref == 0:
                pid, start = r.uint(), r.uint()
            elif ref <= len(self._order):
                pid, start = self._order[ref - 1]
            else:
                raise Corrupt(f"process reference {ref} beyond the previous frame's {len(self._order)}")
            key = (pid, start)
            bits = r.uint()
            if bits & ~15:
                raise Corrupt("bad process entry bits")
            if bits & 1:
                ppid, comm = r.uint(), r.text()
                cmdline = tuple(r.text() for _ in range(r.count(1 << 16)))
                fixed: Fixed = (ppid, comm, cmdline, r.uint(), r.text(), bool(r.uint()))
            elif key in self._fixed:
                fixed = self._fixed[key]
            else:
                raise Corrupt(f"process {pid} refers to details never written")
            if bits & 8:
                state = r.text()
            elif key in self._state:
                state = self._state[key]
            else:
                raise Corrupt(f"process {pid} refers to a state never written")
            numbers = [r.sint() for _ in _DYNAMIC]
            if bits & 4:
                numbers = [v * 1024 for v in numbers[:4]] + numbers[4:]
            if bits & 2:
                prev = self._dynamic.get(key)
                if prev is None:
                    raise Corrupt(f"process {pid} is a delta without a base")
                numbers = [p + d for p, d in zip(prev, numbers, strict=True)]
            fixed_now[key], dynamic_now[key], state_now[key] = fixed, numbers, state
            rss, swap, pgtables, vm_size, adj, score, has_mm, cap_admin, cap_resource = numbers
            ppid, comm, cmdline, uid, user, kthread = fixed
            result.append(
                ProcessInfo(
                    pid=pid,
                    ppid=ppid,
                    comm=comm,
                    state=state,
                    cmdline=cmdline,
                    uid=uid,
                    user=user,
                    kernel_thread=kthread,
                    has_mm=bool(has_mm),
                    rss_bytes=rss,
                    swap_bytes=swap,
                    pgtables_bytes=pgtables,
                    vm_size_bytes=vm_size,
                    oom_score_adj=adj,
                    oom_score=None if score == -1 else score,
                    start_ticks=start,
                    cap_sys_admin=bool(cap_admin),
                    cap_sys_resource=bool(cap_resource),
                )
            )
        r.done()
        self._fixed, self._dynamic, self._state = fixed_now, dynamic_now, state_now
        self._order = [(p.pid, p.start_ticks) for p in result]
        return tuple(result)

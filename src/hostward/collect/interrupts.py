"""Interrupts per CPU for sar -I, from /proc/interrupts as sadc reads it (rd_stats.c read_stat_irq, 12.6).

The file starts with a header naming the online CPUs ("CPU0 CPU1 CPU3", an offline CPU has no column), then one
line per interrupt: a name before the colon ("24", "NMI", "LOC"; sadc keeps at most 7 characters), then one
count per online CPU, then the controller and the devices. ERR and MIS have a single count (system-wide); the
CPUs after it read as 0, as sadc's strtoul gives on the rest of the line.

Counts are kept per CPU number from 0 to the highest online one (an offline CPU's column reads 0, as in sadc's
buffer); sar's "all" column and "sum" line are sums computed when reporting, in 32-bit arithmetic as sadc keeps
them (``unsigned int irq_nr``).
"""

from __future__ import annotations

from collections.abc import Callable

from hostward.frozen import frozen

NAME_CHARS = 7  # rd_stats.h MAX_SA_IRQ_LEN 8, with the terminating NUL
IRQ_MASK = 0xFFFFFFFF  # struct stats_irq's irq_nr is an unsigned int


@frozen
class Interrupts:
    """``counts[i * cpus + c]`` is how many times interrupt ``names[i]`` was taken on CPU ``c`` since boot."""

    names: tuple[str, ...]
    cpus: int  # columns per interrupt: highest online CPU number + 1
    counts: tuple[int, ...]

    def count(self, index: int, cpu: int) -> int:
        return self.counts[index * self.cpus + cpu]

    def per_cpu_sums(self) -> tuple[int, ...]:
        """The "sum" line: every interrupt taken on each CPU (sadc's st_cpu_sum, modulo 2**32)."""
        cpus, counts = self.cpus, self.counts
        return tuple(sum(counts[c::cpus]) & IRQ_MASK for c in range(cpus))

    def all_cpus(self, index: int) -> int:
        """The "all" column of one interrupt (sadc's st_cpuall_irq, modulo 2**32)."""
        start = index * self.cpus
        return sum(self.counts[start : start + self.cpus]) & IRQ_MASK


def _cpu_numbers(header: str) -> list[int]:
    """The CPU numbers of the header line, as sadc finds them ("CPU" then digits, anywhere on the line)."""
    found: list[int] = []
    for part in header.split("CPU")[1:]:
        digits = ""
        for ch in part:
            if not ch.isascii() or not ch.isdigit():
                break
            digits += ch
        if not digits:
            return []
        found.append(int(digits))
    return found


class LineMemo:
    """The parsed lines of the last text read (the recorder's, issue 17): between two samples most interrupt
    lines read the same (a timer's and a few devices' counts move), and a line's name and counts depend only on
    the line and the header's CPUs, so a line seen at the last sample is not parsed again."""

    __slots__ = ("cpu_ids", "rows")

    def __init__(self) -> None:
        self.cpu_ids: list[int] = []
        self.rows: dict[str, tuple[str, list[int]]] = {}


def parse_interrupts(text: str | None, memo: LineMemo | None = None) -> Interrupts | None:
    """None when there is no file or no header line (sadc then records no interrupts). With ``memo``, lines
    read at its last call are taken from it (the result is the same)."""
    lines = (text or "").splitlines()
    cpu_ids: list[int] = []
    start = 0
    while start < len(lines) and not cpu_ids:
        cpu_ids = _cpu_numbers(lines[start])
        start += 1
    if not cpu_ids or len(cpu_ids) > 8192 or max(cpu_ids) >= 8192:  # sysstat's NR_CPUS
        return None
    cpus = max(cpu_ids) + 1
    contiguous = cpu_ids == list(range(cpus))  # every CPU online: a line's counts are its first words
    known: dict[str, tuple[str, list[int]]] = {}
    if memo is not None and memo.cpu_ids == cpu_ids:
        known = memo.rows
    seen: dict[str, tuple[str, list[int]]] = {}
    names: list[str] = []
    counts: list[int] = []
    for line in lines[start:]:
        parsed = known.get(line)
        if parsed is None:
            label, colon, rest = line.partition(":")
            if not colon:
                continue
            parsed = label.lstrip(" ")[:NAME_CHARS], _row(rest, cpu_ids, cpus, contiguous)
        seen[line] = parsed
        names.append(parsed[0])
        counts += parsed[1]
    if memo is not None:
        memo.cpu_ids, memo.rows = cpu_ids, seen
    if counts and max(counts) > IRQ_MASK:
        counts = [n & IRQ_MASK for n in counts]  # sadc stores each in an unsigned int
    return Interrupts(tuple(names), cpus, tuple(counts)) if names else None


def _row(rest: str, cpu_ids: list[int], cpus: int, contiguous: bool) -> list[int]:
    """One interrupt's count per CPU number from the text after its colon."""
    online = len(cpu_ids)
    words = rest.split(None, online)[:online]  # the description after the counts is not split
    joined = "".join(words)
    if contiguous and len(words) == online and joined.isascii() and joined.isdigit():
        return list(map(int, words))  # the common line, read at C speed
    row = [0] * cpus
    for k, cpu in enumerate(cpu_ids):
        word = words[k] if k < len(words) else ""
        if not (word.isascii() and word.isdigit()):
            break  # strtoul stops at the controller's name: this and later CPUs read 0
        row[cpu] = int(word)
    return row


def read_interrupts(
    read_optional: Callable[[str], str | None], memo: LineMemo | None = None
) -> Interrupts | None:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional; ``memo``: see
    parse_interrupts."""
    return parse_interrupts(read_optional("interrupts"), memo)

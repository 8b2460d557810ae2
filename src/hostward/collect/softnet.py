"""Per-CPU network softirq counters for sar -n SOFT, from /proc/net/softnet_stat (rd_stats.c read_softnet, 12.6).

Kernel format (net/core/net-procfs.c softnet_seq_show): one line per online CPU of hexadecimal numbers:
processed, dropped, time_squeeze, five zeros kept for compatibility, cpu_collision (0), received_rps,
flow_limit_count, backlog length (input + process queue), then since 5.10 the CPU number and the two queue
lengths. sadc takes fields 1-3 and 10-12 and gives the lines to the online CPUs in order; hostward takes the
CPU number from field 13 when the line has one, else counts lines the same way.

The counters are 32 bits wide (``unsigned int`` in the kernel and in sadc's structure), so rates and the "all"
sums wrap at 2**32. No file (a kernel without /proc/net/softnet_stat) gives None: nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from hostward.frozen import frozen

MASK = 0xFFFFFFFF
FIELDS = ("cpu", "processed", "dropped", "time_squeeze", "received_rps", "flow_limit", "backlog_len")
WIDTH = len(FIELDS)
_COLUMNS = (0, 1, 2, 9, 10, 11)  # fields sadc reads, in FIELDS order after "cpu"


@frozen
class Softnet:
    """``values[i * WIDTH : (i + 1) * WIDTH]`` is line ``i``: its CPU number then the six counters of FIELDS."""

    values: tuple[int, ...]

    @property
    def lines(self) -> int:
        return len(self.values) // WIDTH

    def line(self, index: int) -> tuple[int, ...]:
        return self.values[index * WIDTH : (index + 1) * WIDTH]

    def total(self) -> tuple[int, ...]:
        """CPU "all": each counter summed over the CPUs, modulo 2**32 as sadc's unsigned int."""
        return tuple(sum(self.values[k::WIDTH]) & MASK for k in range(1, WIDTH))


def parse_softnet(text: str | None) -> Softnet | None:
    if text is None:
        return None
    values: list[int] = []
    for number, line in enumerate(text.splitlines()):
        words = line.split()
        if not words:
            continue
        try:
            numbers = [int(word, 16) & MASK for word in words]
        except ValueError:
            continue  # not the kernel's format: the line is left out
        cpu = numbers[12] if len(numbers) > 12 else number
        values.append(cpu)
        values += (numbers[k] if k < len(numbers) else 0 for k in _COLUMNS)
    return Softnet(tuple(values))


def read_softnet(read_optional: Callable[[str], str | None]) -> Softnet | None:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional."""
    return parse_softnet(read_optional("net/softnet_stat"))

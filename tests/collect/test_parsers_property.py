"""Property tests of every /proc parser: kernel-formatted text round-trips, and any text at all either parses
or raises CollectError (never IndexError, ValueError & co.)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hostward.collect.cpu import CPU_FIELDS, parse_stat
from hostward.collect.disk import parse_diskstats
from hostward.collect.load import parse_loadavg, parse_uptime
from hostward.collect.memory import parse_meminfo, parse_vmstat
from hostward.collect.net import parse_net_dev
from hostward.collect.pressure import parse_pressure
from hostward.errors import CollectError

u64 = st.integers(min_value=0, max_value=2**64 - 1)
hundredths = st.integers(min_value=0, max_value=10**8).map(lambda v: v / 100)
PARSERS: list[Callable[[str], Any]] = [
    parse_stat,
    parse_loadavg,
    parse_uptime,
    parse_meminfo,
    parse_vmstat,
    parse_diskstats,
    parse_net_dev,
    parse_pressure,
]
# Text made of the characters /proc files are made of, so the parsers get past their first checks.
proc_text = st.text(
    alphabet=st.sampled_from(list("cpu0123456789 :.=/\nkBavgsomefulltotalintrxe-")), max_size=300
)


@settings(max_examples=300)
@given(text=st.one_of(proc_text, st.text(max_size=200)), which=st.sampled_from(range(len(PARSERS))))
def test_any_text_parses_or_raises_collect_error(text: str, which: int) -> None:
    with contextlib.suppress(CollectError):
        PARSERS[which](text)


@given(
    cpus=st.lists(st.lists(u64, min_size=10, max_size=10), min_size=1, max_size=8),
    ncols=st.integers(min_value=4, max_value=10),
    ctxt=u64,
    btime=st.integers(min_value=0, max_value=2**40),
)
def test_stat_round_trip(cpus: list[list[int]], ncols: int, ctxt: int, btime: int) -> None:
    lines = ["cpu  " + " ".join(map(str, cpus[0][:ncols]))]
    lines += [f"cpu{i} " + " ".join(map(str, c[:ncols])) for i, c in enumerate(cpus[1:])]
    lines += [f"ctxt {ctxt}", f"btime {btime}", "intr 5 1 2 3"]
    stat = parse_stat("\n".join(lines) + "\n")
    expected = dict(zip(CPU_FIELDS, cpus[0][:ncols] + [0] * (10 - ncols), strict=True))
    assert {f: getattr(stat.all, f) for f in CPU_FIELDS} == expected
    assert len(stat.per_cpu) == len(cpus) - 1
    assert (stat.context_switches, stat.boot_time, stat.interrupts) == (ctxt, btime, 5)


@given(
    loads=st.lists(hundredths, min_size=3, max_size=3),
    running=st.integers(0, 10**6),
    threads=st.integers(0, 10**7),
)
def test_loadavg_round_trip(loads: list[float], running: int, threads: int) -> None:
    text = f"{loads[0]:.2f} {loads[1]:.2f} {loads[2]:.2f} {running}/{threads} 4242\n"
    load = parse_loadavg(text)
    assert (load.load1, load.load5, load.load15) == tuple(loads)
    assert (load.runnable, load.threads, load.last_pid) == (running, threads, 4242)


@given(up=hundredths, idle=hundredths)
def test_uptime_round_trip(up: float, idle: float) -> None:
    assert parse_uptime(f"{up:.2f} {idle:.2f}\n").uptime_seconds == up


@given(
    values=st.dictionaries(st.sampled_from(["MemTotal", "MemFree", "MemAvailable", "Cached", "Dirty"]), u64)
)
def test_meminfo_round_trip(values: dict[str, int]) -> None:
    values.setdefault("MemTotal", 1)
    text = "".join(f"{k}:{v:>16} kB\n" for k, v in values.items()) + "HugePages_Total:       7\n"
    mem = parse_meminfo(text)
    assert mem.mem_total_kb == values["MemTotal"]
    assert mem.mem_available_kb == values.get("MemAvailable", 0)
    assert ("MemAvailable" in mem.missing) == ("MemAvailable" not in values)
    assert mem.hugepages_total == 7


@given(zones=st.lists(u64, min_size=1, max_size=5), fault=u64)
def test_vmstat_sums_split_counters(zones: list[int], fault: int) -> None:
    text = f"pgfault {fault}\n" + "".join(f"pgsteal_zone{i} {v}\n" for i, v in enumerate(zones))
    vm = parse_vmstat(text)
    assert vm.pgfault == fault and vm.pgsteal == sum(zones)


@given(
    counters=st.lists(st.lists(u64, min_size=17, max_size=17), min_size=1, max_size=5), short=st.booleans()
)
def test_diskstats_round_trip(counters: list[list[int]], short: bool) -> None:
    width = 11 if short else 17
    text = "".join(
        f" 8 {i * 16} sd{chr(97 + i)} " + " ".join(map(str, c[:width])) + "\n" for i, c in enumerate(counters)
    )
    disks = parse_diskstats(text)
    assert [d.read_ios for d in disks] == [c[0] for c in counters]
    assert [d.queue_ticks_ms for d in disks] == [c[10] for c in counters]
    assert [d.discard_ticks_ms for d in disks] == [0 if short else c[14] for c in counters]


@given(
    devices=st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True),
        st.lists(u64, min_size=16, max_size=16),
        max_size=5,
    )
)
def test_net_dev_round_trip(devices: dict[str, list[int]]) -> None:
    text = "Inter-| header\n face |bytes\n" + "".join(
        f"{n:>6}: " + " ".join(map(str, c)) + "\n" for n, c in devices.items()
    )
    nets = {n.name: n for n in parse_net_dev(text)}
    assert set(nets) == set(devices)
    for name, counters in devices.items():
        assert nets[name].rx_bytes == counters[0] and nets[name].tx_compressed == counters[15]


@given(
    avgs=st.lists(hundredths, min_size=6, max_size=6),
    totals=st.lists(u64, min_size=2, max_size=2),
    full=st.booleans(),
)
def test_pressure_round_trip(avgs: list[float], totals: list[int], full: bool) -> None:
    text = f"some avg10={avgs[0]:.2f} avg60={avgs[1]:.2f} avg300={avgs[2]:.2f} total={totals[0]}\n"
    if full:
        text += f"full avg10={avgs[3]:.2f} avg60={avgs[4]:.2f} avg300={avgs[5]:.2f} total={totals[1]}\n"
    p = parse_pressure(text)
    assert (p.some.avg10, p.some.avg300, p.some.total_us) == (avgs[0], avgs[2], totals[0])
    assert (p.full is not None) == full
    if p.full is not None:
        assert p.full.total_us == totals[1] and p.full.avg60 == avgs[4]

"""What one of sadc's -S keywords costs, sadc against `hostward record` (default INT: sar -I, every interrupt
per CPU): each recorder runs with -S BASE and with -S BASE,<KEYWORD> (BASE default DISK), all four started
together, at 1 s.

Printed per sample: steady on-CPU time (ms, start-up excluded: bench/_peers.py) and bytes on disk, live and
xz-compressed (header removed by differencing with a 1-sample run); then the keyword's own cost for each tool
and hostward / sadc on the same set. Both recorders also collect sadc's default set (which includes -y's
serial lines) in every run. IPV6 (sar -n SOCK6 and the five /proc/net/snmp6 reports, IP6 ... UDP6) is measured
on top of SNMP: sadc reads /proc/net/snmp6 once per activity (five times a sample), hostward once.

Usage: .venv/bin/python bench/record_group.py [--keyword INT] [--base DISK] [--samples N]   (about N + 3 s)
Example: .venv/bin/python bench/record_group.py --keyword IPV6 --base DISK,SNMP --samples 40
"""

from __future__ import annotations

import argparse
import lzma
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import SADC, Run, finish_all, start


def runs(work: Path, count: int, sets: tuple[str, str]) -> dict[str, Run]:
    record = [sys.executable, "-m", "hostward", "record", "-i", "1", "-c", str(count), "--no-housekeeping"]
    started = []
    for keywords in sets:
        sa, hw = work / f"sa-{keywords}-{count}", work / f"hw-{keywords}-{count}"
        started.append(start(f"sadc {keywords}", [SADC, "-S", keywords, "1", str(count), str(sa)], sa))
        started.append(
            start(f"hostward {keywords}", [*record, "-S", keywords, "-d", str(hw)], hw,
                  HOSTWARD_RECORD_TOP_PROCESSES="0")
        )  # fmt: skip
    return finish_all(started, count)


def xz_size(path: Path) -> int:
    return len(lzma.compress(path.read_bytes(), preset=6))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keyword", default="INT", help="sadc's -S keyword to measure (default INT)")
    parser.add_argument("--base", default="DISK", help="the -S set measured without it (default DISK)")
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    n, sets = args.samples, (args.base, f"{args.base},{args.keyword}")
    if n < 2:
        parser.error("--samples must be 2 or more")
    with tempfile.TemporaryDirectory() as tmp:
        once, many = runs(Path(tmp), 1, sets), runs(Path(tmp), n, sets)
        rows = {
            name: (
                run.steady_ms_per_second,
                (run.size - once[name].size) / (n - 1),
                (xz_size(run.file) - xz_size(once[name].file)) / (n - 1),
            )
            for name, run in many.items()
        }
    print(f"per sample, {n} samples at 1 s:          CPU ms   bytes   bytes.xz")
    for name, (cpu, raw, packed) in rows.items():
        print(f"  {name:<33} {cpu:7.3f} {raw:7.1f} {packed:9.1f}")
    for tool in ("sadc", "hostward"):
        small, big = rows[f"{tool} {sets[0]}"], rows[f"{tool} {sets[1]}"]
        print(
            f"  {args.keyword} group, {tool:<8}               {big[0] - small[0]:+7.3f} {big[1] - small[1]:+7.1f} "
            f"{big[2] - small[2]:+9.1f}"
        )
    for keywords in sets:
        hw, sa = rows[f"hostward {keywords}"], rows[f"sadc {keywords}"]
        print(
            f"  ratio hostward / sadc -S {keywords:<15} CPU {hw[0] / sa[0]:5.2f}   live {hw[1] / sa[1]:5.2f}   "
            f"xz {hw[2] / sa[2]:5.2f}"
        )
    print("  (target: hostward / sadc <= 1 on the same set)")


if __name__ == "__main__":
    main()

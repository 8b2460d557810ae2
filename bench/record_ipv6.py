"""What sadc's IPV6 keyword costs (sar -n SOCK6 and the five /proc/net/snmp6 reports, IP6 ... UDP6): sadc and
`hostward record` each run with -S DISK,SNMP and with -S DISK,SNMP,IPV6, all four started together, at 1 s.

Printed per sample: steady on-CPU time (ms, start-up excluded: bench/_peers.py) and bytes on disk, live and
xz-compressed (header removed by differencing with a 1-sample run); then the cost of the IPV6 group alone
and hostward / sadc on the same set. sadc reads /proc/net/snmp6 once per activity (five times a sample);
hostward once.

Usage: .venv/bin/python bench/record_ipv6.py [--samples N]   (takes about N + 3 seconds)
"""

from __future__ import annotations

import argparse
import lzma
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import SADC, Run, finish_all, start

SETS = ("DISK,SNMP", "DISK,SNMP,IPV6")


def runs(work: Path, count: int) -> dict[str, Run]:
    record = [sys.executable, "-m", "hostward", "record", "-i", "1", "-c", str(count), "--no-housekeeping"]
    started = []
    for keywords in SETS:
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
    parser.add_argument("--samples", type=int, default=60)
    n = parser.parse_args().samples
    with tempfile.TemporaryDirectory() as tmp:
        once, many = runs(Path(tmp), 1), runs(Path(tmp), n)
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
        small, big = rows[f"{tool} {SETS[0]}"], rows[f"{tool} {SETS[1]}"]
        print(
            f"  IPV6 group, {tool:<8}              {big[0] - small[0]:+7.3f} {big[1] - small[1]:+7.1f} "
            f"{big[2] - small[2]:+9.1f}"
        )
    for keywords in SETS:
        hw, sa = rows[f"hostward {keywords}"], rows[f"sadc {keywords}"]
        print(
            f"  ratio hostward / sadc -S {keywords:<15} CPU {hw[0] / sa[0]:5.2f}   live {hw[1] / sa[1]:5.2f}   "
            f"xz {hw[2] / sa[2]:5.2f}"
        )
    print("  (target: hostward / sadc <= 1 on the same set)")


if __name__ == "__main__":
    main()

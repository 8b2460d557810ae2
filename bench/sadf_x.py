"""Writing XML: `hostward sadf -x` against sysstat's `sadf -x` on the same samples.

The same samples: ``--record N`` runs ``sadc -S XALL 1 N`` and imports its file with ``hostward import``, so
both programs read exactly the same counters (or pass an sa file with ``--sa``; it is imported the same way).
The commands take turns in each of ``--repeat`` rounds, so load elsewhere on the machine hits them alike; the
medians of CPU time (user + system, start-up included) and wall time are compared, for the whole
document (``-- -A``) and for the default report (``-- -u``). The outputs are checked equal once first. (No
peak RSS: wait4 counts the pages the child had when forked from this process, before exec.)

Usage: .venv/bin/python bench/sadf_x.py --record 300 [--repeat 5]
       .venv/bin/python bench/sadf_x.py --sa FILE [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import SADC, SRC
from sar_report import Measure, run_once

REPORTS = (["-A"], ["-u"])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--record", type=int, default=0, metavar="N", help="record N seconds with sadc first")
    parser.add_argument("--sa", type=Path, help="an existing sysstat file")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hw-bench-sadf-x-"))
    env = dict(os.environ, LANG="C", LC_ALL="C", TZ="UTC", HOSTWARD_CONFIG=os.devnull, PYTHONPATH=str(SRC))
    try:
        if args.record:
            sa = work / "sa"
            subprocess.run([SADC, "-S", "XALL", "1", str(args.record), str(sa)], check=True, env=env)
        elif args.sa:
            sa = args.sa
        else:
            parser.error("give --record N or --sa FILE")
        hostward = [sys.executable, "-m", "hostward"]
        subprocess.run(
            [*hostward, "import", "--data-dir", str(work / "data"), str(sa)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        (hw,) = sorted((work / "data").glob("hw*"))
        return compare(sa, hw, args.repeat, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare(sa: Path, hw: Path, repeat: int, env: dict[str, str]) -> int:
    cases = {
        " ".join(report): {
            "sadf": ["sadf", "-x", str(sa), "--", *report],
            "hostward": [sys.executable, "-m", "hostward", "sadf", "-x", str(hw), "--", *report],
        }
        for report in REPORTS
    }
    for name, commands in cases.items():
        outs = [
            subprocess.run(argv, capture_output=True, env=env, check=True).stdout
            for argv in commands.values()
        ]
        same = "byte-identical" if outs[0] == outs[1] else "DIFFERENT"
        print(f"sadf -x -- {name}: {len(outs[0]) / 1e6:.2f} MB, outputs {same}")
    results = {case: {name: Measure([], [], []) for name in commands} for case, commands in cases.items()}
    for _ in range(repeat):
        for case, commands in cases.items():
            for name, argv in commands.items():
                cpu, wall, rss, size = run_once(argv, env)
                m = results[case][name]
                m.cpu.append(cpu)
                m.wall.append(wall)
                m.rss_mib.append(rss)
                m.out_bytes = size
    med = statistics.median
    print(f"{repeat} interleaved rounds, medians")
    for case, measures in results.items():
        print(f"sadf -x -- {case}:")
        for name, m in measures.items():
            print(f"  {name:<9} cpu {med(m.cpu) * 1e3:8.1f} ms  wall {med(m.wall) * 1e3:8.1f} ms")
        ours, theirs = measures["hostward"], measures["sadf"]
        print(f"  ratio hostward / sadf  cpu {med(ours.cpu) / med(theirs.cpu):6.2f}  "
              f"wall {med(ours.wall) / med(theirs.wall):6.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

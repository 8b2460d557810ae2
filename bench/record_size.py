"""Bytes per sample on disk: hostward's data file against sadc's sa file on the same activity sets, live and
xz-compressed (the form of closed days after compress_after_days / COMPRESSAFTER), from runs started side by
side (record_cost.side_by_side: sadc -S SET against hostward record -S SET with 0 and 10 top processes, for
DISK, DISK,SNMP,IPV6 and XALL).

Per-sample figures remove the file header by differencing a run of N samples with a run of 1 sample.

Usage: .venv/bin/python bench/record_size.py [--samples N] [--sets DISK,DISK+SNMP+IPV6,XALL]
       (takes about 2 * (N + 5) seconds)
"""

from __future__ import annotations

import argparse
import lzma
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_cost import SETS, reference_of, side_by_side


def xz_size(path: Path) -> int:
    # The same compressor sa2 uses for sysstat (xz, default preset) and hostward's housekeeping uses.
    return len(lzma.compress(path.read_bytes(), preset=6))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=120)
    parser.add_argument("--sets", default=",".join(s.replace(",", "+") for s in SETS))
    args = parser.parse_args()
    n = args.samples
    sets = tuple(s.replace("+", ",") for s in args.sets.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        once = side_by_side(work / "once", 1, sets, None)
        many = side_by_side(work / "many", n, sets, None)
        rows = {}
        for name in many:
            raw = (many[name].size - once[name].size) / (n - 1)
            packed_total = xz_size(many[name].file)
            packed = (packed_total - xz_size(once[name].file)) / (n - 1)
            rows[name] = (raw, packed, many[name].size, packed_total)
    print(f"bytes per sample, {n} samples at 1 s (header removed by differencing with a 1-sample run):")
    print(f"  {'':<30} {'live':>9} {'xz':>9}   {'file':>9} {'file.xz':>9}")
    for name, (raw, packed, total, packed_total) in rows.items():
        print(f"  {name:<30} {raw:9.1f} {packed:9.1f}   {total:9d} {packed_total:9d}")
    for name, hw in rows.items():
        ref = reference_of(name, sets)
        if ref is None or ref not in rows:
            continue
        r = rows[ref]
        print(
            f"  ratio {name:<30} / {ref:<20} live {hw[0] / r[0]:5.2f}   xz {hw[1] / r[1]:5.2f}   "
            f"whole file.xz {hw[3] / r[3]:5.2f}"
        )
    print("  (target: hostward / sadc <= 1; the top10 rows also store 10 processes per sample, sadc none)")


if __name__ == "__main__":
    main()

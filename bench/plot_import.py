"""Import speed and full-day graphs: `hostward import` / `hostward plot` beside sysstat's own tools.

What is measured, and how:

1. **A full day of real-format sysstat data.** A day at 10 s is 8640 records; recording one takes a day, so the
   script records 3 real records with ``sadc -S DISK 1 3`` and replicates the last one 8640 times with sadc's
   record headers (uptime, time of day) and the CPU / context-switch counters advanced, giving a file that
   sar, sadf and hostward all read (checked: ``sar -u`` must print 8639 rows).
2. **sa import (samples/s)**: ``import_files`` of that file into an empty store (decode + write day files),
   beside ``sar -A -f`` reading the same file (a reference for "reading a day", not the same work).
3. **sar -A text import (MB/s)**: ``sar -A -f`` of the day in LANG=C, imported as text.
4. **A full day as graphs**: ``hostward plot --date DAY -o day.pdf`` (every activity, contents page; wall time
   including interpreter start-up) beside ``sadf -g -O showtoc day -- -A`` (sysstat's SVG of every activity
   of the file). Best of ``--repeat`` runs. Ratios are hostward / sysstat (below 1: hostward is faster).

Usage: /work/venv/bin/python bench/plot_import.py [--repeat 3] [--records 8640] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hostward.store.sysstat import import_files
from hostward.store.sysstat.sa_format import R_STATS, located_stats, parse_sa

SRC = Path(__file__).resolve().parents[1] / "src"
DAY = dt.date(2026, 11, 26)


def find(name: str) -> str:
    path = shutil.which(name) or (
        f"/usr/lib/sysstat/{name}" if Path(f"/usr/lib/sysstat/{name}").exists() else None
    )
    if path is None:
        sys.exit(f"{name} is not installed")
    return path


def synthesize_day(directory: Path, records: int) -> Path:
    """A sysstat file of ``records`` records 10 s apart on DAY (see the module docstring)."""
    seed = directory / "seed"
    subprocess.run(
        [find("sadc"), "-S", "DISK", "1", "3", str(seed)], check=True, env={**os.environ, "TZ": "UTC"}
    )
    data = seed.read_bytes()
    sa = parse_sa(data, str(seed))
    stats = [r for r in sa.records if r.record_type == R_STATS]
    last = stats[-1]
    head = data[: sa.records[0].offset]
    template = bytearray(data[last.offset :])
    # Where each activity's structures start inside the record (after the 24-byte header).
    offsets: dict[int, int] = {}
    pos = 24
    for act, at, count in located_stats(sa, last):
        offsets[act.id] = at - last.offset
        pos = at - last.offset + count * act.size * act.nr2
    template = template[:pos]
    cpu_act, _, cpu_count = next(x for x in located_stats(sa, last) if x[0].id == 1)
    start = int(dt.datetime(DAY.year, DAY.month, DAY.day, tzinfo=dt.UTC).timestamp()) + 5
    out = bytearray(head)
    for i in range(records):
        rec = bytearray(template)
        t = start + 10 * i
        struct.pack_into("<QQ", rec, 0, last.uptime_cs + 1000 * i, t)
        struct.pack_into("<BBB", rec, 21, (t // 3600) % 24, (t // 60) % 60, t % 60)
        for k in range(cpu_count):  # user += 3 s, idle += 7 s per CPU per record: 30 % busy
            base = offsets[1] + k * cpu_act.size
            user, idle = struct.unpack_from("<Q", rec, base)[0], struct.unpack_from("<Q", rec, base + 24)[0]
            struct.pack_into("<Q", rec, base, user + 300 * i * (cpu_count - 1 if k == 0 else 1))
            struct.pack_into("<Q", rec, base + 24, idle + 700 * i * (cpu_count - 1 if k == 0 else 1))
        ctx = struct.unpack_from("<Q", rec, offsets[2])[0]
        struct.pack_into("<Q", rec, offsets[2], ctx + 20000 * i)
        out += rec
    day = directory / f"sa{DAY:%Y%m%d}"
    day.write_bytes(bytes(out))
    rows = subprocess.run(
        [find("sar"), "-u", "-f", str(day)], capture_output=True, text=True, check=True, env=_env()
    )
    printed = sum(
        1 for line in rows.stdout.splitlines() if " all " in line and not line.startswith("Average")
    )
    if printed != records - 1:
        sys.exit(f"synthetic file is not what sar expects: {printed} rows for {records} records")
    return day


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update({"LANG": "C", "TZ": "UTC", "PYTHONPATH": str(SRC)})
    return env


def best(repeat: int, fn: object) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--records", type=int, default=8640)
    parser.add_argument("--keep", type=Path, help="keep the files in this directory")
    opts = parser.parse_args()
    os.environ["TZ"] = "UTC"
    time.tzset()
    work = opts.keep or Path(tempfile.mkdtemp(prefix="hw-bench-plot-"))
    work.mkdir(parents=True, exist_ok=True)
    sa = synthesize_day(work, opts.records)
    sar, sadf = find("sar"), find("sadf")
    env = _env()

    def fresh(name: str) -> Path:
        path = work / name
        shutil.rmtree(path, ignore_errors=True)
        return path

    t_sa = best(opts.repeat, lambda: import_files([sa], fresh("store-sa")))
    t_sar_read = best(
        opts.repeat,
        lambda: subprocess.run([sar, "-A", "-f", str(sa)], stdout=subprocess.DEVNULL, env=env, check=True),
    )
    text = work / "sar-A.txt"
    text.write_bytes(
        subprocess.run([sar, "-A", "-f", str(sa)], capture_output=True, env=env, check=True).stdout
    )
    mb = text.stat().st_size / 1e6
    t_text = best(opts.repeat, lambda: import_files([text], fresh("store-text")))
    store = work / "store-sa"
    pdf = work / "day.pdf"
    plot = [
        sys.executable,
        "-c",
        "import sys; from hostward.cli.plot import run; sys.exit(run(sys.argv[1:]))",
    ]
    t_plot = best(opts.repeat, lambda: subprocess.run(
        [*plot, "--data-dir", str(store), "--date", DAY.isoformat(), "-o", str(pdf)], env=env, check=True,
        stdout=subprocess.DEVNULL))  # fmt: skip
    svg = work / "day.svg"
    t_sadf = best(opts.repeat, lambda: svg.write_bytes(subprocess.run(
        [sadf, "-g", "-O", "showtoc", str(sa), "--", "-A"], capture_output=True, env=env, check=True).stdout))  # fmt: skip

    print(
        f"data: {opts.records} records at 10 s ({DAY}), {sa.stat().st_size / 1e6:.1f} MB sa file, {mb:.1f} MB of sar -A text"
    )
    print(f"{'measure':44} {'hostward':>12} {'sysstat':>12} {'ratio':>7}")
    print(f"{'sa import (decode + write day files), s':44} {t_sa:12.2f} {'':>12} {'':>7}")
    print(f"{'  samples/s':44} {opts.records / t_sa:12.0f} {'':>12} {'':>7}")
    print(
        f"{'  vs sar -A -f reading the same file, s':44} {t_sa:12.2f} {t_sar_read:12.2f} {t_sa / t_sar_read:7.2f}"
    )
    print(f"{'sar -A text import, s':44} {t_text:12.2f} {'':>12} {'':>7}")
    print(f"{'  MB/s':44} {mb / t_text:12.2f} {'':>12} {'':>7}")
    print(
        f"{'full day as graphs (PDF vs sadf -g SVG), s':44} {t_plot:12.2f} {t_sadf:12.2f} {t_plot / t_sadf:7.2f}"
    )
    print(
        f"{'  output size, MB':44} {pdf.stat().st_size / 1e6:12.2f} {svg.stat().st_size / 1e6:12.2f} {'':>7}"
    )
    print(f"files in {work}" if opts.keep else "")
    if not opts.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

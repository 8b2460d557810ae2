"""``hostward sadf``: recorded activity as sadf -d (CSV), -j (JSON), -p (awk), -x (XML) or -g (SVG)."""

from __future__ import annotations

import sys

from hostward.cli.sar_args import SarArgs, check_power, parse_sar_args
from hostward.cli.sar_data import NOTHING_RECORDED_HINT, file_options, load_data
from hostward.cli.sar_options import disk_names, renamed_data
from hostward.errors import NoRecording, UsageError
from hostward.report.formatting import from_environment
from hostward.report.sadf import SadfFormat, render_csv, render_json
from hostward.report.sadf_p import render_ppc
from hostward.report.sadf_x import render_xml
from hostward.report.selection import NO_TTY_ROWS
from hostward.store.model import DayData

HELP = """\
usage: hostward sadf {-d | -j | -p | -x | -g} [-t | -U] [-C] [-s hh:mm[:ss]] [-e hh:mm[:ss]] [interval [count]]
                     [FILE | DIR | -N | --date YYYY-MM-DD | --since T [--until T]] [--data-dir DIR]
                     [--dev=NAME[,...]] [--iface=NAME[,...]]
                     [-- SAR ACTIVITY OPTIONS]

Write recorded activity for machines, in sysstat 12.6's sadf formats, computed by the same activity
definitions as 'hostward sar' (default activity: -u).

  -d        one ';'-separated line per sample and item, one block per activity, each opened by
            "# hostname;interval;timestamp;<columns>" (sadf -d); CPU "all" is written -1
  -j        JSON: {"sysstat": {"hosts": [{..., "statistics": [...], "restarts": [...]}]}} with sadf -j's
            key names (cpu-load, memory, queue, io, disk, network/net-dev, ...)
  -p        for awk: one value per line, "host<TAB>interval<TAB>timestamp<TAB>item<TAB>field<TAB>value";
            item is "-" for system-wide reports, "all" or "cpuN" for CPUs, else the device or interface;
            restarts "host<TAB>-1<TAB>time<TAB>LINUX-RESTART<TAB>(N CPU)", comments (-C) "...<TAB>COM text"
  -x        XML as sysstat's sadf -x writes it (DTD 3.11): a <host> header, one <timestamp> per sample
            holding each activity's element (<cpu-load>, <memory>, <network per="second"> ...), then
            <restarts> and, with -C, <comments>; names and comments are escaped for XML
  -g        one SVG document on stdout (sadf -g > day.svg), drawn by 'hostward plot --format svg' and
            stacked one graph under the other; the drawing is hostward's, not sadf's: white SVG
            figures with the series of 'hostward plot', restarts as dashed lines and gaps where
            nothing was recorded, instead of sadf's black 1050x300 panels; sadf's -O options do not apply
  -t, -T    timestamps in local time (default: UTC, written with a " UTC" suffix); for sadf, -t is the
            file creator's zone, which hostward data files do not record: -t is this host's, like -T
  -U        timestamps as seconds since the epoch (UTC), for -d and -p (-j and -x keep dates, as sadf)
  --dev=, --iface=
            only these block devices (-d) or interfaces (-n DEV, EDEV), as 'hostward sar'
  -C        include comments
  -s, -e    time window (time of day, as for sar)
  interval  keep only records close to multiples of interval seconds; count: at most count records

A day with no recording but imported sar/sadf text ('hostward import') is written from the imported rows
(-d only; -j, -p and -x need recorded counters). Data is today's recording by default; FILE or -f FILE reads
one hostward data file, DIR today's file in that directory, -N (-1 ... -99) the day N days ago, --date
one day, --since/--until a range across days (see 'hostward sar --help'). Activity options after "--" are sar's
(-u [ALL], -P, -q, -r [ALL], -S, -W, -B, -b, -d, -n DEV,EDEV, -m CPU, -w, -A), as 'hostward sar --help' lists them.

exit status: 0 on success, 1 on unreadable data, 2 on bad usage.
examples:
  hostward sadf -d -- -u -r           CPU and memory of today as CSV
  hostward sadf -j --date 2026-11-26 -- -A
  hostward sadf -g -- -u -q > today.svg   CPU and load of today as one SVG
  hostward sadf -x -1 -- -n DEV --iface=lo > lo.xml   yesterday's loopback traffic as XML
  hostward sadf -p -1 -- -d | awk -F'\t' '$5 == "%util" && $6 > 80'   busy disks yesterday
"""


def _imported(args: SarArgs, modes: set[str], fmt: SadfFormat) -> int:
    # Imported here: only this path needs the sysstat import store.
    from hostward.cli.import_ import imported_day, imported_options  # noqa: PLC0415
    from hostward.report.imported_sadf import render_imported_csv  # noqa: PLC0415

    day = imported_day(args)
    if day is None:
        raise NoRecording(f"nothing recorded or imported there: {NOTHING_RECORDED_HINT}")
    if "-d" not in modes:
        mode = next(iter(modes))
        raise UsageError(f"sadf {mode} of imported text history is not available: use -d (CSV)")
    for chunk in render_imported_csv(day, imported_options(args, day, NO_TTY_ROWS), fmt):
        sys.stdout.write(chunk)
    return 0


def run(argv: list[str]) -> int:
    if "--" in argv:
        cut = argv.index("--")
        before, after = argv[:cut], argv[cut + 1 :]
    else:
        before, after = argv, []
    args = parse_sar_args(before, sadf=True)
    if args.help or "--help" in after:
        sys.stdout.write(HELP)
        return 0
    modes = {w for w in args.rest if w in ("-d", "-j", "-p", "-x", "-g")}
    if len(modes) != 1:
        raise UsageError(
            "choose exactly one output format: -d (CSV), -j (JSON), -p (awk), -x (XML) or -g (SVG)"
        )
    if "-g" in modes:
        from hostward.cli.sadf_g import run_g  # noqa: PLC0415  (the plotting modules: only for -g)

        return run_g(before, after)
    activities = parse_sar_args(after)
    if activities.interval is not None or activities.file is not None:
        raise UsageError("interval, count and data file go before '--'; only activity options after it")
    check_power(
        activities, from_file=True
    )  # -m FAN ... alone: nothing recorded, as sadf on a file without them
    for name in (
        "flags",
        "cpu_view",
        "memory_view",
        "cpus",
        "all_activities",
        "net_all",
        "pretty",
        "comments",
        "interrupts",
        "devices",
        "ifaces",
        "persistent",
    ):
        value = getattr(activities, name)
        if value:
            setattr(args, name, value)
    fmt = SadfFormat(
        local_time=args.local_time, decimal_point=from_environment().decimal_point, epoch=args.epoch
    )
    try:
        data: DayData = load_data(args)
    except NoRecording:
        # No recording there: history imported from sar/sadf text is written back as sadf would.
        return _imported(args, modes, fmt)
    if args.persistent is not None:
        data = renamed_data(data, disk_names(args.persistent))
    options = file_options(args, data, NO_TTY_ROWS)
    if data.previous is not None and options.start is None and options.end is None:
        data = DayData(data.host, (data.previous, *data.entries))
    if "-j" in modes:
        sys.stdout.write(render_json(data, options, fmt))
    elif "-x" in modes:
        render_xml(data, options, fmt, sys.stdout.write)
    elif "-p" in modes:
        for chunk in render_ppc(data, options, fmt):
            sys.stdout.write(chunk)
    else:
        for chunk in render_csv(data, options, fmt):
            sys.stdout.write(chunk)
    return 0

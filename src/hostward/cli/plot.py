"""``hostward plot``: graphs of recorded (or imported) activity as one PDF report, or PNG/SVG files."""

from __future__ import annotations

import datetime as dt
import lzma
import math
import sys
from pathlib import Path

from hostward.activities import BY_NAME
from hostward.atomic import writing
from hostward.cli.progress import progress_bar
from hostward.cli.sar_args import SarArgs, parse_sar_args
from hostward.cli.sar_data import load_data
from hostward.collect.sample import SystemSample
from hostward.config import load_config
from hostward.errors import HostwardError, StoreError, UsageError
from hostward.frozen import replace
from hostward.gcpause import collector_paused
from hostward.oom.guard.events import events_path, read_events
from hostward.plot.figures import build_figures, file_safe
from hostward.plot.output import FORMATS, save_each, save_figure, save_pdf
from hostward.plot.series import PRESSURE, SeriesSet, merge_marks, series_from_day
from hostward.plot.timeline import event_marks
from hostward.report.engine import sample_parts
from hostward.report.selection import Selected
from hostward.safetext import safe_text
from hostward.store.framing import MAGIC as HW_MAGIC
from hostward.store.model import DayData, Entry
from hostward.validate import NON_EMPTY_PATH, quote

XZ_MAGIC = b"\xfd7zXZ\x00"

HELP = """\
usage: hostward plot [ACTIVITY OPTIONS] [-f FILE | --date YYYY-MM-DD | --since T [--until T]]
                     [--data-dir DIR] [-s hh:mm[:ss]] [-e hh:mm[:ss]]
                     [-o OUTPUT] [--format pdf|png|svg] [--dev LIST] [--iface LIST] [--no-events] [--full-day]

Draw recorded activity as graphs: one PDF report with a contents page (default), or one PNG/SVG file per
graph. Without activity options every activity is drawn: CPU by mode, each CPU, run queue and load, memory,
swap, paging, I/O, each block device, each network interface, network errors, pressure, context switches,
and the clock (offset, error bounds, frequency; clock steps are marked on every graph). Data imported
from sysstat text ('hostward import') is drawn when the day has no recorded samples.

activity options (sar's): -u, -P ALL, -q [PSI|ALL], -r, -S, -W, -B, -b, -d, -n DEV|EDEV|NFS|NFSD|SOCK|IP|EIP|ICMP|EICMP|TCP|
  ETCP|UDP|SOCK6|IP6|EIP6|ICMP6|EICMP6|UDP6|SOFT|ALL,
  -w, -v, -H, -I (interrupts in total), -y, -F, -m CPU|ALL, -A,
  and hostward's --time (the clock) and --cache (one graph per memcached server of [cache] servers)
  --dev LIST        only these block devices (comma-separated, e.g. vda,sdb); alone, it means -d
  --iface LIST      only these network interfaces; alone, it means -n DEV
                    (a name the data does not have is refused with the list of those it has)
time: --date DAY (default today), --since/--until, -s/-e within the day; a window given this way is
  drawn exactly (a --date as 00:00-24:00)
  -f FILE           a hostward data file, or a sysstat one (sa file, sar text, sadf -d), drawn directly
output:
  -o, --output P    PDF file, or directory for PNG/SVG (default: hostward-HOST-DAY.pdf, or ./HOST-DAY/);
                    a .png/.svg name is one file for one graph, and a directory named after it
                    (out.png -> out/) for several
  --format F        pdf, png or svg (default: from the -o suffix, else pdf)
  --no-events       do not draw OOM kills and guard actions from DATA_DIR/events.jsonl
  --full-day        keep the whole day on the time axis even when the data covers a small part of it
                    (without --date/-s/-e/--since, data covering under 6 hours, e.g. a drill, is zoomed
                    to its own extent)

Restarts are dashed red lines; gaps in a line are times the recorder was not running (on a memcached
graph also samples where the server did not answer, and intervals where its counters were reset).
Percentages are drawn on a fixed 0-100 axis; lines of one panel have their own dash pattern, so equal
series stay visible.
%ifutil is left out (with a note) for interfaces whose link speed was never known, where sar prints 0.00.
The PDF has a contents page and an outline (bookmarks) entry per graph. A terminal shows progress.

exit status: 0 on success, 1 on missing or unreadable data, 2 on bad usage.

examples:
  hostward plot                                   today's activity as hostward-HOST-YYYYMMDD.pdf
  hostward plot --date 2026-11-26 -o monday.pdf   one day, named
  hostward plot -u -r -q -o overview.png          three graphs into ./overview/ as PNG
  hostward plot --dev sda --since "2026-11-26 22:00" --until "2026-11-27 06:00" -o night.svg
  hostward plot -f /var/log/sysstat/sa26 -A       a sysstat file drawn directly, nothing imported
"""


def _split_own(argv: list[str]) -> tuple[list[str], dict[str, str], bool]:
    """Take out plot's own options; the rest is sar's syntax."""
    own: dict[str, str] = {}
    rest: list[str] = []
    pressure = False
    i = 0
    while i < len(argv):
        word = argv[i]
        name, eq, inline = word.partition("=")
        if name in ("-o", "--output", "--format", "--dev", "--iface"):
            if not eq and i + 1 >= len(argv):
                raise UsageError(f"option {name} needs a value")
            own["--output" if name == "-o" else name] = inline if eq else argv[i + 1]
            i += 1 if eq else 2
            continue
        if word in ("--no-events", "--full-day"):
            own[word] = "1"
        elif word == "-q" and i + 1 < len(argv) and argv[i + 1] in ("PSI", "ALL"):
            pressure = True
            if argv[i + 1] == "ALL":
                rest.append("-q")
            i += 2
            continue
        else:
            rest.append(word)
        i += 1
    return rest, own, pressure


def _window(args: SarArgs, data_start: float, data_end: float = math.nan) -> tuple[float, float]:
    if args.since is not None or args.until is not None:
        until = args.until or dt.datetime.now()
        since = args.since or dt.datetime.combine(until.date(), dt.time())
        return since.timestamp(), until.timestamp()
    day = args.date or (
        dt.datetime.fromtimestamp(data_start).date() if not math.isnan(data_start) else dt.date.today()
    )
    start = dt.datetime.combine(day, dt.time())
    lo, hi = start, start + dt.timedelta(days=1)
    if args.date is None and not math.isnan(data_end):  # -f: every day the file covers
        last = dt.datetime.fromtimestamp(data_end).date()
        hi = dt.datetime.combine(max(last, day), dt.time()) + dt.timedelta(days=1)
    if args.start is not None:
        lo = start + dt.timedelta(hours=args.start.hour, minutes=args.start.minute, seconds=args.start.second)
    if args.end is not None:
        hi = start + dt.timedelta(hours=args.end.hour, minutes=args.end.minute, seconds=args.end.second)
    if hi <= lo:
        raise UsageError("empty time window: -e is not after -s")
    return lo.timestamp(), hi.timestamp()


def _explicit_window(args: SarArgs) -> bool:
    return any(x is not None for x in (args.date, args.since, args.until, args.start, args.end))


def _fit(window: tuple[float, float], start: float, end: float) -> tuple[float, float]:
    """Zoom to the data when it covers under a quarter of the day: 20 s of a drill on a 24 h axis is a
    blank page. The margin keeps the first and last points off the frame."""
    if math.isnan(start) or math.isnan(end) or end <= start:
        return window
    span = end - start
    if span >= (window[1] - window[0]) / 4:
        return window
    margin = max(span * 0.02, 1.0)
    return start - margin, end + margin


def _clip(data: DayData, lo: float, hi: float) -> DayData:
    """Entries inside [lo, hi]; the last sample before lo becomes ``previous`` (the first interval's start)."""
    previous = data.previous
    kept: list[Entry] = []
    for entry in data.entries:
        if entry.timestamp < lo:
            if isinstance(entry, SystemSample):
                previous = entry
        elif entry.timestamp <= hi:
            kept.append(entry)
    return DayData(data.host, tuple(kept), previous)


Items = dict[str, frozenset[str] | None]


def _series(data: DayData, wanted: set[str] | None, items: Items) -> SeriesSet:
    """Only the activities (and CPUs) that will be drawn are computed (a day at 1 s is 86400 intervals)."""
    if wanted is None:
        return series_from_day(data, hide_unknown_ifutil=True, items=items)
    chosen = [BY_NAME[name] for name in wanted if name in BY_NAME]
    return series_from_day(data, chosen, pressure=PRESSURE in wanted, hide_unknown_ifutil=True, items=items)


def _load_foreign(
    args: SarArgs, path: Path, wanted: set[str] | None, items: Items
) -> tuple[SeriesSet, str, tuple[float, float]] | None:
    """``-f`` naming a sysstat file (sa binary, sar text, sadf -d): drawn directly, nothing is imported."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
        if head.startswith(XZ_MAGIC):
            head = lzma.LZMADecompressor().decompress(head, max_length=64)  # 4 KiB of xz hold 64 bytes
    except (OSError, lzma.LZMAError):
        return None  # load_data reports it
    if head.startswith(HW_MAGIC):
        return None  # hostward's own data file: load_data reads it
    # The sysstat importer only for sysstat files (~0.1 s of start-up that plotting recorded days skips).
    from hostward.store.sysstat.importer import parse_input  # noqa: PLC0415
    from hostward.store.sysstat.sa_import import SaContent  # noqa: PLC0415

    _, _, content = parse_input(path, parts=sample_parts_for(wanted))
    if isinstance(content, SaContent):
        entries = content.entries
        data = DayData(content.host, entries)
        stamps = [e.timestamp for e in entries if isinstance(e, SystemSample)]
        window = _window(args, stamps[0] if stamps else math.nan, stamps[-1] if stamps else math.nan)
        sset = _series(_clip(data, *window), wanted, items)
        if content.damage:  # said on stderr (and the PDF's contents page) as every note is, as sar says it
            damage = (
                f"{safe_text(content.damage, 120)}; the graphs stop at the {len(stamps)} samples before it"
            )
            sset = replace(sset, notes=(*sset.notes, damage))
        return sset, content.host.nodename, window
    from hostward.plot.imported import series_from_imported  # noqa: PLC0415  (sysstat text only)
    from hostward.store.sysstat.imported import ImportedDay  # noqa: PLC0415

    day = ImportedDay(content.host, tuple(content.rows), tuple(content.restarts))
    sset = series_from_imported(day)
    return sset, content.host.nodename, _window(args, sset.start, sset.end)


def sample_parts_for(wanted: set[str] | None) -> frozenset[str] | None:
    """What the graphs of ``wanted`` read of each sample (series_from_day: their activities' formulas, the
    pressure totals, and timestamps and uptimes, always read); the rest is not decoded. None: everything."""
    if wanted is None or any(name not in BY_NAME and name != PRESSURE for name in wanted):
        return None
    parts = sample_parts(Selected(BY_NAME[name]) for name in wanted if name in BY_NAME)
    if parts is None or PRESSURE not in wanted:
        return parts
    return parts | {"pressure"}


def _load(
    args: SarArgs, data_dir: Path, wanted: set[str] | None, items: Items
) -> tuple[SeriesSet, str, tuple[float, float]]:
    """The series to draw, the host name and the time window. ``items``: the CPUs, devices and interfaces
    asked for (any CPU count: -P lists are checked against the data's afterwards)."""
    if args.file is not None:
        foreign = _load_foreign(args, args.file, wanted, items)
        if foreign is not None:
            return foreign
    try:
        data = load_data(args, parts=sample_parts_for(wanted))
    except StoreError as recorded_error:
        if args.file is not None:
            raise
        first = args.since.date() if args.since else args.date or dt.date.today()
        last = args.until.date() if args.until else first
        # Imported sar text only when the day has no recording: its reader and the sar text parser it
        # uses are ~15 ms of start-up a recorded day does not need.
        from hostward.plot.imported import series_from_imported  # noqa: PLC0415
        from hostward.store.sysstat.imported import read_imported  # noqa: PLC0415

        imported = read_imported(data_dir, first, last)
        if imported is None or not imported.rows:
            raise recorded_error
        sset = series_from_imported(imported)
        window = _window(args, sset.start)
        return sset, imported.host.nodename, window
    start = next((e.timestamp for e in data.entries if isinstance(e, SystemSample)), math.nan)
    window = _window(args, start)
    clipped = _clip(data, *window)
    return _series(clipped, wanted, items), data.host.nodename, window


def _events(data_dir: Path, window: tuple[float, float]) -> list[tuple[float, str, str]]:
    try:
        events = read_events(events_path(data_dir))
    except HostwardError:
        return []
    return [(e.time, e.kind, " ".join(str(x) for x in (e.kind, e.comm, e.pid) if x)) for e in events]


def run(argv: list[str]) -> int:
    rest, own, pressure = _split_own(argv)
    args = parse_sar_args(rest)
    if args.help:
        sys.stdout.write(HELP)
        return 0
    if args.interval is not None:
        raise UsageError("plot draws recorded data: an interval makes no sense here (use --date or --since)")
    data_dir = args.data_dir or load_config().record.data_dir
    # Activity names do not depend on the CPU count; -P lists are checked against the data's below.
    wanted, any_items = _selection(args, pressure, 8192, own)
    # Drawing (matplotlib's artists do form cycles) runs with the collector on.
    with collector_paused():
        sset, raw_host, window = _load(args, Path(data_dir), wanted, any_items)
    # An imported file's node name is whatever its writer put there: inert, and at most a kernel node name's 64
    # characters (a longer one made file names past NAME_MAX, and the save failed).
    host = safe_text(raw_host, 64)
    if "--full-day" not in own and not _explicit_window(args):
        window = _fit(window, sset.start, sset.end)
    if sset.samples < 2 or not any(len(s.times) for s in sset.series):
        lo, hi = (dt.datetime.fromtimestamp(t) for t in window)
        where = f"between {lo:%Y-%m-%d %H:%M:%S} and {hi:%Y-%m-%d %H:%M:%S}"
        if sset.samples >= 2:  # samples, but none with these activities (e.g. --cache on a file without it)
            raise StoreError(f"no data for the selected activities for {host} {where}")
        found = "no samples" if sset.samples == 0 else "only 1 sample"
        raise StoreError(f"{found} for {host} {where}: a graph needs at least two samples")
    if "--no-events" not in own:
        sset = merge_marks(sset, event_marks(_events(Path(data_dir), window), *window))
    activities, items = _selection(args, pressure, sset.cpu_count, own)
    _check_items(sset, items)
    figures = build_figures(sset, window=window, host_label=host, activities=activities, items=items)
    if not figures:
        raise StoreError(
            f"nothing to draw for {host} between the selected times (no data for these activities)"
        )
    fmt = _format(own)
    day = dt.datetime.fromtimestamp(window[0]).strftime("%Y%m%d")
    output = NON_EMPTY_PATH.parse(own["--output"], "--output") if "--output" in own else None
    if fmt != "pdf":
        for note in sset.notes:  # the PDF shows them on its contents page; PNG/SVG have no such page
            sys.stderr.write(f"hostward plot: note: {note}\n")
    with progress_bar(f"drawing {len(figures)} graphs", len(figures)) as tick:
        if fmt == "pdf":
            path = output or Path(f"hostward-{file_safe(host)}-{day}.pdf")
            save_pdf(path, f"Activity of {host}", figures, sset.notes, progress=tick)
            sys.stdout.write(f"{path}: {len(figures)} graphs, {sset.samples} samples\n")
            return 0
        if output is not None and output.suffix.lower() == f".{fmt}" and len(figures) == 1:
            with writing(output) as handle:  # through our descriptor, never a name others can swap
                save_figure(figures[0], handle, fmt, figures[0].key)
            sys.stdout.write(f"{output}: 1 graph, {sset.samples} samples\n")
            return 0
        # Several graphs for one file name: a directory named after it (out.png -> out/), never files
        # scattered beside it.
        if output is not None and output.suffix.lower() == f".{fmt}":
            output = output.with_suffix("")
        paths = save_each(output or Path(f"{file_safe(host)}-{day}"), fmt, figures, progress=tick)
    sys.stdout.write(
        f"{paths[0].parent}/: {len(paths)} {fmt.upper()} graphs ({paths[0].name}...), {sset.samples} samples\n"
    )
    return 0


def _check_items(sset: SeriesSet, items: dict[str, frozenset[str] | None]) -> None:
    """--dev/--iface names that the data does not have: say which it has, rather than draw nothing."""
    for activity, flag in (("disk", "--dev"), ("net_dev", "--iface")):
        wanted = items.get(activity)
        if wanted is None:
            continue
        present = sorted({str(s.item) for s in sset.of(activity) if s.item is not None})
        missing = sorted(wanted - set(present))
        if missing:
            raise UsageError(
                f"{flag}: no {', '.join(missing)} in the data; it has {', '.join(present) or 'none'}"
            )


def _format(own: dict[str, str]) -> str:
    fmt = own.get("--format")
    if fmt is None:
        suffix = Path(own.get("--output", "x.pdf")).suffix.lstrip(".").lower()
        fmt = suffix if suffix in FORMATS else "pdf" if not own.get("--output") else "png"
    if fmt not in FORMATS:
        raise UsageError(f"--format: {quote(fmt)} is not one of {', '.join(FORMATS)}")
    return fmt


def _selection(
    args: SarArgs, pressure: bool, cpu_count: int, own: dict[str, str]
) -> tuple[set[str] | None, dict[str, frozenset[str] | None]]:
    items: dict[str, frozenset[str] | None] = {}
    if "--dev" in own:
        items["disk"] = frozenset(own["--dev"].split(","))
    if "--iface" in own:
        items["net_dev"] = items["net_edev"] = frozenset(own["--iface"].split(","))
    implied = {"disk"} if "--dev" in own else set()
    implied |= {"net_dev"} if "--iface" in own else set()
    chosen = args.flags or args.all_activities or args.cpus is not None
    if not chosen:
        # --dev alone means -d (and --iface -n DEV), as a device list without its report would draw nothing.
        return (({PRESSURE} if pressure else set()) | implied or None), items
    selected = args.selection(cpu_count)
    names = {s.activity.name for s in selected} | implied
    for s in selected:
        if s.activity.name == "cpu":
            items["cpu"] = s.items
    if pressure or args.all_activities:
        names.add(PRESSURE)
    return names, items

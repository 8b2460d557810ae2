"""Which recording a sar, sadf or plot command reads, and how: a stream for one file or day, the whole
recording where a report needs it first (comments merged, days crossed), the report options checked against it."""

from __future__ import annotations

from pathlib import Path

from hostward.cli.sar_args import SarArgs, cpu_items
from hostward.cli.sar_options import resolve_day
from hostward.collect.sample import SystemSample
from hostward.errors import NoRecording, StoreError, UsageError
from hostward.frozen import replace
from hostward.report.engine import SAMPLE_READS, recorded, sample_parts
from hostward.report.selection import ReportOptions, Selected
from hostward.store.model import CommentMark, DayData

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from hostward.store.reader import Recording


NOTHING_RECORDED_HINT = (
    "start 'hostward daemon' (or 'hostward record') to record, or import sysstat files with 'hostward import'"
)


def with_guard_events(data: DayData, data_dir: Path) -> DayData:
    """The OOM guard's actions (DATA_DIR/events.jsonl) merged in as comments at their time, so `sar -C` shows
    them where sar shows sadc's comments ("COM text"). Names are escaped: a process chooses its own comm."""
    # Imported here: only `sar -C` reads the guard's events (start-up of every other report).
    from hostward.oom.guard.events import (  # noqa: PLC0415
        KIND_ESCALATE,
        KIND_KERNEL_KILL,
        KIND_NO_VICTIM,
        KIND_SIGNAL,
        KIND_WOULD_KILL,
        describe_event,
        events_path,
        read_events,
    )
    from hostward.oom.kernlog.sanitize import safe_text  # noqa: PLC0415

    # Events worth a line in a report: the guard's decisions and signals (not every trigger evaluation) and the
    # kernel's own OOM kills (the daemon's kernel-log part).
    reported = frozenset({KIND_SIGNAL, KIND_ESCALATE, KIND_WOULD_KILL, KIND_NO_VICTIM, KIND_KERNEL_KILL})
    stamps = [e.timestamp for e in data.entries]
    if not stamps:
        return data
    first, last = min(stamps), max(stamps)
    seen: set[tuple[float, str]] = set()
    marks = []
    for e in read_events(events_path(data_dir)):
        if e.kind not in reported or not first <= e.time <= last:
            continue
        text = safe_text(describe_event(e), 200)
        if (e.time, text) in seen:  # the same line twice (two writers of one kill): shown once
            continue
        seen.add((e.time, text))
        marks.append(CommentMark(e.time, text))
    if not marks:
        return data
    merged = sorted([*data.entries, *marks], key=lambda entry: entry.timestamp)
    return replace(data, entries=tuple(merged))


def reads_file(args: SarArgs) -> bool:
    # -N alone does not: `sar -1 1 3` samples the running system, as sar does (the day offset is ignored).
    return args.default_file or any(x is not None for x in (args.file, args.date, args.since, args.until))


def data_dir_of(args: SarArgs) -> Path:
    if args.data_dir:
        return Path(args.data_dir)
    from hostward.config import load_config  # noqa: PLC0415  (live reports need no configuration)

    return Path(load_config().record.data_dir)


def wanted_parts(args: SarArgs) -> frozenset[str] | None:
    """What the reports asked for read of each sample (the rest is not decoded); None: everything."""
    try:
        # Only the activities matter here: a -P list is checked against the data's CPU count later.
        return sample_parts(args.selection(_any_cpu_count(args)))
    except UsageError:
        return None


def _any_cpu_count(args: SarArgs) -> int:
    """A CPU count for choosing the reports before the data's own is known: one that takes the -P list, and no
    larger (the -I report builds a column per CPU: ~27 ms for sar -A at 8,192). UsageError for a bad list."""
    items, _ = cpu_items(args.cpus, 1 << 16)
    return 1 + max((int(item) for item in items or () if item != "all"), default=0)


def check_source(args: SarArgs) -> None:
    resolve_day(args)
    if args.file is not None and (args.date or args.since or args.until):
        raise UsageError("-f cannot be combined with --date, --since or --until")
    if args.date is not None and (args.since or args.until):
        raise UsageError("--date cannot be combined with --since or --until")


def load_stream(args: SarArgs) -> Recording | None:
    """The recording of ``-f FILE`` or of a day as a stream, decoded while the report is written, so memory
    does not grow with the day's length (issue 17); None where the report needs the whole recording first
    (-C merges the guard's events, --cache and reports of groups a recording may lack look for them,
    --since/--until cross days, -j renames disks). StoreError as ``load_data``."""
    parts = wanted_parts(args)
    if args.comments or "cache" in args.flags or args.since is not None or args.until is not None:
        return None
    if args.persistent is not None:  # -j renames the disks of the whole recording
        return None
    try:
        if not recorded(args.selection(_any_cpu_count(args)), ()):
            return None
    except UsageError:
        return None  # said with the data's CPU count by file_options
    check_source(args)
    import datetime as dt  # noqa: PLC0415

    from hostward.store.reader import stream_day, stream_file  # noqa: PLC0415  (not for live sar)

    if args.file is not None:
        recording, where = stream_file(args.file, processes=False, parts=parts), str(args.file)
    else:
        day = args.date or dt.date.today()
        data_dir = data_dir_of(args)
        recording = stream_day(Path(data_dir), day, processes=False, parts=parts)
        where = f"{data_dir} for {day.isoformat()}"
    if not recording.has_samples:
        for _ in recording:
            pass
        with_samples(DayData(recording.host, (), None, tuple(recording.damage)), where)
    return recording


def load_data(args: SarArgs, parts: frozenset[str] | None = None) -> DayData:
    """The recording the options name; StoreError when there is none or it holds no sample. With ``parts``,
    only those fields of each sample are read (hostward.store.parts)."""
    check_source(args)
    import datetime as dt  # noqa: PLC0415

    from hostward.store import read_day, read_file, read_range  # noqa: PLC0415  (the reader: not for live sar)

    # No report here (sar, sadf, plot) reads the samples' top processes: not decoding them is most of the
    # cost of a day recorded with the default top_processes (issue 17). -f reads no configuration.
    if args.file is not None:
        data = read_file(args.file, salvage=True, processes=False, parts=parts)
        where = str(args.file)
        return with_samples(data, where)
    data_dir = data_dir_of(args)
    if args.since is not None or args.until is not None:
        until = args.until or dt.datetime.now()
        since = args.since or dt.datetime.combine(until.date(), dt.time())
        if until < since:
            raise UsageError(f"empty time range: --until {until.isoformat(sep=' ')} is before --since")
        data = read_range(Path(data_dir), since, until, salvage=True, processes=False, parts=parts)
        where = f"{data_dir} between {since.isoformat(sep=' ')} and {until.isoformat(sep=' ')}"
    else:
        day = args.date or dt.date.today()
        data = read_day(Path(data_dir), day, salvage=True, processes=False, parts=parts)
        where = f"{data_dir} for {day.isoformat()}"
    return with_samples(data, where)


def with_samples(data: DayData, where: str) -> DayData:
    if not any(isinstance(e, SystemSample) for e in data.entries):
        if data.damage:
            raise StoreError(f"{data.damage[0]} (no sample could be read before it)")
        raise NoRecording(f"no samples recorded in {where}")
    return data


def file_options(args: SarArgs, data: DayData, rows: int) -> ReportOptions:
    interval = args.report_interval()  # its usage error before any other
    cpu_count = max(data.host.cpu_count, 1)
    reports = args.selection(cpu_count)
    if (args.all_activities or args.net_all) and data.entries:
        # sar and sadf -A / -n ALL leave out the activities the file was recorded without (no FC adapters ...):
        # no empty block, not even sadf -d's header line. (A stream's samples are not read yet: sar's text
        # prints nothing for a report without rows anyway.)
        reports = tuple(r for r in reports if _has_items(r, data.entries)) or reports
    if not recorded(reports, data.entries):
        # sar and sadf: "Requested activities not available in file", exit 1 (recorded without -S SNMP ...).
        raise StoreError(
            "the requested activities are not in this recording: it was made without them "
            "('hostward record -S KEYWORDS' chooses what is recorded; see 'hostward record --help')"
        )
    return ReportOptions(
        reports=reports,
        pretty=args.pretty,
        comments=args.comments,
        start=args.start,
        end=args.end,
        interval=interval,
        count=args.count or -1,
        rows=rows,
    )


def _has_items(selected: Selected, entries: tuple[object, ...]) -> bool:
    """Whether a report has data in ``entries``: engine.recorded's rule, except that a report of an optional list
    (FC adapters, filesystems, CPU frequencies) needs an item in some sample, not only the list (sadc writes no
    activity without one). A list with an item is recorded, so for those the items alone decide."""
    # Imported here: only -A and -n ALL of recordings ask.
    from hostward.store.shape import OPTIONAL_LISTS  # noqa: PLC0415

    lists = SAMPLE_READS.get(selected.activity.name, frozenset()) & OPTIONAL_LISTS.keys()
    if not lists:
        return recorded((selected,), entries)
    return any(
        getattr(entry, group, None) for entry in entries if isinstance(entry, SystemSample) for group in lists
    )


def data_with_previous(data: DayData, options: ReportOptions) -> DayData:
    """Put the sample recorded just before the data (midnight carry-over, or the last one before --since) in
    front, so the first recorded interval gets a row. With -s/-e the window chooses the reference instead."""
    if data.previous is None or options.start is not None or options.end is not None:
        return data
    return DayData(data.host, (data.previous, *data.entries))

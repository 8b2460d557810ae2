"""sar's command line, parsed faithfully (sar.c main, sa_common.c parse_sar_opt / parse_sar_n_opt /
parse_sa_P_opt): grouped letters (``-bBq``), option words (``-u ALL``, ``-r ALL``, ``-P ALL``,
``-n DEV,EDEV``), trailing ``interval [count]``. Shared by ``hostward sar`` and ``hostward sadf``."""

from __future__ import annotations

from pathlib import Path

from hostward import activities
from hostward.cli.sar_options import (
    ITEM_LISTS,
    check_persistent_type,
    days_ago,
    decimal_places,
    item_list,
    takes_file_name,
)
from hostward.digits import is_digits
from hostward.errors import NotAvailable, UsageError
from hostward.report.selection import CPU_ALL_BITS, Selected, TimeOfDay
from hostward.validate import COUNT, DATE, DATETIME, NON_EMPTY_PATH, WHOLE_SECONDS, Number, quote

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    import datetime as dt

# sar's interval: 0 (since boot, refused later with its own message) up to a day, as a whole number of seconds
INTERVAL = Number(0, 86400, integer=True, unit="seconds")

# sysstat options hostward does not implement, with what they report: refused with a clear message.
UNSUPPORTED = {
    "-x": "extended output",
    "-t": "true time of the file's creator",
    "-D": "saYYYYMMDD file names",
}
# sadf's own options that hostward does not write, with sadf's meaning (not sar's: -x, -h, -D differ).
SADF_UNSUPPORTED = {
    "-H": "the data file's header only",
    "-h": "every activity on one line",
    "-r": "raw counters",
    "-c": "conversion of an old data file; use 'hostward import'",
    "-D": "-d with values per interval",
    "-O": "output options",
}
NET_KEYWORDS = {"DEV": "net_dev", "EDEV": "net_edev", "NFS": "net_nfs", "NFSD": "net_nfsd", "SOCK": "sock",
                "IP": "net_ip", "EIP": "net_eip", "ICMP": "net_icmp", "EICMP": "net_eicmp", "TCP": "net_tcp",
                "ETCP": "net_etcp", "UDP": "net_udp", "SOCK6": "sock6", "IP6": "net_ip6", "EIP6": "net_eip6",
                "ICMP6": "net_icmp6", "EICMP6": "net_eicmp6", "UDP6": "net_udp6", "SOFT": "softnet", "FC": "net_fc"}  # fmt: skip
_NET_SUPPORTED = ", ".join([*NET_KEYWORDS, "ALL"])
# sar -m: CPU is recorded (activities/power.py); the others read /sys/class/hwmon and USB devices, which hostward
# does not record: ALL is every power report the data has, as sar's on a file without the others.
M_KEYWORDS = {"CPU": "the CPU clock frequency", "FAN": "fan speeds", "FREQ": "weighted CPU frequencies",
              "IN": "voltage inputs", "TEMP": "temperatures", "USB": "USB devices"}  # fmt: skip
Q_KEYWORDS = {"LOAD": ("queue",), "CPU": ("psi_cpu",), "IO": ("psi_io",), "MEM": ("psi_mem",),
              "PSI": ("psi_cpu", "psi_io", "psi_mem"), "ALL": ("queue", "psi_cpu", "psi_io", "psi_mem")}  # fmt: skip


class SarArgs:
    """The parsed command line; :meth:`selection` turns the activity flags into reports. (A plain class: a
    dataclass here would import ``dataclasses``, ~10 ms of every sar command's start-up.)"""

    __slots__ = (
        "all_activities",
        "comments",
        "count",
        "cpu_view",
        "cpus",
        "data_dir",
        "date",
        "days_ago",
        "decimals",
        "default_file",
        "devices",
        "end",
        "epoch",
        "file",
        "filesystems",
        "flags",
        "help",
        "human",
        "ifaces",
        "interrupts",
        "interval",
        "local_time",
        "memory_view",
        "net_all",
        "output",
        "persistent",
        "power_missing",
        "pretty",
        "resample",
        "rest",
        "since",
        "start",
        "until",
    )

    def __init__(self) -> None:
        self.flags: set[str] = set()  # activity names selected
        self.cpu_view: str = ""
        self.memory_view: str = ""
        self.cpus: str | None = None  # -P argument
        self.interrupts: set[str] = set()  # -I SUM ("sum") and --int=LIST: the lines -I shows
        self.all_activities: bool = False  # -A
        self.pretty: bool = False
        self.comments: bool = False
        self.start: TimeOfDay | None = None
        self.end: TimeOfDay | None = None
        self.resample: int | None = None  # -i
        self.interval: int | None = None
        self.count: int | None = None
        self.file: Path | None = None
        self.output: Path | None = None  # -o: record the live samples into this hostward data file
        self.default_file: bool = False  # -f without a file name: the day's recording in the data directory
        self.days_ago: int | None = None  # -N: the recording of N days ago
        self.devices: frozenset[str] | None = None  # --dev=: block devices -d shows (None: all)
        self.ifaces: frozenset[str] | None = None  # --iface=: interfaces -n DEV/EDEV show (None: all)
        self.persistent: str | None = (
            None  # -j: "SID" or the /dev/disk/by-* kind of the device names -d shows
        )
        self.human: bool = False  # -h / --human: unit letters and % signs
        self.net_all: bool = False  # -n ALL: every network report, whatever the host has
        self.power_missing: list[str] = list()  # -m FAN, TEMP ...: power reports not recorded
        self.decimals: int | None = None  # --dec=: decimal places of values printed with decimals
        self.date: dt.date | None = None
        self.since: dt.datetime | None = None
        self.until: dt.datetime | None = None
        self.data_dir: Path | None = None
        self.local_time: bool = False  # sadf -T/-t: times in local time
        self.epoch: bool = False  # sadf -U: seconds since the epoch
        self.help: bool = False
        self.filesystems: frozenset[str] | None = (
            None  # --fs=: only these devices (or mount points, with -F MOUNT)
        )
        self.rest: list[str] = list()  # sadf: words before "--" it handles itself

    def __repr__(self) -> str:
        return f"SarArgs({', '.join(f'{name}={getattr(self, name)!r}' for name in self.__slots__)})"

    def report_interval(self) -> int:
        """Seconds between the rows of a report of recorded data: -i N or the interval argument (not both)."""
        if self.interval is not None and self.resample is not None:
            raise UsageError("give the interval either with -i or as an argument, not both")
        return self.resample or self.interval or 1

    def selection(self, cpu_count: int) -> tuple[Selected, ...]:
        names = set(self.flags)
        cpu_view, memory_view, cpus = self.cpu_view, self.memory_view, self.cpus
        if self.all_activities:
            # sar's -A: hostward-only reports (--time) are asked for by name, so -A matches sysstat's.
            names |= activities.SYSSTAT.keys()
            cpu_view = cpu_view or "ALL"
            memory_view = "ALL"
            cpus = cpus or "ALL"
        if not names:  # sar.c select_default_activity: -u when nothing else is asked for (-P alone too)
            names.add("cpu")
        if "filesystems_mount" in names:  # -F MOUNT, also with -A or another -F (sar's AO_F_MOUNT)
            names.discard("filesystems")
        reports: list[Selected] = []
        for activity in activities.by_order(names):
            name = activity.name
            if name == "cpu":
                items, weight = cpu_items(cpus, cpu_count)
                reports.append(Selected(activity, cpu_view, items, weight))
            elif name == "memory":
                reports.append(Selected(activity, memory_view))
            elif name == "disk" and self.devices is not None:
                reports.append(Selected(activity, items=self.devices))
            elif name in (
                "softnet",
                "pwr_cpu",
            ):  # shares A_CPU's bitmap as -I does: "all" alone unless -P (or -A)
                reports.append(Selected(activity, "", *cpu_items(cpus, cpu_count)))
            elif name in ("net_dev", "net_edev") and self.ifaces is not None:
                reports.append(Selected(activity, items=self.ifaces))
            elif name in ("filesystems", "filesystems_mount"):
                reports.append(Selected(activity, items=self.filesystems))
            elif name == "irq":
                # -I shares A_CPU's bitmap: "all" alone unless -P (or -A) asks for CPUs. Its columns depend on
                # the data's CPU count: built here (imported on use, as activities.get does).
                from hostward.activities.irq import irq_activity  # noqa: PLC0415

                shown, _ = cpu_items(cpus, cpu_count)
                items = frozenset(self.interrupts) if self.interrupts else None
                reports.append(Selected(irq_activity(min(cpu_count, 8192), shown), items=items))  # NR_CPUS
            else:
                reports.append(Selected(activity))
        return tuple(reports)


def check_power(args: SarArgs, from_file: bool) -> None:
    """-m FAN, FREQ, IN, TEMP, USB: hostward records none of them. Asked with nothing else there is nothing to
    report (sar says "Requested activities not available"); with other reports those are printed alone."""
    if not args.power_missing or args.flags or args.all_activities:
        return
    what = ", ".join(M_KEYWORDS[keyword] for keyword in args.power_missing)
    if from_file:
        why = f"hostward recordings hold no {what} (only -m CPU is recorded)"
    else:
        why = f"this host has no source of {what} (/sys/class/hwmon, USB devices) and hostward does not record it yet"
    raise NotAvailable(f"-m {','.join(args.power_missing)}: nothing to report: {why}")


def cpu_items(spec: str | None, cpu_count: int) -> tuple[frozenset[str] | None, int]:
    """-P: "ALL" (every CPU and "all"), or a list of numbers, ranges N-M and the word "all" (parse_values)."""
    if spec is None:
        return frozenset({"all"}), 1
    if spec == "ALL":
        return None, CPU_ALL_BITS
    items: set[str] = set()
    for word in spec.split(","):
        if word == "all":
            items.add("all")
            continue
        low_text, _, high_text = word.partition("-")
        if not is_digits(low_text) or (high_text and not is_digits(high_text)):
            raise UsageError(
                f"-P: invalid CPU list {quote(spec)} (expected ALL, or numbers and ranges like 0,2-3)"
            )
        low, high = int(low_text), int(high_text or low_text)
        if high < low:
            raise UsageError(f"-P: invalid CPU range {quote(word)}")
        if high >= cpu_count:
            raise UsageError(f"-P: not that many processors: CPU {high} (this data has {cpu_count} CPU)")
        items.update(str(n) for n in range(low, high + 1))
    return frozenset(items), len(items)


def _interrupt_list(text: str) -> list[str]:
    """--int=LIST: interrupt names as /proc/interrupts and sar print them (sar.c parse_sa_devices)."""
    names = [word for word in text.split(",") if word]
    if not names or any(len(word) > 7 or not word.isprintable() or " " in word for word in names):
        raise UsageError(
            f"--int: invalid interrupt list {quote(text)} (expected names as sar -I prints them, e.g. LOC,CAL,24)"
        )
    return names


def _no_data_yet(args: SarArgs) -> None:
    """-f and -N name the data: one of them, once."""
    if args.file is not None or args.default_file or args.days_ago is not None:
        raise UsageError("give the data once: -f FILE, -f DIR, -f alone, or -N (N days ago)")


def _value(argv: list[str], i: int, option: str) -> str:
    if i + 1 >= len(argv):
        raise UsageError(f"option {option} needs a value")
    return argv[i + 1]


def _date(text: str, option: str) -> dt.date:
    value: dt.date = DATE.parse(text, option)
    return value


def _datetime(text: str, option: str) -> dt.datetime:
    value: dt.datetime = DATETIME.parse(text, option)
    return value


def _time_of_day(text: str, option: str) -> TimeOfDay:
    parsed = TimeOfDay.parse(text)
    if parsed is None:
        raise UsageError(f"{option}: invalid time {quote(text)} (expected HH:MM[:SS])")
    return parsed


_LONG_WITH_VALUE = ("--data-dir", "--date", "--since", "--until", "--int")
# hostward's own reports (activities.HOSTWARD_ACTIVITIES): long options, so no sysstat letter is ever taken.
LONG_ACTIVITIES = {"--time": "time", "--cache": "cache"}


def parse_sar_args(argv: list[str], *, sadf: bool = False) -> SarArgs:
    """Parse sar's options. Raises UsageError naming the offending word."""
    args = SarArgs()
    i = 0
    while i < len(argv):
        word = argv[i]
        name, eq, inline = word.partition("=")
        if word == "--help":
            args.help = True
        elif name in _LONG_WITH_VALUE:
            value = inline if eq else _value(argv, i, name)
            i += 0 if eq else 1
            if name == "--data-dir":
                args.data_dir = NON_EMPTY_PATH.parse(value, name)
            elif name == "--date":
                args.date = _date(value, name)
            elif name == "--since":
                args.since = _datetime(value, name)
            elif name == "--int":
                args.interrupts.update(_interrupt_list(value))
            else:
                args.until = _datetime(value, name)
        elif name in ITEM_LISTS:
            if not eq:
                raise UsageError(f"option {name} needs a list: {name}=NAME[,NAME...]")
            if name == "--dev":
                args.devices = item_list(name, inline)
            elif name == "--fs":
                args.filesystems = item_list(name, inline)
            else:
                args.ifaces = item_list(name, inline)
        elif name == "--dec":
            if sadf:
                raise UsageError("sadf has no --dec option (sadf -d/-j write every value with its decimals)")
            if not eq:
                raise UsageError("option --dec needs a value: --dec={0|1|2}")
            args.decimals = decimal_places(inline)
        elif word == "--human" and not sadf:
            args.human = True
        elif word == "-F" and i + 1 < len(argv) and argv[i + 1] == "MOUNT":
            args.flags.add("filesystems_mount")
            i += 1
        elif word == "--pretty":
            args.pretty = True
        elif word in LONG_ACTIVITIES:
            args.flags.add(LONG_ACTIVITIES[word])
        elif word.startswith("--") and word not in UNSUPPORTED:
            raise UsageError(f"unknown option {quote(word)} (try --help)")
        elif word == "-f":
            _no_data_yet(args)
            following = argv[i + 1] if i + 1 < len(argv) else None
            if following is not None and takes_file_name(following):
                args.file = NON_EMPTY_PATH.parse(following, "-f")
                i += 1
            else:  # sar's -f with no name: the default data file of the day
                args.default_file = True
        elif word == "-j" and not sadf:
            args.persistent = check_persistent_type(_value(argv, i, "-j"))
            args.pretty = True  # sa_common.c: -j implies -p
            i += 1
        elif word == "-o":
            if sadf:
                raise UsageError("sadf has no -o option (use 'hostward sar -o FILE interval')")
            if args.output is not None:
                raise UsageError("give -o once")
            following = argv[i + 1] if i + 1 < len(argv) else None
            if following is None or not takes_file_name(following):
                # sar -o alone writes the default sa file; hostward's day files belong to the recorder
                raise UsageError("-o needs a file name: hostward sar -o FILE interval [count]")
            args.output = NON_EMPTY_PATH.parse(following, "-o")
            i += 1
        elif (back := days_ago(word)) is not None:
            _no_data_yet(args)
            args.days_ago = back
        elif word in ("-s", "-e"):
            when = _time_of_day(_value(argv, i, word), word)
            i += 1
            if word == "-s":
                args.start = when
            else:
                args.end = when
        elif word == "-i":
            args.resample = WHOLE_SECONDS.parse(_value(argv, i, "-i"), "-i")
            i += 1
        elif word == "-P":
            args.cpus = _value(argv, i, "-P")
            i += 1
        elif word == "-n":
            for keyword in _value(argv, i, "-n").split(","):
                if keyword in NET_KEYWORDS:
                    args.flags.add(NET_KEYWORDS[keyword])
                elif keyword == "ALL":
                    args.flags.update(NET_KEYWORDS.values())
                    args.net_all = True
                else:
                    raise UsageError(f"-n: unknown keyword {quote(keyword)} (supported: {_NET_SUPPORTED})")
            i += 1
        elif word == "-m":
            for keyword in _value(argv, i, "-m").split(","):  # sa_common.c parse_sar_m_opt
                if keyword in ("CPU", "ALL"):
                    args.flags.add("pwr_cpu")
                elif keyword in M_KEYWORDS:
                    args.power_missing.append(keyword)
                else:
                    raise UsageError(
                        f"-m: unknown keyword {quote(keyword)} (supported: {', '.join(M_KEYWORDS)}, ALL)"
                    )
            i += 1
        elif word in ("-u", "-r") and i + 1 < len(argv) and argv[i + 1] == "ALL":
            args.flags.add("cpu" if word == "-u" else "memory")
            if word == "-u":
                args.cpu_view = "ALL"
            else:
                args.memory_view = "ALL"
            i += 1
        elif word == "-I":
            # sa_common.c parse_sar_opt: -I [SUM | ALL]; SUM keeps the "sum" line, ALL is every line.
            args.flags.add("irq")
            if i + 1 < len(argv) and argv[i + 1] in ("SUM", "ALL"):
                if argv[i + 1] == "SUM":
                    args.interrupts.add("sum")  # K_LOWERSUM, the first line of -I
                i += 1
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-") and not is_digits(argv[i + 1]):
                raise UsageError(
                    f"-I takes SUM or ALL, not {quote(argv[i + 1])}: pick interrupts with --int={argv[i + 1]}"
                )
        elif word == "-q" and i + 1 < len(argv) and argv[i + 1].split(",")[0] in Q_KEYWORDS:
            for keyword in argv[i + 1].split(","):  # sa_common.c parse_sar_q_opt: a list of keywords
                if keyword not in Q_KEYWORDS:
                    raise UsageError(
                        f"-q: unknown keyword {quote(keyword)} (expected {', '.join(Q_KEYWORDS)})"
                    )
                args.flags.update(Q_KEYWORDS[keyword])
            i += 1
        elif sadf and word in ("-d", "-j", "-p", "-g", "-x", "-T", "-t", "-U"):
            args.rest.append(word)
            args.local_time = args.local_time or word in ("-T", "-t")
            args.epoch = args.epoch or word == "-U"
        elif sadf and word in SADF_UNSUPPORTED:
            raise UsageError(f"sadf option {word} ({SADF_UNSUPPORTED[word]}) is not supported by hostward")
        elif word in UNSUPPORTED:
            raise UsageError(f"sar option {word} ({UNSUPPORTED[word]}) is not supported by hostward")
        elif word.startswith("-") and len(word) > 1 and word[1:].isalpha():
            _letters(args, word)
        elif is_digits(word):
            if args.interval is None:
                args.interval = INTERVAL.parse(word, "interval")
            elif args.count is None:
                args.count = COUNT.parse(word, "count")
            else:
                raise UsageError(f"unexpected argument {quote(word)}: interval and count are already given")
        elif sadf and not word.startswith("-") and args.file is None and args.days_ago is None:
            args.file = Path(word)  # sadf [options] [datafile]
        else:
            raise UsageError(f"unknown option or argument {quote(word)} (try --help)")
        i += 1
    if args.count is not None and args.interval == 0:
        raise UsageError("a count needs an interval of 1 second or more")
    return args


_LETTERS = {"B": "paging", "b": "io", "d": "disk", "q": "queue", "r": "memory", "S": "swap", "u": "cpu",
            "v": "ktables", "W": "swapping", "w": "tasks", "H": "huge", "I": "irq", "y": "tty", "F": "filesystems"}  # fmt: skip


def _letters(args: SarArgs, word: str) -> None:
    """Grouped one-letter options, e.g. -bBq (sa_common.c parse_sar_opt)."""
    for letter in word[1:]:
        if letter in _LETTERS:
            args.flags.add(_LETTERS[letter])
        elif letter == "A":
            args.all_activities = True
        elif letter == "p":
            args.pretty = True
        elif letter == "h":  # sa_common.c: -h is --pretty --human
            args.pretty = args.human = True
        elif letter == "C":
            args.comments = True
        elif f"-{letter}" in UNSUPPORTED:
            raise UsageError(
                f"sar option -{letter} ({UNSUPPORTED['-' + letter]}) is not supported by hostward"
            )
        else:
            raise UsageError(f"unknown option -{letter} (try --help)")

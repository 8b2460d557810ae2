"""``hostward sar``: sysstat's sar, on hostward's recordings or live."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from hostward.cli.sar_args import SarArgs, check_power, parse_sar_args
from hostward.cli.sar_data import (
    NOTHING_RECORDED_HINT,
    data_dir_of,
    data_with_previous,
    file_options,
    load_data,
    load_stream,
    reads_file,
    wanted_parts,
    with_guard_events,
)
from hostward.cli.sar_options import disk_names, rename_disks, renamed_data
from hostward.collect.host import read_host
from hostward.collect.sample import ClockSample, SystemSample, sample_system
from hostward.errors import NoRecording, NotAvailable, StoreError, UsageError
from hostward.frozen import replace
from hostward.procfs import ProcFS
from hostward.report.formatting import ReportFormat, colors_from_environment, from_environment
from hostward.report.live import live_samples
from hostward.report.sar_text import LiveReport, render_file
from hostward.report.selection import NO_TTY_ROWS, ReportOptions

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from hostward.store.model import Entry
    from hostward.store.reader import Recording

HELP = """\
usage: hostward sar [ACTIVITY OPTIONS] [-A] [-p] [-h] [-C] [--dec=N] [-o FILE] [interval [count]]
       hostward sar [ACTIVITY OPTIONS] [-f [FILE|DIR] | -N | --date YYYY-MM-DD | --since T [--until T]]
                    [--data-dir DIR] [-s hh:mm[:ss]] [-e hh:mm[:ss]] [-i SECONDS]

Report system activity with sysstat 12.6's sar flags, formulas and layout.

With an interval, sample the running system every interval seconds, count times (forever without a count;
Ctrl-C prints the averages). Interval 0 prints the statistics since boot once: counters as rates over the
uptime, gauges as they are now, no Average line (sar 0). Without an interval, report recorded data
('hostward record'): today's file by default, like sar reading today's sa file.

activity options (default -u):
  -u [ALL]          CPU utilisation; ALL adds %irq %soft %guest %gnice and splits %usr/%sys
  -P {N[,M-K...]|ALL}
                    per-CPU utilisation of the listed CPUs ("all" names the total); ALL: total and every CPU
                    (with -I: which CPU columns show; without -P only "all")
  -I [SUM|ALL]      interrupts per second, one line per interrupt of /proc/interrupts (numbered IRQs,
                    LOC timer, RES, CAL, TLB...) after a "sum" line of them all; SUM: the "sum" line only
  --int=LIST        with -I: only these interrupts, named as -I prints them (e.g. --int=LOC,CAL,sum)
  -q [KEYWORD[,...]]
                    LOAD (the default): run queue length, task list size, load averages, blocked
                    tasks; CPU, IO, MEM: pressure stall (%s..: some task waited, %f..: every non-idle
                    task waited; -10/-60/-300: the kernel's averages over 10 s, 1 and 5 min; no suffix:
                    share of the interval); PSI: CPU,IO,MEM; ALL: all four
  -r [ALL]          memory utilisation; ALL adds kbanonpg kbslab kbkstack kbpgtbl kbvmused
  -S                swap space utilisation
  -W                swapping: pages swapped in/out per second
  -B                paging: pages in/out, faults, frees, scans, steals, %vmeff
  -b                I/O and transfer rates, summed over physical disks
  -H                hugepages: pool free, used, reserved, surplus (kB)
  -v                kernel tables: unused dentries, file handles, inodes and ptys in use
  -d                block device activity (whole devices that have done I/O)
  -n {DEV|EDEV|NFS|NFSD|SOCK|IP|EIP|ICMP|EICMP|TCP|ETCP|UDP|SOCK6|IP6|EIP6|ICMP6|EICMP6|UDP6|FC|SOFT|ALL}[,...]
                    network interfaces: traffic (DEV), errors (EDEV); NFS client and server RPC
                    calls (NFS, NFSD; zeros on a host without NFS, as sar); sockets in use: IPv4 (SOCK:
                    all families, TCP, UDP, raw, fragment queues, TCP in TIME_WAIT), IPv6 (SOCK6);
                    IPv4 datagrams (IP) and their errors (EIP); ICMPv4 messages (ICMP: echo, timestamp,
                    address mask) and errors (EICMP: unreachable, time exceeded, redirect...); TCP opens
                    and segments (TCP), failed and reset connections, retransmits (ETCP); UDP
                    datagrams, to no port (UDP); the same for IPv6 (IP6, EIP6, UDP6) with multicast
                    and too-big columns; ICMPv6 messages: echoes, group membership, router and
                    neighbour discovery (ICMP6), and errors: unreachable, time exceeded, parameter
                    problems, redirects, packets too big (EICMP6); softirq packet work per CPU:
                    processed, dropped, squeezed, RPS, flow limit, backlog (SOFT; CPUs with -P);
                    Fibre Channel adapters: frames and 4-byte words received and sent per second,
                    the adapter last (FC; recorded by default, 'hostward record -S DISK'; nothing to
                    report on a host without adapters, as sar)
  -m {CPU|FAN|FREQ|IN|TEMP|USB|ALL}[,...]
                    power management: CPU clock frequency in MHz (CPU; CPUs with -P, offline ones left
                    out); FAN, FREQ, IN, TEMP and USB are not recorded: alone they report nothing, ALL is
                    CPU (as sar's on a host without sensors), e.g. hostward sar -m CPU -P ALL 1 3
  -w                task creation and context switches
  -y                serial lines (TTY): characters received and sent per second, framing, parity,
                    break and overrun errors; /proc/tty/driver/serial is root's: no rows otherwise
  -F [MOUNT]        filesystems mounted from a device: free and used MB, %used (and %ufsused, counting
                    root's reserved blocks as used), free and used inodes, %Iused; the device name last
                    (MOUNT: the mount point); the last block, "Summary:", is each one's last values
  -A                every activity above, with -u ALL -P ALL -r ALL -q ALL -n ALL -m ALL

hostward-only activities (not in sysstat's sar, nor in -A, so that -A stays sar's):
  --time            the clock: offset θ (ms, against [ntp] servers; empty until measured), koffset (the
                    kernel's remaining offset, ms), maxerr/esterr (ms), freq (ppm), sync (0/1), clock
                    steps, servers agreeing
  --cache           memcached servers recorded with [cache] servers (recorded data only), one row each:
                    get/s hit/s miss/s set/s (lookups, found, not found, stores), %hit (hits of the
                    lookups; empty without lookups), evict/s, recl/s (evicted, expired memory reused),
                    items, %fill (item bytes of -m), rxkB/s txkB/s, conn, rejc/s (refused at -c), reset
                    (1: restarted or 'stats reset', rates empty); empty row: no reply (docs/cache.md)

display options:
  -p, --pretty      print device and interface names last on the line
  --human           sizes with a unit letter (kB values from k, -n DEV rates from B, scaled by 1024:
                    22.0G, 3.0M, 160.0k), percentages with one decimal and a % sign
  -h                --human --pretty
  --dev=NAME[,...]  -d shows only these block devices (names as -d prints them)
  --iface=NAME[,...]
                    -n DEV and -n EDEV show only these interfaces; as sar, a name of 16 bytes or more is
                    ignored, and a list left empty shows every interface
  --fs=NAME[,...]   -F shows only these devices (with -F MOUNT: mount points), e.g. --fs=/dev/vda
  --dec={0|1|2}     decimal places of every value printed with decimals (integers keep none)
  -j {ID|LABEL|PATH|UUID|PARTUUID|...|SID}
                    -d names devices by their link in /dev/disk/by-<type> (the first in alphabetical
                    order pointing at the device; a device without one keeps its name), implies -p;
                    a host without that directory (no udev, as in many VMs and containers) stops with
                    one line, as sar does; SID: WWN names, which hostward does not record: names stay
  -C                print comments ('hostward record --comment') and the OOM guard's actions
  -s hh:mm[:ss]     start the report at this time of day (recorded data)
  -e hh:mm[:ss]     end the report at this time of day (recorded data)
  -i SECONDS        keep only records close to multiples of SECONDS (recorded data)

data options:
  -f FILE           read one hostward data file (hwYYYYMMDD or hwYYYYMMDD.xz)
  -f DIR            read today's file in the directory DIR (as sar -f DIR reads DIR/saDD)
  -f                with no name (or before an option or a number): today's file in the data directory
  -N                (-1 ... -99) the day N days ago in the data directory, like sar -1 (sar reads saDD);
                    with an interval the system is sampled live and -N is ignored, as sar does
  --date DAY        read the day DAY (YYYY-MM-DD) from the data directory
  --since T         read from T (YYYY-MM-DD[ HH:MM[:SS]], local time), across days if needed
  --until T         ... up to T (default: now)
  --data-dir DIR    data directory (default: [record] data_dir, /var/lib/hostward for root)
  -o FILE           with an interval: also record every sample, all activities, into the hostward data
                    file FILE (created 0640; appended to when it is already a hostward data file of the
                    same day; anything else, a symbolic link included, is refused and left as it is);
                    read it back with -f FILE

Output is sysstat's: a tab-separated banner, an 11-column time in the locale's format (LANG=C: 24 h; en_US:
12 h with AM/PM; S_TIME_FORMAT=ISO: 24 h and ISO dates), values as " %9.2f" with the locale's decimal point,
header lines carrying the previous sample's time, "Average:" lines (counters: rate over the whole span;
gauges: mean of the rows), LINUX RESTART where the recorder started (after a boot, or after being stopped).

Formulas are sysstat's: CPU "all" is the sum of the per-CPU lines; runq-sz leaves out the sampler itself;
%commit is Committed_AS over RAM + swap; -b counts physical disks only; %ifutil uses the link speed.

environment:
  S_COLORS          "never": no colours; "always": colours; unset or anything else: colours when stdout is a
                    terminal (sysstat's colours: percentages from 75 and from 50, zero and other values,
                    item names, LINUX RESTART and COM lines)
  S_COLORS_SGR      colours to change, as sysstat: H (%>=75) M (%>=50) Z (zero) N (values) I (items)
                    C (comments) R (restarts), e.g. "H=31;1:I=32;22"; malformed entries are ignored
  S_TIME_FORMAT     ISO: 24-hour times and ISO dates

exit status: 0 on success, 1 on unreadable data or /proc, 2 on bad usage or a data file damaged
in the middle (as sar: the report of what precedes the damage is printed first).
examples:
  hostward sar -u 1 3                 CPU now, three 1-second samples
  hostward sar -q -r                  load and memory recorded today
  hostward sar -I SUM -P ALL 1 3      interrupts per second, in total and per CPU, now
  hostward sar -I --int=LOC,CAL       timer and function-call interrupts recorded today
  hostward sar -A --date 2026-11-26   everything recorded yesterday
  hostward sar -n DEV --since "2026-11-25 22:00" --until "2026-11-26 06:00"
  hostward sar -1 -d --dev=vda --dec=0  yesterday's disk vda, whole numbers
  hostward sar -n DEV --iface=lo,eth0 1 3  two interfaces, live
  hostward sar -u -P ALL 0            CPU use since boot, each CPU
  hostward sar -n IP6,EICMP6 5 2      IPv6 traffic and ICMPv6 errors now, two 5-second samples
  hostward sar -o /tmp/incident -q 5 120  watch the load for 10 minutes, keep everything
  hostward sar -A -f /tmp/incident    ... and read every activity of it back later
  S_COLORS=always hostward sar -u | less -R  colours through a pager
  hostward sar --cache -s 09:00 -e 12:00  memcached servers recorded this morning
  hostward sar -F MOUNT --fs=/ 1 1    space and inodes of the root filesystem now
"""


def _fibre_channel(args: SarArgs, hosts: tuple[str, ...]) -> None:
    """-n FC alone, live, on a host without adapters: sar says only "Requested activities not available";
    hostward says why. With other reports (-n ALL) FC is left out silently, as sar leaves it out. (From a
    recording without adapters, file_options gives the answer of every report the recording lacks.)"""
    if args.flags == {"net_fc"} and not args.all_activities and not reads_file(args) and not hosts:
        raise NotAvailable(
            "-n FC: nothing to report: this host has no Fibre Channel adapter (/sys/class/fc_host is absent or "
            "holds no host* entry)"
        )


def run(argv: list[str]) -> int:
    args = parse_sar_args(argv)
    if args.help:
        sys.stdout.write(HELP)
        return 0
    if "net_fc" in args.flags:
        from hostward.collect.fchost import fc_hosts  # noqa: PLC0415  (only -n FC lists the adapters)

        _fibre_channel(args, fc_hosts())
    check_power(args, reads_file(args))
    if args.output is not None:
        _check_output(args)
    fmt = replace(
        from_environment(),
        decimals=args.decimals,
        colors=colors_from_environment(os.environ, _stdout_is_tty()),
        human=args.human,
    )
    rows = _screen_rows()
    if args.interval is not None and args.interval > 0 and not reads_file(args):
        return _live(args, fmt, rows)
    if args.interval == 0:
        if reads_file(args):
            raise UsageError("interval 0 (statistics since boot) reads the running system, not recorded data")
        return _live(args, fmt, rows)
    try:
        recording = load_stream(args)
        data = load_data(args, parts=wanted_parts(args)) if recording is None else None
    except StoreError as exc:
        # No recording for that day: history imported from sar/sadf text is kept apart (it has no counters).
        # Imported here: the sysstat importer is only needed on this path (start-up of every other report).
        from hostward.cli.import_ import imported_report  # noqa: PLC0415

        text = imported_report(args, fmt, rows)
        if text is None:
            if isinstance(exc, NoRecording) and args.file is None:
                raise NoRecording(f"{exc}: {NOTHING_RECORDED_HINT}") from None
            raise
        _write(text)
        return 0
    if recording is not None:
        return _report_stream(args, recording, fmt, rows)
    assert data is not None
    if args.persistent is not None:
        data = renamed_data(data, disk_names(args.persistent))
    options = file_options(args, data, rows)
    if args.comments:
        data = with_guard_events(data, args.file.parent if args.file else Path(data_dir_of(args)))
    _write(render_file(data_with_previous(data, options), options, fmt))
    if "cache" in args.flags and not any(isinstance(e, SystemSample) and e.caches for e in data.entries):
        sys.stdout.flush()
        sys.stderr.write(
            "hostward sar: no memcached activity in this data: it is recorded when [cache] servers is set "
            "(docs/cache.md)\n"
        )
    return _say_damage(data.damage)


def _report_stream(args: SarArgs, recording: Recording, fmt: ReportFormat, rows: int) -> int:
    """``run``'s report for a recording read as it is written (load_stream)."""
    # Imported here, as the reader: the live reports' start-up does without them (tests/cli/test_sar_startup.py).
    import itertools  # noqa: PLC0415

    from hostward.gcpause import collector_paused  # noqa: PLC0415
    from hostward.report.sar_stream import render_stream  # noqa: PLC0415
    from hostward.store.model import DayData  # noqa: PLC0415

    options = file_options(args, DayData(recording.host, ()), rows)
    entries: Iterable[Entry] = recording
    if recording.previous is not None and options.start is None and options.end is None:
        entries = itertools.chain((recording.previous,), recording)  # as data_with_previous
    # Nothing in a report makes reference cycles, and reports that average displayed samples (-r, -q, ...)
    # keep them: the cyclic collector would traverse that growing heap again and again (as in reader.scan).
    with collector_paused():
        _write(render_stream(recording.host, entries, options, fmt))
    return _say_damage(recording.damage)


def _say_damage(damage: Iterable[str]) -> int:
    lines = list(damage)
    if not lines:
        return 0
    # sar does the same on a damaged sa file: the report of what could be read, then the error, exit 2.
    sys.stdout.flush()
    for line in lines:
        sys.stderr.write(f"hostward sar: {line}; the report stops there\n")
    return 2


def _check_output(args: SarArgs) -> None:
    """sar.c: -o goes with an interval of 1 s or more, never with -f or a day."""
    if reads_file(args) or args.days_ago is not None:
        raise UsageError("-o records the running system: it cannot be combined with -f, -N or a day")
    if not args.interval:
        raise UsageError("-o needs an interval of 1 second or more: hostward sar -o FILE interval [count]")


def _stdout_is_tty() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a descriptor (captured): not a terminal
        return False


def _screen_rows() -> int:
    """sar repeats headers every screen height - 2 lines on a terminal (common.c get_win_height)."""
    try:
        if os.isatty(sys.stdout.fileno()):
            height = os.get_terminal_size(sys.stdout.fileno()).lines
            return height - 2 if height > 2 else NO_TTY_ROWS
    except (OSError, ValueError):
        pass
    return NO_TTY_ROWS


_SNMP6_REPORTS = frozenset({"net_ip6", "net_eip6", "net_icmp6", "net_eicmp6", "net_udp6"})


def _live(args: SarArgs, fmt: ReportFormat, rows: int) -> int:
    if args.start or args.end or args.resample:
        raise UsageError("-s, -e and -i apply to recorded data (use -f, --date or --since)")
    if "cache" in args.flags:
        raise UsageError(
            "--cache reports recorded data ('hostward record' with [cache] servers); "
            "for live memcached rates use 'hostward cache stats --interval N'"
        )
    procfs = ProcFS()
    names = disk_names(args.persistent) if args.persistent is not None else {}
    selected = {s.activity.name for s in args.selection(1)}
    if selected & _SNMP6_REPORTS and procfs.read_optional("net/snmp6") is None:
        # sadc records zeros without the file and sar prints them without a word; say why they are zeros.
        sys.stderr.write(
            "hostward sar: this host has no /proc/net/snmp6 (IPv6 is disabled): the IPv6 protocol reports "
            "show zeros, as sar's do\n"
        )
    for name, path, role in (("net_nfs", "net/rpc/nfs", "client"), ("net_nfsd", "net/rpc/nfsd", "server")):
        # (-A and -n ALL ask for everything: no note there)
        if (
            name in selected
            and not (args.all_activities or args.net_all)
            and procfs.read_optional(path) is None
        ):
            # Without the NFS module sadc records zeros and sar prints them without a word, as for snmp6.
            sys.stderr.write(
                f"hostward sar: this host has no /proc/{path} (no NFS {role} loaded): -n {name[4:].upper()} "
                "shows zeros, as sar's does\n"
            )
    clock: Callable[[], ClockSample | None] | None = None
    if "time" in selected:
        # Kernel clock state for --time: one adjtimex call per sample, no network. Loading the C library
        # (ldconfig) and the NTP modules is only worth it when the report is asked for.
        from hostward.recorder.timehealth import TimeHealth  # noqa: PLC0415

        clock = TimeHealth()

    # Only the records the reports show are read (and their readers imported); -o records everything.
    parts = None if args.output is not None else wanted_parts(args)

    def take_sample() -> SystemSample:
        sample = rename_disks(sample_system(procfs, parts=parts), names)
        return sample if clock is None else replace(sample, time=clock())

    since_boot = args.interval == 0
    samples = live_samples(take_sample, float(args.interval or 1), 0 if since_boot else args.count)
    first = next(samples)
    host = read_host(procfs, len(first.cpu.per_cpu) or 1)
    options = ReportOptions(reports=args.selection(host.cpu_count), pretty=args.pretty, rows=rows)
    if since_boot:  # sar 0: one report of the rates since boot, no Average (sar.c write_stats_startup)
        from hostward.report.since_boot import boot_sample  # noqa: PLC0415

        report = LiveReport(host, options, fmt, boot_sample(first))
        sys.stdout.write(report.banner() + report.sample(first))
        return 0
    report = LiveReport(host, options, fmt, first)
    output = None
    if args.output is not None:  # -o: the store's writer and its compression are imported only then
        from hostward.cli.sar_output import SampleOutput  # noqa: PLC0415

        output = SampleOutput(args.output)
    try:
        if output is not None:
            output.write(first, host)
        sys.stdout.write(report.banner())
        sys.stdout.flush()
        try:
            for sample in samples:
                if output is not None:
                    output.write(sample, host)
                sys.stdout.write(report.sample(sample))
                sys.stdout.flush()
        except KeyboardInterrupt:
            sys.stdout.write("\n")  # sar's SIGINT handler: step past the "^C" echoed by the terminal
    finally:
        if output is not None:
            output.close()
    sys.stdout.write(report.average())
    return 0


_BATCH = 8192


def _write(chunks: Iterable[str]) -> None:
    """The chunks, gathered up to ``_BATCH`` characters a write (a write per sample row was ~1 % of sar -u on a
    recording)."""
    out = sys.stdout
    batch: list[str] = []
    size = 0
    for chunk in chunks:
        batch.append(chunk)
        size += len(chunk)
        if size >= _BATCH:
            out.write("".join(batch))
            batch.clear()
            size = 0
    out.write("".join(batch))

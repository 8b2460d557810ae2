"""``hostward record``: the activity recorder's command line (sadc's)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from hostward import validate as v
from hostward.cli import setup_logging
from hostward.cli.args import Parser, add_config_flag, add_data_dir_flag, add_verbose_flag
from hostward.config import load_config
from hostward.errors import HostwardError, UsageError
from hostward.recorder import Recorder, append_comment
from hostward.recorder.selection import ACTIVITIES, describe_keywords

if TYPE_CHECKING:
    from hostward.oom.kernlog.follow import KmsgFollower

DESCRIPTION = (
    """\
Sample kernel activity at a fixed interval and append it to daily data files, like sysstat's sadc.

Each sample holds the raw cumulative counters of /proc/stat, /proc/loadavg, /proc/meminfo, /proc/vmstat,
/proc/diskstats, /proc/net/dev and /proc/pressure; rates are computed when reading ('hostward sar'), with
intervals measured on /proc/uptime so that a wall-clock step cannot produce negative or huge rates. With
each sample go the top_processes largest processes by resident memory (pid, command line, RSS, swap, page
tables, oom_score_adj, oom_score), for post-mortems of memory trouble; their command lines are stored
with the values of secret-looking arguments masked (--password=***, --token ***, PGPASSWORD=***, URL
passwords) and cut at 1024 characters (redact_cmdline, redact_patterns; docs/security.md). Time health
rides along too: the kernel clock's NTP state (adjtimex: sync, error bounds, frequency, offset) and, when [ntp]
servers are configured, the offset measured against them at most every 64 s ('hostward sar --time',
docs/ntp.md). With [cache] servers set, each memcached's stats counters are stored too, polled in the
background so that a down or slow server never delays a sample; a server without a fresh reply is recorded
as absent ('hostward sar --cache', docs/cache.md).

Data files are DIR/hwYYYYMMDD, one per local-time day (sysstat: saYYYYMMDD). Each time the recorder starts it
writes a restart mark (sar prints LINUX RESTART); at midnight the new day's file begins with the old day's last
sample so the first interval of the day can be reported. Once a day, days older than retention_days are
deleted and closed days older than compress_after_days are xz-compressed (sysstat's HISTORY and COMPRESSAFTER).

A kill -9 loses at most the sample being written. When the disk is full the recorder logs it once, keeps
sampling and resumes writing when space returns.

Activities: like sadc, the recorder always stores its base set (CPU, load, memory, swap, paging, I/O, disks,
network interfaces, pressure, kernel tables, sockets, NFS client and server, serial lines, softnet) and
-S KEYWORDS (or [record] activities) adds groups:
"""
    + describe_keywords("  ")
    + """
The default is DISK,SNMP,IPV6. A report of an activity that was not recorded prints nothing, as sar does on a
file recorded without it; live reports ('hostward sar -n TCP 1 5') read what they need whatever the setting."""
)

EPILOG = """\
signals:
  SIGTERM, SIGINT   finish the current sample, close the file, exit 0
  SIGHUP            close and reopen the data file (after moving it away)

kernel OOM kills:
  Run as a service (no --count) by root or with CAP_SYSLOG, the recorder also follows /dev/kmsg and writes each
  kernel OOM kill to DATA_DIR/events.jsonl, as the daemon does: 'hostward sar -C' and 'hostward plot' show
  them. Without access (the unprivileged recorder unit) the recording goes on without them.

configuration:
  The [record] section of the configuration file ($HOSTWARD_CONFIG, else /etc/hostward/hostward.toml for
  root) sets interval_seconds, data_dir, retention_days, compress_after_days, top_processes,
  redact_cmdline, redact_patterns and activities; variables
  HOSTWARD_RECORD_<KEY> override it and the options above override both.

examples:
  hostward record                              run as a service (see packaging/systemd/hostward-record.service)
  hostward record --interval 1 --count 60      one minute at 1 s resolution, then exit
  hostward record -S XALL -i 1 -c 60           the same with every activity hostward can record
  hostward record --comment "deployed v2.3"    add a note to today's file (sar prints it as COM) and exit

exit status: 0 on success or after SIGTERM/SIGINT, 1 on a data file error, 2 on bad usage or configuration."""

MIN_INTERVAL = 1.0
MAX_INTERVAL = 86400.0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="hostward record",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-i",
        "--interval",
        type=v.flag("--interval", v.SAMPLE_INTERVAL),
        metavar="SECONDS",
        help=f"seconds between samples, {MIN_INTERVAL:g} or more (default: interval_seconds, 10)",
    )
    parser.add_argument(
        "-c",
        "--count",
        type=v.flag("--count", v.COUNT),
        metavar="N",
        help="stop after N samples (default: run until signalled)",
    )
    add_data_dir_flag(
        parser, "directory of the daily data files (default: data_dir, /var/lib/hostward for root)"
    )
    parser.add_argument(
        "-C",
        "--comment",
        metavar="TEXT",
        help="insert TEXT as a comment (like sadc -C); alone, append it to today's file and exit",
    )
    parser.add_argument(
        "--retention-days",
        type=v.flag("--retention-days", v.DAYS),
        metavar="DAYS",
        help="delete days older than DAYS (0: never)",
    )
    parser.add_argument(
        "--compress-after-days",
        type=v.flag("--compress-after-days", v.DAYS),
        metavar="DAYS",
        help="xz-compress days older than DAYS (0: never)",
    )
    parser.add_argument(
        "--top-processes",
        type=v.flag("--top-processes", v.PROCESS_COUNT),
        metavar="N",
        help="keep the N largest processes by resident memory with each sample (0: none; default 10)",
    )
    parser.add_argument(
        "-S",
        "--activities",
        type=v.flag("-S", ACTIVITIES),
        metavar="KEYWORDS",
        help="optional activities to record, as sadc -S: comma-separated keywords below "
        "(default: activities, DISK,SNMP,IPV6)",
    )
    parser.add_argument(
        "--no-housekeeping", action="store_true", help="neither delete nor compress old days in this run"
    )
    add_config_flag(parser)
    add_verbose_flag(parser)
    return parser


def _kernel_log_follower(data_dir: Path, wanted: bool) -> KmsgFollower | None:
    """Kernel OOM kills onto the timeline as the daemon does, when this process may read /dev/kmsg (root or
    CAP_SYSLOG; the unprivileged recorder service may not: then the recording goes on without it)."""
    if not wanted:
        return None  # --count: a test or a one-off sample, not a service
    try:
        os.close(os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC))
    except OSError as exc:
        logging.getLogger("hostward.record").info("kernel-log: not followed (/dev/kmsg: %s)", exc.strerror)
        return None
    from hostward.oom.kernlog.follow import KmsgFollower  # noqa: PLC0415  (only the service path needs it)

    return KmsgFollower(data_dir)


def _follow(follower: KmsgFollower) -> None:
    try:
        follower.run()
    except HostwardError as exc:  # the recording matters more than the kernel-kill events
        logging.getLogger("hostward.record").error("kernel-log stopped: %s", exc)


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose + 1)  # the recorder is a service: INFO by default, it logs rarely
    full_config = load_config(args.config)
    config = full_config.record
    changes: dict[str, object] = {}
    if args.interval is not None:
        changes["interval_seconds"] = args.interval
    if args.data_dir is not None:
        changes["data_dir"] = args.data_dir
    if args.retention_days is not None:
        changes["retention_days"] = args.retention_days
    if args.compress_after_days is not None:
        changes["compress_after_days"] = args.compress_after_days
    if args.top_processes is not None:
        changes["top_processes"] = args.top_processes
    if args.activities is not None:
        changes["activities"] = args.activities
    config = dataclasses.replace(config, **changes)  # type: ignore[arg-type]
    if not MIN_INTERVAL <= config.interval_seconds <= MAX_INTERVAL:
        raise UsageError(f"interval must be between {MIN_INTERVAL:g} and {MAX_INTERVAL:g} seconds")
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be 1 or more")
    if config.top_processes < 0:
        raise UsageError("--top-processes must be 0 or more")
    if config.retention_days < 0 or config.compress_after_days < 0:
        raise UsageError("retention and compression ages must be 0 (never) or more days")

    if args.comment is not None and args.interval is None and args.count is None:
        path = append_comment(config.data_dir, args.comment)
        logging.getLogger("hostward.record").info("comment added to %s", path)
        return 0

    recorder = Recorder(
        config,
        comment=args.comment,
        housekeeping=not args.no_housekeeping,
        ntp=full_config.ntp,
        cache=full_config.cache,
    )

    follower = _kernel_log_follower(config.data_dir, args.count is None)

    def on_stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("hostward.record").info("%s received: stopping", signal.Signals(signum).name)
        recorder.stop()
        if follower is not None:
            follower.stop()

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        recorder.reopen()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    following = None
    if follower is not None:
        following = threading.Thread(target=_follow, args=(follower,), name="kernel-log", daemon=True)
        following.start()
    try:
        summary = recorder.run(args.count)
    finally:
        if follower is not None and following is not None:
            follower.stop()
            following.join(10)
    logging.getLogger("hostward.record").info(
        "stopped after %d sample(s): %d stored, %d lost", summary.samples, summary.written, summary.lost
    )
    return 0

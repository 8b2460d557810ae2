"""``hostward daemon``: the main job (record, protect, guard) in one process."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
from types import FrameType

from hostward import validate as v
from hostward.cli import setup_logging
from hostward.cli.args import Parser, add_config_flag, add_data_dir_flag, add_verbose_flag
from hostward.config import Config, load_config
from hostward.daemon import Daemon
from hostward.errors import UsageError

DESCRIPTION = """\
Run hostward's main job with the configuration file's settings (the embedded defaults when there is none):

  record    sample activity every interval_seconds (10 s) into DATA_DIR/hwYYYYMMDD, like sadc
  protect   keep the [[oom.protect]] rules applied to every process, new ones included (none by default)
  guard     act before the kernel's OOM killer: when MemAvailable falls under 5% (and swap is short or
            absent), signal the process with the highest OOM badness, never a protected one
  metrics   serve Prometheus /metrics on 127.0.0.1:9477 ([metrics] listen; enabled = false turns it off):
            node_exporter's names plus hostward_* families, see docs/metrics.md
  web       serve the dashboard on https://127.0.0.1:9478/ ([web] listen; enabled = false turns it off);
            create the first account with 'hostward web user add NAME --role admin', see docs/dashboard.md

Each part is the same as its own command (hostward record, hostward oom protect daemon, hostward oom guard,
hostward web serve),
which can be run instead for finer control. Events (guard actions) go to DATA_DIR/events.jsonl, where
'hostward plot' draws them."""

EPILOG = """\
signals:
  SIGTERM, SIGINT   stop every part cleanly (the recorder finishes the sample in hand), exit 0
  SIGHUP            reload the configuration: protection rules are applied at once to every running
                    process, the guard restarts with its new settings, [record] retention_days and
                    compress_after_days take effect; what changed is logged, and what needs a restart
                    (listeners, data directory, interval) is named. An invalid file changes nothing
                    (logged). The data file is also reopened (after moving it away).

under systemd (Type=notify): READY=1 once every part runs, WATCHDOG=1 while the recorder takes samples
(WatchdogSec= must exceed three recording intervals), STOPPING=1 on the way out.

examples:
  hostward daemon                          as a service: see packaging/systemd/hostward.service
  hostward daemon --guard-dry-run -v       record, and log what the guard would do without signalling
  hostward daemon --no-guard --interval 1  record at 1 s resolution, no guard

exit status: 0 after SIGTERM/SIGINT, 1 when a part failed, 2 on bad usage or configuration."""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="hostward daemon",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_flag(parser)
    add_data_dir_flag(parser)
    parser.add_argument(
        "-i",
        "--interval",
        type=v.flag("--interval", v.SAMPLE_INTERVAL),
        metavar="SECONDS",
        help="seconds between samples",
    )
    parser.add_argument(
        "-c", "--count", type=v.flag("--count", v.COUNT), metavar="N", help="stop after N samples (for tests)"
    )
    parser.add_argument("--no-guard", action="store_true", help="do not run the OOM guard")
    parser.add_argument(
        "--guard-dry-run", action="store_true", help="the guard decides and logs, never signals"
    )
    add_verbose_flag(parser)
    return parser


def _configured(args: argparse.Namespace) -> Config:
    """The configuration file with the command line's overrides: read at start and again on SIGHUP."""
    config = load_config(args.config)
    record = config.record
    if args.data_dir is not None:
        record = dataclasses.replace(record, data_dir=args.data_dir)
    if args.interval is not None:
        if not 1.0 <= args.interval <= 86400.0:
            raise UsageError("interval must be between 1 and 86400 seconds")
        record = dataclasses.replace(record, interval_seconds=args.interval)
    guard = config.guard
    if args.no_guard:
        guard = dataclasses.replace(guard, enabled=False)
    if args.guard_dry_run:
        guard = dataclasses.replace(guard, dry_run=True)
    return dataclasses.replace(config, record=record, guard=guard)


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose + 1)
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be 1 or more")
    config = _configured(args)
    daemon = Daemon(
        config,
        count=args.count,
        loader=lambda: _configured(args),
        guard_off_reason="--no-guard" if args.no_guard else "[guard] enabled = false",
    )
    log = logging.getLogger("hostward.daemon")

    def on_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        daemon.stop()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, lambda _s, _f: daemon.request_reload())
    log.info("started: %s", ", ".join(part.name for part in daemon.parts))
    parts = daemon.run()
    failed = [p for p in parts if p.error]
    for part in failed:
        log.error("%s failed: %s", part.name, part.error)
    return 1 if failed else 0

"""``hostward oom guard`` and ``hostward oom drill``: the early OOM guard daemon and safe OOM drills.

``register(subparsers)`` adds both subcommands to ``hostward oom``; ``run(argv)`` is a stand-alone parser with
just these two, for testing (``python -m hostward.cli.oom_guard drill --limit 512M``).
"""

from __future__ import annotations

import argparse
import sys

from hostward import validate as v
from hostward.cli import setup_logging
from hostward.cli.args import Parser
from hostward.errors import HostwardError, UsageError
from hostward.frozen import replace

# `hostward oom top` builds these parsers too: what only guard and drill use is imported when they run.
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from types import FrameType
    from typing import Any

    from hostward.config import GuardConfig

# The guard and drill modules are imported by the commands that run them: `hostward oom top` and the other
# subcommands build this parser too, and should not pay for them at start-up.

GUARD_HELP = "act before the kernel's OOM killer: watch memory and pressure, signal the worst process"
GUARD_DESCRIPTION = """\
Watch memory and act before the kernel's OOM killer does, with the kernel's own badness ranking
and hostward's protection policy.

triggers (any one, held for --sustain seconds, starts an intervention):
  memory   MemAvailable below --mem-available AND (no swap, or SwapFree below --swap-free).
           Polled; the interval adapts to how fast memory is falling (10 ms .. 1 s).
  psi      the kernel's PSI trigger (Documentation/accounting/psi.rst) on /proc/pressure/memory,
           or a cgroup2 memory.pressure: the guard sleeps until the kernel reports the stall.
           SPEC is some|full:STALL[:WINDOW], e.g. some:15% (of 1 s), full:100ms:2s. Without
           CAP_SYS_RESOURCE the kernel needs a window that is a multiple of 2 s: the same share of
           a 2 s window is used instead.
  cgroup   with --cgroup: usage against the cgroup's limit. cgroup v1 uses the kernel's threshold
           notification on memory.usage_in_bytes (an eventfd, woken at the crossing) plus a
           fallback poll (5 ms .. 1 s, shorter as usage rises faster); cgroup v2 polls
           memory.current and wakes on memory.events.

victim: the highest kernel badness (rss + swap + page tables, shifted by oom_score_adj) among
processes in scope, after the [[oom.protect]] rules: a rule's oom_score_adj replaces the
process's own (prefer > 0, avoid < 0), and -1000 means protected, never signalled. Never PID 1,
the guard, kernel threads, or anything outside the scope. Every candidate, its badness and the
rule that applied are logged.

signals: SIGTERM, then SIGKILL after --grace seconds if memory is still short. SIGKILL at once
when a trigger is critical (MemAvailable below half its threshold, or a cgroup within
--critical-percent of its limit) or the observed fall rate reaches the limit within the grace
period: a SIGTERM handler would lose that race to the kernel.

events: every decision is appended to DATA_DIR/events.jsonl (--events) for the reports.
"""
GUARD_EPILOG = """\
examples:
  hostward oom guard --dry-run                         # watch what it would do, kill nothing
  hostward oom guard --mem-available 5% --psi some:20%:1s
  hostward oom guard --mem-available 1G --sustain 2 --grace 5
  hostward oom guard --cgroup /workloads/batch --headroom 15% --kill-cgroup
  hostward oom guard --hook-after '/usr/local/bin/notify-oom'   # HOSTWARD_VICTIM_PID, _COMM, ...

configuration: the [guard] and [[oom.protect]] sections of the configuration file; flags win.
exit status: 0 when stopped by SIGTERM or Ctrl-C, 2 usage error, 1 other error.
"""

DRILL_HELP = "rehearse an OOM in a temporary memory cgroup and time who acts first"
DRILL_DESCRIPTION = """\
Rehearse an out-of-memory situation safely. The drill creates a temporary memory cgroup with
--limit below its own cgroup, starts a memory hog inside it (moved in before it allocates a single
page, and refusing to allocate outside a limited cgroup), optionally a protected bystander, and
lets the guard (or, with --kernel, only the kernel) act. It prints a timeline: threshold crossed
(from the hog's own progress reports), detected, signalled, exited, peak usage, headroom left,
whether the kernel's OOM killer fired (the cgroup's and /proc/vmstat's oom_kill counters), whether
the bystander survived.

The cgroup and everything in it are removed at the end, on errors and on Ctrl-C/SIGTERM. Nothing
outside the cgroup is ever signalled: the guard's scope is the drill's cgroup. The drill refuses
to run without a memory limit. It never uses /proc/sysrq-trigger.

default headroom: fill rate x 50 ms reaction budget + 5% of the limit, kept between 10% and 50%
of the limit; "as fast as it can" assumes 4 GiB/s. See docs/oom-guard.md for the arithmetic.
"""
DRILL_EPILOG = """\
examples:
  hostward oom drill --limit 512M --rate 1G --bystander
  hostward oom drill --limit 512M --rate max --json          # as fast as it can, timeline as JSON
  hostward oom drill --limit 1G --rate 200M --headroom 128M
  hostward oom drill --limit 512M --rate 1G --kernel          # no guard: watch the kernel do it

exit status: 0 only when the guard acted first (it killed the hog and the kernel's OOM killer did
not fire); 1 when the kernel acted, nobody acted, or --kernel; 2 usage error.
"""


def register(subparsers: argparse._SubParsersAction[Parser]) -> None:
    """Add ``guard`` and ``drill`` to the ``hostward oom`` sub-parsers."""
    guard = subparsers.add_parser(
        "guard",
        help=GUARD_HELP,
        description=GUARD_DESCRIPTION,
        epilog=GUARD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    guard.add_argument(
        "--mem-available",
        type=v.flag("--mem-available", v.Threshold(optional=False)),
        metavar="PCT|SIZE",
        help="MemAvailable threshold (default 5%%)",
    )
    guard.add_argument(
        "--swap-free",
        type=v.flag("--swap-free", v.Threshold(optional=False)),
        metavar="PCT|SIZE",
        help="SwapFree threshold (default 5%%)",
    )
    guard.add_argument("--psi", metavar="SPEC", help="memory pressure trigger: some|full:STALL[:WINDOW]")
    guard.add_argument("--cgroup", metavar="PATH", help="scope: this memory cgroup subtree, not the host")
    _add_cgroup_levels(
        guard, "cgroup scope: act this far below the limit", "cgroup: SIGKILL at once this close"
    )
    guard.add_argument(
        "--sustain",
        type=v.flag("--sustain", v.DELAY),
        metavar="S",
        help="condition must hold this long (default 0)",
    )
    guard.add_argument(
        "--grace", type=v.flag("--grace", v.DELAY), metavar="S", help="SIGTERM -> SIGKILL delay (default 2)"
    )
    guard.add_argument("--dry-run", action="store_true", default=None, help="decide and log, never signal")
    group = guard.add_mutually_exclusive_group()
    group.add_argument("--kill-group", action="store_true", help="signal the victim's whole process group")
    group.add_argument("--kill-cgroup", action="store_true", help="signal every process of its cgroup")
    guard.add_argument("--hook-before", metavar="CMD", help="run before a kill (argv, no shell)")
    guard.add_argument("--hook-after", metavar="CMD", help="run after a kill")
    guard.add_argument(
        "--events",
        type=v.flag("--events", v.NON_EMPTY_PATH),
        metavar="FILE",
        help="events file (default DATA_DIR/events.jsonl)",
    )
    guard.add_argument("--no-events", action="store_true", help="do not write the events file")
    guard.add_argument("-v", "--verbose", action="count", default=0, help="more log detail")
    guard.set_defaults(func=cmd_guard)

    drill = subparsers.add_parser(
        "drill",
        help=DRILL_HELP,
        description=DRILL_DESCRIPTION,
        epilog=DRILL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    drill.add_argument(
        "--limit",
        type=v.flag("--limit", v.Size(low=1 << 20)),
        metavar="SIZE",
        help="memory limit of the drill cgroup (required)",
    )
    drill.add_argument(
        "--rate",
        default="1G",
        metavar="SIZE|max",
        help="hog fill rate per second; max (or 0): as fast as it can (default 1G)",
    )
    _add_cgroup_levels(drill, "guard acts this far below the limit", "SIGKILL at once this close (3)")
    drill.add_argument("--bystander", action="store_true", help="also run a small protected process")
    drill.add_argument(
        "--bystander-size",
        type=v.flag("--bystander-size", v.SIZE),
        default="32M",
        metavar="SIZE",
        help="its memory (default 32M)",
    )
    drill.add_argument("--kernel", action="store_true", help="no guard: let the kernel's OOM killer act")
    drill.add_argument(
        "--grace",
        type=v.flag("--grace", v.DELAY),
        default=2.0,
        metavar="S",
        help="guard SIGTERM -> SIGKILL delay",
    )
    drill.add_argument(
        "--timeout",
        type=v.flag("--timeout", v.Number(1, 86400, unit="seconds")),
        default=60.0,
        metavar="S",
        help="give up after (default 60)",
    )
    drill.add_argument("--json", action="store_true", help="print the timeline and verdict as JSON")
    drill.add_argument("-v", "--verbose", action="count", default=0, help="show the guard's log")
    drill.set_defaults(func=cmd_drill)


def _add_cgroup_levels(parser: argparse.ArgumentParser, headroom_help: str, critical_help: str) -> None:
    """--headroom and --critical-percent, the cgroup levels the guard and the drill share."""
    parser.add_argument(
        "--headroom",
        type=v.flag("--headroom", v.Threshold(optional=False)),
        metavar="PCT|SIZE",
        help=headroom_help,
    )
    parser.add_argument(
        "--critical-percent",
        type=v.flag("--critical-percent", v.PERCENT),
        default=3.0,
        metavar="PCT",
        help=critical_help,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="hostward oom", description="early OOM guard and drills")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


# -- guard -----------------------------------------------------------------------------------------------------
def guard_config(args: argparse.Namespace, base: GuardConfig) -> GuardConfig:
    """The [guard] section with the command-line flags applied on top (flags win)."""
    changes: dict[str, Any] = {}  # argparse's values, each already checked by its flag's rule
    for flag, key in (
        ("mem_available", "mem_available"),
        ("swap_free", "swap_free"),
        ("psi", "psi"),
        ("cgroup", "cgroup"),
        ("headroom", "cgroup_headroom"),
        ("sustain", "sustain_seconds"),
        ("grace", "grace_seconds"),
        ("dry_run", "dry_run"),
        ("hook_before", "hook_before"),
        ("hook_after", "hook_after"),
    ):
        value = getattr(args, flag)
        if value is not None:
            changes[key] = value
    if args.kill_group:
        changes["kill_group"] = "pgrp"
    elif args.kill_cgroup:
        changes["kill_group"] = "cgroup"
    return replace(base, **changes)


def cmd_guard(args: argparse.Namespace) -> int:
    import dataclasses  # noqa: PLC0415
    import logging  # noqa: PLC0415
    import signal  # noqa: PLC0415

    from hostward.config import load_config  # noqa: PLC0415
    from hostward.oom.guard.events import events_path  # noqa: PLC0415
    from hostward.oom.guard.guard_setup import build_guard  # noqa: PLC0415

    setup_logging(max(args.verbose, 1))  # a daemon explains every decision: INFO at least
    config = load_config()
    config = dataclasses.replace(config, guard=guard_config(args, config.guard))
    events: Path | None = None if args.no_events else (args.events or events_path(config.record.data_dir))
    guard = build_guard(config, events_file=events, critical_percent=args.critical_percent)

    def stop(signum: int, frame: FrameType | None) -> None:
        guard.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        guard.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        guard.close()
    logging.getLogger("hostward.oom.guard.guard").info(
        "guard stopped after %d intervention(s)", guard.interventions
    )
    return 0


# -- drill -----------------------------------------------------------------------------------------------------
class _Terminated(Exception):
    pass


def cmd_drill(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415
    import logging  # noqa: PLC0415
    import signal  # noqa: PLC0415

    from hostward.config import load_config  # noqa: PLC0415
    from hostward.oom.drill.drill import DrillSpec, run_drill  # noqa: PLC0415
    from hostward.oom.drill.drill_timeline import render_text  # noqa: PLC0415
    from hostward.oom.guard.triggers import parse_size, parse_threshold  # noqa: PLC0415

    setup_logging(args.verbose)
    if not args.verbose:  # the timeline says what happened; the guard's own log only on request
        logging.getLogger("hostward.oom.guard.guard").setLevel(logging.ERROR)
    if not args.limit:
        raise UsageError("the drill refuses to run without a memory limit: give --limit, e.g. --limit 512M")
    rate = 0 if args.rate.lower() in ("max", "0", "fastest") else parse_size(args.rate)
    config = load_config()
    spec = DrillSpec(
        limit_bytes=parse_size(args.limit),
        rate_bps=rate,
        headroom=parse_threshold(args.headroom) if args.headroom else None,
        bystander=args.bystander,
        bystander_bytes=parse_size(args.bystander_size),
        kernel=args.kernel,
        grace_seconds=args.grace,
        critical_percent=args.critical_percent,
        timeout_seconds=args.timeout,
        rules=config.oom.protect,
    )

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise _Terminated  # unwinds through run_drill's finally: the cgroup is removed

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        result = run_drill(spec)
    except _Terminated:
        sys.stderr.write("hostward oom drill: terminated; drill cgroup removed\n")
        return 143
    finally:
        signal.signal(signal.SIGTERM, previous)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(result))
    return 0 if result.guard_first else 1


def _standalone() -> int:
    """``python -m hostward.cli.oom_guard ...``: errors as one line, as hostward.cli.main does."""
    try:
        return run(sys.argv[1:])
    except HostwardError as exc:
        sys.stderr.write(f"hostward oom: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(_standalone())

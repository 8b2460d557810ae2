"""``hostward oom``: top, explain, protect, report, doctor. The only layer of the OOM toolkit that prints."""

from __future__ import annotations

import argparse
import collections
import sys
import time
from collections.abc import Iterator

from hostward import validate as v
from hostward.cli.args import Parser, add_config_flag, add_data_dir_flag
from hostward.cli.oom_guard import register as register_guard_commands
from hostward.cli.oom_output import emit_json, make_console
from hostward.errors import CollectError, UsageError
from hostward.oom.kernlog.sanitize import safe_text
from hostward.procfs import ProcFS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

# Each subcommand imports what it uses (rich, the report parser, the doctor, the policy), so that
# `hostward oom top --json` does not pay for the others at start-up.

DESCRIPTION = """\
The OOM toolkit: see whom the kernel's OOM killer would pick and why, protect what must survive, and
explain past kills from the kernel log.

commands:
  top       processes ranked by the kernel's badness (pages), with the kernel's own oom_score next to
            hostward's computation of it
  explain   the badness formula of the running kernel for one process, term by term
  protect   apply the [[oom.protect]] rules of the configuration (once, as a daemon, or show status)
  report    root-cause report of every OOM kill found in dmesg, /dev/kmsg, journalctl or log files
  doctor    sysctls, swap, cgroup limits, kdump and -1000 processes: what they mean, what to change
  guard     early OOM guard: act on MemAvailable, pressure or a cgroup limit before the kernel must
  drill     a safe OOM drill inside a temporary memory cgroup, with a timeline of who acted when
"""

EXAMPLES = {
    "top": """\
examples:
  hostward oom top                       one ranking, the 20 likeliest victims
  hostward oom top --interval 2          refresh every 2 s until Ctrl-C
  hostward oom top --all --json          every process, with kernel and computed scores, as JSON

columns: BADNESS is oom_badness() in pages (rss + swap + page tables + oom_score_adj x totalpages/1000);
SCORE is the kernel's /proc/PID/oom_score, CALC hostward's computation of it (they must agree);
SHARE is (rss + swap + page tables) / (RAM + swap). Kernel threads, init, zombies and -1000 tasks are never
chosen and are listed last with --all.
""",
    "explain": """\
examples:
  hostward oom explain $(pidof -s postgres)
  hostward oom explain --json 1234

exit status: 0 when the computed oom_score equals the kernel's /proc/PID/oom_score, 1 when they differ
(the process's memory changed between the reads), 2 for an unknown pid or bad arguments.
""",
    "protect": """\
actions:
  apply     set oom_score_adj on every running process a rule matches, then exit (default)
  daemon    apply, then keep applying to processes as they start (process-event connector, else /proc scan)
  status    which processes each rule covers, which are not at their target and why, and why each rule
            is trusted or refused; changes nothing

examples:
  hostward oom protect --dry-run          show what apply would change
  hostward oom protect status
  hostward oom protect daemon -v          log every change to stderr

rules (hostward.toml):
  [[oom.protect]]
  name = "sshd"
  exe = "/usr/sbin/sshd"
  oom_score_adj = -1000       # lowering below 0 needs CAP_SYS_RESOURCE
  [[oom.protect]]
  name = "batch"
  cmdline_regex = "\\\\bbatch-worker\\\\b"
  oom_score_adj = 500         # preferred victim

A rule below 0 protects, so it must match on something an ordinary user cannot choose: exe (a binary only
root can write), user or cgroup. comm and cmdline_regex alone are refused unless the rule says
trust_unprivileged = true (any user could then start a process it protects).

children = "reset" (the default below 0) sets what a protected process starts back to the value from before
the rule as soon as the fork or exec is reported, unless it matches a rule of its own; "inherit" keeps the
kernel's copy. With no [[oom.protect]] rules at all, a default policy protects sshd (and OpenSSH 9.8's
sshd-session), console logins and hostward's daemon; [oom] default_policy = false turns it off.

This replaces the cron job writing -17 to /proc/PID/oom_adj: see docs/oom.md.

exit status: apply: 0 when every matched process is at its target, 1 when the kernel refused a change (see
the reason printed) or a write failed; status and --dry-run: 0; 2 for no rules or a bad configuration.
""",
    "report": """\
sources (default: /dev/kmsg when readable, else dmesg):
  FILE ...       syslog files (/var/log/messages, kern.log, syslog, .gz), saved dmesg or journalctl
                 output in any format, '-' for stdin
  --dmesg        run dmesg       --kmsg   read /dev/kmsg       --journal   journalctl -k -o json

before the kill:
  Where 'hostward record' ran around an event (10 minutes before to 1 minute after), the report shows the
  memory trend (MemAvailable, MemFree, page cache, anon, swap used; per minute and their change per minute)
  and the recorded processes that grew, the victim among them when it was one of the largest. Recordings are
  read from --data-dir, else the [record] data_dir of the configuration (/var/lib/hostward for root).

examples:
  hostward oom report
  hostward oom report --data-dir /srv/hostward --last 1
  hostward oom report /var/log/kern.log /var/log/kern.log.1
  journalctl -k -o short-monotonic | hostward oom report -
  hostward oom report --json --last 1 --dmesg
""",
    "doctor": """\
examples:
  hostward oom doctor
  hostward oom doctor --json
""",
}


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = Parser(prog="hostward oom", description=DESCRIPTION, formatter_class=fmt)
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", prog="hostward oom"
    )  # prog given: argparse would build a formatter (and import shutil) to compute it
    sub.required = True

    top = sub.add_parser(
        "top", help="rank processes by OOM badness", epilog=EXAMPLES["top"], formatter_class=fmt
    )
    top.add_argument(
        "--interval",
        type=v.flag("--interval", v.Number(0.01, 86400, unit="seconds")),
        metavar="SECONDS",
        help="refresh every SECONDS (default: once)",
    )
    top.add_argument(
        "--iterations", type=v.flag("--iterations", v.COUNT), metavar="N", help="stop after N refreshes"
    )
    top.add_argument(
        "-n",
        "--lines",
        type=v.flag("--lines", v.COUNT),
        default=20,
        metavar="N",
        help="rows shown (default 20)",
    )
    top.add_argument("--all", action="store_true", help="every process, including those never chosen")
    top.add_argument("--json", action="store_true", help="JSON (one object per refresh, one per line)")

    ex = sub.add_parser(
        "explain", help="the badness formula for one process", epilog=EXAMPLES["explain"], formatter_class=fmt
    )
    ex.add_argument("pid", type=v.flag("PID", v.PID), help="process id")
    ex.add_argument("--json", action="store_true", help="JSON for machines")

    pr = sub.add_parser(
        "protect", help="apply oom_score_adj rules", epilog=EXAMPLES["protect"], formatter_class=fmt
    )
    pr.add_argument(
        "action",
        nargs="?",
        choices=("apply", "daemon", "status"),
        default="apply",
        help="what to do (default: apply)",
    )
    pr.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    add_config_flag(pr, "configuration file (default: see hostward --help)")
    pr.add_argument(
        "--no-connector", action="store_true", help="daemon: poll /proc instead of the event connector"
    )
    pr.add_argument("--json", action="store_true", help="JSON for machines")
    pr.add_argument("-v", "--verbose", action="count", default=0, help="log changes (-vv: debug)")

    rp = sub.add_parser(
        "report", help="explain OOM kills from kernel logs", epilog=EXAMPLES["report"], formatter_class=fmt
    )
    rp.add_argument("files", nargs="*", metavar="FILE", help="log files; '-' reads standard input")
    src = rp.add_mutually_exclusive_group()
    src.add_argument("--dmesg", action="store_true", help="run dmesg")
    src.add_argument("--kmsg", action="store_true", help="read /dev/kmsg (root)")
    src.add_argument("--journal", action="store_true", help="run journalctl -k -o json")
    rp.add_argument("--last", type=v.flag("--last", v.COUNT), metavar="N", help="only the last N events")
    rp.add_argument(
        "--top",
        type=v.flag("--top", v.Number(0, 1000, integer=True)),
        default=5,
        metavar="N",
        help="top consumers shown per event (default 5)",
    )
    rp.add_argument("--json", action="store_true", help="JSON for machines")
    add_data_dir_flag(rp, "hostward's recordings (default: [record] data_dir)", short=False)
    rp.add_argument("--no-trend", action="store_true", help="do not look up recordings around each event")

    dr = sub.add_parser(
        "doctor", help="check OOM-related settings", epilog=EXAMPLES["doctor"], formatter_class=fmt
    )
    dr.add_argument("--json", action="store_true", help="JSON for machines")

    # guard and drill live in their own module (the early guard's CLI); they set func= on their parsers.
    register_guard_commands(sub)
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "func", None) is not None:
        guard_code: int = args.func(args)
        return guard_code
    handler = {"top": _top, "explain": _explain, "protect": _protect, "report": _report, "doctor": _doctor}
    code: int = handler[args.command](args)
    return code


def _protect(args: argparse.Namespace) -> int:
    from hostward.cli.oom_protect import run_protect  # noqa: PLC0415  (the policy, threads, configuration)

    return run_protect(args)


# -- top ---------------------------------------------------------------------------------------------------------
def _top(args: argparse.Namespace) -> int:
    from hostward.oom.score.top import take_snapshot, with_cmdlines  # noqa: PLC0415

    if args.interval is not None and args.interval <= 0:
        raise UsageError("--interval must be positive")
    procfs = ProcFS()
    count = 0
    while True:
        # Command lines are read for the shown rows only, unless every process is shown anyway.
        full = args.json or args.all
        snap = take_snapshot(procfs, with_cmdline=full)
        rows = list(snap.processes if args.all else snap.killable)[: None if args.all else max(args.lines, 0)]
        if not full:
            rows = with_cmdlines(procfs, rows)
        if args.json:
            emit_json(_top_json(snap, rows))
        else:
            from hostward.oom.score.toptext import format_top  # noqa: PLC0415  (text only: --json skips it)

            if args.interval is not None and sys.stdout.isatty():
                sys.stdout.write("\x1b[H\x1b[2J")  # home + clear: the only escape hostward writes itself
            import shutil  # noqa: PLC0415

            width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
            sys.stdout.write("\n".join(format_top(snap, rows, width)) + "\n")
            sys.stdout.flush()
        count += 1
        if args.interval is None or (args.iterations is not None and count >= args.iterations):
            return 0
        time.sleep(args.interval)


def _top_json(snap: Any, rows: list[Any]) -> dict[str, Any]:
    victim = snap.victim
    return {
        "time": time.time(),
        "kernel": snap.kernel_release,
        "era": snap.era.name,
        "totalpages": snap.totals.totalpages,
        "page_size": snap.totals.page_size,
        "victim_pid": victim.info.pid if victim else None,
        "unreadable_pids": list(snap.unreadable),
        "processes": [
            {
                "pid": p.info.pid,
                "user": p.info.user,
                "uid": p.info.uid,
                "comm": p.info.comm,
                "cmdline": list(p.info.cmdline),
                "kernel_thread": p.info.kernel_thread,
                "eligibility": p.eligibility.value,
                "rss_bytes": p.info.rss_bytes,
                "swap_bytes": p.info.swap_bytes,
                "pgtables_bytes": p.info.pgtables_bytes,
                "oom_score_adj": p.info.oom_score_adj,
                "badness_pages": p.badness.points,
                "oom_score_kernel": p.info.oom_score,
                "oom_score_computed": p.computed_score,
                "share_of_memory": round(p.share_of_memory, 6),
            }
            for p in rows
        ],
    }


# -- explain -----------------------------------------------------------------------------------------------------
def _explain(args: argparse.Namespace) -> int:
    from hostward.oom.score.explain import explain, render, to_json  # noqa: PLC0415

    ex = explain(args.pid)
    if args.json:
        emit_json(to_json(ex))
    else:
        sys.stdout.write("\n".join(render(ex)) + "\n")
    return 0 if ex.target.matches_kernel is not False else 1


# -- report ------------------------------------------------------------------------------------------------------
def _report(args: argparse.Namespace) -> int:
    from hostward.oom.kernlog import sources  # noqa: PLC0415
    from hostward.oom.kernlog.kernlog import kernel_lines  # noqa: PLC0415
    from hostward.oom.kernlog.oomparse import parse_events  # noqa: PLC0415
    from hostward.oom.kernlog.report import event_json, render_event  # noqa: PLC0415
    from hostward.oom.kernlog.trend import TrendLoader  # noqa: PLC0415

    if args.files:
        if args.dmesg or args.kmsg or args.journal:
            raise UsageError("give files or one of --dmesg/--kmsg/--journal, not both")
        origin = ", ".join(args.files)
        raw: Iterator[str] = (line for f in args.files for line in sources.file_lines(f, sys.stdin.buffer))
    elif args.dmesg:
        origin, raw = "dmesg", sources.dmesg_lines()
    elif args.kmsg:
        origin, raw = "/dev/kmsg", sources.kmsg_lines()
    elif args.journal:
        origin, raw = "journalctl -k", sources.journal_lines()
    else:
        origin, raw = sources.default_lines()
    # The live kernel's buffer is of this boot: its printk stamps can be turned into wall-clock times.
    boot = None if args.files or args.journal else _boot_epoch()
    loader = None
    if not args.no_trend:
        from hostward.config import load_config  # noqa: PLC0415

        loader = TrendLoader(args.data_dir if args.data_dir is not None else load_config().record.data_dir)
    # Events are rendered as they complete, so a multi-gigabyte log is processed in constant memory.
    events: Iterator[tuple[Any, int]] = _with_repeats(parse_events(kernel_lines(raw)))
    if args.last is not None:
        events = iter(collections.deque(events, maxlen=max(args.last, 0)))
    count = 0
    if args.json:
        import json  # noqa: PLC0415  (the text report does without it)

        sys.stdout.write('{"source": ' + json.dumps(origin) + ', "events": [')
        for event, repeated in events:
            trend = loader.trend(event, boot) if loader is not None else None
            data = event_json(event, repeated=repeated, boot_epoch=boot, trend=trend)
            sys.stdout.write((", " if count else "") + json.dumps(data))
            count += 1
        sys.stdout.write("]}\n")
        return 0
    for event, repeated in events:
        trend = loader.trend(event, boot) if loader is not None else None
        lines = render_event(event, repeated=repeated, top=args.top, boot_epoch=boot, trend=trend)
        sys.stdout.write("\n".join(lines) + "\n\n")
        count += 1
    if not count:
        sys.stdout.write(f"no OOM kill found in {safe_text(origin)}\n")
    return 0


def _with_repeats(events: Iterator[Any]) -> Iterator[tuple[Any, int]]:
    """Each event with how many OOMs of the same memory cgroup (or the host) the log held up to it: other
    cgroups' kills on a busy host are not "the same OOM again"."""
    from hostward.oom.kernlog.report import repeat_key  # noqa: PLC0415

    seen: collections.Counter[tuple[str, str | None]] = collections.Counter()
    for event in events:
        key = repeat_key(event)
        seen[key] += 1
        yield event, seen[key]


def _boot_epoch() -> float | None:
    try:
        uptime = float(ProcFS().read("uptime").split()[0])
    except (CollectError, ValueError, IndexError):
        return None
    return time.time() - uptime


# -- doctor ------------------------------------------------------------------------------------------------------
def _doctor(args: argparse.Namespace) -> int:
    from hostward.oom.doctor import Level, diagnose  # noqa: PLC0415

    findings = diagnose()
    if args.json:
        emit_json(
            [
                {
                    "check": f.check,
                    "value": f.value,
                    "level": f.level.value,
                    "meaning": f.meaning,
                    "recommendation": f.recommendation,
                }
                for f in findings
            ]
        )
        return 0
    import textwrap  # noqa: PLC0415

    from rich.text import Text  # noqa: PLC0415  (the text form only)

    console = make_console()
    style = {Level.OK: "green", Level.INFO: "cyan", Level.WARN: "yellow", Level.BAD: "bold red"}
    for f in findings:
        head = Text(f"[{f.level.value:>4}] ", style=style[f.level])
        head.append(Text(f"{f.check} = {f.value}"))
        console.print(head)
        console.print(
            Text(textwrap.fill(f.meaning, 100, initial_indent="       ", subsequent_indent="       ")),
            soft_wrap=True,
        )
        console.print(
            Text(
                textwrap.fill(
                    "-> " + f.recommendation, 100, initial_indent="       ", subsequent_indent="          "
                )
            ),
            soft_wrap=True,
        )
    return 1 if any(f.level is Level.BAD for f in findings) else 0

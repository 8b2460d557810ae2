"""``hostward cache``: is memcached doing its job? Counters explained, slab classes, settings, verdicts."""

from __future__ import annotations

import argparse
import json
import sys
import time

from hostward.cli.args import Parser
from hostward.digits import is_digits
from hostward.errors import UsageError
from hostward.validate import Number, flag

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

DESCRIPTION = """\
Health of memcached servers, explained.

  stats     the counters grouped and explained: hit ratio (get_hits / cmd_get), misses, sets, fill
            (bytes / limit_maxbytes), items now and stored since start, evictions, reclaimed and
            unread items, connections (current, max, rejected, listen disabled), bytes in/out,
            uptime, version; with --interval, per-second rates like sar
  slabs     one row per slab class, as `memcached-tool HOST display` shows them, and why they matter
  settings  `stats settings`, the options that matter explained

Each prints a verdict with next steps: too small (evicting while full, young items), churn (items
replaced or expiring unread), hot misses (low hit ratio with memory to spare), slab calcification
(one class evicts while another has free pages; slab_reassign/slab_automove state), connection limit
hit, known-bad versions, UDP or every-interface exposure.

SERVER is HOST:PORT, [IPv6]:PORT or unix:/path/to/socket; without one, the [cache] servers of the
configuration file, else 127.0.0.1:11211.

exit status (the worst over all servers; for monitoring checks):
  0  healthy
  1  warning: a finding to look at (hot misses, churn, calcification, near the connection limit)
  2  error: a server unreachable, silent, or not memcached; or bad arguments
  3  critical: evicting live items heavily, connections refused, a version with known exploits
"""

STATS_EPILOG = """\
examples:
  hostward cache stats                              # [cache] servers, else 127.0.0.1:11211
  hostward cache stats 127.0.0.1:11211 unix:/run/memcached/memcached.sock
  hostward cache stats --interval 5                 # a row of rates every 5 s until Ctrl-C
  hostward cache stats --interval 1 3               # three rows, one second apart, then Average:
  hostward cache stats --json | jq '.servers[0].figures.hit_ratio'

Every figure is printed with the raw `stats` names it comes from; one-value figures print the value
exactly as `echo stats | nc -N HOST PORT` shows it. With --interval the first row is the average
since the server started (like sar's first line); a restart between two rows (the pid changes,
uptime goes back) is marked RESTART and its rates count from the new start; counters zeroed by
`stats reset` are shown as "reset", never as a negative rate. The verdict after an --interval run
reads the last interval's counters, not the ones since start.
"""

SLABS_EPILOG = """\
examples:
  hostward cache slabs
  hostward cache slabs 127.0.0.1:11211 --json
"""

SETTINGS_EPILOG = """\
examples:
  hostward cache settings unix:/run/memcached/memcached.sock
  hostward cache settings --json
"""

DEFAULT_SERVER = "127.0.0.1:11211"


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse would spell ``nargs="+"`` as ``N [COUNT ...]``; --interval takes one or two values."""

    def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
        if action.dest == "interval":
            return "N [COUNT]"
        return super()._format_args(action, default_metavar)


def build_parser() -> argparse.ArgumentParser:
    raw = _Formatter
    parser = Parser(prog="hostward cache", description=DESCRIPTION, formatter_class=raw)
    sub = parser.add_subparsers(dest="command", metavar="{stats,slabs,settings}", prog="hostward cache")
    for name, summary, epilog in (
        ("stats", "counters grouped and explained, rates with --interval", STATS_EPILOG),
        ("slabs", "slab classes (memcached-tool display) and why they matter", SLABS_EPILOG),
        ("settings", "stats settings, explained", SETTINGS_EPILOG),
    ):
        p = sub.add_parser(name, help=summary, description=summary, epilog=epilog, formatter_class=raw)
        p.add_argument("servers", nargs="*", metavar="SERVER", help="HOST:PORT, [IPv6]:PORT or unix:/path")
        p.add_argument(
            "--timeout",
            type=flag("--timeout", Number(0.01, 60, unit="seconds")),
            default=1.0,
            metavar="SECONDS",
            help="seconds to wait for each reply (default 1; 0.01 to 60)",
        )
        p.add_argument("--json", action="store_true", help="print JSON instead of text")
        if name == "stats":
            p.add_argument(
                "--interval",
                nargs="+",
                metavar=("N", "COUNT"),
                help="print rates every N seconds, COUNT times (default: until Ctrl-C)",
            )
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from hostward.cache.stats import parse_server  # noqa: PLC0415

    if not 0.01 <= args.timeout <= 60:
        raise UsageError("--timeout must be between 0.01 and 60 seconds")
    watch = _interval_args(args.interval) if args.command == "stats" and args.interval else None
    servers = list(dict.fromkeys(args.servers or _configured_servers()))
    for server in servers:
        parse_server(server)  # ConfigError (one line, exit 2) before anything is sent
    if watch is not None:
        return _watch(servers, args.timeout, *watch, as_json=args.json)
    return _once(args.command, servers, args.timeout, as_json=args.json)


def _configured_servers() -> tuple[str, ...]:
    from hostward.config import load_config  # noqa: PLC0415  (15-35 ms: only when no SERVER is named)

    return load_config().cache.servers or (DEFAULT_SERVER,)


def _interval_args(values: list[str]) -> tuple[float, int | None]:
    if len(values) > 2:
        raise UsageError("--interval takes N seconds and an optional COUNT")
    try:
        seconds = float(values[0])
    except ValueError:
        raise UsageError(f"--interval: {values[0][:40]!r} is not N [COUNT]") from None
    if len(values) == 2 and not is_digits(values[1]):
        raise UsageError(
            f"--interval: COUNT {values[1][:40]!r} is not a whole number (name SERVERs before --interval)"
        )
    count = int(values[1]) if len(values) == 2 else None
    if not 0.1 <= seconds <= 86400:
        raise UsageError("--interval N must be between 0.1 and 86400 seconds")
    if count is not None and count < 1:
        raise UsageError("--interval COUNT must be at least 1")
    return seconds, count


def _once(command: str, servers: list[str], timeout: float, *, as_json: bool) -> int:
    from hostward.cache.health import check, exit_code  # noqa: PLC0415
    from hostward.cli import cache_text  # noqa: PLC0415

    results = [check(server, timeout=timeout) for server in servers]
    code = exit_code(results)
    if as_json:
        from hostward.cli.cache_json import health_json  # noqa: PLC0415

        body = {"servers": [health_json(r, command) for r in results], "exit_status": code}
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
        return code
    render = {
        "stats": cache_text.render_stats,
        "slabs": cache_text.render_slabs,
        "settings": cache_text.render_settings,
    }[command]
    _write("\n".join(render(r) for r in results if r.error is None))
    for failed in results:
        if failed.error is not None:  # one line each on stderr, as every hostward error
            sys.stderr.write(f"hostward cache: {failed.error}\n")
    return code


def _watch(servers: list[str], timeout: float, seconds: float, count: int | None, *, as_json: bool) -> int:
    from hostward.cache.counters import Interval, average, interval  # noqa: PLC0415
    from hostward.cache.health import CacheHealth, check, exit_code  # noqa: PLC0415
    from hostward.cli import cache_text  # noqa: PLC0415
    from hostward.cli.cache_json import interval_json, verdict_json  # noqa: PLC0415

    previous: dict[str, CacheHealth] = {}
    steps: dict[str, list[Interval]] = {server: [] for server in servers}
    latest: dict[str, CacheHealth] = {}
    if not as_json:
        sys.stdout.write(cache_text.RATE_HEADER + "\n")
    start = time.monotonic()
    done = 0
    try:
        while True:
            for server in servers:
                before = previous.get(server)
                old = before.stats if before is not None else None
                health = check(server, timeout=timeout, before=old)
                latest[server] = health
                step: Interval | None = None
                if health.stats is not None:
                    span = health.stats.fetched_at - old.fetched_at if old else None
                    step = interval(old.fields if old else None, health.stats.fields, span)
                    steps[server].append(step)
                    previous[server] = health
                stamp = health.stats.fetched_at if health.stats else time.time()
                if as_json:
                    _emit(interval_json(stamp, health, step))
                else:
                    clock = time.strftime("%H:%M:%S", time.localtime(stamp))
                    sys.stdout.write(cache_text.rate_row(clock, server, step, health) + "\n")
            sys.stdout.flush()
            done += 1
            if count is not None and done >= count:
                break
            time.sleep(max(0.0, start + done * seconds - time.monotonic()))
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the run like sar's: averages and verdicts still follow
    results = list(latest.values())
    for server in servers:
        mean = average(steps[server])
        final = latest.get(server)
        if as_json:
            avg = None if mean is None else {name: r.per_second for name, r in mean.rates.items()}
            hit = None if mean is None else mean.hit_ratio
            _emit({"server": server, "average": avg, "hit_ratio": hit, "verdict": verdict_json(final)})
            continue
        if mean is not None and final is not None and final.stats is not None:
            sys.stdout.write(cache_text.rate_row("Average:", server, mean, final, gauges=False) + "\n")
    if not as_json:
        for health in results:
            _write("\n".join([cache_text.header(health), *cache_text.render_verdict(health.verdict)]) + "\n")
    return exit_code(results)


STYLES = {"OK": "green", "WARNING": "yellow", "CRITICAL": "bold red", "warning": "yellow", "critical": "red"}


def _write(text: str) -> None:
    """Plain text to pipes and files; on a terminal, verdicts and findings coloured by level (rich)."""
    if not sys.stdout.isatty():
        sys.stdout.write(text)
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    console = Console(highlight=False, soft_wrap=True)
    for line in text.splitlines():
        words = line.split()
        level = (
            words[1]
            if line.startswith("Verdict: ")
            else words[1].rstrip(":")
            if line.startswith("  - ")
            else ""
        )
        title = bool(line) and not line.startswith(" ") and not line.startswith("Verdict")
        console.print(Text(line, style=STYLES.get(level, "bold" if title else "")))


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()

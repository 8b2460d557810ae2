"""``hostward ntp``: time health — query servers, report the host's state, serve a deliberately wrong clock."""

from __future__ import annotations

import argparse
import enum
import math
import sys
import time
from pathlib import Path
from types import FrameType

from hostward import validate
from hostward.cli.args import Parser
from hostward.config import load_config
from hostward.errors import UsageError
from hostward.frozen import jsonable
from hostward.ntp.query import QueryReport, run_query
from hostward.ntp.select import SourceState
from hostward.ntp.transport import ServerAddress, parse_server

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

    from hostward.ntp.adjtimex import KernelClock
    from hostward.ntp.daemons import ChronyView
    from hostward.ntp.status import TimeHealth

EXIT = {"ok": 0, "warning": 1, "critical": 3}

DESCRIPTION = """\
Time health of this host.

  query   measure the offset of this clock against NTP servers, reject falsetickers (RFC 5905
          intersection algorithm), and print a chronyc-like sources table with a verdict
  status  what the kernel (adjtimex), the running time daemon (chronyd via chronyc, ntpd,
          systemd-timesyncd) and the drift file say; no network traffic
  serve   answer NTP client requests from this clock plus a deliberate offset, for drills

Offsets are printed as RFC 5905's θ = server − local: positive means this host is BEHIND.
chronyc's "Last sample" uses the opposite sign (local − source).

exit status: 0 healthy, 1 warning, 3 critical (time cannot be trusted), 2 usage error.
"""

QUERY_EPILOG = """\
examples:
  hostward ntp query 127.0.0.1:11123 127.0.0.2:11123 127.0.0.3:11123
  hostward ntp query --samples 8 --interval 2 ntp1.example.net ntp2.example.net '[::1]:123'
  hostward ntp query --json 127.0.0.1          # machine-readable, same fields as the table
With no SERVER, the [ntp] servers of the configuration file are queried.

Each server gets a burst of --samples requests --interval seconds apart (2 s is the spacing public
servers accept, the same as iburst); the sample with the least round-trip delay is kept (RFC 5905
clock filter). A server that answers with kiss-o'-death DENY/RSTR is not asked again; after RATE
it is not asked again either and the samples it gave are used. Replies that fail validation (wrong
origin, wrong mode, duplicate, truncated, unsynchronised) are ignored and counted ("ignored" in
--json); a server that only replied so is reported as "replied, but with ...", not as a timeout.
"""

STATUS_EPILOG = """\
examples:
  hostward ntp status              # verdict and next steps
  hostward ntp status --explain    # also: offset vs delay, signs, ppm, iburst, slewing, worked out
  hostward ntp status --json

"adjusts the clock" says whether the daemon's corrections reach the clock: no for chronyd -x/-Q,
ntpd 'disable ntp', a daemon without CAP_SYS_TIME, or a synchronised chronyd whose updates never
show in the kernel's maxerror; "cannot tell" when the kernel's state is unreadable from here.
Some forms cannot be seen locally at all (docs/ntp.md): 'hostward ntp query' measures the clock.
"""

SERVE_EPILOG = """\
examples:
  hostward ntp serve --port 11123 --offset 45     # clients see a clock 45 s fast
  hostward ntp serve --listen ::1 --port 11123 --offset -2.5
  chronyd -Q -t 5 'server 127.0.0.1 port 11123 iburst'   # "System clock wrong by 45.000... seconds"

Only client-mode (3) requests of exactly 48 bytes are answered, with 48 bytes: the server can never
amplify traffic. Each client address may get --burst replies at once and --rate per second after
that; beyond it one RATE kiss-o'-death is sent and further requests are dropped. Stops on Ctrl-C or
SIGTERM and prints what it answered and ignored.
"""


NTP_TIMEOUT = validate.Number(0, 60, above_low=True, unit="seconds")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="hostward ntp", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(
        dest="command", metavar="{query,status,serve}", prog="hostward ntp"
    )  # prog given: argparse would build a formatter (and import shutil) to compute it
    raw = argparse.RawDescriptionHelpFormatter

    q = sub.add_parser(
        "query", help="measure offsets against servers", epilog=QUERY_EPILOG, formatter_class=raw
    )
    q.add_argument("servers", nargs="*", metavar="SERVER[:PORT]", help="host name, IPv4, or [IPv6]; port 123")
    q.add_argument(
        "--samples",
        type=validate.flag("--samples", validate.Number(1, 64, integer=True)),
        help="requests per server (default: config, 4)",
    )
    q.add_argument(
        "--interval",
        type=validate.flag("--interval", validate.DELAY),
        help="seconds between requests to one server (default 2)",
    )
    q.add_argument(
        "--timeout",
        type=validate.flag("--timeout", NTP_TIMEOUT),
        help="seconds to wait for each reply (default 1)",
    )
    q.add_argument(
        "--retries",
        type=validate.flag("--retries", validate.Number(0, 10, integer=True)),
        default=1,
        help="re-sends of an unanswered request (default 1)",
    )
    q.add_argument("--json", action="store_true", help="print JSON instead of the table")

    s = sub.add_parser(
        "status", help="the host's time health, locally", epilog=STATUS_EPILOG, formatter_class=raw
    )
    s.add_argument("--explain", action="store_true", help="explain the numbers and common misreadings")
    s.add_argument("--json", action="store_true", help="print JSON")

    v = sub.add_parser(
        "serve", help="NTP server with a deliberate offset", epilog=SERVE_EPILOG, formatter_class=raw
    )
    v.add_argument(
        "--listen", default="127.0.0.1", metavar="ADDR", help="numeric address (default 127.0.0.1)"
    )
    v.add_argument(
        "--port", type=validate.flag("--port", validate.PORT), default=123, help="UDP port (default 123)"
    )
    v.add_argument(
        "--offset",
        type=validate.flag("--offset", validate.Number(-1e9, 1e9, unit="seconds")),
        default=0.0,
        metavar="SECONDS",
        help="added to our clock (default 0)",
    )
    v.add_argument(
        "--stratum",
        type=validate.flag("--stratum", validate.Number(1, 15, integer=True)),
        default=10,
        help="stratum to advertise, 1-15 (default 10)",
    )
    v.add_argument(
        "--rate",
        type=validate.flag("--rate", validate.Number(0, 1e6)),
        default=2.0,
        help="replies per second per client; 0: unlimited",
    )
    v.add_argument(
        "--burst",
        type=validate.flag("--burst", validate.Number(1, 10000, integer=True)),
        default=8,
        help="replies a client may get back-to-back (default 8)",
    )
    v.add_argument(
        "--duration",
        type=validate.flag("--duration", validate.Number(0, 1e9, unit="seconds")),
        default=0.0,
        help="stop after this many seconds (default: never)",
    )
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "query":
        return _query(args)
    if args.command == "status":
        return _status(args)
    if args.command == "serve":
        return _serve(args)
    parser.print_help()
    return 2


# -- query ----------------------------------------------------------------------------------------------------


def _query(args: argparse.Namespace) -> int:
    config = load_config().ntp
    texts = args.servers or list(config.servers)
    if not texts:
        raise UsageError("no SERVER given and no [ntp] servers in the configuration")
    servers: list[ServerAddress] = []
    for text in texts:
        server = parse_server(text)
        if server not in servers:
            servers.append(server)
    report = run_query(
        servers,
        samples=args.samples if args.samples is not None else config.samples_per_server,
        interval=args.interval if args.interval is not None else config.interval_seconds,
        timeout=args.timeout if args.timeout is not None else config.timeout_seconds,
        retries=args.retries,
    )
    if args.json:
        import json  # noqa: PLC0415  (--json only: not part of the text report's start-up)

        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(render_sources(report, time.time_ns()))
    return EXIT[report.verdict.level]


LEGEND = """\
  MS  ^ = server; * selected, + combined, - outlier (clustered out), x falseticker, ? unusable
  Offset is θ = server − local (RFC 5905): + means this host is BEHIND the server.
  chronyc's "Last sample" column shows local − source, the negative of this θ.
  ± is the root distance λ: half the round trip to the reference clock plus all dispersions.
  Reach is octal, one bit per sample of this burst (answered, retries included), newest lowest;
  Poll is log2 of the interval between samples.
"""


def render_sources(report: QueryReport, now_ns: int) -> str:
    lines = [
        f"{'MS':<3}{'Name/IP address':<28}{'Stratum':>7}{'Poll':>5}{'Reach':>6}{'LastRx':>7}  {'Offset θ':>12} ± {'error':<9}{'Delay':>9}",
        "=" * 92,
    ]
    for r in report.results:
        state = report.selection.states.get(r.server.label, SourceState.UNUSABLE)
        best = r.best
        poll = "-" if r.interval_seconds <= 0 else str(round(math.log2(r.interval_seconds)))
        if best is None:
            lines.append(f"^{state} {r.server.label:<28.28}{'-':>7}{poll:>5}{r.reach:>6o}{'-':>7}  {r.error}")
            continue
        last_rx = max(0, round((now_ns - best.received_unix_ns) / 1e9))
        lines.append(
            f"^{state} {r.server.label:<28.28}{best.stratum:>7}{poll:>5}{r.reach:>6o}{last_rx:>7}  "
            f"{human_seconds(best.offset_seconds, signed=True):>12} ± {human_seconds(r.root_distance_seconds):<9}"
            f"{human_seconds(best.delay_seconds):>9}"
        )
    lines.append("")
    lines.append(LEGEND)
    verdict = report.verdict
    lines.append(f"Verdict: {verdict.level.upper()}")
    lines.extend(_wrap(verdict.summary, "  "))
    for detail in verdict.details:
        lines.extend(_wrap(detail, "  - "))
    return "\n".join(lines) + "\n"


def human_seconds(seconds: float, *, signed: bool = False) -> str:
    """Scale like chronyc does: ns, us, ms or s, keeping 4-5 significant digits."""
    sign = "+" if signed and seconds >= 0 else ""
    size = abs(seconds)
    if math.isinf(size):
        return "inf"
    for unit, factor in (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3)):
        if size < 1000 * factor:
            return (
                f"{sign}{seconds / factor:.0f}{unit}"
                if unit == "ns"
                else f"{sign}{seconds / factor:.1f}{unit}"
            )
    return f"{sign}{seconds:.6f}s"


# -- status ---------------------------------------------------------------------------------------------------


def _status(args: argparse.Namespace) -> int:
    # Imported here, like the server below: `query` should not pay for ctypes, subprocess and /proc scanning.
    from hostward.ntp.status import gather  # noqa: PLC0415

    health = gather()
    if args.json:
        import json  # noqa: PLC0415  (--json only)

        sys.stdout.write(json.dumps(jsonable(health, _leaf), indent=2) + "\n")
    else:
        sys.stdout.write(render_status(health, explain_text=args.explain))
    return EXIT[health.verdict.level]


def render_status(health: TimeHealth, *, explain_text: bool = False) -> str:
    out: list[str] = []
    k = health.kernel
    out.append("Kernel clock (adjtimex, read-only)")
    if k is None:
        out.append(f"  unavailable: {health.kernel_problem}")
    else:
        flags = ",".join(k.status_flags) or "none"
        out.append(
            f"  synchronised: {'yes' if k.synchronised else 'no'} (state {k.state.name}, flags {flags})"
        )
        out.append(
            f"  maximum error {k.maxerror_seconds * 1000:.3f} ms, estimated error {k.esterror_seconds * 1000:.3f} ms"
        )
        out.append(
            f"  {_kernel_frequency(k, health)}; pending offset {human_seconds(k.offset_seconds, signed=True)}"
        )
    out.append("Time daemons")
    if not health.daemons:
        out.append("  none running")
    out.extend(f"  {d.name} (pid {d.pid}): {d.cmdline}" for d in health.daemons)
    for setup in health.setups:
        where = f"{setup.config_path} ({setup.config_source})" if setup.config_path else setup.config_source
        out.append(f"  {setup.daemon.name} (pid {setup.daemon.pid}) configuration: {where}")
        if setup.command_socket:
            out.append(f"    command socket {setup.command_socket}")
        control = next((c for c in health.controls if c.pid == setup.daemon.pid), None)
        text = (
            control.text if control else "yes" if setup.controls_clock else f"no: {setup.no_control_reason}"
        )
        out.append(f"    adjusts the clock: {text}")
    if health.chrony is not None:
        out.extend(render_chrony(health.chrony))
    out.append("Drift file")
    if health.drift is not None:
        d = health.drift
        skew = f" ± {d.skew_ppm:.3f}" if d.skew_ppm is not None else ""
        out.append(
            f"  {d.path} ({d.daemon}): {d.frequency_ppm:+.3f}{skew} ppm = {d.seconds_per_day * 1000:+.1f} ms/day"
        )
    else:
        out.append(f"  {health.drift_problem or 'none found'}")
    v = health.verdict
    out.append(f"Verdict: {v.level.upper()}: {v.summary}")
    for step in v.details:
        out.extend(_wrap(step, "  - "))
    if explain_text:
        from hostward.ntp.explain import explain  # noqa: PLC0415

        out.append("")
        out.append("Explained")
        for paragraph in explain(health):
            out.extend(_wrap(paragraph, "  "))
            out.append("")
    return "\n".join(out) + "\n"


def _kernel_frequency(k: KernelClock, health: TimeHealth) -> str:
    text = (
        f"frequency correction {k.frequency_ppm:+.3f} ppm = {k.frequency_seconds_per_day * 1000:+.1f} ms/day "
        "(1 ppm = 86.4 ms/day)"
    )
    nobody_adjusts = not health.daemons or (
        health.controls and all(c.adjusts is False for c in health.controls)
    )
    if k.frequency_ppm == 0 and nobody_adjusts:
        text += ": no correction applied (no daemon adjusts the clock), not a measure of its drift"
    return text


def render_chrony(chrony: ChronyView) -> list[str]:
    """chronyd's own view, laid out as ``chronyc tracking`` and ``chronyc sources``/``sourcestats`` print it."""
    out = ["chronyd's tracking (as chronyc tracking)"]
    t = chrony.tracking
    if t is None:
        return [*out, f"  unavailable: {chrony.problem}"]

    def line(label: str, value: str) -> str:
        return f"  {label:<16}: {value}"

    slow = "slow" if t.system_offset_seconds >= 0 else "fast"
    out += [
        line("Reference ID", f"{t.reference_id} ({t.reference_name})"),
        line("Stratum", str(t.stratum)),
        line("Ref time (UTC)", time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(t.reference_time_unix))),
        line("System time", f"{abs(t.system_offset_seconds):.9f} seconds {slow} of NTP time"),
        line("Last offset", f"{t.last_offset_seconds:+.9f} seconds"),
        line("RMS offset", f"{t.rms_offset_seconds:.9f} seconds"),
        line("Frequency", f"{abs(t.frequency_ppm):.3f} ppm {'slow' if t.frequency_ppm < 0 else 'fast'}"),
        line("Residual freq", f"{t.residual_frequency_ppm:+.3f} ppm"),
        line("Skew", f"{t.skew_ppm:.3f} ppm"),
        line("Root delay", f"{t.root_delay_seconds:.9f} seconds"),
        line("Root dispersion", f"{t.root_dispersion_seconds:.9f} seconds"),
        line("Update interval", f"{t.update_interval_seconds:.1f} seconds"),
        line("Leap status", t.leap_status),
    ]
    out.append("chronyd's sources (offsets relative to the clock as chronyd has already corrected it)")
    for src in chrony.sources:
        rx = "-" if src.last_rx_seconds is None else str(src.last_rx_seconds)
        out.append(
            f"  {src.mode}{src.state} {src.name:<24} stratum {src.stratum:>2} reach {src.reach:>3o} "
            f"lastrx {rx:>5}  θ {human_seconds(src.theta_seconds, signed=True)} ± {human_seconds(src.error_seconds)}"
        )
    if chrony.sourcestats:
        out.append(
            "chronyd's sourcestats (NP samples, NR runs, span; frequency and θ relative to this clock)"
        )
        for st in chrony.sourcestats:
            out.append(
                f"  {st.name:<24} NP {st.samples:>3} NR {st.runs:>3} span {st.span_seconds:>6} s  "
                f"freq {st.frequency_ppm:+.3f} ± {st.frequency_skew_ppm:.3f} ppm  "
                f"θ {human_seconds(-st.offset_seconds, signed=True)} σ {human_seconds(st.std_dev_seconds)}"
            )
    return out


def _leaf(value: Any) -> Any:
    """How --json shows what is not a record or a container: enums by name, paths as text."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, Path):
        return str(value)
    return value


# -- serve ----------------------------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    import signal  # noqa: PLC0415

    from hostward.ntp.server import NtpServer, ServeSettings  # noqa: PLC0415

    settings = ServeSettings(
        offset_seconds=args.offset, stratum=args.stratum, rate_per_second=args.rate, burst=args.burst
    )
    server = NtpServer(args.listen, args.port, settings)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        server.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.address
    sys.stdout.write(f"hostward ntp serve: listening on {host} port {port}, offset {args.offset:+g} s\n")
    sys.stdout.flush()
    if args.duration > 0:
        signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, args.duration)
    try:
        server.serve_forever()
    finally:
        server.close()
    counts = ", ".join(f"{k} {v}" for k, v in sorted(server.stats.items())) or "no requests"
    sys.stdout.write(f"hostward ntp serve: stopped; {counts}\n")
    return 0


def _wrap(text: str, prefix: str) -> list[str]:
    import textwrap  # noqa: PLC0415  (ntp status only: ~2 ms of every ntp command's start-up otherwise)

    indent = " " * len(prefix)
    return textwrap.wrap(text, width=100, initial_indent=prefix, subsequent_indent=indent) or [prefix]

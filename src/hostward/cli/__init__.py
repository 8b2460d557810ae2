"""Command-line entry point: ``hostward COMMAND [ARGS]``.

Each command lives in its own module ``hostward.cli.<command>`` exposing ``run(argv: list[str]) -> int``; the
module is imported only when its command runs, so start-up stays cheap. This package is the only place that
prints errors and chooses exit codes.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence

from hostward import __version__
from hostward.errors import HostwardError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from types import ModuleType

# command -> (module, one-line summary for `hostward --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "daemon": (
        "hostward.cli.daemon",
        "the main job: record activity, apply the OOM protection policy, guard",
    ),
    "record": ("hostward.cli.record", "sample kernel activity into daily data files (like sadc)"),
    "sar": ("hostward.cli.sar", "report recorded or live activity with sysstat's sar flags and layout"),
    "sadf": ("hostward.cli.sadf", "recorded activity as CSV (sadf -d) or JSON (sadf -j)"),
    "plot": ("hostward.cli.plot", "graphs of recorded or imported activity (PDF/PNG/SVG, like kSar)"),
    "import": ("hostward.cli.import_", "import sysstat history: sa files, sar text, sadf -d CSV"),
    "oom": ("hostward.cli.oom", "OOM toolkit: top, explain, protect, report, doctor"),
    "ntp": ("hostward.cli.ntp", "time health: query, status, serve"),
    "web": ("hostward.cli.web", "the secure web dashboard: serve, accounts, audit log"),
    "metrics": ("hostward.cli.metrics", "Prometheus /metrics with node_exporter's names; textfile mode"),
    "cache": ("hostward.cli.cache", "memcached health explained: stats, slabs, settings, verdicts"),
}

USAGE = """\
usage: hostward [--version] COMMAND [ARGS...]

Keeps watch over a Linux host: records what it does, explains why it got into trouble,
and steps in before trouble becomes an outage.

commands:
{commands}

Run 'hostward COMMAND --help' for the options of one command.
Configuration: $HOSTWARD_CONFIG, else /etc/hostward/hostward.toml (root) or
~/.config/hostward/hostward.toml; HOSTWARD_<SECTION>_<KEY> variables override it.
"""


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()]
    return USAGE.format(commands="\n".join(lines))


def setup_logging(verbose: int = 0) -> None:
    """Log to stderr (the journal picks it up under systemd) without timestamps when journald adds its own."""
    import logging  # noqa: PLC0415  (8 ms: only the commands that log pay for it)

    level = (
        logging.DEBUG
        if verbose > 1
        else logging.INFO
        if verbose or os.environ.get("INVOCATION_ID")
        else logging.WARNING
    )
    fmt = (
        "%(levelname)s %(name)s: %(message)s"
        if os.environ.get("INVOCATION_ID")
        else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr, force=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(usage())
        return 0 if args else 2
    if args[0] == "--version":
        sys.stdout.write(f"hostward {__version__}\n")
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        sys.stderr.write(f"hostward: unknown command '{command}' (try 'hostward --help')\n")
        return 2
    try:
        module = _import_command(COMMANDS[command][0], frozen=argv is None)
        code: int = module.run(rest)
        sys.stdout.flush()
        return code
    except HostwardError as exc:
        sys.stderr.write(f"hostward {command}: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `hostward sar | head`: the reader went away; not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _import_command(name: str, *, frozen: bool) -> ModuleType:
    """The command's module. Run as a program (``frozen``), the cyclic collector is paused while it is imported and
    what the imports made (classes, functions, tables: alive until exit) is then moved out of its reach
    (gc.freeze): its collections during the imports, and its traversals of those objects at every later one, were
    ~5 ms of a short command's CPU (issue 17). Objects made afterwards are collected as usual. (Called in-process,
    by tests, the collector is left alone.)"""
    if not frozen:
        return importlib.import_module(name)
    # Not gcpause.collector_paused: importing it (contextlib, its lock) costs the live reports more than this saves
    # them, and no other thread exists yet.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return importlib.import_module(name)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


if __name__ == "__main__":
    raise SystemExit(main())

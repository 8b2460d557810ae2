"""``hostward metrics``: serve /metrics alone, or write hostward_* for node_exporter's textfile collector."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import threading
from types import FrameType

from hostward import validate as v
from hostward.cli import setup_logging
from hostward.cli.args import Parser, add_config_flag, add_data_dir_flag, add_verbose_flag
from hostward.config import METRICS_PORT, load_config
from hostward.errors import UsageError

DESCRIPTION = f"""\
Prometheus metrics: node_exporter 1.5.0's names for what hostward measures (CPU, memory, vmstat, load, disks,
interfaces, filesystems, pressure, timex, uname, os), hostward_* families (OOM kills by victim, guard
actions, recorder health and write errors) and, for every [cache] servers entry, memcached_exporter's memcached_*
families. docs/metrics.md lists every family.

  serve            serve /metrics on [metrics] listen (default 127.0.0.1:{METRICS_PORT}); `hostward daemon`
                   already serves it unless [metrics] enabled = false
  textfile DIR     write the hostward_* families to DIR/hostward.prom for node_exporter's textfile collector
                   (Debian: /var/lib/prometheus/node-exporter), replaced atomically every interval"""

EPILOG = f"""\
examples:
  hostward metrics serve                                  then: curl -s 127.0.0.1:{METRICS_PORT}/metrics
  hostward metrics serve --listen 127.0.0.1:9478
  hostward metrics textfile /var/lib/prometheus/node-exporter
  hostward metrics textfile --once /tmp                    write /tmp/hostward.prom once and exit

A non-loopback --listen is refused unless [metrics] tls_cert, tls_key and bearer_token_file (or basic auth)
are set. exit status: 0 after SIGTERM/SIGINT or --once, 2 on bad usage or configuration."""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="hostward metrics",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_flag(parser)
    add_data_dir_flag(parser, "directory of the recorder's files")
    add_verbose_flag(parser)
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    serve = sub.add_parser("serve", help="serve /metrics until stopped")
    serve.add_argument("--listen", metavar="HOST:PORT", help=f"address (default 127.0.0.1:{METRICS_PORT})")
    text = sub.add_parser("textfile", help="write DIR/hostward.prom every interval")
    text.add_argument("directory", type=v.flag("DIR", v.NON_EMPTY_PATH), metavar="DIR")
    text.add_argument(
        "-i",
        "--interval",
        type=v.flag("--interval", v.SAMPLE_INTERVAL),
        metavar="SECONDS",
        help="default: [record] interval",
    )
    text.add_argument("--once", action="store_true", help="write once and exit")
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    config = load_config(args.config)
    if args.data_dir is not None:
        config = dataclasses.replace(
            config, record=dataclasses.replace(config.record, data_dir=args.data_dir)
        )
    stop = threading.Event()

    def on_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if args.action == "serve":
        if args.listen:
            config = dataclasses.replace(
                config, metrics=dataclasses.replace(config.metrics, listen=args.listen)
            )
        from hostward.export.service import MetricsService  # noqa: PLC0415 - loaded per action

        service = MetricsService(config)
        signal.signal(signal.SIGTERM, lambda s, f: service.stop())
        signal.signal(signal.SIGINT, lambda s, f: service.stop())
        logging.getLogger("hostward.export").warning("serving /metrics on %s", service.address)
        service.run()
        return 0
    from hostward.export.registry import build_exporter  # noqa: PLC0415
    from hostward.export.textfile import write_textfile  # noqa: PLC0415

    interval = args.interval if args.interval is not None else config.record.interval_seconds
    if not 1.0 <= interval <= 86400.0:
        raise UsageError("--interval must be between 1 and 86400 seconds")
    exporter = build_exporter(config, node=False)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    for poller in exporter.pollers:
        poller.poll_once()  # the first file has values, not "not polled yet"
    while True:
        write_textfile(exporter.registry, args.directory)
        if args.once or stop.wait(interval):
            return 0
        for poller in exporter.pollers:
            poller.poll_once()

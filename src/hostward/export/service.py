"""The long-running /metrics service: pollers plus the HTTP server, as one start/stop unit (a daemon Part)."""

from __future__ import annotations

import threading

from hostward.config import Config
from hostward.errors import ListenError
from hostward.export.registry import build_exporter
from hostward.export.server import MetricsServer, check_settings


class MetricsService:
    """Validates [metrics] and binds at construction (errors surface before anything runs); ``run`` serves
    until ``stop``."""

    def __init__(self, config: Config) -> None:
        listen, credentials, tls = check_settings(config.metrics)
        self.exporter = build_exporter(config)
        try:
            self.server = MetricsServer(listen, self.exporter.registry, credentials=credentials, tls=tls)
        except OSError as exc:
            raise ListenError(
                f"metrics.listen {config.metrics.listen}: cannot listen: {exc.strerror}"
            ) from exc
        scheme = "https" if tls is not None else "http"
        self.address = f"{scheme}://{listen.host}:{self.server.port}/metrics"

    def run(self) -> None:
        self.exporter.start()
        try:
            self.server.serve_forever(poll_interval=0.5)
        finally:
            self.exporter.stop()
            self.server.server_close()

    def stop(self) -> None:
        # shutdown() waits for serve_forever to return: run it off the caller's thread (a signal handler)
        threading.Thread(target=self.server.shutdown, daemon=True).start()

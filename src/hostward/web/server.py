"""The dashboard server: ``hostward web serve`` runs it in the foreground, ``hostward daemon`` as one of its parts.

Everything that can be wrong is found at construction, before anything runs: a bad [web] section is a
ConfigError, a listen address that cannot be bound a ListenError (the daemon then records and guards without
the dashboard). ``run`` serves until ``stop``, which only sets a flag (safe from a signal handler).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import socket
from pathlib import Path

import uvicorn

from hostward.cache import open_cache
from hostward.config import CacheConfig, Config, WebConfig
from hostward.errors import ConfigError, ListenError
from hostward.hostport import is_loopback, split_host_port
from hostward.web import setup_token
from hostward.web.app import create_app
from hostward.web.pages import routes
from hostward.web.tls import certificate_files, server_context

log = logging.getLogger("hostward.web")


def check_web(web: WebConfig) -> tuple[str, int]:
    """The [web] values that must hold before serving; the host and port to listen on."""
    host, port = split_host_port(web.listen, what="[web] listen", allow_zero_port=True)
    for name in ("session_idle_minutes", "session_absolute_hours"):
        value = getattr(web, name)
        if not (math.isfinite(value) and 0 < value <= 10_000):
            raise ConfigError(f"[web] {name} must be a number above 0 and at most 10000")
    return host, port


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


class WebServer:
    def __init__(
        self,
        web: WebConfig,
        data_dir: Path,
        *,
        interval_seconds: float | None = None,
        cache: CacheConfig | None = None,
        hostward_config: Config | None = None,
    ) -> None:
        host, port = check_web(web)
        self.app = create_app(web, data_dir=data_dir, extra_routes=routes())
        # pages read [ntp], [oom], [cache] from the file the server started with
        if hostward_config is not None:
            self.app.state.hostward_config = hostward_config
        if interval_seconds is not None:
            self.app.state.record_interval_seconds = interval_seconds  # live points and cache TTLs follow it
        # Role-wide API responses go to the page cache: in process, or memcached when [cache] says so.
        self.app.state.page_cache = open_cache(cache or CacheConfig())
        self.has_accounts = self.app.state.accounts.count() > 0
        config = uvicorn.Config(
            self.app,
            host=host,
            port=port,
            server_header=False,
            proxy_headers=False,
            log_level="warning",
            access_log=False,
            timeout_keep_alive=5,
            limit_concurrency=200,
            h11_max_incomplete_event_size=16 * 1024,
            # Live streams (SSE) stay open for minutes: a stop must not wait for browsers to let go.
            timeout_graceful_shutdown=3,
        )
        config.load()
        scheme = "http"
        if not web.plain_http:
            cert, key = certificate_files(self.app.state.state_dir, web.tls_cert, web.tls_key)
            config.ssl = server_context(cert, key)
            scheme = "https"
        elif not is_loopback(host):
            log.warning("serving plain HTTP on %s: passwords and sessions cross the network in clear", host)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
        except OSError as exc:
            self.socket.close()
            raise ListenError(f"web.listen {web.listen}: cannot listen: {exc.strerror}") from exc
        self.socket.set_inheritable(True)
        port = self.socket.getsockname()[1]  # the kernel's pick when the port is 0
        shown = f"[{host}]" if ":" in host else host
        self.address = f"{scheme}://{shown}:{port}/"
        self.setup_link = self._setup_link(self.app.state.state_dir, scheme, host, port)
        self.server = uvicorn.Server(config)

    def _setup_link(self, state_dir: Path, scheme: str, host: str, port: int) -> str | None:
        """With no account yet, a fresh one-time link to create the first admin (see setup_token); it works only
        from a loopback address, so it names one that reaches this listener."""
        if self.has_accounts:
            setup_token.withdraw(state_dir)
            return None
        if is_loopback(host):
            local = f"[{host}]" if ":" in host else host
        elif _is_unspecified(host):  # every address: loopback is one of them
            local = "[::1]" if ":" in host else "127.0.0.1"
        else:
            return None  # bound to one non-loopback address: no local browser can reach it
        token = setup_token.issue(state_dir)
        return f"{scheme}://{local}:{port}/setup?token={token}"

    def run(self) -> None:
        log.warning("dashboard at %s", self.address)  # a warning so that it shows without -v: the URL to open
        if self.setup_link:
            minutes = setup_token.VALID_SECONDS // 60
            log.warning(
                "no dashboard accounts yet: open %s on this host within %d minutes to create the first admin"
                " (works once; or run 'hostward web user add NAME --role admin')",
                self.setup_link,
                minutes,
            )
        elif not self.has_accounts:
            log.warning(
                "no dashboard accounts yet: create one with 'hostward web user add NAME --role admin'"
            )
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def stop(self) -> None:
        self.server.should_exit = True

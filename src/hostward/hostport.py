"""``HOST:PORT`` and ``[v6]:PORT`` addresses, parsed and checked once for every listener and peer hostward names
(the dashboard, /metrics, memcached servers), so all of them accept and refuse the same spellings."""

from __future__ import annotations

import ipaddress

from hostward.digits import is_digits
from hostward.errors import ConfigError


def split_host_port(text: str, *, what: str, allow_zero_port: bool = False) -> tuple[str, int]:
    """(host, port) of ``text``; ConfigError naming ``what`` and quoting at most 120 characters otherwise.
    Port 0 (the kernel picks a free one) only where ``allow_zero_port`` says a listener may use it."""
    host, sep, port_text = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    lowest = 0 if allow_zero_port else 1
    if not sep or not is_digits(port_text) or not lowest <= int(port_text) <= 65535:
        raise ConfigError(f"{what}: {text[:120]!r} is not HOST:PORT with a port from {lowest} to 65535")
    if not host:
        raise ConfigError(f"{what}: {text[:120]!r} names no host (use 0.0.0.0 to listen everywhere)")
    return host, int(port_text)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

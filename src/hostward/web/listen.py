"""``HOST:PORT`` / ``[v6]:PORT`` listen addresses, validated once for every listener hostward opens."""

from __future__ import annotations

import ipaddress

from hostward.errors import ConfigError


def parse_listen(text: str, *, what: str) -> tuple[str, int]:
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ConfigError(f"{what}: {text[:120]!r} is not HOST:PORT with a port from 1 to 65535")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
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

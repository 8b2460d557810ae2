"""systemd's service notification protocol (sd_notify), in the few lines of stdlib it takes.

``Type=notify`` units learn that the daemon is ready (``READY=1``), reloading or stopping, and with
``WatchdogSec=`` they expect ``WATCHDOG=1`` at least once per interval: a daemon that stops sending it is killed
and restarted. Outside systemd (no ``NOTIFY_SOCKET``) every call is a no-op, so the same code runs by hand.
"""

from __future__ import annotations

import os
import socket

from hostward.digits import is_digits


def notify(*states: str) -> bool:
    """Send ``states`` (e.g. ``"READY=1"``, ``"STATUS=recording"``) to the service manager, if there is one.
    Returns whether a message was sent; a vanished manager socket is not the daemon's problem."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace
    elif not address.startswith("/"):
        return False  # unset, or a transport (vsock) hostward does not speak
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall("\n".join(states).encode("utf-8"))
    except OSError:
        return False
    return True


def watchdog_seconds() -> float | None:
    """The watchdog interval systemd asked for (``WatchdogSec=``), or None when there is no watchdog for us."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not is_digits(usec) or int(usec) == 0 or (is_digits(pid) and int(pid) != os.getpid()):
        return None
    return int(usec) / 1e6

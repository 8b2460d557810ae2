"""memcached's ``stats`` replies, fetched exactly as ``echo stats | nc HOST PORT`` shows them.

The values stay the server's own text (``fields``), so what hostward prints can be checked line for line against
the raw reply; interpreting them is the caller's business. The reader is a plain socket rather than pymemcache's
``stats()`` because a health check meets servers that misbehave: here the whole exchange has one deadline (not a
per-recv timeout a trickling peer can stretch forever) and one size bound, and anything that is not a well-formed
``STAT``/``END`` reply is refused with one line saying what came back.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

from hostward.errors import ConfigError, ProbeError, ProbeTimeout
from hostward.frozen import frozen
from hostward.hostport import split_host_port

# `stats slabs` of a server using all 63 slab classes is ~20 KB; anything far beyond that is not memcached.
MAX_REPLY_BYTES = 1 << 20
MAX_LINE_BYTES = 4096
COMMANDS = ("stats", "stats slabs", "stats items", "stats settings")


@frozen
class StatsReply:
    server: str
    command: str
    fields: dict[str, str]  # STAT name -> value text, in the server's order
    fetched_at: float  # time.time() when the reply was complete


def parse_stats_reply(data: bytes) -> dict[str, str]:
    """The ``STAT name value`` lines of a complete reply ending in ``END``; ProbeError on anything else."""
    if not (data == b"END\r\n" or data.endswith(b"\r\nEND\r\n")):
        raise ProbeError(f"not a complete stats reply (no END line): {_quote(data[-60:])}")
    fields: dict[str, str] = {}
    for raw in data[:-7].split(b"\r\n") if data != b"END\r\n" else []:
        if len(raw) > MAX_LINE_BYTES:
            raise ProbeError(f"stats line longer than {MAX_LINE_BYTES} bytes: {_quote(raw)}")
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            raise ProbeError(f"non-ASCII stats line: {_quote(raw)}") from None
        parts = line.split(" ", 2)
        if len(parts) != 3 or parts[0] != "STAT" or not parts[1] or not line.isprintable():
            raise ProbeError(f"not a STAT line: {_quote(raw)}")
        fields[parts[1]] = parts[2]
    return fields


def parse_server(text: str) -> tuple[str, int] | str:
    """``HOST:PORT``, ``[v6]:PORT`` or ``unix:/path`` as pymemcache takes it; ConfigError naming the value."""
    if text.startswith("unix:"):
        path = text[5:]
        if not path.startswith("/"):
            raise ConfigError(f"[cache] servers: {text[:120]!r}: a unix socket needs an absolute path")
        return path
    return split_host_port(text, what="[cache] servers (HOST:PORT, [v6]:PORT or unix:/path)")


def fetch_stats(server: str, *, timeout: float, command: str = "stats") -> StatsReply:
    """Send ``command`` to ``server`` (HOST:PORT, [v6]:PORT or unix:/path) and read the whole reply within
    ``timeout`` seconds. ProbeTimeout when it does not complete in time, ProbeError (one line) otherwise."""
    _check_command(command)
    deadline = time.monotonic() + timeout
    with _translated(server, command, timeout), _connect(server, timeout) as sock:
        data = _ask(sock, command, deadline)
    return _reply(server, command, data)


class StatsConnection:
    """Repeated polls of one server over one kept connection (the recorder's, every sample): no connection
    set-up per poll for either side (half the client CPU of ``fetch_stats`` on a cold cache). Each poll has the
    same single deadline and checks as ``fetch_stats``; after any failure the connection is dropped, and a kept
    connection that fails (the server restarted or closed it) is replaced once within the same deadline."""

    def __init__(self, server: str, *, timeout: float) -> None:
        parse_server(server)  # ConfigError now rather than at every poll
        self.server = server
        self.timeout = timeout
        self._sock: socket.socket | None = None

    def fetch(self, command: str = "stats") -> StatsReply:
        _check_command(command)
        deadline = time.monotonic() + self.timeout
        if self._sock is not None:
            try:
                return self._fetch(command, deadline)
            except ProbeTimeout:
                raise
            except ProbeError:
                pass  # a kept connection the server closed: try a fresh one
        return self._fetch(command, deadline)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def _fetch(self, command: str, deadline: float) -> StatsReply:
        try:
            with _translated(self.server, command, self.timeout):
                if self._sock is None:
                    self._sock = _connect(self.server, max(deadline - time.monotonic(), 1e-3))
                data = _ask(self._sock, command, deadline)
            return _reply(self.server, command, data)
        except BaseException:
            self.close()
            raise


def _check_command(command: str) -> None:
    if command not in COMMANDS:
        raise ValueError(f"unsupported memcached command {command!r}")


@contextlib.contextmanager
def _translated(server: str, command: str, timeout: float) -> Iterator[None]:
    """OSError and timeouts of one exchange as one-line ProbeError / ProbeTimeout naming the server."""
    try:
        yield
    except TimeoutError:
        raise ProbeTimeout(
            f"memcached {server}: no complete reply to {command!r} within {timeout:g} s"
        ) from None
    except ConnectionRefusedError:
        raise ProbeError(f"memcached {server}: connection refused (is memcached running there?)") from None
    except OSError as exc:
        raise ProbeError(f"memcached {server}: {exc.strerror or exc}") from None


def _ask(sock: socket.socket, command: str, deadline: float) -> bytes:
    sock.sendall(command.encode("ascii") + b"\r\n")
    return _read_reply(sock, deadline)


def _reply(server: str, command: str, data: bytes) -> StatsReply:
    try:
        fields = parse_stats_reply(data)
    except ProbeError as exc:
        raise ProbeError(f"memcached {server}: reply to {command!r} is {exc}") from None
    return StatsReply(server, command, fields, time.time())


def _connect(server: str, timeout: float) -> socket.socket:
    address = parse_server(server)
    if isinstance(address, str):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except BaseException:
            sock.close()
            raise
        return sock
    return socket.create_connection(address, timeout=timeout)


def _read_reply(sock: socket.socket, deadline: float) -> bytes:
    """Bytes up to and including the END line (or the first line, when it is an error or not a STAT line)."""
    buffer = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        chunk = sock.recv(65536)
        if not chunk:
            raise ProbeError(
                f"closed the connection before END after {len(buffer)} bytes: {_quote(buffer[:60])}"
            )
        buffer += chunk
        if buffer.startswith(b"END\r\n") or buffer.endswith(b"\r\nEND\r\n"):
            return bytes(buffer)
        head = bytes(buffer[:5])
        if not (b"STAT ".startswith(head) or b"END\r\n".startswith(head)):
            raise ProbeError(f"not a memcached stats reply: {_quote(buffer[:80])}")
        if len(buffer) > MAX_REPLY_BYTES:
            raise ProbeError(f"stats reply longer than {MAX_REPLY_BYTES} bytes without END")


def _quote(data: bytes | bytearray) -> str:
    """At most ~120 printable characters of what the peer sent."""
    text = bytes(data[:120]).decode("ascii", "backslashreplace")
    return repr(text.replace("\r\n", "⏎"))

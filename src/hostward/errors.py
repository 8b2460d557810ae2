"""One exception tree. Each class says whose fault it is; the CLI maps them to one line and an exit code."""

from __future__ import annotations


class HostwardError(Exception):
    """Base of every error hostward raises on purpose."""

    exit_code = 1


class UsageError(HostwardError):
    """The caller asked for something that makes no sense (bad flag, empty range)."""

    exit_code = 2


class ConfigError(HostwardError):
    """The configuration file or an environment override is invalid."""

    exit_code = 2


class CollectError(HostwardError):
    """A kernel source could not be read or parsed (missing file, unexpected format)."""


class StoreError(HostwardError):
    """A data file is unreadable, corrupt, foreign, or cannot be written."""


class NoRecording(StoreError):
    """Nothing was recorded for the day or range asked for (as opposed to a damaged file)."""


class NotAvailable(HostwardError):
    """A report has nothing it could show: no such source on this host, nor in the recording (sar's
    "Requested activities not available")."""


class ParseError(HostwardError):
    """Input text (a log, a report, an import file) is malformed; the message names where."""


class ProbeError(HostwardError):
    """A network peer (NTP server, memcached) misbehaved or could not be reached."""


class ProbeTimeout(ProbeError):
    """A network peer did not answer within the timeout."""


class PermissionProblem(HostwardError):
    """The kernel refused an action for lack of privilege or capability."""


class AuthError(HostwardError):
    """Authentication or authorisation failed (web dashboard)."""


class ProcessGone(CollectError):
    """A process exited while we were reading it: callers skip it, never count it."""


class ProcessReplaced(ProcessGone):
    """The PID chosen earlier now names another (younger) process: the one chosen is gone."""


class ListenError(HostwardError):
    """A server could not bind its address (in use, not local): the daemon's other parts go on without it."""


class UnsafePath(StoreError):
    """A file or directory others could tamper with (writable by them, owned by them, a planted link)."""


class InputTooLarge(ParseError):
    """An input (file, pipe, decompressed stream) went past the documented limit for its kind."""

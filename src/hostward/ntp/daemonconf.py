"""What a running time daemon was told: its own configuration file, command socket, drift file, and whether it
adjusts the clock at all.

A status report that reads the distribution's default files describes a daemon that may not be the one
running. The running daemon's command line says which file it read (chronyd ``-f FILE``, ntpd ``-c FILE``;
chronyd reads no file at all when configuration directives are given on the command line), and whether it
controls the clock:
  * ``chronyd -x`` never adjusts the clock; it measures and reports only (chronyd(8)); ``chronyd -Q`` measures
    once and exits without correcting;
  * ntpd with ``disable ntp`` in its configuration keeps measuring with the feedback loop open: no correction
    (ntp.conf(5), "miscopt"). ntpd's own ``-x`` is not chronyd's: it only raises the step threshold to 600 s,
    so ntpd -x still slews;
  * adjusting the clock needs CAP_SYS_TIME (capabilities(7), bit 25); chronyd keeps it after dropping root,
    and a daemon whose effective set lacks it can measure but not correct. (chronyd 4.3 without -x does not
    even start without it: its first adjtimex(2) fails and it exits, "Fatal error : adjtimex(0x8001) failed".)
Whether the kernel's synchronised flag can be expected clear also depends on the configuration: on Linux
chronyd clears STA_UNSYNC only with ``rtcsync`` (chrony sys_timex.c, "clear the UNSYNC flag only if rtcsync
is enabled"), and ntpd with ``disable kernel`` leaves the kernel's NTP state alone.
"""

from __future__ import annotations

import getopt
from pathlib import Path

from hostward.errors import CollectError, ProcessGone
from hostward.frozen import frozen
from hostward.ntp.daemons import RunningDaemon
from hostward.ntp.drift import CHRONY_CONFIGS, DEFAULT_DRIFT, NTP_CONFIGS, config_texts
from hostward.procfs import ProcFS

CAP_SYS_TIME = 25
CHRONYD_OPTIONS = "46df:F:hl:L:mnpP:qQrRst:u:Uvx"  # chronyd 4.3 main.c getopt string
DEFAULT_CHRONY_SOCKET = "/run/chrony/chronyd.sock"


@frozen
class DaemonSetup:
    daemon: RunningDaemon
    config_path: Path | None  # the file the daemon read (None: directives on its command line, or unknown)
    config_source: str  # "-f option", "-c option", "distribution default", "command line directives"
    command_socket: str | None  # chronyd's Unix command socket (bindcmdaddress), for chronyc -h
    drift_path: Path | None
    controls_clock: bool
    no_control_reason: str | None  # why it does not adjust the clock, in words
    # Whether the daemon, when synchronised, clears the kernel's STA_UNSYNC (chronyd: only with rtcsync).
    marks_kernel_synchronised: bool = True


def read_setup(daemon: RunningDaemon, procfs: ProcFS | None = None) -> DaemonSetup:
    procfs = procfs or ProcFS()
    argv = daemon.argv or tuple(daemon.cmdline.split())
    if daemon.name == "chronyd":
        return _chronyd(daemon, argv, procfs)
    config: Path | None = None
    source = "distribution default"
    if daemon.name == "ntpd":
        config = _option(argv, "-c")
        drift = _option(argv, "-f")
        if config is not None:
            source = "-c option"
            config = _absolute(config, daemon.pid, procfs)
        texts = config_texts((config,) if config else NTP_CONFIGS)
        configured = _last_directive(texts, "driftfile")
        drift = drift or (Path(configured) if configured else DEFAULT_DRIFT["ntpd"])
        if config is None:
            config = next((p for p in NTP_CONFIGS if p.exists()), None)
        disabled = ntpd_disabled(texts)
        reason: str | None
        if "ntp" in disabled:
            controls = False
            reason = "ntpd's configuration says 'disable ntp': it measures but never corrects the clock"
        else:
            controls, reason = _capability(daemon.pid, procfs)
        return DaemonSetup(daemon, config, source, None, drift, controls, reason, "kernel" not in disabled)
    controls, reason = _capability(daemon.pid, procfs)
    return DaemonSetup(daemon, None, source, None, None, controls, reason)


def _chronyd(daemon: RunningDaemon, argv: tuple[str, ...], procfs: ProcFS) -> DaemonSetup:
    try:
        options, directives = getopt.getopt(list(argv[1:]), CHRONYD_OPTIONS)
    except getopt.GetoptError:
        options, directives = [], []
    flags = {name for name, _ in options}
    named = {name: value for name, value in options}
    texts: list[str]
    config: Path | None
    if directives:
        # chronyd(8): directives on the command line replace the configuration file entirely.
        texts, config, source = ["\n".join(directives)], None, "command line directives"
    elif "-f" in named:
        config = _absolute(Path(named["-f"]), daemon.pid, procfs)
        texts, source = config_texts((config,)), "-f option"
    else:
        config = next((p for p in CHRONY_CONFIGS if p.exists()), CHRONY_CONFIGS[0])
        texts, source = config_texts(CHRONY_CONFIGS), "distribution default"
    socket = _last_directive(texts, "bindcmdaddress")
    if socket is None or not socket.startswith("/"):
        socket = DEFAULT_CHRONY_SOCKET  # a bindcmdaddress that is an IP address binds UDP, not the socket
    drift = _last_directive(texts, "driftfile")
    reason: str | None
    if "-x" in flags:
        controls, reason = False, "chronyd was started with -x: it measures but never adjusts the clock"
    elif "-Q" in flags:
        controls, reason = False, "chronyd -Q measures once and exits without adjusting the clock"
    else:
        controls, reason = _capability(daemon.pid, procfs)
    rtcsync = _has_directive(texts, "rtcsync")
    drift_path = Path(drift) if drift else None
    return DaemonSetup(daemon, config, source, socket, drift_path, controls, reason, rtcsync)


def ntpd_disabled(texts: list[str]) -> set[str]:
    """The system flags ntpd's ``disable``/``enable`` lines leave off (ntp.conf(5)); the last line wins."""
    off: set[str] = set()
    for text in texts:
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if words and words[0] in ("disable", "enable"):
                flags = set(words[1:])
                off = off | flags if words[0] == "disable" else off - flags
    return off


def _has_directive(texts: list[str], keyword: str) -> bool:
    return any(line.split("#", 1)[0].split()[:1] == [keyword] for text in texts for line in text.splitlines())


def _capability(pid: int, procfs: ProcFS) -> tuple[bool, str | None]:
    """Whether ``pid`` holds CAP_SYS_TIME in its effective set; unknown counts as yes (no false alarm)."""
    try:
        status = procfs.read_pid(pid, "status")
    except (ProcessGone, CollectError):
        return True, None
    for line in status.splitlines():
        if line.startswith("CapEff:"):
            try:
                effective = int(line.split()[1], 16)
            except (IndexError, ValueError):
                return True, None
            if not effective >> CAP_SYS_TIME & 1:
                return False, "the daemon lacks CAP_SYS_TIME, so the kernel refuses its clock adjustments"
    return True, None


def _option(argv: tuple[str, ...], flag: str) -> Path | None:
    for i, word in enumerate(argv[1:], 1):
        if word == flag and i + 1 < len(argv):
            return Path(argv[i + 1])
        if word.startswith(flag) and len(word) > len(flag) and not word.startswith("--"):
            return Path(word[len(flag) :])
    return None


def _absolute(path: Path, pid: int, procfs: ProcFS) -> Path:
    """A relative path on a daemon's command line is relative to the daemon's working directory."""
    if path.is_absolute():
        return path
    try:
        return Path(procfs.pid_path(pid, "cwd").readlink()) / path
    except OSError:
        return path


def _last_directive(texts: list[str], keyword: str) -> str | None:
    found = None
    for text in texts:
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) >= 2 and words[0] == keyword:
                found = words[1]
    return found

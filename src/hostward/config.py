"""Configuration: frozen dataclasses, one per section of the TOML file.

Precedence (highest first): a CLI flag (applied by the cli layer with ``dataclasses.replace``), a
``HOSTWARD_<SECTION>_<KEY>`` environment variable, the TOML file, the embedded default below.
The file is ``$HOSTWARD_CONFIG``, else ``/etc/hostward/hostward.toml`` for root, else
``$XDG_CONFIG_HOME/hostward/hostward.toml``; a missing file means "all defaults".
"""

from __future__ import annotations

import os
import types
from collections.abc import Mapping
from pathlib import Path

from hostward import validate as v
from hostward.errors import ConfigError, InputTooLarge, UnsafePath
from hostward.frozen import field, frozen
from hostward.recorder import selection

# Reading a file imports tomllib, and coercing its values reads the sections' type hints (typing, dataclasses'
# view of the records): ~10 ms, paid only when there is a file or a HOSTWARD_<SECTION>_<KEY> to read.
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any


def default_data_dir() -> Path:
    """/var/lib/hostward for root (like /var/log/sa for sysstat), else the user's XDG data dir."""
    if os.geteuid() == 0:
        return Path("/var/lib/hostward")
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "hostward"


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    explicit = environ.get("HOSTWARD_CONFIG")
    if explicit:
        return Path(explicit)
    if os.geteuid() == 0:
        return Path("/etc/hostward/hostward.toml")
    xdg = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "hostward" / "hostward.toml"


@frozen
class RecordConfig:
    """[record]: the activity recorder (sadc's job)."""

    interval_seconds: float = 10.0
    data_dir: Path = field(default_factory=default_data_dir)
    retention_days: int = 28  # sysstat's HISTORY
    compress_after_days: int = 10  # sysstat's COMPRESSAFTER
    top_processes: int = 10  # processes by RSS kept per sample for post-mortems
    redact_cmdline: bool = (
        True  # mask secret-looking argument values of the kept command lines (collect/redact)
    )
    redact_patterns: tuple[str, ...] = ()  # extra regexes: group 1 (or the whole match) is masked
    # sadc's -S keywords: which optional activity groups are recorded (recorder/selection.py)
    activities: tuple[str, ...] = selection.DEFAULT


@frozen
class ProtectRule:
    """One [[oom.protect]] rule: every given matcher must match; ``oom_score_adj`` is applied."""

    name: str
    oom_score_adj: int
    exe: str | None = None  # absolute path of the executable (/proc/PID/exe)
    comm: str | None = None  # the kernel's 15-character task name
    cmdline_regex: str | None = None  # searched in the full command line, arguments joined by spaces
    user: str | None = None  # user name or numeric uid
    cgroup: str | None = None  # prefix of the process's cgroup path
    # A rule below 0 (protecting) must match on something an ordinary user cannot choose (exe of a root-owned
    # binary, user, cgroup); this says "comm/cmdline_regex alone is enough, any user may match it".
    trust_unprivileged: bool = False
    # What the processes it starts get: "reset" (back to the value before the rule; default below 0) or
    # "inherit" (the kernel's copy on fork; default otherwise). See oom/protect/children.py.
    children: str = ""


@frozen
class OomConfig:
    """[oom]: protection policy and early guard."""

    protect: tuple[ProtectRule, ...] = ()
    # With no [[oom.protect]] rules: protect sshd, console logins and hostward's daemon (oom/protect/defaults.py).
    default_policy: bool = True
    rescan_seconds: float = 0.5  # fallback scan period when the process-event connector is unavailable


@frozen
class GuardConfig:
    """[guard]: the early OOM guard."""

    enabled: bool = True  # `hostward daemon` runs the guard unless this is false (`oom guard` always runs it)
    mem_available_percent: float = 5.0
    swap_free_percent: float = 5.0
    psi_full_avg10: float = 0.0  # 0 disables the pressure trigger
    sustain_seconds: float = 0.0
    grace_seconds: float = 2.0
    dry_run: bool = False
    mem_available: str = ""  # overrides mem_available_percent: "5%" or an absolute size "512M"
    swap_free: str = ""  # overrides swap_free_percent, same forms
    psi: str = ""  # kernel PSI trigger, e.g. "some:15%:1s" or "full:100ms:1s"; "" = off
    cgroup: str = ""  # scope: a memory cgroup subtree (path in the hierarchy); "" = the whole host
    cgroup_headroom: str = "10%"  # cgroup scope: act this far below the limit (percent of it, or a size)
    kill_group: str = ""  # "" the victim only, "pgrp" its process group, "cgroup" its memory cgroup
    hook_before: str = ""  # argv run before a kill (no shell), victim in HOSTWARD_VICTIM_* variables
    hook_after: str = ""


@frozen
class NtpConfig:
    """[ntp]: servers hostward queries and records."""

    servers: tuple[str, ...] = ()
    timeout_seconds: float = 1.0
    samples_per_server: int = 4
    interval_seconds: float = 2.0  # between samples of a burst; public servers expect >= 2 s (iburst spacing)


METRICS_PORT = 9477  # hostward's default /metrics port (node_exporter has 9100)


@frozen
class MetricsConfig:
    """[metrics]: the Prometheus endpoint the daemon serves. Off-host listening needs TLS and a credential."""

    enabled: bool = True
    listen: str = (
        f"127.0.0.1:{METRICS_PORT}"  # HOST:PORT; a non-loopback host needs tls_cert + tls_key + auth
    )
    tls_cert: str = ""  # PEM certificate chain file
    tls_key: str = ""  # PEM private key file
    bearer_token_file: str = ""  # a file holding the token scrapers send as "Authorization: Bearer ..."
    basic_auth_user: str = ""  # node_exporter web-config style basic auth: user name ...
    basic_auth_password_file: str = ""  # ... and a file holding an argon2 hash of the password
    max_devices: int = 512  # per kind (disks, interfaces, filesystems): bounded output on crowded hosts
    poll_seconds: float = 15.0  # how often slow sources (kernel log, day files, memcached, NTP) are read


@frozen
class CacheConfig:
    """[cache]: memcached servers hostward watches, and the dashboard's page cache."""

    servers: tuple[str, ...] = ()  # HOST:PORT, [v6]:PORT or unix:/path
    timeout_seconds: float = 0.25  # per memcached call; a lost server is a miss within this
    page_cache: str = "memory"  # "memory" (in process) or "memcached" (the first of servers)
    memory_bytes: int = 64 << 20  # bound of the in-process page cache


@frozen
class WebConfig:
    """[web]: the dashboard (``hostward web serve``). HTTPS on loopback unless told otherwise."""

    enabled: bool = True  # `hostward daemon` serves the dashboard (`hostward web serve` always does)
    listen: str = "127.0.0.1:9478"  # HOST:PORT or [v6]:PORT; a non-loopback address exposes the dashboard
    tls_cert: str = ""  # PEM certificate; "" = one made at first start in DATA_DIR/web (ECDSA P-256)
    tls_key: str = ""  # its private key (mode 0600)
    plain_http: bool = False  # serve without TLS (behind a TLS-terminating proxy only); must be asked for
    session_idle_minutes: float = 30.0
    session_absolute_hours: float = 12.0


@frozen
class Config:
    record: RecordConfig = field(default_factory=RecordConfig)
    oom: OomConfig = field(default_factory=OomConfig)
    guard: GuardConfig = field(default_factory=GuardConfig)
    ntp: NtpConfig = field(default_factory=NtpConfig)
    web: WebConfig = field(default_factory=WebConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    source: Path | None = None  # the file the values came from, for messages


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (if any) and apply HOSTWARD_* overrides. Raises ConfigError naming the key."""
    environ = os.environ if environ is None else environ
    # HOSTWARD_CONFIG= (set but empty) means "not set", as an empty PATH-like variable does in the shell
    explicit = path is not None or bool(environ.get("HOSTWARD_CONFIG"))
    path = path or default_config_path(environ)
    document: dict[str, Any] = {}
    if _exists(path, explicit):
        from hostward.bounded import CONFIG_LIMIT, read_at_most  # noqa: PLC0415

        try:
            raw = read_at_most(path, CONFIG_LIMIT, "a configuration file")  # not /dev/zero's worth
            text = raw.decode("utf-8")
            if text.strip():  # an empty file (HOSTWARD_CONFIG=/dev/null) is every default: no TOML parser
                import tomllib  # noqa: PLC0415

                document = tomllib.loads(text)
        except InputTooLarge as exc:
            raise ConfigError(str(exc)) from exc
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); TOML files are UTF-8") from exc
        except (ValueError, RecursionError) as exc:
            # TOMLDecodeError, and an integer of more than 4300 digits (int's str limit)
            raise ConfigError(f"{path}: {v.quote(str(exc))[1:-1] or 'not valid TOML'}") from exc
        _check_owner(path, document)
    elif explicit:
        raise ConfigError(f"configuration file {path} does not exist")
    if not document and not any(key.startswith("HOSTWARD_") and key != "HOSTWARD_CONFIG" for key in environ):
        # nothing to read (no file or an empty one, no HOSTWARD_<SECTION>_<KEY>): every default, as below
        return Config(source=path if _exists(path, explicit) else None)
    section_types = _section_types()
    unknown = set(document) - set(section_types)
    if unknown:
        raise ConfigError(f"{path}: unknown section(s): {', '.join(sorted(unknown))}")
    sections: dict[str, Any] = {}
    for name, cls in section_types.items():
        table = document.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{name}] must be a table")
        sections[name] = _build(cls, name, table, environ, path)
    return Config(**sections, source=path if document or _exists(path, explicit) else None)


def _exists(path: Path, explicit: bool) -> bool:
    """Whether the file is there; a directory on its path we may not search is one line, not a traceback."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        hint = "" if explicit else " (set HOSTWARD_CONFIG, or HOME to your own home)"
        raise ConfigError(f"cannot read {path}: {exc.strerror}{hint}") from exc
    except ValueError as exc:  # an embedded NUL byte in $HOSTWARD_CONFIG
        raise ConfigError(f"configuration file name {v.quote(str(path))} is not a valid path") from exc
    return True


def _check_owner(path: Path, document: dict[str, Any]) -> None:
    """Running as root, the file (and every directory above it) must be root's or ours alone: it says where root
    writes, what it may kill and which commands it runs. Not as root, the same holds when the file names hooks
    (whoever can edit it could run commands as us). See docs/security.md."""
    guard = document.get("guard")
    names_hooks = isinstance(guard, dict) and any(guard.get(k) for k in ("hook_before", "hook_after"))
    if (os.geteuid() == 0 or names_hooks) and os.path.realpath(path) != os.devnull:  # /dev/null: no file
        from hostward.safefs import check_trusted_file  # noqa: PLC0415

        try:
            check_trusted_file(path, "configuration file")
        except UnsafePath as exc:
            raise ConfigError(str(exc)) from exc


def _section_types() -> dict[str, type[Any]]:
    """Every [section] of the file: the dataclass-typed fields of Config, so a new section is one new field."""
    import dataclasses  # noqa: PLC0415
    import typing  # noqa: PLC0415

    hints = typing.get_type_hints(Config)
    return {
        f.name: hints[f.name]
        for f in dataclasses.fields(Config)
        if isinstance(hints[f.name], type) and dataclasses.is_dataclass(hints[f.name])
    }


def _build(
    cls: type[Any], section: str, table: dict[str, Any], environ: Mapping[str, str], path: Path
) -> Any:
    import dataclasses  # noqa: PLC0415
    import typing  # noqa: PLC0415

    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(table) - names
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [{section}]: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name in names:
        where = f"{section}.{name}"
        env_key = f"HOSTWARD_{section}_{name}".upper()
        if env_key in environ:
            label = f"${env_key}"
            values[name] = _coerce(hints[name], environ[env_key], label, from_env=True)
        elif name in table:
            label = f"{path}: {where}"
            values[name] = _coerce(hints[name], table[name], label, from_env=False)
        else:
            continue
        values[name] = checked(where, hints[name], values[name], label)
    return cls(**values)


def _coerce(hint: Any, value: Any, where: str, *, from_env: bool) -> Any:
    import dataclasses  # noqa: PLC0415
    import typing  # noqa: PLC0415

    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, where, from_env=from_env)
    if origin is tuple:
        if from_env and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list")
        return tuple(_coerce(args[0], item, where, from_env=from_env) for item in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table")
        fields = typing.get_type_hints(hint)
        unknown = set(value) - set(fields)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
        # a table inside a section ([[oom.protect]]): its keys are checked as "oom.protect.KEY"
        rule_prefix = where.rsplit(": ", 1)[-1]
        try:
            return hint(
                **{
                    k: checked(
                        f"{rule_prefix}.{k}",
                        fields[k],
                        _coerce(fields[k], item, f"{where}.{k}", from_env=False),
                        f"{where}.{k}",
                    )
                    for k, item in value.items()
                }
            )
        except TypeError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    try:
        if hint is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in (
                "1",
                "true",
                "yes",
                "on",
                "0",
                "false",
                "no",
                "off",
            ):
                return value.lower() in ("1", "true", "yes", "on")
            raise ValueError(value)
        if hint is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if hint is float:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)  # nan, inf and huge ints: the range rules (checked) refuse them
        if hint is Path:
            return v.NON_EMPTY_PATH.parse(str(value), where, ConfigError)  # Path("") would be "."
        if hint is str:
            if not isinstance(value, str):
                raise ValueError(value)
            return value
    except ValueError as exc:
        raise ConfigError(f"{where}: invalid value {v.quote(value)} (expected {hint.__name__})") from exc
    raise ConfigError(f"{where}: unsupported setting type {hint!r}")


# The allowed range of every number, size and threshold key ("section.key"; tables inside a section as
# "section.table.key"), checked once at load so a bad value stops start-up with one line naming the key and
# its range (docs/security.md lists them). A numeric key with no entry gets DEFAULT_NUMBER.
RULES: dict[str, v.Rule] = {
    "record.interval_seconds": v.SAMPLE_INTERVAL,
    "record.data_dir": v.NON_EMPTY_PATH,
    "record.retention_days": v.DAYS,
    "record.compress_after_days": v.DAYS,
    "record.top_processes": v.PROCESS_COUNT,
    "record.activities": selection.ACTIVITIES,
    "oom.protect.oom_score_adj": v.Number(-1000, 1000, integer=True),  # the kernel's OOM_SCORE_ADJ_MIN/MAX
    "oom.protect.children": v.Choice(("", "reset", "inherit")),  # "": reset below 0, inherit otherwise
    "oom.rescan_seconds": v.Number(0.01, 3600, unit="seconds"),
    "guard.mem_available_percent": v.PERCENT,
    "guard.swap_free_percent": v.PERCENT,
    "guard.psi_full_avg10": v.PERCENT,
    "guard.sustain_seconds": v.DELAY,
    "guard.grace_seconds": v.DELAY,
    "guard.mem_available": v.THRESHOLD,
    "guard.swap_free": v.THRESHOLD,
    "guard.cgroup_headroom": v.Threshold(optional=False),
    "guard.kill_group": v.Choice(("", "pgrp", "cgroup")),
    "ntp.timeout_seconds": v.Number(0, 60, above_low=True, unit="seconds"),
    "ntp.samples_per_server": v.Number(1, 64, integer=True),
    "ntp.interval_seconds": v.Number(0, 3600, unit="seconds"),
    "web.session_idle_minutes": v.Number(1, 1440, unit="minutes"),
    "web.session_absolute_hours": v.Number(1 / 60, 720, unit="hours"),
    "cache.timeout_seconds": v.Number(0, 60, above_low=True, unit="seconds"),
    "cache.memory_bytes": v.Number(1 << 20, 1 << 34, integer=True, unit="bytes"),
    "metrics.max_devices": v.Number(1, 100_000, integer=True),
    "metrics.poll_seconds": v.Number(1, 3600, unit="seconds"),
}
DEFAULT_NUMBER = v.Number(0, 1e12)  # finite, not negative: what a count, size or duration must at least be


def checked(key: str, hint: Any, value: Any, label: str) -> Any:
    """``value`` after the range rule of ``key`` (label: where it came from, for the message)."""
    rule = RULES.get(key)
    if rule is None and hint in (int, float):
        rule = DEFAULT_NUMBER
    if rule is None or value is None:
        return value
    return rule.check(value, label, ConfigError)

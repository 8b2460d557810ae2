"""Guard events, and the kernel's own OOM kills, as JSON lines: ``<data_dir>/events.jsonl``, append-only.

This is the hand-over point to the activity store (being built concurrently): graphs and reports will read these
lines to mark guard actions on the time axis. Each line is written with a single ``write(2)`` on an ``O_APPEND``
descriptor, so concurrent writers (the daemon, a drill) never interleave inside a line and a reader that tails
the file only ever sees whole lines followed, at worst, by one incomplete last line that it skips.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hostward.errors import StoreError
from hostward.safefs import make_dirs, open_append

EVENTS_FILE = "events.jsonl"

# kind values, in the order they happen for one intervention.
KIND_TRIGGER = "trigger"  # a trigger's condition held for its sustain time
KIND_NO_VICTIM = "no-victim"  # nothing eligible in scope
KIND_WOULD_KILL = "would-kill"  # --dry-run: the decision, without the signal
KIND_SIGNAL = "signal"  # SIGTERM or SIGKILL sent
KIND_ESCALATE = "escalate"  # SIGKILL after the grace period (or on reaching the critical level)
KIND_EXITED = "exited"  # the victim is gone
KIND_ERROR = "error"  # the guard could not read its sources; it keeps running
KIND_KERNEL_KILL = (
    "kernel-kill"  # the kernel's OOM killer killed a process (from /dev/kmsg; oom/kernlog/follow)
)


@dataclass(frozen=True, slots=True)
class GuardEvent:
    """One line of events.jsonl. ``time`` is the Unix time in seconds; ``mono`` the CLOCK_MONOTONIC time."""

    time: float
    kind: str
    reason: str
    pid: int | None = None
    comm: str | None = None
    badness: int | None = None
    signal: str | None = None
    rule: str | None = None
    scope: str = "host"
    dry_run: bool = False
    mono: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True, ensure_ascii=True)


def describe_event(event: GuardEvent) -> str:
    """One line for a report (``sar -C``, the plot's marks): raw text, to pass through safe_text before display.
    A dry-run decision says "would kill", never that something was killed."""
    if event.kind == KIND_KERNEL_KILL:
        return f"kernel OOM killer: killed pid {event.pid} ({event.comm}) in {event.scope}: {event.reason}"
    if event.kind == KIND_WOULD_KILL or (event.dry_run and event.kind in (KIND_SIGNAL, KIND_ESCALATE)):
        what = f"would kill pid {event.pid} ({event.comm}) with {event.signal or 'a signal'} (dry run, nothing sent)"
    elif event.kind == KIND_NO_VICTIM:
        what = "no victim eligible"
    else:
        what = f"{event.kind}{' ' + event.signal if event.signal else ''} pid {event.pid} ({event.comm})"
    badness = f" badness {event.badness}" if event.badness is not None else ""
    return f"hostward oom guard: {what}{badness}: {event.reason}"


def events_path(data_dir: Path) -> Path:
    return data_dir / EVENTS_FILE


def append_event(path: Path, event: GuardEvent) -> None:
    """Append one line; creates the file (0640) and its directory. Raises StoreError naming the file."""
    line = (event.to_json() + "\n").encode("ascii")
    try:
        make_dirs(path.parent)
        fd = open_append(path)  # 0640; never through a planted symlink or hard link
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot append to {path}: {exc.strerror}") from exc


def read_events(path: Path) -> list[GuardEvent]:
    """Every complete, well-formed line; a torn last line or a foreign line is skipped, never fatal."""
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    events: list[GuardEvent] = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            events.append(GuardEvent(**data))
        except (ValueError, TypeError):
            continue
    return events

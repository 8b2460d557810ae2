"""The main job: record activity, keep the OOM protection policy applied and guard against OOM, in one process.

Each part is the same object its own command runs (``hostward record``, ``oom protect daemon``,
``oom guard``); here each gets a thread, and one stop request ends them all. A part that fails to start is
reported and the others go on: a host without the process-event connector still wants its recorder.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hostward.config import Config
from hostward.configdiff import changed_sections
from hostward.errors import HostwardError, ListenError
from hostward.oom.guard.events import events_path
from hostward.oom.guard.guard import Guard
from hostward.oom.guard.guard_setup import build_guard
from hostward.oom.kernlog.follow import KmsgFollower
from hostward.oom.protect.defaults import rules_in_force
from hostward.oom.protect.policy import Protector
from hostward.recorder import Recorder
from hostward.sdnotify import notify, watchdog_seconds

log = logging.getLogger("hostward.daemon")


@dataclass
class Part:
    """One long-running component: a name for the log, how to run it, how to ask it to stop."""

    name: str
    run: Callable[[], object]
    stop: Callable[[], None]
    error: str | None = None
    retiring: bool = False  # stopped by a reload, to be replaced: its return is expected
    thread: threading.Thread | None = field(default=None, repr=False)


# Sections whose parts the daemon rebuilds on SIGHUP; the others need a restart (listeners, data directory).
RELOADED = {"oom": "protect", "guard": "guard"}
LIVE_RECORD_KEYS = ("retention_days", "compress_after_days")


class Daemon:
    def __init__(
        self,
        config: Config,
        *,
        count: int | None = None,
        loader: Callable[[], Config] | None = None,
        guard_off_reason: str = "[guard] enabled = false",
    ) -> None:
        self.config = config
        self.parts: list[Part] = []
        self._stopped = threading.Event()
        self._reload_requested = threading.Event()
        self._loader = loader
        self._guard_off_reason = guard_off_reason
        self.recorder = Recorder(config.record, ntp=config.ntp, cache=config.cache)
        self.parts.append(Part("record", lambda: self.recorder.run(count), self.recorder.stop))
        self.guard: Guard | None = None
        self.web_state: Any = None  # the dashboard app's state: its pages read the configuration from there
        for part in (self._protect_part(config), self._guard_part(config)):
            if part is not None:
                self.parts.append(part)
        if config.metrics.enabled:
            # Imported here: the export layer sits above the parts (DESIGN.md), and a daemon with
            # [metrics] enabled = false never loads prometheus_client.
            from hostward.export.service import MetricsService  # noqa: PLC0415

            # A bad [metrics] section is a ConfigError: nothing starts. A taken port is not the configuration's
            # fault: record and guard all the same.
            try:
                metrics = MetricsService(config)
            except ListenError as exc:
                log.error("metrics: %s; running without /metrics", exc)
            else:
                log.info("metrics: serving %s", metrics.address)
                self.parts.append(Part("metrics", metrics.run, metrics.stop))
        else:
            log.info("metrics: disabled by [metrics] enabled = false")
        if config.web.enabled:
            # Imported here, as metrics: the web layer sits above the parts, and uvicorn loads only when used.
            from hostward.web.server import WebServer  # noqa: PLC0415

            # A bad [web] section stops the daemon (ConfigError); a taken port only costs the dashboard.
            try:
                web = WebServer(
                    config.web,
                    config.record.data_dir,
                    interval_seconds=config.record.interval_seconds,
                    cache=config.cache,
                    hostward_config=config,
                )
            except ListenError as exc:
                log.error("web: %s; running without the dashboard", exc)
            else:
                # the server itself says "dashboard at URL" when it listens (once, visible without -v)
                self.web_state = web.app.state
                self.parts.append(Part("web", web.run, web.stop))
        else:
            log.info("web: disabled by [web] enabled = false")
        self.parts.append(self._kernel_log_part(config))

    def _kernel_log_part(self, config: Config) -> Part:
        """Kernel OOM kills from /dev/kmsg onto the timeline (events.jsonl); without CAP_SYSLOG it stops alone."""
        follower = KmsgFollower(config.record.data_dir)
        return Part("kernel-log", follower.run, follower.stop)

    def _protect_part(self, config: Config) -> Part | None:
        rules, source = rules_in_force(config.oom)
        if not rules:
            log.info("protect: no [[oom.protect]] rules and [oom] default_policy = false; nothing to apply")
            return None
        log.info("protect: %d rule(s) from the %s", len(rules), source)
        protector = Protector(rules)
        stop_protect = threading.Event()
        rescan = config.oom.rescan_seconds
        return Part("protect", lambda: protector.run(stop_protect, rescan_seconds=rescan), stop_protect.set)

    def _guard_part(self, config: Config) -> Part | None:
        if not config.guard.enabled:
            log.info("guard: disabled by %s", self._guard_off_reason)
            return None
        guard = build_guard(config, events_file=events_path(config.record.data_dir))
        self.guard = guard
        return Part("guard", guard.run, guard.stop)

    def run(self) -> list[Part]:
        """Start every part and wait until they have all returned; returns the parts, failures noted."""
        for part in self.parts:
            self._start(part)
        notify("READY=1", "STATUS=" + ", ".join(part.name for part in self.parts))
        watchdog = watchdog_seconds()
        if watchdog is not None:
            threading.Thread(target=self._heartbeat, args=(watchdog,), name="watchdog", daemon=True).start()
        # The main thread waits in short steps so that it stays responsive to signals and does the reloads
        # SIGHUP asks for (a signal handler only sets a flag).
        while any(part.thread is not None and part.thread.is_alive() for part in self.parts):
            if self._stopped.is_set():
                for part in list(self.parts):
                    if part.thread is not None:
                        part.thread.join(0.5)
            elif self._reload_requested.wait(0.5):
                self._reload_requested.clear()
                self.reload()
        for part in self.parts:
            assert part.thread is not None
            part.thread.join()
        if self.guard is not None:
            self.guard.close()
        return self.parts

    def _start(self, part: Part) -> None:
        part.thread = threading.Thread(target=self._run_part, args=(part,), name=part.name, daemon=True)
        part.thread.start()

    def request_reload(self) -> None:
        """SIGHUP: safe from a signal handler. The data file is reopened at once (after it was moved), the
        configuration is read again by the main thread."""
        self.recorder.reopen()
        self._reload_requested.set()

    def reload(self) -> bool:
        """Read the configuration again and apply what can change live: the protection rules (applied at once
        to every running process), the guard's settings, the recorder's housekeeping. An invalid file changes
        nothing. Returns whether the new configuration was taken."""
        if self._loader is None:
            return False
        notify("RELOADING=1")
        try:
            new = self._loader()
        except HostwardError as exc:
            log.error("reload refused, the running configuration stays: %s", exc)
            notify("READY=1", "STATUS=reload refused: " + str(exc)[:200])
            return False
        changes = changed_sections(self.config, new)
        if not changes:
            log.info("reload: configuration unchanged")
        for section, keys in changes.items():
            log.info("reload: [%s] %s", section, "; ".join(keys))
        rebuild = {RELOADED[s] for s in changes if s in RELOADED}
        if "oom" in changes:
            rebuild.add("guard")  # protected processes are never the guard's victims
        restart_needed = [s for s in changes if s not in RELOADED and s != "record"]
        record_keys = {key.split(" ", 1)[0] for key in changes.get("record", [])}
        restart_needed += [f"record.{k}" for k in sorted(record_keys - set(LIVE_RECORD_KEYS))]
        if restart_needed:
            log.warning("reload: %s take effect at the next restart", ", ".join(restart_needed))
        try:
            self._rebuild(new, rebuild)
        except HostwardError as exc:
            log.error("reload refused, the running configuration stays: %s", exc)
            notify("READY=1")
            return False
        live = {key: getattr(new.record, key) for key in LIVE_RECORD_KEYS}
        self.recorder.config = dataclasses.replace(self.recorder.config, **live)
        self.config = dataclasses.replace(new, record=self.recorder.config)
        if self.web_state is not None:  # the dashboard shows the rules and settings now in force
            self.web_state.hostward_config = self.config
        notify("READY=1", "STATUS=" + ", ".join(part.name for part in self.parts))
        return True

    def _rebuild(self, new: Config, names: set[str]) -> None:
        """Build the new parts first (a bad guard setting must not leave the host unguarded), then swap."""
        if not names:
            return
        old_guard = self.guard
        built = {
            name: make(new)
            for name, make in (("protect", self._protect_part), ("guard", self._guard_part))
            if name in names
        }
        for name, replacement in built.items():
            current = next((p for p in self.parts if p.name == name), None)
            if current is not None:
                current.retiring = True
                current.stop()
                if current.thread is not None:
                    current.thread.join(10)
                self.parts.remove(current)
            if replacement is not None:
                self.parts.append(replacement)
                self._start(replacement)
                log.info("reload: %s restarted with the new settings", name)
        if "guard" in built and built["guard"] is None:
            self.guard = None
        if "guard" in names and old_guard is not None and old_guard is not self.guard:
            old_guard.close()

    def stop(self) -> None:
        """Safe from a signal handler: every part's stop only sets a flag or writes to a pipe."""
        self._stopped.set()
        notify("STOPPING=1")
        for part in self.parts:
            part.stop()

    def _heartbeat(self, watchdog: float) -> None:
        """``WATCHDOG=1`` at half systemd's interval while the recorder takes samples (three intervals of grace).
        A hung recorder (a /proc read stuck in the kernel, a blocked disk) stops the pings and systemd restarts
        the daemon. Other parts are left out on purpose: one that cannot start here (no process-event connector)
        would otherwise restart the daemon forever, and each reports its own failure."""
        samples, since = self.recorder.summary.samples, time.monotonic()
        while not self._stopped.wait(watchdog / 2):
            if self.recorder.summary.samples > samples:
                samples, since = self.recorder.summary.samples, time.monotonic()
            if time.monotonic() - since < 3 * self.config.record.interval_seconds:
                notify("WATCHDOG=1")
            else:
                log.error(
                    "watchdog: the recorder took no sample for %.0f s",
                    time.monotonic() - since,
                )

    def _run_part(self, part: Part) -> None:
        try:
            part.run()
        except HostwardError as exc:
            part.error = str(exc)
            log.error("%s stopped: %s", part.name, exc)
        except Exception as exc:  # a bug in one part must not silently take the others down
            part.error = f"{type(exc).__name__}: {exc}"
            log.exception("%s crashed", part.name)
        else:
            if not self._stopped.is_set() and not part.retiring and part.name != "record":
                log.warning("%s returned on its own", part.name)
        if part.name == "record" and not self._stopped.is_set():
            # The recorder ends only on --count or a fatal store error: the daemon's life is the recording's.
            self.stop()

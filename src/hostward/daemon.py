"""The main job: record activity, keep the OOM protection policy applied and guard against OOM, in one process.

Each part is the same object its own command runs (``hostward record``, ``oom protect daemon``,
``oom guard``); here each gets a thread, and one stop request ends them all. A part that fails to start is
reported and the others go on: a host without the process-event connector still wants its recorder.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hostward.config import Config
from hostward.errors import HostwardError, ListenError
from hostward.oom.guard.events import events_path
from hostward.oom.guard.guard import Guard
from hostward.oom.guard.guard_setup import build_guard
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
    thread: threading.Thread | None = field(default=None, repr=False)


class Daemon:
    def __init__(self, config: Config, *, count: int | None = None) -> None:
        self.config = config
        self.parts: list[Part] = []
        self._stopped = threading.Event()
        self.recorder = Recorder(config.record, ntp=config.ntp)
        self.parts.append(Part("record", lambda: self.recorder.run(count), self.recorder.stop))
        if config.oom.protect:
            protector = Protector(config.oom.protect)
            stop_protect = threading.Event()
            self.parts.append(
                Part(
                    "protect",
                    lambda: protector.run(stop_protect, rescan_seconds=config.oom.rescan_seconds),
                    stop_protect.set,
                )
            )
        else:
            log.info("protect: no [[oom.protect]] rules configured; nothing to apply")
        self.guard: Guard | None = None
        if config.guard.enabled:
            self.guard = build_guard(config, events_file=events_path(config.record.data_dir))
            self.parts.append(Part("guard", self.guard.run, self.guard.stop))
        else:
            log.info("guard: disabled by [guard] enabled = false")
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
                )
            except ListenError as exc:
                log.error("web: %s; running without the dashboard", exc)
            else:
                log.info("web: dashboard at %s", web.address)
                self.parts.append(Part("web", web.run, web.stop))
        else:
            log.info("web: disabled by [web] enabled = false")

    def run(self) -> list[Part]:
        """Start every part and wait until they have all returned; returns the parts, failures noted."""
        for part in self.parts:
            part.thread = threading.Thread(target=self._run_part, args=(part,), name=part.name, daemon=True)
            part.thread.start()
        notify("READY=1", "STATUS=" + ", ".join(part.name for part in self.parts))
        watchdog = watchdog_seconds()
        if watchdog is not None:
            threading.Thread(target=self._heartbeat, args=(watchdog,), name="watchdog", daemon=True).start()
        for part in self.parts:
            assert part.thread is not None
            # join with a timeout so the main thread stays responsive to signals
            while part.thread.is_alive():
                part.thread.join(0.5)
        if self.guard is not None:
            self.guard.close()
        return self.parts

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
            if not self._stopped.is_set() and part.name != "record":
                log.warning("%s returned on its own", part.name)
        if part.name == "record" and not self._stopped.is_set():
            # The recorder ends only on --count or a fatal store error: the daemon's life is the recording's.
            self.stop()

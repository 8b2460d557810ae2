"""The cache activity end to end: a real memcached recorded by the real recorder (1 s samples, traffic between
them, a restart), beside servers that refuse, send garbage or never answer; then sar --cache, sadf and plot."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import math
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cache.memcached_server import Memcached, free_port
from tests.record.conftest import wait_for

from hostward.activities.base import Interval, Row, uptime_cs
from hostward.activities.cache import CACHE, RATE_FIELDS, reply_seconds, was_reset
from hostward.cli import main
from hostward.collect.sample import MemcachedSample, SystemSample
from hostward.config import CacheConfig, RecordConfig
from hostward.plot.series import series_from_day
from hostward.recorder import Recorder
from hostward.recorder.cachewatch import CacheWatch
from hostward.store import DayData, day_path, read_day

pytestmark = pytest.mark.peer

SAMPLES = 7


def _command(server: Memcached, line: bytes, end: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(line)
        data = b""
        while not data.endswith(end):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def traffic(server: Memcached, sets: int, hits: int, misses: int, tag: str) -> None:
    """Exactly ``sets`` stores, ``hits`` found and ``misses`` missed lookups, on one connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        f = s.makefile("rwb")
        for i in range(sets):
            f.write(f"set {tag}{i} 0 0 5\r\nhello\r\n".encode())
        f.flush()
        for _ in range(sets):
            assert f.readline() == b"STORED\r\n"
        for i in range(hits + misses):
            key = f"{tag}{i}" if i < hits else f"{tag}-missing-{i}"
            f.write(f"get {key}\r\n".encode())
            f.flush()
            while f.readline() != b"END\r\n":
                pass


class _Garbage(threading.Thread):
    """A TCP server that answers anything with an HTTP error, as a misconfigured port would."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopped = False

    def run(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(100)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def stop(self) -> None:
        self.stopped = True
        self.join(2)
        self.sock.close()


@dataclasses.dataclass
class Recording:
    data: DayData
    path: Path
    live: str
    refused: str
    garbage: str
    silent: str
    written: int
    collect_errors: int

    def samples(self) -> list[SystemSample]:
        return [e for e in self.data.entries if isinstance(e, SystemSample)]

    def server(self, sample: SystemSample, name: str) -> MemcachedSample:
        return next(c for c in sample.caches if c.server == name)

    def rows(self, name: str) -> list[tuple[SystemSample, SystemSample, Row]]:
        out = []
        samples = self.samples()
        for prev, curr in itertools.pairwise(samples):
            span = Interval(prev, curr, uptime_cs(curr) - uptime_cs(prev))
            out += [(prev, curr, r) for r in CACHE.rows(span) if r.item == name]
        return out


@pytest.fixture(scope="module")
def recording() -> Iterator[Recording]:
    """SAMPLES 1 s samples of four servers: memcached (traffic in two intervals, restarted in between), a port
    nobody listens on, a server that answers garbage, and one that accepts and never answers."""
    server = Memcached()
    garbage = _Garbage()
    garbage.start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections complete in the backlog; nothing ever answers
    refused = f"127.0.0.1:{free_port()}"
    directory = Path(tempfile.mkdtemp(prefix="hostward-cache-rec-"))
    servers = (server.address, refused, garbage.address, f"127.0.0.1:{silent.getsockname()[1]}")
    recorder = Recorder(
        RecordConfig(interval_seconds=1.0, data_dir=directory),
        housekeeping=False,
        cache=CacheConfig(servers=servers, timeout_seconds=0.25),
    )
    summary = recorder.summary
    thread = threading.Thread(target=recorder.run, kwargs={"count": SAMPLES}, daemon=True)
    try:
        thread.start()
        wait_for(lambda: summary.written >= 2, what="two samples")
        traffic(server, sets=50, hits=30, misses=20, tag="a")
        wait_for(lambda: summary.written >= 3, what="the third sample")
        # Restart on the same port right after a sample: the next poll, ~0.7 s later, meets the new process.
        # (SIGKILL: memcached's orderly exit on SIGTERM takes about half a second here.)
        port = server.port
        server.proc.kill()
        server.proc.wait(5)
        server = Memcached(port=port)
        wait_for(lambda: summary.written >= 4, what="the fourth sample")
        traffic(server, sets=10, hits=10, misses=0, tag="b")
        thread.join(30)
        assert not thread.is_alive()
        day = read_day(directory, dt.date.fromtimestamp(time.time()))
        yield Recording(
            day,
            day_path(directory, dt.date.fromtimestamp(time.time())),
            servers[0],
            servers[1],
            servers[2],
            servers[3],
            summary.written,
            summary.collect_errors,
        )
    finally:
        server.stop()
        garbage.stop()
        silent.close()
        shutil.rmtree(directory, ignore_errors=True)


def test_every_sample_is_taken_and_stored_whatever_the_servers_do(recording: Recording) -> None:
    samples = recording.samples()
    assert recording.written == SAMPLES == len(samples) and recording.collect_errors == 0
    for sample in samples:
        assert sample.cpu.all.user >= 0 and sample.memory.mem_total_kb > 0 and sample.nets
        assert [c.server for c in sample.caches] == [
            recording.live,
            recording.refused,
            recording.garbage,
            recording.silent,
        ]
        for bad in (recording.refused, recording.garbage, recording.silent):
            assert recording.server(sample, bad) == MemcachedSample(bad)  # absent: no counters
    # The live server answered (the first sample may precede its first reply).
    assert all(recording.server(s, recording.live).present for s in samples[1:])


def test_rates_are_the_counter_deltas_over_the_time_between_the_replies(recording: Recording) -> None:
    checked = 0
    for prev_sample, curr_sample, row in recording.rows(recording.live):
        prev, curr = (
            recording.server(prev_sample, recording.live),
            recording.server(curr_sample, recording.live),
        )
        if not (prev.present and curr.present) or was_reset(prev, curr):
            continue
        seconds = reply_seconds(prev, curr, uptime_cs(curr_sample) - uptime_cs(prev_sample))
        values = dict(zip((c.name for c in CACHE.columns), row.values, strict=True))
        expected = {name: (getattr(curr, name) - getattr(prev, name)) / seconds for name in RATE_FIELDS}
        assert values["get/s"] == pytest.approx(expected["cmd_get"])
        assert values["hit/s"] == pytest.approx(expected["get_hits"])
        assert values["miss/s"] == pytest.approx(expected["get_misses"])
        assert values["set/s"] == pytest.approx(expected["cmd_set"])
        assert values["rxkB/s"] == pytest.approx(expected["bytes_read"] / 1024)
        assert values["items"] == curr.curr_items and values["conn"] == curr.curr_connections
        assert values["%fill"] == pytest.approx(curr.bytes / curr.limit_maxbytes * 100)
        assert values["reset"] == 0
        checked += 1
    assert checked >= 3


def test_the_traffic_driven_is_the_traffic_reported(recording: Recording) -> None:
    """Rate x interval summed over the rows gives back exactly the operations the test sent, per process."""
    totals = [dict.fromkeys(("get/s", "hit/s", "miss/s", "set/s"), 0.0)]
    for prev_sample, curr_sample, row in recording.rows(recording.live):
        values = dict(zip((c.name for c in CACHE.columns), row.values, strict=True))
        if values["reset"] == 1:
            totals.append(dict.fromkeys(totals[0], 0.0))
            continue
        prev, curr = (
            recording.server(prev_sample, recording.live),
            recording.server(curr_sample, recording.live),
        )
        if prev.present and curr.present:
            seconds = reply_seconds(prev, curr, uptime_cs(curr_sample) - uptime_cs(prev_sample))
            for name in totals[-1]:
                totals[-1][name] += values[name] * seconds
    assert len(totals) == 2, "the restart is one reset interval"
    before, after = totals
    assert before == pytest.approx({"get/s": 50, "hit/s": 30, "miss/s": 20, "set/s": 50})
    assert after == pytest.approx({"get/s": 10, "hit/s": 10, "miss/s": 0, "set/s": 10})


def test_a_restart_is_a_reset_never_a_negative_rate(recording: Recording) -> None:
    rows = [row for _, _, row in recording.rows(recording.live)]
    resets = [r for r in rows if r.values[-1] == 1]
    assert len(resets) == 1
    reset = dict(zip((c.name for c in CACHE.columns), resets[0].values, strict=True))
    assert all(math.isnan(reset[c]) for c in ("get/s", "hit/s", "set/s", "rxkB/s", "evict/s"))
    assert reset["items"] == 0 and reset["conn"] >= 1  # the new process's state is shown
    assert all(v >= 0 for r in rows for v in r.values if not math.isnan(v))
    # The stored counters did go down: a plain difference would have been negative.
    samples = recording.samples()
    gets = [recording.server(s, recording.live).cmd_get for s in samples[1:]]
    assert any(b < a for a, b in itertools.pairwise(gets))


def test_sar_cache_text(recording: Recording, capsys: pytest.CaptureFixture[str], utc: None) -> None:
    assert main(["sar", "--cache", "-f", str(recording.path)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "SERVER" in line)
    assert header.split()[1:] == ["SERVER", *(c.header for c in CACHE.columns)]
    lines = out.splitlines()
    live = [line for line in lines if recording.live in line]
    assert len(live) == SAMPLES  # every interval, and the Average: row
    assert live[-1].startswith("Average:")
    average = live[-1].split()
    assert len(average) == 2 + len(CACHE.columns) and average[-1] == "1"  # one reset in the average row
    for bad in (recording.refused, recording.garbage, recording.silent):
        gaps = [line.split() for line in lines if bad in line.split()]
        assert len(gaps) == SAMPLES and all(words[1:] == [bad] for words in gaps)  # the server, no values


def test_sadf_json_and_csv_keys(recording: Recording, capsys: pytest.CaptureFixture[str], utc: None) -> None:
    assert main(["sadf", "-j", str(recording.path), "--", "--cache"]) == 0
    doc = json.loads(capsys.readouterr().out)
    stats = doc["sysstat"]["hosts"][0]["statistics"]
    assert len(stats) == SAMPLES - 1
    keys = ["server", *(c.json_key for c in CACHE.columns)]
    for entry in stats:
        servers = entry["memcached"]
        assert [s["server"] for s in servers] == [
            recording.live,
            recording.refused,
            recording.garbage,
            recording.silent,
        ]
        assert all(list(s) == keys for s in servers)
        assert all(v is None for s in servers[1:] for k, v in s.items() if k != "server")
    assert sum(s["memcached"][0]["reset"] for s in stats) == 1

    assert main(["sadf", "-d", str(recording.path), "--", "--cache"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("# hostname;interval;timestamp;"))
    assert header.split(";")[3:] == ["SERVER", *(c.header for c in CACHE.columns)]
    assert sum(1 for line in lines if f";{recording.live};" in line) == SAMPLES - 1


def test_plot_draws_the_figure_with_the_series_and_the_gap(
    recording: Recording, tmp_path: Path, capsys: pytest.CaptureFixture[str], utc: None
) -> None:
    series = {s.item: s for s in series_from_day(recording.data, [CACHE]).of("cache")}
    live = series[recording.live].column("hit/s")
    assert any(v > 0 for v in live if not math.isnan(v)) and any(math.isnan(v) for v in live)  # the reset
    assert all(math.isnan(v) for v in series[recording.refused].column("hit/s"))
    out = tmp_path / "png"
    assert main(["plot", "--cache", "-f", str(recording.path), "--format", "png", "-o", str(out)]) == 0
    capsys.readouterr()
    name = recording.live.replace(":", "_")
    figures = sorted(out.glob(f"*memcached-{name}.png"))
    assert len(figures) == 1 and figures[0].stat().st_size > 10_000
    assert figures[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_poll_that_hangs_never_holds_a_sample(tmp_path: Path) -> None:
    """Structural, not timed: the recorder finishes its samples while the only poll is still blocked."""
    entered, release = threading.Event(), threading.Event()

    def blocking(server: str) -> object:
        entered.set()
        release.wait(60)
        raise TimeoutError(server)

    watch = CacheWatch(("127.0.0.1:9",), interval=0.2, timeout=0.1, fetch=blocking)  # type: ignore[arg-type]
    recorder = Recorder(
        RecordConfig(interval_seconds=0.2, data_dir=tmp_path), housekeeping=False, cache_watch=watch
    )
    try:
        assert entered.wait(10)
        summary = recorder.run(count=4)
        assert not release.is_set()  # the poll is still blocked
    finally:
        release.set()
    assert summary.written == 4
    samples = [e for e in read_day(tmp_path, dt.date.today()).entries if isinstance(e, SystemSample)]
    assert [s.caches for s in samples] == [(MemcachedSample("127.0.0.1:9"),)] * 4


def test_sar_cache_live_says_where_live_rates_are(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sar", "--cache", "1", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "hostward cache stats --interval" in err[0]


def test_sar_cache_on_data_recorded_without_servers_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Recorder(RecordConfig(interval_seconds=0.2, data_dir=tmp_path), housekeeping=False).run(count=2)
    path = day_path(tmp_path, dt.date.today())
    assert main(["sar", "--cache", "-f", str(path)]) == 0
    captured = capsys.readouterr()
    assert "SERVER" not in captured.out
    assert captured.err.splitlines() == [
        "hostward sar: no memcached activity in this data: it is recorded when [cache] servers is set "
        "(docs/cache.md)"
    ]

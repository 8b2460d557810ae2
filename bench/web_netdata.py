"""hostward's dashboard beside Netdata 1.37's on the same host, where the two can be compared like for like.

Both sample the host every second for RANGE seconds (Netdata in RAM mode, its own plugins only; `hostward
record -i 1` into a temp data directory), both are served over plain HTTP on 127.0.0.1 (hostward's TLS is
left out, Netdata has none), then for the same window:
- bytes of one chart's data: CPU (Netdata `system.cpu`, 9 dimensions; hostward `cpu` item all, 6 columns) and
  memory (Netdata `system.ram`, 4; hostward `memory`, 11), as served and with gzip, and per value;
- chromium (a fresh context each run, no HTTP cache), from navigation to the first chart drawn and bytes the
  page fetched by then: Netdata's dashboard at `/` (no login) and hostward's overview (logged in beforehand).

usage: .venv/bin/python bench/web_netdata.py [--range SECONDS] [--runs N]
needs: netdata (scripts/setup --bench), chromium. Prints one line per figure; asserts nothing.
Not like for like, and so not compared: Netdata's first chart is one of hundreds it builds lazily as they scroll
into view, hostward's overview draws six; Netdata keeps per-second data in RAM for its retention, hostward
raw counters on disk for any day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
NETDATA_CONF = """\
[global]
    run as user = netdata
    hostname = bench
[directories]
    cache = {d}/cache
    lib = {d}/lib
    log = {d}/log
    lock = {d}/run
[logs]
    debug log = {d}/log/debug.log
    error log = {d}/log/error.log
    access log = none
[db]
    mode = ram
    update every = 1
    retention = 3600
[web]
    bind to = 127.0.0.1:{port}
[registry]
    enabled = no
[health]
    enabled = no
[ml]
    enabled = no
[cloud]
    enabled = no
[plugins]
    python.d = no
    charts.d = no
    go.d = no
    ebpf = no
    apps = no
    perf = no
    slabinfo = no
    freeipmi = no
    nfacct = no
    ioping = no
    statsd = no
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_netdata(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("netdata") or "/usr/sbin/netdata"
    if not Path(binary).exists():
        raise SystemExit("netdata is not installed: bash scripts/setup --bench")
    workdir.mkdir()
    workdir.parent.chmod(0o711)  # netdata runs as its own user: it must reach its directories
    for sub in ("cache", "lib", "log", "run"):
        (workdir / sub).mkdir(mode=0o777)
        (workdir / sub).chmod(0o777)  # netdata drops to its own user
    port = free_port()
    conf = workdir / "netdata.conf"
    conf.write_text(NETDATA_CONF.format(d=workdir, port=port))
    env = {**os.environ, "DO_NOT_TRACK": "1"}  # no anonymous statistics (offline anyway)
    proc = subprocess.Popen(
        [binary, "-D", "-c", str(conf)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(url + "/api/v1/info", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("netdata did not answer")


def sizes(get: Callable[[dict[str, str]], httpx.Response]) -> tuple[int, str, Any]:
    """(bytes as served without compression, gzip figure with how it was had, parsed JSON)."""
    plain = get({"accept-encoding": "identity"})
    plain.raise_for_status()
    zipped = get({"accept-encoding": "gzip"})
    if zipped.headers.get("content-encoding") == "gzip":
        return len(plain.content), f"{zipped.num_bytes_downloaded} B gzip served", plain.json()
    # Served uncompressed even when gzip is accepted: what gzip -6 would make of it.
    return (
        len(plain.content),
        f"{len(gzip.compress(plain.content, 6))} B if gzipped (not served so)",
        plain.json(),
    )


def first_chart(
    url: str, path: str, ready: str, prepare: Callable[[Any], None] | None, runs: int
) -> tuple[float, int]:
    """Median seconds from navigation to ``ready`` (a CSS selector of a drawn chart) and the response bytes the
    page had fetched by then, over ``runs`` fresh browser contexts."""
    from playwright.sync_api import expect, sync_playwright

    times, fetched = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            if prepare is not None:
                prepare(context)
            page = context.new_page()
            got: list[Any] = []  # finished requests; their sizes are read while the page is still open
            page.on("requestfinished", lambda r, got=got: got.append(r))  # a function: Playwright tags it
            t0 = time.perf_counter()
            page.goto(url + path)
            expect(page.locator(ready).first).to_be_visible(timeout=120_000)
            times.append(time.perf_counter() - t0)
            fetched.append(sum(r.sizes()["responseBodySize"] for r in list(got)))
            context.close()
        browser.close()
    return statistics.median(times), int(statistics.median(fetched))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--range", type=int, default=120, help="seconds both sample before the comparison")
    parser.add_argument("--runs", type=int, default=3, help="browser runs per dashboard (median shown)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.web.dashboard import serve, session_cookie

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        netdata, nd_url = start_netdata(work / "netdata")
        env = {**os.environ, "HOSTWARD_CONFIG": os.devnull}
        recorder = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hostward",
                "record",
                "-i",
                "1",
                "-c",
                str(args.range + 5),
                "-d",
                str(data_dir),
            ],
            env=env,
        )
        try:
            print(f"sampling every second for {args.range + 5} s (netdata {nd_url}, hostward record -i 1)")
            recorder.wait(timeout=args.range + 120)
            until = int(time.time()) - 2
            since = until - args.range
            window = {
                "since": dt.datetime.fromtimestamp(since).isoformat(sep=" "),
                "until": dt.datetime.fromtimestamp(until).isoformat(sep=" "),
            }
            with serve(data_dir, interval_seconds=1.0) as dash:
                cookie = session_cookie(dash, "viewer")
                client = httpx.Client(timeout=30)
                for nd_chart, hw_activity, item in (
                    ("system.cpu", "cpu", "all"),
                    ("system.ram", "memory", ""),
                ):
                    nd_query = urllib.parse.urlencode(
                        {"chart": nd_chart, "after": since, "before": until, "format": "json"}
                    )
                    nd_raw, nd_wire, nd_doc = sizes(
                        lambda h, q=nd_query: client.get(f"{nd_url}/api/v1/data?{q}", headers=h)
                    )
                    nd_values = sum(len(row) - 1 for row in nd_doc["data"])
                    hw_query = urllib.parse.urlencode({**window, **({"item": item} if item else {})})
                    hw_raw, hw_wire, hw_doc = sizes(
                        lambda h, q=hw_query, a=hw_activity: client.get(
                            f"{dash.url}/api/v1/series/{a}?{q}",
                            headers={**h, "cookie": cookie},
                        )
                    )
                    hw_values = sum(len(col) for s in hw_doc["series"] for col in s["values"])
                    print(
                        f"{args.range} s of {nd_chart} / {hw_activity}: netdata {nd_raw} B ({nd_values} values, "
                        f"{nd_raw / max(nd_values, 1):.1f} B/value), {nd_wire}; hostward {hw_raw} B "
                        f"({hw_values} values, {hw_raw / max(hw_values, 1):.1f} B/value), {hw_wire}; "
                        f"per value hostward/netdata {(hw_raw / max(hw_values, 1)) / (nd_raw / max(nd_values, 1)):.2f}x"
                    )

                def log_in(context: Any) -> None:
                    # The session cookie only: logging in through the form would fill the HTTP cache.
                    name, value = session_cookie(dash, "viewer").split("=", 1)
                    context.add_cookies([{"name": name, "value": value, "url": dash.url}])

                nd_time, nd_bytes = first_chart(nd_url, "/", ".netdata-dygraph-chart canvas", None, args.runs)
                hw_time, hw_bytes = first_chart(dash.url, "/", ".plot canvas", log_in, args.runs)
                print(
                    f"chromium, navigation to first chart drawn (median of {args.runs}): netdata {nd_time:.2f} s "
                    f"({nd_bytes / 1024:.0f} KiB fetched), hostward overview {hw_time:.2f} s "
                    f"({hw_bytes / 1024:.0f} KiB fetched); hostward/netdata {hw_time / nd_time:.2f}x time, "
                    f"{hw_bytes / max(nd_bytes, 1):.2f}x bytes"
                )
        finally:
            recorder.kill()
            recorder.wait()
            netdata.terminate()
            try:
                netdata.wait(timeout=10)
            except subprocess.TimeoutExpired:
                netdata.kill()
                netdata.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

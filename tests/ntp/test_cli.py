from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.ntp.conftest import answers, free_udp_port

from hostward.cli import main
from hostward.cli.ntp import human_seconds
from hostward.ntp.adjtimex import ClockState
from hostward.ntp.server import NtpServer, ServeSettings


@pytest.fixture
def servers() -> Iterator[list[str]]:
    """Three in-process servers: two agree on +1.5 s, one is a falseticker at -20 s."""
    running = [
        NtpServer(f"127.0.87.{i}", 0, ServeSettings(offset_seconds=offset, rate_per_second=0))
        for i, offset in ((1, 1.5), (2, 1.5), (3, -20.0))
    ]
    threads = [s.start() for s in running]
    yield [f"{s.address[0]}:{s.address[1]}" for s in running]
    for s, t in zip(running, threads, strict=True):
        s.close()
        t.join(timeout=2)


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hostward.toml"
    config.write_text("[ntp]\n")
    monkeypatch.setenv("HOSTWARD_CONFIG", str(config))


def test_query_table_legend_and_verdict(servers: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ntp", "query", "--interval", "0", "--samples", "2", *servers])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("MS Name/IP address")
    rows = {line.split()[0]: line for line in lines[2:5]}
    assert set(rows) == {"^*", "^+", "^x"}
    assert servers[2] in rows["^x"]
    assert abs(offset_in(rows["^x"]) + 20.0) < 0.05
    assert abs(offset_in(rows["^*"]) - 1.5) < 0.05
    assert 'chronyc\'s "Last sample"' in out and "negative of this θ" in out
    behind = re.search(r"This host's clock is ([0-9.]+) s behind", out)
    assert behind and abs(float(behind.group(1)) - 1.5) < 0.05
    assert "rejected as falseticker(s): " + servers[2] in out
    assert code == 3  # 1.5 s off is critical


def offset_in(row: str) -> float:
    match = re.search(r"([+-][0-9.]+)s ± ", row)
    assert match, row
    return float(match.group(1))


def test_query_json(servers: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ntp", "query", "--json", "--interval", "0", "--samples", "2", *servers[:2]])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3
    assert [s["state"] for s in doc["servers"]] in (["selected", "combined"], ["combined", "selected"])
    assert abs(doc["selection"]["offset_seconds"] - 1.5) < 0.05
    assert doc["selection"]["majority"] is True
    assert doc["verdict"]["level"] == "critical"


def test_query_no_majority(servers: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ntp", "query", "--interval", "0", "--samples", "1", servers[0], servers[2]])
    out = capsys.readouterr().out
    assert "No majority" in out and "unsynchronised" in out
    assert code == 3


def test_unreachable_servers_get_one_timeout_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    dead = [f"127.0.87.9:{free_udp_port('127.0.87.9')}", f"127.0.87.10:{free_udp_port('127.0.87.10')}"]
    code = main(["ntp", "query", "--timeout", "0.2", "--retries", "0", *dead])
    out = capsys.readouterr().out
    for server in dead:
        assert f"{server}: timeout: no reply within 0.2 s to 1 request(s)" in out
    assert code == 3


def test_query_without_servers_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ntp", "query"]) == 2
    assert "no SERVER given" in capsys.readouterr().err


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for sub in ("query", "status", "serve"):
        with pytest.raises(SystemExit) as info:
            main(["ntp", sub, "--help"])
        assert info.value.code == 0
        assert "examples:" in capsys.readouterr().out


def test_status_json_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ntp", "status", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"]["level"] in ("ok", "warning", "critical")
    assert code == {"ok": 0, "warning": 1, "critical": 3}[doc["verdict"]["level"]]
    assert doc["kernel"] is not None and "frequency_ppm" in doc["kernel"]
    assert doc["kernel"]["state"] in {s.name for s in ClockState}  # by name (the dashboard shows the number)
    main(["ntp", "status", "--explain"])
    out = capsys.readouterr().out
    assert "86.4 ms per day" in out and "iburst" in out and "Last sample" in out


@pytest.mark.parametrize(
    ("seconds", "text"), [(2.5e-9, "+2ns"), (-4.5e-6, "-4.5us"), (0.0123, "+12.3ms"), (45.0, "+45.000000s")]
)
def test_human_seconds(seconds: float, text: str) -> None:
    assert human_seconds(seconds, signed=True) == text


def test_serve_subprocess_answers_and_reports_counts() -> None:
    port = free_udp_port("127.0.87.20")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostward",
            "ntp",
            "serve",
            "--listen",
            "127.0.87.20",
            "--port",
            str(port),
            "--offset",
            "-4",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "listening on 127.0.87.20 port" in proc.stdout.readline()
        assert answers("127.0.87.20", port, timeout=1.0)
        assert main(["ntp", "query", "--interval", "0", "--samples", "1", f"127.0.87.20:{port}"]) == 3
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=5)
    assert proc.returncode == 0
    assert "stopped; answered 2" in out

"""`hostward daemon`: the main job runs recorder, protection policy and guard together and stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx
import pytest
from tests.record.conftest import SRC, wait_for

from hostward.collect.sample import SystemSample
from hostward.store import read_file


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_daemon(
    tmp_path: Path,
    config_text: str,
    *args: str,
    listen: str = "127.0.0.1:0",
    web_listen: str | None = None,
    env_extra: dict[str, str] | None = None,
    log_file: Path | None = None,
) -> subprocess.Popen[str]:
    config = tmp_path / "hostward.toml"
    config.write_text(config_text)
    # /metrics and the dashboard on free ports: tests run side by side, and the defaults may be taken
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "HOSTWARD_CONFIG": str(config),
        "HOSTWARD_METRICS_LISTEN": listen,
        "HOSTWARD_WEB_LISTEN": web_listen or f"127.0.0.1:{free_port()}",
        **(env_extra or {}),
    }
    log = log_file.open("w") if log_file is not None else None
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "hostward", "daemon", "-d", str(tmp_path / "data"), "-v", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if log is None else log,
            text=True,
        )
    finally:
        if log is not None:
            log.close()  # the child has its own descriptor


def samples(data_dir: Path) -> list[SystemSample]:
    files = sorted(data_dir.glob("hw*"))
    return [e for f in files for e in read_file(f).entries if isinstance(e, SystemSample)]


def test_daemon_records_and_guards_with_defaults(tmp_path: Path) -> None:
    proc = start_daemon(tmp_path, "", "--interval", "1", "--count", "2", "--guard-dry-run")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "started: record, protect, guard, metrics, web" in err  # protect: the default policy
    assert "protect: " in err and " rule(s) from the default policy" in err
    assert "guard started: scope host" in err
    assert len(samples(tmp_path / "data")) == 2


def test_daemon_applies_protection_to_new_processes_and_stops_on_sigterm(tmp_path: Path) -> None:
    marker = f"hostward-daemon-test-{os.getpid()}"
    proc = start_daemon(
        tmp_path,
        f"""
[[oom.protect]]
name = "test-batch"
cmdline_regex = "{marker}"
oom_score_adj = 321
""",
        "--interval",
        "1",
        "--no-guard",
    )
    sleeper: subprocess.Popen[bytes] | None = None
    try:
        wait_for(lambda: any((tmp_path / "data").glob("hw*")), what="the daemon's first data file")
        # exec -a gives the process a command line the rule matches; it starts after the daemon is watching.
        sleeper = subprocess.Popen(["bash", "-c", f"exec -a {marker} sleep 30"])
        adj = Path(f"/proc/{sleeper.pid}/oom_score_adj")
        wait_for(
            lambda: adj.read_text().strip() == "321", timeout=5, what="oom_score_adj 321 on the new process"
        )
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if sleeper is not None:
            sleeper.kill()
            sleeper.wait()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "started: record, protect" in err
    assert "SIGTERM received: stopping" in err
    assert samples(tmp_path / "data"), "the recorder stored nothing"


def _dashboard_oom_page(tmp_path: Path, web: str) -> str:
    """The dashboard's /oom page as a viewer sees it (a viewer made with `hostward web user add`)."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": str(tmp_path / "hostward.toml")}
    name = f"v{time.monotonic_ns()}"
    subprocess.run(
        [sys.executable, "-m", "hostward", "web", "--data-dir", str(tmp_path / "data"), "user", "add", name,
         "--password-stdin"],
        input="a long passphrase of mine\n", env=env, text=True, capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    with httpx.Client(base_url=f"https://{web}", verify=False, timeout=30) as client:  # the made certificate
        for _ in range(100):
            try:
                client.get("/login")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        form = {"username": name, "password": "a long passphrase of mine", "code": "", "next": "/oom"}
        assert client.post("/login", data=form).status_code == 303
        return client.get("/oom").text


def test_sighup_reloads_rules_and_guard_and_keeps_the_old_config_when_the_new_is_invalid(
    tmp_path: Path,
) -> None:
    marker = f"hostward-reload-test-{os.getpid()}"
    log = tmp_path / "daemon.log"
    web = f"127.0.0.1:{free_port()}"
    proc = start_daemon(tmp_path, "", "--interval", "1", "--guard-dry-run", log_file=log, web_listen=web)
    config = tmp_path / "hostward.toml"
    sleeper = subprocess.Popen(["bash", "-c", f"exec -a {marker} sleep 60"])
    adj = Path(f"/proc/{sleeper.pid}/oom_score_adj")
    try:
        wait_for(lambda: "started: record, protect, guard" in log.read_text(), what="the daemon's start")
        assert adj.read_text().strip() == "0"
        page_before = _dashboard_oom_page(tmp_path, web)
        assert "batch" not in page_before
        # A rule added to the file applies at once to the process already running.
        config.write_text(
            f'[[oom.protect]]\nname = "batch"\ncmdline_regex = "{marker}"\noom_score_adj = 500\n'
        )
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: adj.read_text().strip() == "500", what="the reloaded rule on the running process")
        assert "reload: [oom] protect () -> (ProtectRule(name='batch'" in log.read_text()
        # The dashboard's OOM page shows the rules now in force, not the ones it started with.
        assert "batch" in _dashboard_oom_page(tmp_path, web)
        # An invalid file changes nothing, and says why.
        config.write_text("[guard]\nmem_available_percent = 150\n[nosuchsection]\n")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in log.read_text(), what="the refusal of an invalid file")
        assert proc.poll() is None
        # A guard setting restarts the guard with it; a listener change is named as needing a restart.
        config.write_text(
            f'[[oom.protect]]\nname = "batch"\ncmdline_regex = "{marker}"\noom_score_adj = 500\n'
            "[guard]\nmem_available_percent = 7.0\n[cache]\ntimeout_seconds = 0.5\n"
        )
        proc.send_signal(signal.SIGHUP)
        changed = "reload: [guard] mem_available_percent 5.0 -> 7.0"
        wait_for(lambda: changed in log.read_text(), what="the guard's new setting")
        wait_for(lambda: log.read_text().count("reload: guard restarted") == 2, what="the guard's restart")
        text = log.read_text()
        assert "reload: cache take effect at the next restart" in text
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        sleeper.kill()
        sleeper.wait()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text()
    assert "returned on its own" not in log.read_text()
    assert samples(tmp_path / "data")


def test_daemon_tells_systemd_it_is_ready_alive_and_stopping(tmp_path: Path) -> None:
    """The sd_notify protocol as systemd speaks it (Type=notify, WatchdogSec=): a datagram socket named by
    NOTIFY_SOCKET receives READY=1 once the parts run, WATCHDOG=1 while samples come in, STOPPING=1 at the end."""
    manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    manager.bind(str(tmp_path / "notify"))
    manager.settimeout(30)
    env = {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "1000000"}
    proc = start_daemon(tmp_path, "", "--interval", "1", "--count", "4", "--no-guard", env_extra=env)
    messages: list[str] = []
    try:
        while not messages or messages[-1] != "STOPPING=1":
            messages.append(manager.recv(4096).decode())
    finally:
        manager.close()
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert messages[0].split("\n") == ["READY=1", "STATUS=record, protect, metrics, web, kernel-log"]
    assert messages.count("WATCHDOG=1") >= 2, messages
    assert messages[-1] == "STOPPING=1"


def test_sd_notify_outside_systemd_and_with_a_foreign_watchdog(monkeypatch: pytest.MonkeyPatch) -> None:
    from hostward.sdnotify import notify, watchdog_seconds

    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False  # run by hand: nothing to tell, nothing fails
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))  # meant for another process (a parent shell)
    assert watchdog_seconds() is None
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_seconds() == 30.0
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:
        manager.bind(f"\0hostward-test-{os.getpid()}")
        monkeypatch.setenv("NOTIFY_SOCKET", f"@hostward-test-{os.getpid()}")
        assert notify("STATUS=x") is True
        assert manager.recv(100) == b"STATUS=x"


def test_systemd_unit_runs_the_daemon_unkillable_by_the_oom_killer() -> None:
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(SRC.parent / "packaging" / "systemd" / "hostward.service")
    service = unit["Service"]
    assert service["ExecStart"].split()[1:] == ["daemon"]
    assert service["OOMScoreAdjust"] == "-1000"  # the guard must not be the kernel's victim
    assert "AF_NETLINK" in service["RestrictAddressFamilies"]  # the process-event connector
    assert "ProtectControlGroups" not in service
    assert unit["Unit"]["Conflicts"] == "hostward-record.service"


def test_daemon_serves_metrics_on_loopback_by_default(tmp_path: Path) -> None:
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = start_daemon(
        tmp_path,
        "[metrics]\npoll_seconds = 1.0\n",
        "--interval",
        "1",
        "--no-guard",
        listen=f"127.0.0.1:{port}",
    )
    try:

        def scrape() -> str:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                    return str(response.read().decode())
            except OSError:
                return ""

        wait_for(lambda: "hostward_recorder_samples_today 0" not in scrape() and "node_cpu" in scrape(),
                 what="/metrics with the recorder's samples")  # fmt: skip
        body = scrape()
        assert 'node_cpu_seconds_total{cpu="0",mode="idle"}' in body
        assert "hostward_recorder_samples_today" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"metrics: serving http://127.0.0.1:{port}/metrics" in err


def test_daemon_records_when_the_metrics_port_is_taken_and_refuses_a_bad_section(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start_daemon(
            tmp_path, "", "--interval", "1", "--count", "1", "--no-guard", listen=f"127.0.0.1:{port}"
        )
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "running without /metrics" in err and "started: record" in err
    proc = start_daemon(tmp_path, "", "--count", "1", listen="0.0.0.0:9477")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert (
        err.strip().splitlines()[-1].endswith("is not loopback: set tls_cert and tls_key (and a credential)")
    )


def test_daemon_serves_the_dashboard_over_https_on_loopback_by_default(tmp_path: Path) -> None:
    port = free_port()
    proc = start_daemon(tmp_path, "", "--interval", "1", "--no-guard", web_listen=f"127.0.0.1:{port}")
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE  # the certificate made at first start is self-signed

    def login_page() -> str:
        try:
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/login", timeout=5, context=insecure) as r:
                return str(r.read().decode())
        except OSError:
            return ""

    try:
        wait_for(lambda: "Log in" in login_page(), what="the dashboard's login page")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"https://127.0.0.1:{port}/api/v1/series/cpu", timeout=5, context=insecure)
        assert refused.value.code == 401  # nothing without an account
        refused.value.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert err.count(f"dashboard at https://127.0.0.1:{port}/") == 1
    assert "no dashboard accounts yet" in err
    assert (tmp_path / "data" / "web").stat().st_mode & 0o077 == 0


def test_daemon_without_the_dashboard(tmp_path: Path) -> None:
    proc = start_daemon(tmp_path, "[web]\nenabled = false\n", "--interval", "1", "--count", "1", "--no-guard")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert (
        "web: disabled by [web] enabled = false" in err
        and "started: record, protect, metrics, kernel-log\n" in err
    )

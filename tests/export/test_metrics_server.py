"""The /metrics server: safe defaults, credentials, TLS, concurrency and clients that misbehave."""

from __future__ import annotations

import base64
import concurrent.futures
import datetime as dt
import http.client
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client import CollectorRegistry
from tests.conftest import require_binary
from tests.export.conftest import get, hostward_server

from hostward.config import Config, MetricsConfig
from hostward.errors import ConfigError
from hostward.export.server import MAX_CONNECTIONS, MetricsServer, check_settings


def _secret(path: Path, text: str, mode: int = 0o600) -> str:
    path.write_text(text + "\n")
    path.chmod(mode)
    return str(path)


def _cert(tmp: Path) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (tmp / "key.pem").chmod(0o600)
    return str(tmp / "cert.pem"), str(tmp / "key.pem")


def test_defaults_are_loopback_and_validated(tmp_path: Path) -> None:
    listen, creds, tls = check_settings(MetricsConfig())
    assert listen.host == "127.0.0.1" and listen.loopback and tls is None and creds.bearer_token is None
    with pytest.raises(ConfigError, match="not loopback: set tls_cert"):
        check_settings(MetricsConfig(listen="0.0.0.0:9477"))
    cert, key = _cert(tmp_path)
    with pytest.raises(ConfigError, match="bearer_token_file or basic auth"):
        check_settings(MetricsConfig(listen="[::]:9477", tls_cert=cert, tls_key=key))
    token = _secret(tmp_path / "token", "s3cret")
    listen, _, tls = check_settings(
        MetricsConfig(listen="0.0.0.0:9477", tls_cert=cert, tls_key=key, bearer_token_file=token)
    )
    assert not listen.loopback and tls is not None
    with pytest.raises(ConfigError, match="readable by others"):
        check_settings(MetricsConfig(bearer_token_file=_secret(tmp_path / "t2", "x", 0o644)))
    (tmp_path / "link").symlink_to(tmp_path / "token")
    with pytest.raises(ConfigError, match="symbolic link"):
        check_settings(MetricsConfig(bearer_token_file=str(tmp_path / "link")))
    for bad in ("9477", "127.0.0.1:99999", "127.0.0.1:x"):
        with pytest.raises(ConfigError):
            check_settings(MetricsConfig(listen=bad))
    with pytest.raises(ConfigError, match="max_devices"):
        check_settings(MetricsConfig(max_devices=0))


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[MetricsServer, ssl.SSLContext]]:
    cert, key = _cert(tmp_path)
    token = _secret(tmp_path / "token", "tok-123")
    password = _secret(tmp_path / "pw", PasswordHasher().hash("hunter2"))
    config = MetricsConfig(listen="127.0.0.1:0", tls_cert=cert, tls_key=key, bearer_token_file=token,
                           basic_auth_user="prom", basic_auth_password_file=password)  # fmt: skip
    listen, creds, tls = check_settings(config)
    server = MetricsServer(listen, CollectorRegistry(), credentials=creds, tls=tls)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    client = ssl.create_default_context(cafile=cert)
    yield server, client
    server.shutdown()
    server.server_close()


def _status(url: str, context: ssl.SSLContext, auth: str | None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": auth} if auth else {})
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_tls_with_bearer_or_basic_auth(tls_server: tuple[MetricsServer, ssl.SSLContext]) -> None:
    server, client = tls_server
    url = f"https://127.0.0.1:{server.port}/metrics"
    basic = "Basic " + base64.b64encode(b"prom:hunter2").decode()
    wrong = "Basic " + base64.b64encode(b"prom:hunter3").decode()
    assert _status(url, client, None) == 401
    assert _status(url, client, "Bearer tok-12") == 401
    assert _status(url, client, wrong) == 401
    assert _status(url, client, "Basic !!!") == 401
    assert _status(url, client, "Bearer tok-123") == 200
    assert _status(url, client, basic) == 200
    with pytest.raises(OSError):  # plain HTTP to the TLS port gets no metrics
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5)


def test_concurrent_scrapes_and_a_client_that_never_reads(tmp_path: Path) -> None:
    with hostward_server(tmp_path) as server:
        url = f"http://127.0.0.1:{server.port}/metrics"
        # Clients that connect and never send, or send and never read, hold only their own thread.
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(5)]
        stuck = socket.create_connection(("127.0.0.1", server.port))
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        stuck.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            bodies = list(pool.map(lambda _: get(url), range(30)))
        assert all(
            "node_cpu_seconds_total" in b
            and b.rstrip().endswith(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
            for b in bodies
        )
        for sock in (*idle, stuck):
            sock.close()
        assert "404" not in get(f"http://127.0.0.1:{server.port}/")


def test_promtool_check_metrics_passes_with_node_exporters_exemptions(tmp_path: Path) -> None:
    promtool = require_binary("promtool")["promtool"]
    with hostward_server(tmp_path) as server:
        text = get(f"http://127.0.0.1:{server.port}/metrics")
    result = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    problems = [
        line for line in (result.stdout + result.stderr).splitlines()
        # node_exporter's own exemption: meminfo, netstat and sockstat fields keep the kernel's CamelCase names
        if line.strip()
        and not (line.startswith(("node_memory_", "node_netstat_", "node_sockstat_")) and "camelCase" in line)
    ]  # fmt: skip
    assert problems == []


def test_bad_config_section_is_one_line_error(tmp_path: Path) -> None:
    from hostward.config import load_config

    (tmp_path / "c.toml").write_text('[metrics]\nenabled = "perhaps"\n')
    with pytest.raises(ConfigError, match=r"metrics\.enabled"):
        load_config(tmp_path / "c.toml", environ={})
    assert isinstance(Config().metrics, MetricsConfig)


def test_connections_are_served_by_reused_workers_and_bounded(tmp_path: Path) -> None:
    with hostward_server(tmp_path) as server:
        url = f"http://127.0.0.1:{server.port}/metrics"
        for _ in range(40):
            get(url)
        assert 1 <= server.workers < 10  # reused, not one thread per scrape
        # every slot taken by a client that never sends: the next connection is closed at once
        hogs = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(MAX_CONNECTIONS)]
        try:
            with pytest.raises((OSError, http.client.HTTPException)):
                urllib.request.urlopen(url, timeout=5)
        finally:
            for sock in hogs:
                sock.close()
        deadline = time.monotonic() + 10
        while True:  # the workers see the hogs go and take scrapes again
            try:
                assert "node_cpu_seconds_total" in get(url)
                break
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert server.workers <= MAX_CONNECTIONS
    name = f"metrics-client-{server.port}"
    deadline = time.monotonic() + 10  # closed: its workers end
    while any(t.name == name for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == name for t in threading.enumerate())

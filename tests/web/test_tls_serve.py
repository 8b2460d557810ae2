"""HTTPS as served: the made certificate's properties, and a live server's TLS versions, suites and headers."""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from core_app import make_app
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from hostward.web.tls import make_certificate, server_context


def test_made_certificate(tmp_path: Path) -> None:
    cert_path, key_path = tmp_path / "c.pem", tmp_path / "k.pem"
    make_certificate(cert_path, key_path)
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= dt.timedelta(days=365, minutes=5)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).critical
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest  # self-signed: it names its own key
    with pytest.raises(FileExistsError):  # never overwrites (nor follows a planted link)
        make_certificate(cert_path, key_path)


def test_key_not_written_through_a_planted_symlink(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    (tmp_path / "k.pem").symlink_to(target)
    with pytest.raises(FileExistsError):
        make_certificate(tmp_path / "c.pem", tmp_path / "k.pem")
    assert target.read_text() == "precious"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[int]:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    make_certificate(cert, key)
    port = _free_port()
    config = uvicorn.Config(
        make_app(tmp_path), host="127.0.0.1", port=port, server_header=False, log_level="error"
    )
    config.load()
    config.ssl = server_context(cert, key)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(5)


def _handshake(port: int, version: ssl.TLSVersion, ciphers: str | None = None) -> tuple[str, str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = context.maximum_version = version
    if ciphers:
        context.set_ciphers(ciphers)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, context.wrap_socket(raw) as tls:
        tls.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := tls.recv(65536):
            reply += chunk
        return str(tls.cipher()[0]), reply.decode("latin-1")


def test_live_tls_versions_suites_and_headers(live: int) -> None:
    suite, reply = _handshake(live, ssl.TLSVersion.TLSv1_2)
    assert suite.startswith("ECDHE-") and ("GCM" in suite or "CHACHA20" in suite)
    head = reply.split("\r\n\r\n", 1)[0].lower()
    assert "strict-transport-security" in head and "content-security-policy" in head
    assert "\r\nserver:" not in head
    _, reply13 = _handshake(live, ssl.TLSVersion.TLSv1_3)
    assert reply13.startswith("HTTP/1.1 200")
    with pytest.raises(ssl.SSLError):
        _handshake(live, ssl.TLSVersion.TLSv1_2, "AES128-SHA")  # no forward secrecy: refused
    with warnings.catch_warnings(), pytest.raises((ssl.SSLError, ConnectionResetError)):
        warnings.simplefilter("ignore", DeprecationWarning)  # asking for TLS 1.1 on purpose
        _handshake(live, ssl.TLSVersion.TLSv1_1, "ALL:@SECLEVEL=0")


def test_cli_user_add_and_audit_verify(tmp_path: Path) -> None:
    env = {**os.environ, "HOSTWARD_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")
    base = [sys.executable, "-m", "hostward", "web", "--data-dir", str(tmp_path)]
    added = subprocess.run(
        [*base, "user", "add", "ada", "--role", "admin", "--password-stdin"],
        input="correct horse battery\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    assert "secret:" in added.stdout and "Recovery codes" in added.stdout
    weak = subprocess.run(
        [*base, "user", "add", "bob", "--password-stdin"],
        input="password\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert weak.returncode == 2 and len(weak.stderr.strip().splitlines()) == 1
    listed = subprocess.run([*base, "user", "list"], capture_output=True, text=True, env=env, check=True)
    assert "ada" in listed.stdout and "TOTP" in listed.stdout
    verified = subprocess.run(
        [*base, "audit", "verify"], capture_output=True, text=True, env=env, check=False
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    mode = stat.S_IMODE(os.stat(tmp_path / "web").st_mode)
    assert mode == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "web" / "accounts.db").st_mode) == 0o600

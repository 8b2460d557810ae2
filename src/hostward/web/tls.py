"""HTTPS by default: a certificate made at first start, and a TLS context that offers only what Mozilla's
"intermediate" profile allows (TLS 1.2 and 1.3; ECDHE key exchange; AEAD ciphers).

The made certificate is ECDSA P-256, valid 365 days, with subjectAltNames for localhost, 127.0.0.1, ::1 and the
host's name, the extensions a server certificate should have, and its key written 0600 without following links.
An administrator's own certificate (``[web] tls_cert`` / ``tls_key``) is used as given.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hostward.errors import ConfigError

VALID_DAYS = 365
# TLS 1.2 suites of Mozilla's intermediate profile (TLS 1.3 suites are all forward-secret AEAD already).
TLS12_CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"


def _write_exclusive(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def make_certificate(cert_path: Path, key_path: Path, *, now: dt.datetime | None = None) -> None:
    """A new self-signed server certificate and key; refuses to overwrite existing files."""
    now = now or dt.datetime.now(dt.UTC)
    host = socket.gethostname()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"hostward on {host}"[:64])])
    alt_names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    if host and host != "localhost":
        alt_names.append(x509.DNSName(host))
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        # RFC 5280 4.2.1.1: verifiers that follow the CA/Browser profile (cryptography's, sslyze's) want it even
        # on a self-signed leaf; it names the signing key, here its own.
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_exclusive(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        0o600,
    )
    _write_exclusive(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def certificate_files(web_dir: Path, cert: str, key: str) -> tuple[Path, Path]:
    """The administrator's pair when configured, else ours in ``web_dir`` (made now if missing)."""
    if cert or key:
        if not (cert and key):
            raise ConfigError("[web] tls_cert and tls_key go together")
        return Path(cert), Path(key)
    cert_path, key_path = web_dir / "tls-cert.pem", web_dir / "tls-key.pem"
    if not (cert_path.exists() and key_path.exists()):
        for stale in (cert_path, key_path):
            stale.unlink(missing_ok=True)
        make_certificate(cert_path, key_path)
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    # Key exchange groups: OpenSSL's default also offers X448 and secp521r1, which Mozilla's intermediate profile
    # (X25519, prime256v1, secp384r1) leaves out. Python 3.11 sets exactly one group (SSL_CTX_set1_groups):
    # P-256, the group every TLS 1.3 client must implement (RFC 8446 9.1); a client that leads with an X25519
    # key share gets one HelloRetryRequest.
    context.set_ecdh_curve("prime256v1")
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_RENEGOTIATION
    try:
        context.load_cert_chain(cert_path, key_path)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load the TLS certificate {cert_path} / key {key_path}: {exc}") from exc
    return context

"""sslyze (the TLS scanner) against `hostward web serve` as served, checked against Mozilla's "intermediate"
profile: protocol versions, suites, key exchange groups, certificate key, lifetime and extensions. The made
certificate is self-signed, so sslyze is given it as the trust anchor, as a person who accepts it once does;
everything else is sslyze's own verdict (its exit status and its compliance line)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import unavailable
from tests.web.served import URL, web_serve

SSLYZE = Path(__file__).resolve().parents[2] / ".venv-sslyze" / "bin" / "sslyze"


def test_tls_is_mozilla_intermediate_compliant(tmp_path: Path) -> None:
    if not SSLYZE.exists():
        unavailable("sslyze's own environment is missing (scripts/setup --test makes .venv-sslyze)")
    with web_serve(tmp_path, tmp_path / "data") as served:
        address = served.wait_for(URL).removeprefix("https://").rstrip("/")
        report = tmp_path / "sslyze.json"
        result = subprocess.run(
            [
                str(SSLYZE),
                "--mozilla_config=intermediate",
                "--certinfo_ca_file",
                str(served.data_dir / "web" / "tls-cert.pem"),
                f"--json_out={report}",
                address,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    out = result.stdout
    assert f"{address}: OK - Compliant." in out, out[-3000:]
    assert result.returncode == 0, out[-3000:]
    scan = json.loads(report.read_text())["server_scan_results"][0]["scan_result"]
    # What compliance means here, seen in sslyze's own findings: no TLS 1.0/1.1 or older, TLS 1.3 offered.
    for old in (
        "ssl_2_0_cipher_suites",
        "ssl_3_0_cipher_suites",
        "tls_1_0_cipher_suites",
        "tls_1_1_cipher_suites",
    ):
        assert scan[old]["result"]["accepted_cipher_suites"] == []
    assert scan["tls_1_3_cipher_suites"]["result"]["accepted_cipher_suites"]
    curves = {c["name"] for c in scan["elliptic_curves"]["result"]["supported_curves"]}
    assert curves <= {"X25519", "secp256r1", "secp384r1"}

"""What the dashboard keeps resident in the daemon (issue 17: the daemon's RSS): the QR code library is loaded
when an enrolment page draws a code, not when the server is imported."""

from __future__ import annotations

from tests.conftest import modules_after


def test_importing_the_web_server_loads_no_qr_library() -> None:
    imported, _ = modules_after("import hostward.web.server", "")
    assert "hostward.web.setup_routes" in imported
    assert not any(m == "segno" or m.startswith("segno.") for m in imported)

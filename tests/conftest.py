"""Shared test helpers. In CI (CI=true) a missing peer or privilege fails the test instead of skipping it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

IN_CI = os.environ.get("CI") == "true"

# Tests do not time things: hypothesis' default 200 ms deadline per example (and its too_slow health check) is a
# timed assertion that a loaded 2-core machine fails with correct code. Off for every property test.
settings.register_profile("hostward", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hostward")
FIXTURES = Path(__file__).parent / "fixtures"


def unavailable(reason: str) -> None:
    """Skip on a developer machine that lacks something; fail in CI, where .ci/run must have installed it."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def require_binary(*names: str) -> dict[str, str]:
    """Absolute paths of the named programs (sadc, chronyd, ...), or skip/fail as above."""
    found: dict[str, str] = {}
    for name in names:
        path = shutil.which(name) or next(
            (str(p) for p in (Path("/usr/lib/sysstat") / name, Path("/usr/sbin") / name) if p.exists()), None
        )
        if path is None:
            unavailable(f"{name} is not installed")
            raise AssertionError("unreachable")
        found[name] = path
    return found


def require_root() -> None:
    if os.geteuid() != 0:
        unavailable("the test needs root")


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@contextlib.contextmanager
def timezone(name: str) -> Iterator[None]:
    """Run with TZ=name (local-time days, sar's clock column), restoring the caller's zone afterwards."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def utc() -> Iterator[None]:
    with timezone("UTC"):
        yield


@pytest.fixture(scope="module")
def utc_module() -> Iterator[None]:
    """Module-wide UTC, for hypothesis tests (which must not use function-scoped fixtures)."""
    with timezone("UTC"):
        yield


def modules_after(code: str, prefix: str) -> tuple[set[str], str]:
    """The hostward modules under ``prefix`` a fresh interpreter has imported after running ``code`` (what a
    command's start-up costs), and what ``code`` printed."""
    probe = (
        f"import sys, json\n{code}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefix!r}))), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "HOSTWARD_CONFIG": os.devnull},
        timeout=60,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1])), done.stdout


CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium, driven by playwright (never `playwright install`)
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run")


@contextlib.contextmanager
def launched_chromium(args: tuple[str, ...] | list[str] = CHROMIUM_ARGS) -> Iterator[Any]:
    """A headless chromium for a test module's ``browser`` fixture; unavailable (a failure in CI) without it."""
    if not CHROMIUM.exists():
        unavailable("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(args))
        yield launched
        launched.close()

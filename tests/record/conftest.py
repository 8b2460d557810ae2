from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent.parent / "src"


def hostward(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    """Start `hostward ARGS` with this interpreter and this source tree."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "HOSTWARD_CONFIG": os.devnull}
    return subprocess.Popen(
        [sys.executable, "-m", "hostward", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def wait_for(condition: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def sleeping_child(*args: str) -> subprocess.Popen[bytes]:
    """A Python child that has finished starting (its memory no longer moves) and sleeps a minute; ``args``
    follow its code on the command line."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(60)", *args],
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    child.stdout.close()
    return child

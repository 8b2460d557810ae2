"""Log commands (dmesg, journalctl) are read as a stream: bounded in bytes and in time, never all in memory."""

from __future__ import annotations

import sys

import pytest

from hostward.errors import CollectError, InputTooLarge
from hostward.oom.kernlog import sources


def test_an_endless_command_is_cut_at_the_limit() -> None:
    endless = [sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 1000 + '\\n')"]
    with pytest.raises(InputTooLarge, match="more than 1 MiB"):
        for _ in sources.command_lines(endless, limit=1 << 20):
            pass


def test_a_silent_command_is_killed_at_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "COMMAND_TIMEOUT_SECONDS", 0.5)
    with pytest.raises(CollectError, match=r"did not finish within 0\.5 s"):
        list(sources.command_lines([sys.executable, "-c", "import time; time.sleep(30)"]))


def test_lines_and_failures_of_a_real_command() -> None:
    assert list(sources.command_lines(["printf", "a\\nb\\n"])) == ["a\n", "b\n"]
    with pytest.raises(CollectError, match=r"failed: .*No such file"):
        list(sources.command_lines(["ls", "/nonexistent-hostward-path"]))
    with pytest.raises(CollectError, match="is not installed"):
        list(sources.command_lines(["hostward-no-such-command"]))

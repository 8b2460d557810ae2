"""The shipped alert rules: valid for promtool, and each alert fires on its series and stays silent otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import FIXTURES, require_binary

RULES = Path(__file__).parents[2] / "packaging" / "prometheus" / "hostward-rules.yml"


def test_promtool_check_rules() -> None:
    promtool = require_binary("promtool")["promtool"]
    result = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 8 rules found" in result.stdout


def test_promtool_test_rules() -> None:
    promtool = require_binary("promtool")["promtool"]
    tests = FIXTURES / "prometheus" / "hostward-rules.test.yml"
    result = subprocess.run(
        [promtool, "test", "rules", tests.name], cwd=tests.parent, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout

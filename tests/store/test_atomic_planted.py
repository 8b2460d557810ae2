"""hostward.atomic against a planted symlink: the temporary name is unpredictable and created exclusively."""

from __future__ import annotations

import os
from pathlib import Path

from hostward.atomic import replacing


def test_planted_symlink_at_old_predictable_name_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    target = tmp_path / "data.json"
    (tmp_path / f".data.json.{os.getpid()}.tmp").symlink_to(victim)
    with replacing(target) as tmp:
        assert not tmp.is_symlink()
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert victim.read_text() == "untouched"
    assert (target.stat().st_mode & 0o777) == 0o640

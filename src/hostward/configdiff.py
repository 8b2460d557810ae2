"""What changed between two configurations, key by key, for the daemon's reload log."""

from __future__ import annotations

import dataclasses
from typing import Any

from hostward.config import Config

_SHOWN = 60  # characters of a value in the log


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def changed_sections(old: Config, new: Config) -> dict[str, list[str]]:
    """{section: ["key old -> new", ...]} for every section whose values differ."""
    changes: dict[str, list[str]] = {}
    for section in dataclasses.fields(Config):
        before, after = getattr(old, section.name), getattr(new, section.name)
        if before == after or not dataclasses.is_dataclass(before):
            continue
        changes[section.name] = [
            f"{key.name} {_short(getattr(before, key.name))} -> {_short(getattr(after, key.name))}"
            for key in dataclasses.fields(before)
            if getattr(before, key.name) != getattr(after, key.name)
        ]
    return changes

"""The activity recorder: samples at an interval into daily data files (sadc's job)."""

# Names resolve on first use (PEP 562), so importing one light submodule (a package's __init__ runs first)
# does not import every submodule: start-up of commands that need one part stays cheap.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostward.recorder.loop import Recorder, RecordSummary, append_comment

_LAZY = {
    "RecordSummary": "hostward.recorder.loop",
    "Recorder": "hostward.recorder.loop",
    "append_comment": "hostward.recorder.loop",
}

__all__ = ["RecordSummary", "Recorder", "append_comment"]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

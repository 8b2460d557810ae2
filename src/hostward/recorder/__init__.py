"""The activity recorder: samples at an interval into daily data files (sadc's job)."""

# Names resolve on first use (PEP 562), so importing one light submodule (a package's __init__ runs first)
# does not import every submodule: start-up of commands that need one part stays cheap.
from __future__ import annotations

from hostward.lazy import lazy_getattr

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)

if TYPE_CHECKING:
    from hostward.recorder.loop import Recorder, RecordSummary, append_comment

_LAZY = {
    "RecordSummary": "hostward.recorder.loop",
    "Recorder": "hostward.recorder.loop",
    "append_comment": "hostward.recorder.loop",
}

__all__ = ["RecordSummary", "Recorder", "append_comment"]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())

"""The activity recorder: samples at an interval into daily data files (sadc's job)."""

from hostward.recorder.loop import Recorder, RecordSummary, append_comment

__all__ = ["RecordSummary", "Recorder", "append_comment"]

"""A name a user chose (a FUSE mount point, a device name) is shown as inert text: control characters in a
report's item column are escaped in sar's text, with colours, and in sadf -d/-p; ordinary names are unchanged."""

from __future__ import annotations

from hostward import activities
from hostward.activities.base import Row
from hostward.report.formatting import ReportFormat
from hostward.report.sar_text import Layout
from hostward.report.selection import Selected
from hostward.safetext import safe_name

HOSTILE = "/mnt/\x1b]0;owned\x07x"


def test_safe_name_escapes_controls_and_keeps_plain_names() -> None:
    assert safe_name(HOSTILE) == "/mnt/\\e]0;owned\\x07x"
    assert safe_name("/dev/vda1") == "/dev/vda1"


def test_item_column_of_sar_text_is_escaped() -> None:
    for name in ("filesystems", "filesystems_mount", "disk"):
        activity = activities.get(name)
        layout = Layout(Selected(activity), ReportFormat(), pretty=True)
        row = Row(HOSTILE, tuple(0.0 for _ in activity.columns))
        text = layout.rows("12:00:00", (row,))
        assert "\x1b" not in text and "\x07" not in text and "\\e]0;owned" in text, name

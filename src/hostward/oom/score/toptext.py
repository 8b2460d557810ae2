"""Plain-text table for `hostward oom top`: aligned columns, every string escaped, cheap enough to refresh often."""

from __future__ import annotations

import os
from collections.abc import Sequence

from hostward.oom.kernlog.sanitize import safe_text
from hostward.oom.score.top import Eligibility, OomSnapshot, RankedProcess
from hostward.oom.sizes import human_kb

_COLUMNS = ("PID", "USER", "BADNESS", "SCORE", "CALC", "ADJ", "RSS", "SWAP", "PGTBL", "SHARE", "STATUS")
_LEFT = {"USER", "STATUS"}


def _cells(p: RankedProcess) -> list[str]:
    i = p.info
    state = "" if p.eligibility is Eligibility.KILLABLE else p.eligibility.value
    if p.matches_kernel is False:
        state = (state + " MISMATCH").strip()
    return [
        str(i.pid),
        safe_text(i.user, 12),
        "-" if p.badness.points is None else str(p.badness.points),
        "?" if i.oom_score is None else str(i.oom_score),
        str(p.computed_score),
        str(i.oom_score_adj),
        human_kb(i.rss_bytes / 1024),
        human_kb(i.swap_bytes / 1024),
        human_kb(i.pgtables_bytes / 1024),
        f"{p.share_of_memory:.1%}",
        state,
    ]


def format_top(snapshot: OomSnapshot, rows: Sequence[RankedProcess], width: int | None = None) -> list[str]:
    """Title, header and one line per process; the command is cut to ``width`` columns when given."""
    victim = snapshot.victim
    lines = [
        f"OOM ranking — kernel {safe_text(snapshot.kernel_release)} ({snapshot.era.value}); RAM+swap "
        f"{snapshot.totals.totalpages} pages; next victim: "
        + (f"{victim.info.pid} {safe_text(victim.info.comm)}" if victim else "none")
        # On a quiet host the Python process doing the ranking is often the biggest: say so, it is not a culprit.
        + (" (this hostward process itself)" if victim and victim.info.pid == os.getpid() else "")
    ]
    if snapshot.unreadable:
        lines.append(f"({len(snapshot.unreadable)} processes could not be read and are not ranked)")
    table = [list(_COLUMNS)] + [_cells(p) for p in rows]
    widths = [max(len(row[c]) for row in table) for c in range(len(_COLUMNS))]
    commands = ["COMMAND"] + [safe_text(p.info.command) for p in rows]
    for row, command in zip(table, commands, strict=True):
        cells = [
            cell.ljust(w) if name in _LEFT else cell.rjust(w)
            for cell, w, name in zip(row, widths, _COLUMNS, strict=True)
        ]
        line = "  ".join(cells) + "  "
        room = None if width is None else max(width - len(line), 10)
        lines.append(line + (command if room is None or len(command) <= room else command[: room - 1] + "…"))
    return lines

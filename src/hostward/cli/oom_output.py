"""Output shared by the ``hostward oom`` subcommands: a rich console that stays plain in pipes, and JSON lines."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import Any

    from rich.console import Console


def make_console() -> Console:
    from rich.console import Console  # noqa: PLC0415

    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:  # pipes and files: no wrapping at 80 columns, no colour
        console = Console(highlight=False, soft_wrap=False, width=240, no_color=True)
    return console


def emit_json(data: Any) -> None:
    import json  # noqa: PLC0415  (only the --json forms pay for it)

    sys.stdout.write(json.dumps(data, sort_keys=False) + "\n")
    sys.stdout.flush()

"""Progress on long work (full-day plots, large imports): a bar on a terminal, nothing when stderr is not one,
so scripts and pipes see only the result."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[], None]]:
    """Yields ``tick()``, to call once per unit of work done; the bar disappears when the work ends."""
    if not sys.stderr.isatty() or total < 2:
        yield lambda: None
        return
    # Imported here: rich costs start-up, and only a terminal ever sees the bar.
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn  # noqa: PLC0415

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)

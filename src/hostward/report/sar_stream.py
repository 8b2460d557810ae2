"""``sar -f`` over a recording read as a stream: one pass, every activity in step, the same bytes as
``sar_text.render_file`` on the whole day.

sar reads a restart segment once per activity (seeking back in the file); a stream cannot seek, so each
activity's block (engine.Block) is fed the same entries in one pass. The first activity's text is written as it
comes; the others' text of the segment waits in a spooled file (memory up to a bound, then a temporary file),
written after it in activity order when the segment ends: what sar prints, and memory that does not grow with
the day's length (issue 17).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from hostward.collect.host import HostInfo
from hostward.collect.sample import SystemSample
from hostward.report.engine import Block, BlockEvent, Rows, TimeOfDayFn, in_window, local_tod
from hostward.report.formatting import ReportFormat
from hostward.report.sar_text import Layout, banner, events_text, special_line
from hostward.report.selection import ReportOptions
from hostward.store.model import CommentMark, Entry, RestartMark

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a report's start-up, issue 17)
if TYPE_CHECKING:
    from typing import IO

SPOOL_BYTES = 64 << 10  # a waiting activity's text kept in memory up to this, then in a temporary file
_PIECES = 512  # pieces of text gathered before they are written to their spool in one go


def render_stream(
    host: HostInfo,
    entries: Iterable[Entry],
    opts: ReportOptions,
    fmt: ReportFormat,
    tod: TimeOfDayFn = local_tod,
) -> Iterator[str]:
    """The report ``sar <flags> -f FILE`` prints, from entries read once in recording order (the sample before
    the first one, if reported, first)."""
    stream = iter(entries)
    first = next(stream, None)
    yield banner(host, first.timestamp if first is not None else 0.0, fmt)
    if first is None:
        return
    # Every report prints the same sample's time in turn; one report prints each once (no use remembering).
    clock = _recent(fmt.clock) if len(opts.reports) > 1 else fmt.clock
    leading: list[RestartMark | CommentMark] = []
    segment: _Segment | None = None
    for entry in _chain(first, stream):
        if segment is None:  # looking for the next segment's reference (engine.segments)
            if isinstance(entry, RestartMark | CommentMark):
                leading.append(entry)
            elif in_window(tod(entry.timestamp), opts.start, opts.end, end_inclusive=False):
                for mark in leading:
                    yield special_line(mark, opts, fmt, tod)
                leading = []
                segment = _Segment(entry, opts, fmt, tod, clock)
        elif isinstance(entry, RestartMark):
            yield from segment.end()
            yield special_line(entry, opts, fmt, tod)
            segment = None
        else:
            text = segment.feed(entry)
            if text:
                yield text
    if segment is None:
        for mark in leading:
            yield special_line(mark, opts, fmt, tod)
    else:
        yield from segment.end()


def _chain(first: Entry, rest: Iterator[Entry]) -> Iterator[Entry]:
    yield first
    yield from rest


class _Segment:
    """Every activity's block over one segment; the first one's text is returned as it comes."""

    def __init__(
        self,
        reference: SystemSample,
        opts: ReportOptions,
        fmt: ReportFormat,
        tod: TimeOfDayFn,
        clock: Callable[[float], str],
    ) -> None:
        self.fmt = fmt
        self.clock = clock
        # The Layout prints only the view's columns of the rows: what Block computes with view_only.
        self.blocks = [
            (Block(reference, s, opts, tod, view_only=True), Layout(s, fmt, opts.pretty))
            for s in opts.reports
        ]
        self.waiting: list[IO[str]] = []
        if len(self.blocks) > 1:
            # Imported here: a single report (sar -u) waits for nothing, and tempfile is ~6 ms of start-up.
            import tempfile  # noqa: PLC0415

            self.waiting = [
                tempfile.SpooledTemporaryFile(  # noqa: SIM115  (closed in end(), when its text is written)
                    SPOOL_BYTES, mode="w+", encoding="utf-8", errors="surrogatepass"
                )
                for _ in self.blocks[1:]
            ]
        self.pieces: list[list[str]] = [[] for _ in self.blocks[1:]]  # text not yet in its spool
        # The comments after the last block's count or -e, printed after it (Block.tail).
        self.tail: list[BlockEvent] = []

    def feed(self, entry: SystemSample | CommentMark) -> str:
        blocks = self.blocks
        if not blocks:
            return ""
        if type(entry) is CommentMark and (comment := blocks[-1][0].tail(entry)) is not None:
            self.tail.append(comment)
        state, layout = blocks[0]
        text = self._text(state.feed(entry), layout)
        if not self.pieces:  # one report (sar -u): nothing waits
            return text
        for (state, layout), pieces in zip(blocks[1:], self.pieces, strict=True):
            events = state.feed(entry)
            if events:
                pieces.append(self._text(events, layout))
                if len(pieces) >= _PIECES:
                    self._spill()
        return text

    def _spill(self) -> None:
        for spool, pieces in zip(self.waiting, self.pieces, strict=True):
            spool.write("".join(pieces))
            pieces.clear()

    def end(self) -> Iterator[str]:
        blocks = self.blocks
        if not blocks:
            return
        yield self._text(blocks[0][0].end(), blocks[0][1])
        self._spill()
        for (state, layout), spool in zip(blocks[1:], self.waiting, strict=True):
            with spool:
                spool.seek(0)
                while piece := spool.read(SPOOL_BYTES):
                    yield piece
                yield self._text(state.end(), layout)
        yield self._text(tuple(self.tail), blocks[-1][1])

    def _text(self, events: tuple[BlockEvent, ...], layout: Layout) -> str:
        if not events:
            return ""
        if len(events) == 1 and type(events[0]) is Rows:  # a sample's rows alone: most of a report
            return layout.rows(self.clock(events[0].span.curr.timestamp), events[0].rows)
        return "".join(events_text(events, layout, self.fmt, self.clock))


def _recent(clock: Callable[[float], str]) -> Callable[[float], str]:
    """A clock remembering the last few timestamps: every activity prints the same sample's time in turn."""
    cache: dict[float, str] = {}

    def cached(timestamp: float) -> str:
        text = cache.get(timestamp)
        if text is None:
            if len(cache) >= 8:
                cache.clear()
            text = cache[timestamp] = clock(timestamp)
        return text

    return cached

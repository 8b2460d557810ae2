"""The audit log's lines one at a time: forwards from the start (``audit verify``), or backwards from the end in
blocks (the dashboard's newest entries). The log grows with every audited action; neither holds more of it than
a block and the line being read.

Both give exactly the lines the log's whole text gave, read as it once was: decoded as UTF-8 with replacement,
then ``str.splitlines()``. That splits at ``\\r``, ``\\x85``, U+2028 and the like too, which a written entry never
holds (its JSON escapes them) but an edited file may: a newline-ended piece is decoded and split again the same
way. Both agree piece by piece with the whole because ``\\n`` ends a line whatever comes before or after it (only
``\\r\\n`` is one break of two characters) and is ASCII: no UTF-8 sequence, valid or cut, spans it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of audit verify's start-up)
if TYPE_CHECKING:
    from typing import BinaryIO

BLOCK_BYTES = 65536


def _lines(piece: bytes) -> list[str]:
    """The lines of one piece of the file up to and with its newline (the file's last piece may have none)."""
    return piece.decode("utf-8", errors="replace").splitlines()


def forwards(handle: BinaryIO) -> Iterator[str]:
    """The lines from the first on, reading one newline-ended piece at a time."""
    for piece in handle:
        yield from _lines(piece)


def backwards(handle: BinaryIO, block: int = BLOCK_BYTES) -> Iterator[str]:
    """The lines from the last back to the first, reading ``block`` bytes at a time from the end."""
    position = handle.seek(0, os.SEEK_END)
    partial = b""  # the start of the file's piece we are in: it may begin in a block not yet read
    ending = b""  # what ends the next piece given: nothing for the file's last, a newline for every other
    while position > 0:
        start = max(0, position - block)
        handle.seek(start)
        pieces = (handle.read(position - start) + partial).split(b"\n")
        position = start
        partial = pieces[0]
        for piece in reversed(pieces[1:]):
            yield from reversed(_lines(piece + ending))
            ending = b"\n"
    yield from reversed(_lines(partial + ending))

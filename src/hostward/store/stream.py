"""A data file read a piece at a time, so that a report holds one piece of the file, not the day.

A day recorded every second is ~40 MB of frames (more once xz'd files are decompressed): reading it whole before
decoding made a report's memory grow with the day's length (issue 17). ``chunks`` yields the file's bytes in
pieces of ``CHUNK`` (an ``.xz`` file decompressed as it is read, every stream of it, as ``xz -d``), at most
``DATA_FILE_LIMIT`` bytes in all, as ``bounded`` allows for a whole file; ``FrameReader`` cuts them into frames
with the offsets a whole-file read reports; ``Scan`` decodes them into entries, yielded as they are read.
"""

from __future__ import annotations

import os
import stat
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from hostward.bounded import DATA_FILE_LIMIT, too_large
from hostward.collect.sample import SystemSample
from hostward.errors import StoreError
from hostward.frozen import replace
from hostward.store import framing as fr
from hostward.store.codec import (
    F_CARRIED,
    F_PROCS,
    SampleDecoder,
    decode_header,
    decode_restart,
    decode_stamp_text,
)
from hostward.store.model import CommentMark, Entry, RestartMark

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a report's start-up, issue 17)
if TYPE_CHECKING:
    from typing import BinaryIO

CHUNK = 1 << 20
XZ_MAGIC = b"\xfd7zXZ\x00"
_WHAT = "a hostward data file"


def chunks(path: Path, limit: int = DATA_FILE_LIMIT) -> Iterator[bytes]:
    """The bytes of the data file ``path``, plain or xz-compressed, in pieces. StoreError when it cannot be
    read, is corrupt xz or holds more than ``limit`` bytes (InputTooLarge, a StoreError too)."""
    try:
        handle = open(path, "rb")  # noqa: SIM115  (closed by the generator, which may stop early)
    except FileNotFoundError as exc:
        raise StoreError(f"{path}: no such data file") from exc
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        try:
            info = os.fstat(handle.fileno())
            if info.st_size > limit:  # a regular file's size is known: refused at once
                raise too_large(str(path), limit, _WHAT)
            # A device or a pipe (/dev/zero) is read up to the limit first, as bounded.read_at_most does, so
            # that an endless one is refused for its size before anything is reported.
            first = handle.read(CHUNK if stat.S_ISREG(info.st_mode) else limit + 1)
            if len(first) > limit:
                raise too_large(str(path), limit, _WHAT)
            if first.startswith(XZ_MAGIC):
                yield from _xz(handle, first, path, limit)
                return
            total = 0
            piece = first
            while piece:
                total += len(piece)
                if total > limit:
                    raise too_large(str(path), limit, _WHAT)
                yield piece
                piece = handle.read(CHUNK)
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror}") from exc


def _xz(handle: BinaryIO, first: bytes, path: Path, limit: int) -> Iterator[bytes]:
    """bounded.xz_decompress a piece at a time: streams one after another, NUL padding between them."""
    import lzma  # noqa: PLC0415  (only for xz files: ~1.5 ms of start-up)

    compressed = first
    read = len(first)
    total = 0
    decomp = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    try:
        while True:
            if decomp.eof:
                rest = decomp.unused_data.lstrip(b"\0")
                while not rest:
                    more = handle.read(CHUNK)
                    if not more:
                        return
                    read += len(more)
                    if read > limit:
                        raise too_large(str(path), limit, _WHAT)
                    rest = more.lstrip(b"\0")
                decomp = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
                compressed = rest
            elif decomp.needs_input and not compressed:
                compressed = handle.read(CHUNK)
                read += len(compressed)
                if read > limit:
                    raise too_large(str(path), limit, _WHAT)
                if not compressed:
                    raise lzma.LZMAError(f"xz stream truncated at compressed offset {read}")
            piece = decomp.decompress(compressed, max_length=CHUNK)
            compressed = b""
            total += len(piece)
            if total > limit:
                raise too_large(str(path), limit, _WHAT + " (decompressed)")
            if piece:
                yield piece
    except lzma.LZMAError as exc:
        raise StoreError(f"{path}: corrupt xz compression ({exc})") from exc


class FrameReader:
    """Frames from pieces of a file, with their offsets in the whole file."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._buf = b""
        self._pos = 0  # next frame's index in _buf
        self._base = 0  # offset of _buf[0] in the file
        self._ended = False

    @property
    def offset(self) -> int:
        """Offset in the file of the next frame."""
        return self._base + self._pos

    def take(self, size: int) -> bytes:
        """The next ``size`` bytes (fewer at the end of the file), consumed."""
        while len(self._buf) - self._pos < size and self._more():
            pass
        out = self._buf[self._pos : self._pos + size]
        self._pos += len(out)
        return out

    def at_end(self) -> bool:
        return self._pos >= len(self._buf) and not self._more()

    def next_frame(self) -> tuple[int, memoryview]:
        """The frame at ``offset`` -> (type, payload), consumed. Truncated only where the file ends inside it;
        Corrupt as framing.next_frame."""
        while True:
            try:
                ftype, payload, stop = fr.next_frame(self._buf, self._pos)
            except fr.Truncated:
                if self._more():
                    continue
                raise
            self._pos = stop
            return ftype, payload

    def rest(self, offset: int) -> bytes:
        """Everything from ``offset`` (the start of the last frame read, or later) to the end of the file: the
        damage path, which looks at what follows a bad frame. Reading goes on from the end of the file."""
        if not self._base <= offset <= self._base + len(self._buf):
            raise ValueError(f"offset {offset} is no longer held")
        self._pos = offset - self._base
        while self._more():
            pass
        return self._buf[self._pos :]

    def _more(self) -> bool:
        """Append the next piece, dropping what was consumed. False at the end of the file."""
        if self._ended:
            return False
        piece = next(self._pieces, b"")
        if not piece:
            self._ended = True
            return False
        self._base += self._pos
        self._buf = self._buf[self._pos :] + piece
        self._pos = 0
        return True


_DECODE_ERRORS = (
    fr.Corrupt,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    OverflowError,
    struct.error,
    zlib.error,
)


class Scan:
    """One pass over the frames of a data file, yielding its entries in recording order as they are decoded
    (iterate once). What a whole read returns beside the entries is set as the pass goes: ``header`` at
    once, ``previous`` (the carried sample) before the first entry is yielded, and at the end
    ``valid_size``, ``truncated`` and ``damaged``. Errors as ``scan``'s; with ``salvage``, damage ends the
    entries and is said in ``damaged``."""

    def __init__(
        self,
        frames: FrameReader,
        name: str,
        *,
        salvage: bool = False,
        processes: bool = True,
        parts: frozenset[str] | None = None,
    ) -> None:
        self.name = name
        self._frames = frames
        self._salvage = salvage
        fr.check_prefix(frames.take(fr.PREFIX_SIZE), name)
        offset = frames.offset
        try:
            ftype, payload = frames.next_frame()
            if ftype != fr.T_HEADER:
                raise fr.Corrupt(f"first frame has type {ftype}, expected a header")
            self.header = decode_header(payload)
        except fr.Truncated as exc:
            raise StoreError(f"{name}: truncated data file at offset {offset}: {exc}") from exc
        except _DECODE_ERRORS as exc:
            raise StoreError(f"{name}: corrupt file header at offset {offset}: {exc}") from exc
        self._decoder = SampleDecoder(self.header.schema, parts)
        self._procs = None
        if processes:
            # Imported here: reports never decode the top processes, and the codec with the process collector
            # behind it is ~6 ms of start-up (issue 17).
            from hostward.store.procs_codec import ProcsDecoder  # noqa: PLC0415

            self._procs = ProcsDecoder()
        self.previous: SystemSample | None = None
        self.valid_size = frames.offset  # offset just past the last complete frame
        self.truncated: str | None = None  # why the tail was ignored, when it was
        self.damaged: str | None = None  # salvage: why the entries stop before the end of the file

    def __iter__(self) -> Iterator[Entry]:
        frames, name, decoder, procs = self._frames, self.name, self._decoder, self._procs
        last_sample: str | None = None  # where the sample a T_PROCS frame belongs to went
        awaiting_procs = False  # that sample announced a T_PROCS frame (written in the same write)
        pending: SystemSample | None = None  # an entry held until its T_PROCS frame is read
        any_entry = False
        offset = sample_start = frames.offset
        while not frames.at_end():
            offset = frames.offset
            try:
                ftype, payload = frames.next_frame()
                if awaiting_procs and ftype != fr.T_PROCS:
                    raise fr.Corrupt("a sample's process frame is missing")
                if ftype == fr.T_SAMPLE:
                    sample_start = offset
                    sample, flags = decoder.sample(payload)
                    carried = bool(flags & F_CARRIED)
                    awaiting_procs = bool(flags & F_PROCS)
                    last_sample = None
                    if not carried:
                        any_entry = True
                        last_sample = "entry"
                        if awaiting_procs:
                            pending = sample
                        else:
                            yield sample
                    elif not any_entry:
                        self.previous = sample
                        last_sample = "previous"
                elif ftype == fr.T_PROCS:
                    if last_sample is None or (last_sample == "previous" and self.previous is None):
                        raise fr.Corrupt("process frame without its sample")
                    top = procs.decode(payload) if procs is not None else None
                    if last_sample == "entry" and pending is not None:
                        entry = pending if top is None else replace(pending, top_processes=top)
                        pending = None
                        yield entry
                    elif top is not None and self.previous is not None:
                        self.previous = replace(self.previous, top_processes=top)
                    last_sample = None
                    awaiting_procs = False
                elif ftype == fr.T_SHAPE:
                    decoder.shape(payload)
                    last_sample = None
                elif ftype == fr.T_RESTART:
                    stamp, uptime, host = decode_restart(payload)
                    any_entry = True
                    last_sample = None
                    yield RestartMark(stamp, uptime, host)
                elif ftype == fr.T_COMMENT:
                    stamp, text = decode_stamp_text(payload)
                    any_entry = True
                    last_sample = None
                    yield CommentMark(stamp, text)
                elif ftype & fr.OPTIONAL:
                    pass  # an optional frame of a later version
                else:
                    raise fr.Corrupt(f"unknown frame type {ftype} (written by a newer hostward?)")
            except fr.Truncated as exc:
                rest = frames.rest(offset)
                if _frame_follows(rest):
                    # A complete frame further on: this is not an interrupted append but a damaged length.
                    if self._salvage:
                        self.damaged = f"{name}: corrupt data at offset {offset}: {exc}"
                        break
                    raise StoreError(f"{name}: corrupt data at offset {offset}: {exc}") from exc
                self.truncated = f"incomplete last frame at offset {offset} ({len(rest)} bytes): {exc}"
                break
            except _DECODE_ERRORS as exc:
                rest = frames.rest(offset)
                if _is_zero_tail(rest):
                    self.truncated = f"zero-filled tail at offset {offset} ({len(rest)} bytes)"
                    break
                if self._salvage:
                    # Like sar on a damaged sa file: keep what was read before the damage, and say where it is.
                    self.damaged = f"{name}: corrupt data at offset {offset}: {exc}"
                    break
                raise StoreError(f"{name}: corrupt data at offset {offset}: {exc}") from exc
            offset = frames.offset
        if awaiting_procs and self.damaged is None:
            # The write of the last sample was cut between its two frames: it is the sample in flight, dropped
            # whole (the writer cuts the file back to ``valid_size`` before appending).
            size = offset + len(frames.rest(offset))
            self.truncated = f"incomplete last sample at offset {sample_start} ({size - sample_start} bytes)"
            offset = sample_start
            if last_sample != "entry":
                self.previous = None
        # A sample whose process frame is what was damaged is not whole: ``pending`` is dropped with it.
        self.valid_size = offset


def _is_zero_tail(data: bytes) -> bool:
    """A crash after the file grew but before its blocks were written leaves zeros (ext4 delayed allocation)."""
    return not data.strip(b"\0")


def _frame_follows(data: bytes) -> bool:
    """Whether a valid (CRC-checked) frame starts anywhere after the start of ``data``. Only called on the error
    path, where the rest of the file is normally at most one torn frame."""
    for start in range(1, len(data) - fr.FRAME_OVERHEAD + 1):
        try:
            fr.next_frame(data, start)
        except (fr.Corrupt, fr.Truncated):
            continue
        return True
    return False

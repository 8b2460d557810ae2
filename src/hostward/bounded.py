"""Reading input of unknown size with a limit per kind of input, so memory stays bounded.

A path given on the command line may be ``/dev/zero``, a FIFO fed forever, or a small xz "bomb" (61 KB of xz
holding hundreds of MiB of zeros). Every reader of outside input reads at most its kind's limit (plus one byte
to notice the excess) and refuses the rest with one line; decompressed sizes count, not compressed ones. The
limits, and why they are what they are, are listed in docs/security.md ("Bounded input").
"""

from __future__ import annotations

from pathlib import Path

from hostward.errors import InputTooLarge

MIB = 1 << 20
GIB = 1 << 30
DATA_FILE_LIMIT = 256 * MIB  # one hostward day file: a day at 1 s with top processes is ~30-60 MiB
IMPORT_LIMIT = 512 * MIB  # one sysstat sa file or sar/sadf text: a day at 1 s of a large host fits
# One kernel log (file, pipe or gzip, decompressed). Streamed line by line, so this bounds time, not memory:
# several GiB of a noisy kern.log still go through (tests/oom/test_bad_input.py streams 1 GiB).
KERNEL_LOG_LIMIT = 4 * GIB
CONFIG_LIMIT = 1 * MIB  # a configuration file (the example is ~10 KiB)
XZ_MAGIC = b"\xfd7zXZ\x00"


def describe(limit: int) -> str:
    if limit % GIB == 0:
        return f"{limit // GIB} GiB"
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit} bytes"


def too_large(name: str, limit: int, what: str) -> InputTooLarge:
    return InputTooLarge(f"{name}: more than {describe(limit)}, the limit for {what}; refused")


def read_at_most(path: Path, limit: int, what: str) -> bytes:
    """The whole of ``path`` if it holds at most ``limit`` bytes; InputTooLarge otherwise (having read no more
    than ``limit + 1``). OSError is the caller's to translate."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise too_large(str(path), limit, what)
    return data


def xz_decompress(data: bytes, limit: int, name: str, what: str) -> bytes:
    """Every stream of an xz file (``cat a.xz b.xz`` is one valid file, as for ``xz -d``), at most ``limit``
    bytes of output in all. InputTooLarge past it; lzma.LZMAError for damaged or truncated data."""
    import lzma  # noqa: PLC0415  (only xz input needs it: not in the start-up of every report)

    pieces: list[bytes] = []
    total = 0
    rest = data
    while True:
        decomp = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        piece = decomp.decompress(rest, max_length=limit + 1 - total)
        total += len(piece)
        if total > limit:
            raise too_large(name, limit, what + " (decompressed)")
        pieces.append(piece)
        if not decomp.eof:
            raise lzma.LZMAError(f"xz stream truncated at compressed offset {len(data)}")
        rest = decomp.unused_data.lstrip(b"\0")  # stream padding between streams is NUL bytes
        if not rest:
            return b"".join(pieces)

"""Import of sysstat history into the store: detects what a file is, parses every file completely, then
writes. A file that cannot be read raises ParseError/StoreError naming it (and the line or offset) before
anything of the batch is written, so an import either stores everything or nothing new.

* sa binary files -> raw samples in the ordinary day files (``hwYYYYMMDD``): ``hostward sar`` is exact;
* ``sar`` text and ``sadf -d`` CSV -> imported rows (``imported/imYYYYMMDD.jsonl``), rendered by render.py.
"""

from __future__ import annotations

from pathlib import Path

from hostward.bounded import IMPORT_LIMIT, XZ_MAGIC, read_at_most
from hostward.errors import ParseError, StoreError
from hostward.frozen import frozen
from hostward.store.sysstat.sa_format import looks_like_sa
from hostward.store.sysstat.sa_import import SaContent, SadfRunner, read_sa_bytes, run_sadf

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import datetime as dt

    from hostward.store.sysstat.sar_text import ParsedReport

    Parsed = tuple[Path, str, SaContent | ParsedReport]

# The text parsers (sar text, sadf -d CSV), the store's writing side and lzma are imported where they are used:
# reading a binary sa file (plot -f saDD, sar -f saDD) needs none of them (~15 ms of start-up).
MAX_TEXT_BYTES = IMPORT_LIMIT


@frozen
class FileImport:
    """What one input file brought."""

    path: Path
    kind: str  # "sa", "sar-text", "sadf-csv"
    added: int  # samples (sa) or rows (text) newly stored
    already: int  # samples or rows that were stored before (idempotent re-import)
    days: tuple[dt.date, ...]
    skipped: tuple[str, ...]  # activities / reports / columns kept or dropped, each note saying which and why
    detail: str  # e.g. "sysstat 12.6.1, 5 records" or "1234 rows"
    damage: str = ""  # the file is damaged here: what precedes was imported, nothing after


def _read(path: Path) -> bytes:
    try:
        data = read_at_most(path, IMPORT_LIMIT, "a sysstat file")
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    if data.startswith(XZ_MAGIC):  # sysstat's COMPRESSAFTER leaves saDD.xz files
        import lzma  # noqa: PLC0415

        from hostward.bounded import xz_decompress  # noqa: PLC0415

        try:
            data = xz_decompress(data, IMPORT_LIMIT, str(path), "a sysstat file")
        except lzma.LZMAError as exc:
            raise StoreError(f"{path}: corrupt xz compression ({exc})") from exc
    return data


def _decode_text(data: bytes, path: Path) -> str:
    if len(data) > MAX_TEXT_BYTES:
        raise ParseError(f"{path}: too large for a text report ({len(data)} bytes)")
    nul = data.find(b"\0", 0, 4096)
    if nul >= 0:
        raise ParseError(f"{path}: binary data that is not a sysstat file (NUL byte at offset {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # sar of a legacy 8-bit locale


def parse_input(
    path: Path,
    *,
    sadf: SadfRunner | None = run_sadf,
    day_first: bool | None = None,
    parts: frozenset[str] | None = None,
) -> Parsed:
    """Read and fully parse one input file (no store access). ``parts``: of an sa file, decode only these
    SystemSample fields (decode_sa); text is parsed whole."""
    data = _read(path)
    if looks_like_sa(data):
        return path, "sa", read_sa_bytes(data, str(path), sadf=sadf, path=path, parts=parts)
    from hostward.store.sysstat.sadf_csv import looks_like_sadf, parse_sadf_csv  # noqa: PLC0415
    from hostward.store.sysstat.sar_text import parse_sar_text  # noqa: PLC0415

    text = _decode_text(data, path)
    if looks_like_sadf(text):
        return path, "sadf-csv", parse_sadf_csv(text, str(path))
    return path, "sar-text", parse_sar_text(text, str(path), day_first=day_first)


def import_files(
    paths: list[Path], data_dir: Path, *, sadf: SadfRunner | None = run_sadf, day_first: bool | None = None
) -> list[FileImport]:
    """Parse every file, then store them in order. Raises before writing when any file is bad."""
    from hostward.safefs import prepare_private_dir  # noqa: PLC0415

    parsed = [parse_input(p, sadf=sadf, day_first=day_first) for p in paths]
    prepare_private_dir(data_dir)  # StrictModes: no one else may plant names where root is about to write
    return [store_parsed(item, data_dir) for item in parsed]


def store_parsed(item: Parsed, data_dir: Path) -> FileImport:
    # The writing side (day files, the imported rows' store) only here: parse_input alone (plot -f SA)
    # does not pay for importing it.
    from hostward.collect.sample import SystemSample  # noqa: PLC0415
    from hostward.store.sysstat.day_merge import merge_entries  # noqa: PLC0415
    from hostward.store.sysstat.imported import store_imported  # noqa: PLC0415

    path, kind, content = item
    if isinstance(content, SaContent):
        samples = sum(isinstance(e, SystemSample) for e in content.entries)
        result = merge_entries(data_dir, content.host, content.entries)
        # Said as it is: an activity hostward does not record is dropped, not "kept aside".
        skipped = tuple(f"dropped: {name}" for name in content.skipped) + tuple(
            f"note: {m} (not in the file; reads as zero)" for m in content.missing
        )
        how = " via sadf -c" if content.converted else ""
        return FileImport(path, kind, result.added, result.skipped, result.days, skipped,
                          f"sysstat {content.version}{how}, {samples} samples", content.damage)  # fmt: skip
    stored = store_imported(data_dir, content.host, content.rows, content.restarts, content.comments)
    skipped = tuple(
        f"kept: {name} ({count} rows stored; no hostward report shows them yet)"
        for name, count in content.unknown.items()
    )
    skipped += tuple(f"kept: {act}: columns {', '.join(cols)}" for act, cols in content.unknown_columns.items()
                     if not act.startswith("sar:"))  # fmt: skip
    if content.comments:
        skipped += (f"kept: {len(content.comments)} comments (COM; 'hostward sar -C' shows them)",)
    return FileImport(
        path, kind, stored.added, stored.skipped, stored.days, skipped, f"{len(content.rows)} rows"
    )

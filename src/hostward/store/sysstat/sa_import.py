"""Import of sysstat binary data files: native reading of the 12.x format, ``sadf -c`` for older ones.

The counters become ordinary ``SystemSample`` entries in hostward's day files (see day_merge.py), so
``hostward sar``/``sadf``/``plot`` read them exactly like recorded data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hostward.bounded import IMPORT_LIMIT, read_at_most
from hostward.collect.host import HostInfo
from hostward.errors import StoreError
from hostward.frozen import frozen
from hostward.store.model import Entry
from hostward.store.sysstat.sa_decode import decode_sa
from hostward.store.sysstat.sa_decode_disk import DiskClassifier, DiskNamer, sys_classify, sys_disk_name
from hostward.store.sysstat.sa_format import FORMAT_MAGIC, OLD_FORMAT_MAGICS, parse_sa
from hostward.store.sysstat.sa_layouts import activity_ids

SadfRunner = Callable[[list[str]], bytes]
SADF_TIMEOUT_SECONDS = 120.0


@frozen
class SaContent:
    host: HostInfo
    entries: tuple[Entry, ...]
    version: str
    converted: bool  # read through `sadf -c` (an older sysstat format)
    skipped: tuple[str, ...]
    missing: tuple[str, ...]
    damage: str = ""  # where and why reading stopped early (the samples before it are in entries)


def run_sadf(argv: list[str]) -> bytes:
    """Run sysstat's sadf (found on PATH) and return its standard output; StoreError when it fails."""
    # Imported here: only a file of an older format is converted (start-up of reading a 12.x file).
    import shutil  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    sadf = shutil.which("sadf")
    if sadf is None:
        raise StoreError("sysstat's sadf is not installed (needed to convert an older sa file)")
    try:
        done = subprocess.run(
            [sadf, *argv], capture_output=True, timeout=SADF_TIMEOUT_SECONDS, check=False, env={"LC_ALL": "C"}
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StoreError(f"cannot run sadf: {exc}") from exc
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise StoreError(f"sadf {' '.join(argv)} failed: {why[-1] if why else f'exit {done.returncode}'}")
    return done.stdout


def read_sa_bytes(
    data: bytes,
    name: str,
    *,
    sadf: SadfRunner | None = run_sadf,
    disk_name: DiskNamer = sys_disk_name,
    classify: DiskClassifier = sys_classify,
    path: Path | None = None,
    parts: frozenset[str] | None = None,
) -> SaContent:
    """Decode a whole sa file held in ``data``. A file of an older sysstat format is converted with
    ``sadf -c`` (sysstat's own upgrade path) when ``sadf`` is given and ``path`` names the file on disk."""
    converted = False
    magic = int.from_bytes(data[2:4], "little") if len(data) >= 4 else 0
    swapped = int.from_bytes(data[2:4], "big") if len(data) >= 4 else 0
    old = FORMAT_MAGIC not in (magic, swapped) and (
        magic in OLD_FORMAT_MAGICS or swapped in OLD_FORMAT_MAGICS
    )
    if old and sadf is not None and path is not None:
        # sadf.c convert_file (-c) rewrites an sa file of format 0x2171/0x2173 in the current format.
        data = sadf(["-c", str(path)])
        converted = True
    sa = parse_sa(data, name, activity_ids(parts))
    decoded = decode_sa(sa, disk_name=disk_name, classify=classify, parts=parts)
    return SaContent(
        decoded.host,
        decoded.entries,
        sa.header.version,
        converted,
        decoded.skipped,
        decoded.missing,
        sa.damage,
    )


def read_sa_file(path: Path, *, sadf: SadfRunner | None = run_sadf) -> SaContent:
    try:
        data = read_at_most(path, IMPORT_LIMIT, "a sysstat file")
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    return read_sa_bytes(data, str(path), sadf=sadf, path=path)

"""Import of sysstat history (sa binary files, ``sar`` text, ``sadf -d`` CSV) into hostward's store.

Public API:

* ``import_files(paths, data_dir) -> list[FileImport]`` (importer.py): detect, parse everything, then store;
* ``read_imported(data_dir, since, until) -> ImportedDay | None`` (imported.py): rows imported from text;
* ``render_imported(day, options, fmt)`` (render.py): those rows as a sar report;
* ``parse_sa`` / ``decode_sa`` (sa_format.py, sa_decode.py), ``parse_sar_text``, ``parse_sadf_csv``.
"""

# Names resolve on first use (PEP 562), so importing one light submodule (a package's __init__ runs first)
# does not import every submodule: start-up of commands that need one part stays cheap.
from __future__ import annotations

from hostward.lazy import lazy_getattr

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from hostward.store.sysstat.imported import ImportedDay, ImportedRow, read_imported, store_imported
    from hostward.store.sysstat.importer import FileImport, import_files, parse_input

_LAZY = {
    "ImportedDay": "hostward.store.sysstat.imported",
    "ImportedRow": "hostward.store.sysstat.imported",
    "read_imported": "hostward.store.sysstat.imported",
    "store_imported": "hostward.store.sysstat.imported",
    "FileImport": "hostward.store.sysstat.importer",
    "import_files": "hostward.store.sysstat.importer",
    "parse_input": "hostward.store.sysstat.importer",
}

__all__ = [
    "FileImport",
    "ImportedDay",
    "ImportedRow",
    "import_files",
    "parse_input",
    "read_imported",
    "store_imported",
]


__getattr__ = lazy_getattr(__name__, _LAZY, globals())

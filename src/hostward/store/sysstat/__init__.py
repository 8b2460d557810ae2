"""Import of sysstat history (sa binary files, ``sar`` text, ``sadf -d`` CSV) into hostward's store.

Public API:

* ``import_files(paths, data_dir) -> list[FileImport]`` (importer.py): detect, parse everything, then store;
* ``read_imported(data_dir, since, until) -> ImportedDay | None`` (imported.py): rows imported from text;
* ``render_imported(day, options, fmt)`` (render.py): those rows as a sar report;
* ``parse_sa`` / ``decode_sa`` (sa_format.py, sa_decode.py), ``parse_sar_text``, ``parse_sadf_csv``.
"""

from hostward.store.sysstat.imported import ImportedDay, ImportedRow, read_imported, store_imported
from hostward.store.sysstat.importer import FileImport, import_files, parse_input

__all__ = [
    "FileImport",
    "ImportedDay",
    "ImportedRow",
    "import_files",
    "parse_input",
    "read_imported",
    "store_imported",
]

"""Kernel tables for sar -v: unused dentries, file handles, inodes and pseudo-terminals in use, read as sadc
reads them (rd_stats.c read_kernel_tables).

Each value comes from its own file under /proc/sys. As in sadc, a file the kernel does not offer (no pty
support, a restricted container) gives 0, and so does one whose first number cannot be read; a count that is
"allocated minus free" is 0 when the free count is missing.
"""

from __future__ import annotations

from collections.abc import Callable

from hostward.frozen import frozen

# (path under /proc, ...) in the order parse_kernel_tables takes their texts.
KTABLES_FILES = ("sys/fs/dentry-state", "sys/fs/file-nr", "sys/fs/inode-state", "sys/kernel/pty/nr")


@frozen
class KernelTables:
    dentunusd: int = 0  # dentry-state, 2nd field: dentries in the cache that nothing uses
    file_used: int = 0  # file-nr: allocated handles minus free ones
    inode_used: int = 0  # inode-state: allocated inodes minus free ones
    pty_nr: int = 0  # kernel/pty/nr: pseudo-terminals in use


def leading_ints(text: str | None, wanted: int) -> list[int]:
    """Up to ``wanted`` whitespace-separated unsigned integers from the start of ``text``, stopping at the
    first word that is not one (what a run of ``%llu`` conversions of fscanf gives)."""
    values: list[int] = []
    for word in (text or "").split(None, wanted)[:wanted]:
        if not word.isascii() or not word.isdigit():
            break
        values.append(int(word))
    return values


def _used(text: str | None) -> int:
    v = leading_ints(text, 2)
    return max(v[0] - v[1], 0) if len(v) == 2 else 0


def parse_kernel_tables(
    dentry_state: str | None, file_nr: str | None, inode_state: str | None, pty_nr: str | None
) -> KernelTables:
    dentry = leading_ints(dentry_state, 2)
    pty = leading_ints(pty_nr, 1)
    return KernelTables(
        dentunusd=dentry[1] if len(dentry) == 2 else 0,
        file_used=_used(file_nr),
        inode_used=_used(inode_state),
        pty_nr=pty[0] if pty else 0,
    )


def read_kernel_tables(read_optional: Callable[[str], str | None]) -> KernelTables:
    """``read_optional`` is ProcFS.read_optional or the recorder's KernelFiles.read_optional."""
    return parse_kernel_tables(*(read_optional(path) for path in KTABLES_FILES))

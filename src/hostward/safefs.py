"""Opening files where other users may have planted something (the primitives every file hostward creates uses).

hostward often runs as root and writes into directories that are not always root's alone (a ``plot -o`` into
/tmp, a data directory someone made group-writable). Whoever can create names in a directory can plant a
symlink or a hard link at a name we are about to write, and make root write through it into any file. So:

* a new temporary file gets an unpredictable name created with ``O_EXCL`` (``create_temp``);
* a file we append to or lock is opened with ``O_NOFOLLOW`` (a symlink at the last component is refused), must
  be a regular file, and must not have a second hard link (``open_append``, ``open_lock``): a hard link to
  another file would make us write into that file;
* a file we read where another user may have planted one is opened with ``O_NOFOLLOW`` and ``O_NONBLOCK`` and
  must be a regular file (``open_read``): never another file's contents through a link, never a hung FIFO;
* directories we create get 0750 (``make_dirs``) whatever the umask; an existing directory's mode is left as it
  is (it may be shared on purpose) but a data directory that others could write to is refused by
  ``check_private_dir``, as sshd's StrictModes refuses a writable ~/.ssh;
* a file that makes root act (the configuration, a hook executable) is checked by ``check_trusted_file``.

Every refusal is one ``UnsafePath`` line naming the path and why.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from hostward.errors import StoreError, UnsafePath

DATA_FILE_MODE = 0o640  # root and an admin group (command lines of top processes are in the data files)
DIR_MODE = 0o750
# O_NONBLOCK: a FIFO planted at the name would block the open until a reader came (then refused as not a regular
# file); on a regular file it changes nothing.
_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _trusted_owners() -> tuple[int, ...]:
    """root and whoever runs hostward: the only owners a directory or file we rely on may have."""
    return (0, os.geteuid())


def make_dirs(path: Path, mode: int = DIR_MODE) -> None:
    """``mkdir -p`` where every directory we create gets exactly ``mode`` (the umask does not widen or narrow
    it). Existing directories are not touched. Raises OSError like ``Path.mkdir``."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, mode)
        except FileExistsError:
            continue  # made by someone else in between: not ours, leave its mode
        os.chmod(directory, mode, follow_symlinks=False)


def create_temp(directory: Path, name: str, mode: int = DATA_FILE_MODE) -> tuple[int, Path]:
    """A new, empty file beside ``directory/name`` under an unpredictable name (``O_EXCL``: never an existing
    file or a planted link), with exactly ``mode``. Returns its descriptor (write) and path. Raises OSError."""
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
    except OSError:
        os.close(fd)
        os.unlink(temp)
        raise
    return fd, Path(temp)


def create_unnamed(directory: Path, mode: int = DATA_FILE_MODE) -> int | None:
    """An ``O_TMPFILE`` file in ``directory``: it has no name, so nothing can be planted at it and no second
    link exists while it is filled; ``link_unnamed`` gives it its name. None where the file system lacks
    O_TMPFILE (then use ``create_temp``). Raises OSError otherwise."""
    try:
        fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None
        raise
    os.fchmod(fd, mode)
    return fd


def link_unnamed(fd: int, path: Path) -> None:
    """Name an ``O_TMPFILE`` file (linkat through /proc/self/fd). FileExistsError when ``path`` exists (a
    planted link included): it is never replaced."""
    # With both directory descriptors defaulted, os.link calls link(2), which does not follow the /proc magic
    # link (EXDEV); a real dst_dir_fd makes it linkat(2) with AT_SYMLINK_FOLLOW.
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.link(f"/proc/self/fd/{fd}", path.name, dst_dir_fd=directory, follow_symlinks=True)
    finally:
        os.close(directory)


def _check_opened(fd: int, path: Path) -> None:
    """After opening: a regular file with a single link, or UnsafePath (the descriptor is closed)."""
    info = os.fstat(fd)
    why = ""
    if not stat.S_ISREG(info.st_mode):
        why = "it is not a regular file"
    elif info.st_nlink > 1:
        why = f"it has {info.st_nlink} hard links (one may point at a file we must not write)"
    if why:
        os.close(fd)
        raise UnsafePath(f"refusing to write {path}: {why}")


def _open_no_follow(path: Path, flags: int, mode: int) -> int:
    """Open (creating with ``mode`` when missing), never through a symlink. A new file gets exactly ``mode``."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        fd = _open_existing(path, flags)
        _check_opened(fd, path)
        return fd
    os.fchmod(fd, mode)
    return fd


def _open_existing(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink at the last component
            raise UnsafePath(f"refusing to write {path}: it is a symbolic link") from None
        raise


def open_append(path: Path, mode: int = DATA_FILE_MODE, *, create: bool = True) -> int:
    """An ``O_APPEND`` descriptor on ``path`` (created with ``mode`` when ``create``), refusing a symlink, a
    non-regular file or a file with other hard links. Raises UnsafePath or OSError."""
    if create:
        return _open_no_follow(path, _APPEND_FLAGS, mode)
    fd = _open_existing(path, _APPEND_FLAGS)
    _check_opened(fd, path)
    return fd


def open_lock(path: Path, mode: int = DATA_FILE_MODE) -> int:
    """A read-write descriptor on a lock file (created with ``mode``), with the same refusals as open_append."""
    return _open_no_follow(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC, mode)


def open_read(path: Path) -> int:
    """A read descriptor on ``path``, never through a symlink planted at its name and only on a regular file
    (O_NONBLOCK: a FIFO there would block the open; a socket cannot be opened). FileNotFoundError when there is
    none; UnsafePath in one line for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        why = "it is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
        raise UnsafePath(f"refusing to read {path}: {why}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafePath(f"refusing to read {path}: it is not a regular file")
    return fd


def _writable_by_others(info: os.stat_result) -> bool:
    return bool(info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _path_problem(path: Path, info: os.stat_result, *, own: bool) -> str:
    """Why ``path`` (the checked thing when ``own``, else one of its parents) cannot be trusted, or ''."""
    if info.st_uid not in _trusted_owners():
        return f"it is owned by uid {info.st_uid}, not root or uid {os.geteuid()}"
    # A sticky parent (/tmp) lets others add names but not rename or remove ours: safe above us. The checked
    # directory itself must be ours alone, or others could plant names we are about to create.
    if _writable_by_others(info) and (own or not info.st_mode & stat.S_ISVTX):
        who = {stat.S_IWGRP: "its group", stat.S_IWOTH: "others"}.get(
            info.st_mode & (stat.S_IWGRP | stat.S_IWOTH), "group and others"
        )
        return f"it is writable by {who} (chmod go-w {path})"
    return ""


def _check_chain(target: Path, what: str, *, own_is_dir: bool) -> None:
    real = Path(os.path.realpath(target))
    try:
        info = os.stat(real)
    except OSError as exc:
        raise UnsafePath(f"cannot check {what} {target}: {exc.strerror}") from exc
    if own_is_dir and not stat.S_ISDIR(info.st_mode):
        raise UnsafePath(f"refusing {what} {target}: it is not a directory")
    why = _path_problem(real, info, own=True)
    if why:
        raise UnsafePath(f"refusing {what} {target}: {why}")
    for parent in real.parents:
        info = os.stat(parent)
        why = _path_problem(parent, info, own=False)
        if why:
            raise UnsafePath(f"refusing {what} {target}: its parent {parent} {why.removeprefix('it ')}")


def check_private_dir(path: Path, what: str = "data directory") -> None:
    """StrictModes for a directory hostward writes into: it and every directory above it (symlinks resolved)
    must be owned by root or the invoking user and not writable by group or others — a parent may be
    world-writable with the sticky bit (/tmp). Raises UnsafePath with one line naming the path and why."""
    _check_chain(path, what, own_is_dir=True)


def prepare_private_dir(path: Path, what: str = "data directory") -> None:
    """``make_dirs`` then ``check_private_dir``: what every writer into a data directory does before writing.
    Raises StoreError (UnsafePath for a directory others control)."""
    try:
        make_dirs(path)
    except OSError as exc:
        raise StoreError(f"cannot create {what} {path}: {exc.strerror or exc}") from exc
    check_private_dir(path, what)


def check_trusted_file(path: Path, what: str) -> None:
    """The same rule for a file that makes hostward act (configuration, hook executable) and its directories."""
    _check_chain(path, what, own_is_dir=False)

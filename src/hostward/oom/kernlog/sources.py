"""Where kernel logs come from: files (plain or gzip, ``-`` for stdin), /dev/kmsg, dmesg, journalctl."""

from __future__ import annotations

import errno
import gzip
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from hostward.bounded import KERNEL_LOG_LIMIT
from hostward.errors import CollectError, ParseError, PermissionProblem
from hostward.oom.kernlog.kernlog import MAX_LINE_BYTES, iter_raw_lines

COMMAND_TIMEOUT_SECONDS = 60.0


def file_lines(path: str, stdin: BinaryIO | None = None, *, limit: int = KERNEL_LOG_LIMIT) -> Iterator[str]:
    """Lines of a log file, streamed; ``-`` is stdin; gzip files (logrotate's .gz) are decompressed on the fly.
    At most ``limit`` bytes (decompressed) are read; InputTooLarge beyond."""
    if path == "-":
        if stdin is None:
            raise ParseError("no standard input")
        yield from iter_raw_lines(stdin, limit=limit, name="standard input")
        return
    try:
        handle: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError as exc:
        raise ParseError(f"{path}: no such file") from exc
    except PermissionError as exc:
        raise PermissionProblem(f"{path}: permission denied (kernel logs are often root-only)") from exc
    except OSError as exc:
        raise ParseError(f"{path}: {exc.strerror}") from exc
    with handle:
        magic = handle.peek(2)[:2] if isinstance(handle, io.BufferedReader) else b""
        if magic == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=handle) as unzipped:
                try:
                    yield from iter_raw_lines(unzipped, limit=limit, name=path)  # type: ignore[arg-type]
                except (OSError, EOFError) as exc:
                    raise ParseError(f"{path}: damaged gzip data ({exc})") from exc
        else:
            if Path(path).is_dir():
                raise ParseError(f"{path}: is a directory")
            yield from iter_raw_lines(handle, limit=limit, name=path)


def kmsg_lines(device: str = "/dev/kmsg") -> Iterator[str]:
    """Every record now in the kernel ring buffer, read non-blocking from /dev/kmsg (one record per read)."""
    try:
        fd = os.open(device, os.O_RDONLY | os.O_NONBLOCK)
    except PermissionError as exc:
        raise PermissionProblem(
            f"{device}: permission denied (needs root or kernel.dmesg_restrict=0)"
        ) from exc
    except OSError as exc:
        raise CollectError(f"{device}: {exc.strerror}") from exc
    try:
        while True:
            try:
                record = os.read(fd, 16384)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # the record was overwritten while we read: skip on
                    continue
                raise CollectError(f"{device}: {exc.strerror}") from exc
            if not record:
                return
            yield record[:MAX_LINE_BYTES].decode("utf-8", errors="surrogateescape")
    finally:
        os.close(fd)


def command_lines(argv: list[str]) -> Iterator[str]:
    """Output lines of a log command (dmesg, journalctl), with a finite timeout."""
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    except FileNotFoundError as exc:
        raise CollectError(f"{argv[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise CollectError(f"{argv[0]} did not finish within {COMMAND_TIMEOUT_SECONDS:g} s") from exc
    if proc.returncode != 0 and not proc.stdout:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CollectError(f"{' '.join(argv)} failed: {err[-1] if err else 'exit ' + str(proc.returncode)}")
    yield from iter_raw_lines(io.BytesIO(proc.stdout))


def dmesg_lines() -> Iterator[str]:
    return command_lines(["dmesg"])


def journal_lines() -> Iterator[str]:
    return command_lines(["journalctl", "-k", "-o", "json", "--no-pager"])


def default_lines() -> tuple[str, Iterator[str]]:
    """The kernel's own buffer: /dev/kmsg when readable, else dmesg."""
    if os.access("/dev/kmsg", os.R_OK):
        return "/dev/kmsg", kmsg_lines()
    return "dmesg", dmesg_lines()

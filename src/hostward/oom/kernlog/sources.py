"""Where kernel logs come from: files (plain or gzip, ``-`` for stdin), /dev/kmsg, dmesg, journalctl."""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Iterator

from hostward.bounded import KERNEL_LOG_LIMIT
from hostward.errors import CollectError, ParseError, PermissionProblem
from hostward.oom.kernlog.kernlog import MAX_LINE_BYTES, iter_raw_lines

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import BinaryIO

# gzip, subprocess, tempfile and threading are imported where a source needs them: a plain log file is read
# without them (issue 17: `oom report FILE` start-up).
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
            import gzip  # noqa: PLC0415  (see the note above)

            with gzip.GzipFile(fileobj=handle) as unzipped:
                try:
                    yield from iter_raw_lines(unzipped, limit=limit, name=path)  # type: ignore[arg-type]
                except (OSError, EOFError) as exc:
                    raise ParseError(f"{path}: damaged gzip data ({exc})") from exc
        else:
            if os.path.isdir(path):
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


def command_lines(argv: list[str], *, limit: int = KERNEL_LOG_LIMIT) -> Iterator[str]:
    """Output lines of a log command (dmesg, journalctl), streamed as they come: memory stays bounded however
    much it prints, at most ``limit`` bytes are read (InputTooLarge beyond, the command killed), and a command
    still running after COMMAND_TIMEOUT_SECONDS is killed and said so."""
    import subprocess  # noqa: PLC0415  (see the note above)
    import tempfile  # noqa: PLC0415
    import threading  # noqa: PLC0415

    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL)
        except FileNotFoundError as exc:
            raise CollectError(f"{argv[0]} is not installed") from exc
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(COMMAND_TIMEOUT_SECONDS, expire)
        timer.start()
        produced = False
        try:
            output: BinaryIO = proc.stdout  # type: ignore[assignment]  # a pipe: stdout=PIPE above
            for line in iter_raw_lines(output, limit=limit, name=f"{argv[0]}'s output"):
                produced = True
                yield line
        finally:
            timer.cancel()
            proc.kill()  # read to the end, or refused: it must not outlive the reader (no-op once exited)
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if timed_out.is_set():
            raise CollectError(f"{argv[0]} did not finish within {COMMAND_TIMEOUT_SECONDS:g} s")
        if proc.returncode != 0 and not produced:
            errors.seek(0)
            err = errors.read(4096).decode("utf-8", "replace").strip().splitlines()
            raise CollectError(
                f"{' '.join(argv)} failed: {err[-1] if err else 'exit ' + str(proc.returncode)}"
            )


def dmesg_lines() -> Iterator[str]:
    return command_lines(["dmesg"])


def journal_lines() -> Iterator[str]:
    return command_lines(["journalctl", "-k", "-o", "json", "--no-pager"])


def default_lines() -> tuple[str, Iterator[str]]:
    """The kernel's own buffer: /dev/kmsg when readable, else dmesg."""
    if os.access("/dev/kmsg", os.R_OK):
        return "/dev/kmsg", kmsg_lines()
    return "dmesg", dmesg_lines()

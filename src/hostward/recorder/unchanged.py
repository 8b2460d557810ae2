"""Parsed kernel files given again while their text reads the same (the recorder's sampler, issue 17).

Between two samples many of the files the recorder reads do not change at all on a quiet host: /proc/net/snmp
and snmp6 without network traffic, softnet_stat, the serial ports, sockstat6, a PSI resource under no pressure,
net/dev of idle interfaces. The parsers are pure (text in, frozen record out), so the record parsed from the
same text is equal to the one a new parse would build; comparing the text (one memcmp) costs far less than
parsing it again (20-50 us for snmp/snmp6 on the test VMs). The kernel file is still read at every sample, as
sadc reads it: only the parse is skipped, never a read, so the values stored are those of the same instant.

``SameText`` keeps one parser's last text and record. ``SameReads`` does the same for a reader of several files
through a ``read_optional`` function (collect/sample.py OPTIONAL_READERS): it learns which files the reader
reads, reads them first at the next sample, and when every one reads the same returns the last record; else it
runs the reader on the texts just read. A reader whose result depends on anything but those texts (sar -F's
statvfs) must not go through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from hostward.errors import CollectError

T = TypeVar("T")
_NOTHING: Any = object()  # no text read yet: equal to no text


class SameText(Generic[T]):
    def __init__(self, parse: Callable[[str], T]) -> None:
        self.parse = parse
        self._text: str | None = None
        self._record: T = _NOTHING

    def __call__(self, text: str) -> T:
        if text == self._text:
            return self._record
        record = self.parse(text)
        self._text, self._record = text, record
        return record


class SameReads(Generic[T]):
    def __init__(self, reader: Callable[[Callable[[str], str | None]], T], read: Callable[[str], str | None]):
        self.reader = reader
        self.read = read
        self._reads: list[tuple[str, str | None]] | None = None  # (path, text) of the last run, in order
        self._record: T = _NOTHING

    def __call__(self) -> T:
        last = self._reads
        if last is None:
            return self._run({})
        read = self.read
        if len(last) == 1:  # the common reader of one file: its text compared without building a dict
            path, text = last[0]
            try:
                now = read(path)
            except CollectError:
                self._reads = None
                return self.reader(read)
            return self._record if now == text else self._run({path: now})
        try:
            texts = {path: read(path) for path, _ in last}
        except CollectError:  # let the reader meet the error and decide (read_serial: no lines when not root)
            self._reads = None
            return self.reader(read)
        if all(texts[path] == text for path, text in last):
            return self._record
        return self._run(texts)

    def _run(self, texts: dict[str, str | None]) -> T:
        """Run the reader on ``texts`` (read just before), reading live any other file it asks for; remember
        what it read and what it built. A run in which a read failed is not remembered: the reader dealt with
        the failure (or raised it), and the next sample runs it again as it would without this class."""
        reads: list[tuple[str, str | None]] = []
        failed = False
        read = self.read

        def replay(path: str) -> str | None:
            nonlocal failed
            if path in texts:
                text = texts[path]
            else:
                try:
                    text = read(path)
                except CollectError:
                    failed = True
                    raise
            reads.append((path, text))
            return text

        self._reads = None
        record = self.reader(replay)
        if reads and not failed:
            self._reads, self._record = reads, record
        return record

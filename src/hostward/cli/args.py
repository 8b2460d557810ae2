"""The argparse parser every command uses: a bad flag is one UsageError line (exit 2), never usage + traceback.

argparse itself prints the usage block and an error line and exits; hostward's rule is one line naming the
flag. ``Parser.error`` raises :class:`UsageError` instead, which ``hostward.cli.main`` prints as
``hostward COMMAND: MESSAGE``. Sub-parsers made with ``add_subparsers`` are Parsers too (argparse uses the
parent's class). Value types come from :mod:`hostward.validate` through :func:`hostward.validate.flag`, so the
command line and the configuration file share their ranges.
"""

from __future__ import annotations

import argparse
import os
import sys

from hostward.errors import UsageError
from hostward.validate import NON_EMPTY_PATH, QUOTE_LIMIT, flag

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of start-up)
if TYPE_CHECKING:
    from typing import NoReturn


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        if len(text) > 2 * QUOTE_LIMIT:
            text = text[: 2 * QUOTE_LIMIT - 3] + "..."
        raise UsageError(f"{text} (try --help)")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every add_argument, and its default width comes from shutil, whose
        # import (with bz2 and lzma) is ~2.5 ms of each command's start-up: the same width, found as shutil does.
        formatter: argparse.HelpFormatter = self.formatter_class(prog=self.prog, width=terminal_columns() - 2)  # type: ignore[call-arg]
        return formatter


def terminal_columns() -> int:
    """shutil.get_terminal_size().columns: $COLUMNS, else the terminal of stdout, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


# The flags several commands share, defined once so their spelling, checks and help stay the same.
def add_config_flag(parser: argparse.ArgumentParser, help_text: str = "configuration file to read") -> None:
    parser.add_argument("--config", type=flag("--config", NON_EMPTY_PATH), metavar="FILE", help=help_text)


def add_data_dir_flag(
    parser: argparse.ArgumentParser, help_text: str = "directory of the data files", *, short: bool = True
) -> None:
    names = ("-d", "--data-dir") if short else ("--data-dir",)
    parser.add_argument(*names, type=flag("--data-dir", NON_EMPTY_PATH), metavar="DIR", help=help_text)


def add_verbose_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (repeat for debug)")

"""The argparse parser every command uses: a bad flag is one UsageError line (exit 2), never usage + traceback.

argparse itself prints the usage block and an error line and exits; hostward's rule is one line naming the
flag. ``Parser.error`` raises :class:`UsageError` instead, which ``hostward.cli.main`` prints as
``hostward COMMAND: MESSAGE``. Sub-parsers made with ``add_subparsers`` are Parsers too (argparse uses the
parent's class). Value types come from :mod:`hostward.validate` through :func:`hostward.validate.flag`, so the
command line and the configuration file share their ranges.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from hostward.errors import UsageError
from hostward.validate import NON_EMPTY_PATH, QUOTE_LIMIT, flag


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        if len(text) > 2 * QUOTE_LIMIT:
            text = text[: 2 * QUOTE_LIMIT - 3] + "..."
        raise UsageError(f"{text} (try --help)")


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

"""``hostward web``: the dashboard server, its accounts and its audit log."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hostward.cli import setup_logging
from hostward.cli.args import Parser, add_config_flag, add_data_dir_flag
from hostward.config import Config, load_config
from hostward.errors import UsageError
from hostward.frozen import replace

EPILOG = """\
The dashboard serves HTTPS on 127.0.0.1:9478 by default, with a certificate made at first start in
DATA_DIR/web (or [web] tls_cert / tls_key). Accounts, sessions and the audit log live there too (0700).
Roles: viewer (reads), operator (also adds timeline comments and edits the protection policy), admin (also
manages accounts, sessions and reads the audit log). Operators and admins always enrol TOTP.

While no account exists, serve prints a one-time setup link on stderr: open it on this host within 30
minutes to create the first admin in the browser (or use 'user add' below).

examples:
  hostward web serve                            # https://127.0.0.1:9478/ (and the setup link at first run)
  hostward web user add alice --role admin      # asks for a password, shows a QR code to enrol TOTP
  hostward web serve --listen 0.0.0.0:9478      # reachable off-host (still HTTPS)
  hostward web user list
  hostward web user disable bob                 # also ends bob's sessions
  hostward web audit verify                     # exit 1 if any entry was changed, removed or reordered
"""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="hostward web",
        description="The secure web dashboard: serve it, manage its accounts, check its audit log.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_flag(parser, "configuration file (default: $HOSTWARD_CONFIG, ...)")
    add_data_dir_flag(parser, "hostward's data directory (default: [record] data_dir)", short=False)
    parser.add_argument("-v", "--verbose", action="count", default=0)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the dashboard server in the foreground")
    serve.add_argument("--listen", help="HOST:PORT (default: [web] listen, 127.0.0.1:9478)")
    serve.add_argument(
        "--plain-http", action="store_true", help="serve without TLS (only behind a TLS-terminating proxy)"
    )
    user = sub.add_parser("user", help="accounts: add, list, disable, enable, passwd")
    user_sub = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = user_sub.add_parser("add", help="create an account (password asked on the terminal)")
    add.add_argument("name")
    add.add_argument("--role", choices=("viewer", "operator", "admin"), default="viewer")
    add.add_argument("--totp", action="store_true", help="enrol TOTP for a viewer too (always for others)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    user_sub.add_parser("list", help="every account with role, second factor and state (creates nothing)")
    for name, text in (
        ("disable", "disable an account and end its sessions"),
        ("enable", "enable an account"),
        ("passwd", "set a new password (ends the account's sessions)"),
    ):
        action = user_sub.add_parser(name, help=text)
        action.add_argument("name")
        if name == "passwd":
            action.add_argument("--password-stdin", action="store_true")
    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="action", required=True, metavar="ACTION")
    audit_sub.add_parser("verify", help="check the hash chain of every entry")
    return parser


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for a password: use --password-stdin")
    import getpass  # noqa: PLC0415 - termios only when asking on a terminal

    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    config = load_config(args.config)
    data_dir = args.data_dir or config.record.data_dir
    if args.command == "serve":
        setup_logging(args.verbose + 1)
        web = config.web
        if args.listen:
            web = replace(web, listen=args.listen)
        if args.plain_http:
            web = replace(web, plain_http=True)
        return _serve(data_dir, replace(config, web=web))
    if args.command == "audit":
        from hostward.web.audit import verify  # noqa: PLC0415

        path = _kept(data_dir, "audit.jsonl", "no audit log yet")
        if path is None:
            return 0
        verdict = verify(path)
        if verdict.broken_at is None:
            sys.stdout.write(f"{path}: {verdict.entries} entries, chain intact\n")
            return 0
        sys.stdout.write(f"{path}: entry on line {verdict.broken_at} {verdict.reason}\n")
        return 1
    if args.action == "list":
        return _list(data_dir)
    from hostward.web.accounts import Accounts  # noqa: PLC0415 - argon2 and sqlite only for these commands
    from hostward.web.state import web_dir  # noqa: PLC0415

    accounts = Accounts(web_dir(data_dir) / "accounts.db")
    if args.action == "add":
        enrolment = accounts.add(args.name, args.role, _password(args.password_stdin), totp=args.totp)
        sys.stdout.write(f"user {args.name} added with role {args.role}\n")
        if enrolment.totp_uri:
            import textwrap  # noqa: PLC0415

            import segno  # noqa: PLC0415

            sys.stdout.write("Scan this with an authenticator app (or enter the secret by hand):\n")
            if sys.stdout.isatty():
                segno.make(enrolment.totp_uri, error="m").terminal(out=sys.stdout, compact=True)
            sys.stdout.write(f"secret: {enrolment.totp_secret}\nuri: {enrolment.totp_uri}\n")
            sys.stdout.write("Recovery codes (each works once in place of a code; keep them offline):\n")
            sys.stdout.write(textwrap.indent("\n".join(enrolment.recovery_codes), "  ") + "\n")
        return 0
    if args.action in ("disable", "enable"):
        accounts.set_disabled(args.name, args.action == "disable")
        sys.stdout.write(f"user {args.name} {args.action}d\n")
        return 0
    accounts.set_password(args.name, _password(args.password_stdin))
    sys.stdout.write(f"password of {args.name} changed; their sessions ended\n")
    return 0


def _kept(data_dir: Path, name: str, none_yet: str) -> Path | None:
    """DATA_DIR/web/NAME when it exists (a link too: the opener refuses it in one line); None when the dashboard
    has not made it yet, said on stderr as ``none_yet``. Nothing is created: a listing with a mistyped
    --data-dir leaves no directories behind."""
    from hostward.web.state import existing_web_dir  # noqa: PLC0415

    state_dir = existing_web_dir(data_dir)
    if state_dir is None or not os.path.lexists(state_dir / name):
        sys.stderr.write(f"{none_yet}: {data_dir / 'web' / name} does not exist\n")
        return None
    return state_dir / name


def _list(data_dir: Path) -> int:
    db = _kept(data_dir, "accounts.db", "no accounts yet")
    if db is None:
        return 0
    from hostward.web.accounts_list import account_rows  # noqa: PLC0415 - sqlite only when there are accounts

    for name, role, totp, disabled, _created in account_rows(db):
        state = "disabled" if disabled else "active"
        sys.stdout.write(f"{name:<20} {role:<9} {'TOTP' if totp else 'no 2FA':<7} {state}\n")
    return 0


def _serve(data_dir: Path, config: Config) -> int:
    from hostward.web.server import WebServer  # noqa: PLC0415 - uvicorn and the app only for serve

    WebServer(config.web, data_dir, cache=config.cache, hostward_config=config).run()
    return 0

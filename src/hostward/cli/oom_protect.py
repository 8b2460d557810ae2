"""``hostward oom protect apply|daemon|status``: the [[oom.protect]] policy (or the embedded default) applied,
kept applied, or shown with why each rule is trusted."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TYPE_CHECKING, Any

from hostward.cli import setup_logging
from hostward.cli.oom_output import emit_json, make_console
from hostward.config import load_config
from hostward.errors import UsageError
from hostward.oom.kernlog.sanitize import safe_text

if TYPE_CHECKING:
    from hostward.oom.protect.policy import Action


def run_protect(args: argparse.Namespace) -> int:
    from hostward.oom.protect.policy import Outcome, Protector, status  # noqa: PLC0415

    setup_logging(max(args.verbose, 1 if args.action == "daemon" else 0))
    from hostward.oom.protect.defaults import SOURCE_DEFAULT, rules_in_force  # noqa: PLC0415

    config = load_config(args.config)
    rules, source = rules_in_force(config.oom)
    if not rules:
        raise UsageError(
            "no [[oom.protect]] rules in the configuration and [oom] default_policy = false "
            "(see 'hostward oom protect --help')"
        )

    if args.action == "status":
        report = status(rules)
        if args.json:
            emit_json([_rule_json(rs) for rs in report])
            return 0
        actions = [a for rs in report for a in rs.actions]
        _print_actions(
            actions,
            rules_without_match=[rs.rule.name for rs in report if rs.trust.trusted and not rs.actions],
        )
        _print_trust(report)
        if source == SOURCE_DEFAULT:
            make_console().print(
                "(the default policy: the configuration has no [[oom.protect]] rules; "
                "[oom] default_policy = false turns it off)",
                markup=False,
            )
        return 0
    if args.dry_run and args.action == "apply":
        actions = Protector(rules, dry_run=True).scan()
        if args.json:
            emit_json([_action_json(a) for a in actions])
            return 0
        _print_actions(
            actions, rules_without_match=[r.name for r in rules if not any(a.rule == r.name for a in actions)]
        )
        return 0
    protector = Protector(rules, dry_run=args.dry_run)
    if args.action == "apply":
        actions = protector.scan()
        if args.json:
            emit_json([_action_json(a) for a in actions])
        else:
            _print_actions(actions, rules_without_match=[])
        return 1 if any(a.outcome in (Outcome.DENIED, Outcome.FAILED) for a in actions) else 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def show(a: Action) -> None:
        if args.json:
            emit_json(_action_json(a))

    try:
        protector.run(
            stop,
            rescan_seconds=config.oom.rescan_seconds,
            use_connector=not args.no_connector,
            on_action=show,
        )
    except KeyboardInterrupt:
        stop.set()
    return 0


def _action_json(a: Any) -> dict[str, Any]:
    return {
        "pid": a.pid,
        "comm": a.comm,
        "command": a.command,
        "rule": a.rule,
        "previous_adj": a.previous_adj,
        "target_adj": a.target_adj,
        "outcome": a.outcome.value,
        "reason": a.reason,
    }


def _rule_json(rs: Any) -> dict[str, Any]:
    return {
        "rule": rs.rule.name,
        "oom_score_adj": rs.rule.oom_score_adj,
        "trusted": rs.trust.trusted,
        "trust": rs.trust.reason,
        "processes": [_action_json(a) for a in rs.actions],
    }


def _print_trust(report: list[Any]) -> None:
    from rich.text import Text  # noqa: PLC0415

    console = make_console()
    for rs in report:
        state = "trusted" if rs.trust.trusted else "REFUSED"
        console.print(Text(f"rule {safe_text(rs.rule.name)}: {state}: {rs.trust.reason}"))


def _print_actions(actions: list[Any], rules_without_match: list[str]) -> None:
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    console = make_console()
    table = Table(box=None, pad_edge=False)
    for col in ("RULE", "PID", "ADJ", "TARGET", "STATE", "COMMAND"):
        table.add_column(col, no_wrap=col != "COMMAND", overflow="fold")
    for a in actions:
        table.add_row(
            Text(safe_text(a.rule)),
            str(a.pid),
            str(a.previous_adj),
            str(a.target_adj),
            a.outcome.value,
            Text(safe_text(a.command or f"[{a.comm}]", 200)),
        )
    console.print(table)
    for a in actions:
        if a.reason:
            console.print(Text(f"pid {a.pid} ({safe_text(a.comm)}): {a.outcome.value}: {a.reason}"))
    for name in rules_without_match:
        console.print(Text(f"rule {safe_text(name)}: matches no running process"))

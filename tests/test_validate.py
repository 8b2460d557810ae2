"""hostward.validate: the one set of value rules, and the config keys that use them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import typing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostward import validate as v
from hostward.config import DEFAULT_NUMBER, RULES, Config, _section_types, checked, load_config
from hostward.errors import ConfigError, HostwardError, UsageError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hostward.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[guard]\nmem_available_percent = 150\n", "guard.mem_available_percent", "from 0 to 100%"),
        ("[guard]\nmem_available_percent = nan\n", "guard.mem_available_percent", "nan"),
        ("[guard]\nswap_free_percent = inf\n", "guard.swap_free_percent", "inf"),
        ("[guard]\ngrace_seconds = -1\n", "guard.grace_seconds", "from 0 to 3600 seconds"),
        ("[guard]\nsustain_seconds = -0.5\n", "guard.sustain_seconds", "-0.5"),
        ("[guard]\ncgroup_headroom = '150%'\n", "guard.cgroup_headroom", "percentage 0-100%"),
        ("[guard]\nmem_available = '5 parsecs'\n", "guard.mem_available", "'5 parsecs'"),
        ("[guard]\nkill_group = 'everyone'\n", "guard.kill_group", "one of"),
        ("[record]\ninterval_seconds = 0\n", "record.interval_seconds", "from 1 to 86400"),
        ("[record]\nretention_days = 99999999999999999999\n", "record.retention_days", "0 to 36500"),
        ("[record]\ntop_processes = -1\n", "record.top_processes", "whole number"),
        ("[record]\ndata_dir = ''\n", "record.data_dir", "non-empty path"),
        ("[ntp]\ntimeout_seconds = 0\n", "ntp.timeout_seconds", "above 0"),
        (
            "[[oom.protect]]\nname = 'x'\ncomm = 'x'\noom_score_adj = -5000\n",
            "oom.protect.oom_score_adj",
            "-1000",
        ),
        ("[web]\nsession_idle_minutes = 1e400\n", "web.session_idle_minutes", "inf"),
    ],
)
def test_out_of_range_keys_are_refused_at_load_in_one_line(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), environ={})
    message = str(caught.value)
    assert key in message and expected in message, message
    assert "\n" not in message and len(message) < 400


def test_environment_values_get_the_same_rules(tmp_path: Path) -> None:
    for name, value in (("GUARD_MEM_AVAILABLE_PERCENT", "150"), ("RECORD_INTERVAL_SECONDS", "nan")):
        with pytest.raises(ConfigError, match=f"HOSTWARD_{name}: invalid value"):
            load_config(write(tmp_path, ""), environ={f"HOSTWARD_{name}": value})


def test_every_default_passes_its_own_rule() -> None:
    config = Config()
    for section, cls in _section_types().items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            checked(
                f"{section}.{f.name}", hints[f.name], getattr(getattr(config, section), f.name), "default"
            )


def test_every_rule_names_an_existing_key() -> None:
    sections = _section_types()
    for key in RULES:
        section, _, name = key.partition(".")
        cls = sections[section]
        if "." in name:  # a table inside the section: oom.protect.oom_score_adj
            name = name.rsplit(".", 1)[1]
            assert any(name in {g.name for g in dataclasses.fields(t)} for t in _nested(cls)), key
        else:
            assert name in {f.name for f in dataclasses.fields(cls)}, key


def _nested(cls: type) -> list[type]:
    found = []
    for hint in typing.get_type_hints(cls).values():
        for arg in typing.get_args(hint):
            if dataclasses.is_dataclass(arg):
                found.append(arg)
    return found


def test_a_numeric_key_without_a_rule_is_still_finite_and_not_negative() -> None:
    assert DEFAULT_NUMBER.check(3, "x", ConfigError) == 3
    for bad in (-1, math.nan, math.inf, 1e300):
        with pytest.raises(ConfigError):
            DEFAULT_NUMBER.check(bad, "x", ConfigError)


def test_non_utf8_and_huge_numbers_in_toml_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "hostward.toml"
    path.write_bytes(b"[record]\ndata_dir = '\xff\xfe'\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path, environ={})
    path.write_text("[record]\nretention_days = " + "9" * 5000 + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert len(str(caught.value)) < 400
    path.write_text("x = " + "[" * 100000)
    with pytest.raises(ConfigError):
        load_config(path, environ={})


def test_empty_hostward_config_means_not_set() -> None:
    from hostward.config import default_config_path

    assert default_config_path({"HOSTWARD_CONFIG": ""}) == default_config_path({})
    try:
        load_config(environ={"HOSTWARD_CONFIG": ""})
    except ConfigError as exc:  # the default file may exist here and be refused: never "does not exist"
        assert "does not exist" not in str(exc)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (v.SAMPLE_INTERVAL, "nan"),
        (v.SAMPLE_INTERVAL, "inf"),
        (v.SAMPLE_INTERVAL, "0"),
        (v.COUNT, "-1"),
        (v.COUNT, "99999999999999999999"),
        (v.COUNT, "1.5"),
        (v.COUNT, "9" * 5000),
        (v.DATE, "9999-12-31"),
        (v.DATE, "0001-01-01"),
        (v.DATETIME, "0001-01-01"),
        (v.NON_EMPTY_PATH, ""),
        (v.SIZE, "1e400"),
        (v.SIZE, "9" * 40 + "T"),
        (v.THRESHOLD, "150%"),
        (v.THRESHOLD, "nan%"),
    ],
)
def test_flags_refuse_bad_text_in_one_line_naming_the_flag(rule: v.Rule, text: str) -> None:
    with pytest.raises(UsageError) as caught:
        v.flag("--thing", rule)(text)
    message = str(caught.value)
    assert message.startswith("--thing: invalid value ") and "expected" in message
    assert "\n" not in message and len(message) < 300, message


def test_good_values_come_back_typed() -> None:
    assert v.flag("-c", v.COUNT)("12") == 12
    assert v.flag("-i", v.SAMPLE_INTERVAL)("2.5") == 2.5
    assert v.flag("--date", v.DATE)("2026-12-05") == dt.date(2026, 12, 5)
    assert v.flag("-d", v.NON_EMPTY_PATH)("/tmp/x") == Path("/tmp/x")
    assert v.parse_size("512M") == 512 << 20
    assert v.THRESHOLD.parse("5%", "x") == "5%"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from([v.PERCENT, v.COUNT, v.DAYS, v.SIZE, v.THRESHOLD, v.DATE,
                                                v.DATETIME, v.NON_EMPTY_PATH, v.SAMPLE_INTERVAL]))  # fmt: skip
def test_any_text_is_a_value_in_range_or_one_usage_line(text: str, rule: v.Rule) -> None:
    try:
        value = rule.parse(text, "--x")
    except HostwardError as exc:
        assert isinstance(exc, UsageError)
        assert "\n" not in str(exc) and len(str(exc)) < 400
        return
    if isinstance(value, float):
        assert math.isfinite(value)


def test_quote_is_bounded() -> None:
    assert len(v.quote("x" * 10_000)) == v.QUOTE_LIMIT


def test_docs_security_lists_every_rule_with_its_range() -> None:
    text = (Path(__file__).parent.parent / "docs" / "security.md").read_text()
    section = text[text.index("## Validation ranges") :]
    for key, rule in RULES.items():
        assert f"| `{key}` | {rule.describe()} |" in section, (
            f"docs/security.md: add {key}: {rule.describe()}"
        )

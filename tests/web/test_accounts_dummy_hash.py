"""The dummy hash an unknown name is verified against: well formed in the hasher's parameters (so the verify does
the full argon2 work and fails), and written out rather than hashed at import (issue 17: ~200 ms of CPU and a
64 MiB peak at the daemon's start and every `hostward web` command)."""

from __future__ import annotations

from pathlib import Path

import argon2
import pytest
from argon2.exceptions import VerifyMismatchError
from tests.conftest import modules_after

from hostward.web import accounts


@pytest.mark.parametrize("password", ["", "x", "correct horse battery staple", "\u00e9\u00e8" * 40])
def test_the_dummy_hash_is_a_valid_hash_no_password_matches(password: str) -> None:
    assert argon2.extract_parameters(accounts._DUMMY_HASH) == argon2.extract_parameters(
        accounts._HASHER.hash("some password")
    )
    with pytest.raises(VerifyMismatchError):  # a full verification that fails, not an InvalidHashError
        accounts._HASHER.verify(accounts._DUMMY_HASH, password)
    assert accounts._password_ok(None, password) is False


def test_each_process_draws_its_own_dummy_hash() -> None:
    code = "from hostward.web import accounts\nprint(accounts._DUMMY_HASH)"
    first = modules_after(code, "")[1].strip()
    second = modules_after(code, "")[1].strip()
    assert first != second and first.startswith("$argon2id$") and second.startswith("$argon2id$")


def test_importing_the_accounts_hashes_nothing() -> None:
    code = (
        "import argon2._password_hasher as hasher\n"
        "calls = []\n"
        "real = hasher.hash_secret\n"
        "hasher.hash_secret = lambda *a, **k: calls.append(1) or real(*a, **k)\n"
        "import hostward.web.accounts\n"
        "print(len(calls))"
    )
    assert modules_after(code, "")[1].strip() == "0"


def test_an_unknown_name_is_refused_even_if_the_dummy_hash_matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No password matches the random dummy (a 2^-256 chance), and the answer does not rest on that alone: an
    unknown name is refused after its verify whatever the verify said."""
    store = accounts.Accounts(tmp_path / "accounts.db")
    store.add("vera", "viewer", "a long enough password 1")
    real = accounts._HASHER

    class Yes:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def verify(self, stored: str, password: str) -> bool:
            return True

    monkeypatch.setattr(accounts, "_HASHER", Yes())
    assert store.authenticate("vera", "anything", "") == accounts.User("vera", "viewer")  # the stub says yes
    assert store.authenticate("nobody", "anything", "") is None
    assert store.password_matches("nobody", "anything") is False

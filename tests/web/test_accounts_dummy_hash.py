"""The dummy hash an unknown name is verified against: well formed in the hasher's parameters (so the verify does
the full argon2 work and fails), and written out rather than hashed at import (issue 17: ~200 ms of CPU and a
64 MiB peak at the daemon's start and every `hostward web` command)."""

from __future__ import annotations

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

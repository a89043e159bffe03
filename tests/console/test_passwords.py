"""Argon2id hashes, their verification and rehashing, and the rules for a new password."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from cyberbot.console import passwords
from cyberbot.console.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_nothing,
    verify_password,
)

# Taken before any test swaps it for CHEAP.
PRODUCTION = passwords.HASHER
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


pytestmark = pytest.mark.usefixtures("cheap_hashing")


def test_production_parameters_are_the_rfc_9106_low_memory_profile() -> None:
    assert (PRODUCTION.time_cost, PRODUCTION.memory_cost, PRODUCTION.parallelism) == (3, 65536, 4)
    assert PRODUCTION.type is Type.ID


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert stored != hash_password("correct horse battery")  # a fresh salt each time
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery!")


@pytest.mark.parametrize(
    "stored", ["", "plain text", "$argon2id$v=19$m=8,t=1,p=1$AAAA$BBBB", "$2b$12$abcdef"]
)
def test_a_malformed_hash_verifies_nothing_and_needs_rehashing(stored: str) -> None:
    assert verify_password(stored, "whatever password") is False
    assert needs_rehash(stored)


def test_other_parameters_need_rehashing(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = hash_password("correct horse battery")
    assert not needs_rehash(stored)
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=8, parallelism=1)
    )
    assert needs_rehash(stored)
    assert verify_password(stored, "correct horse battery")


def test_verify_nothing_returns_quietly() -> None:
    verify_nothing("any password at all")


@pytest.mark.parametrize(
    ("password", "email", "fragment"),
    [
        ("short", None, "minstens 12 tekens"),
        ("x" * 11, None, "minstens 12 tekens"),
        ("x" * 1025, None, "hoogstens 1024 tekens"),
        ("123456789012345", None, "alleen uit cijfers"),
        ("Ans@Example.nl", "ans@example.nl", "e-mailadres"),
    ],
)
def test_weak_passwords_are_explained_in_dutch(
    password: str, email: str | None, fragment: str
) -> None:
    problem = password_problem(password, email)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize("password", ["x" * 12, "x" * 1024, "1234567890ab", "lang wachtwoord"])
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password, "ans@example.nl") is None

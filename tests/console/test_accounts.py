"""Operator accounts: adding, changing, logging in, API tokens; also on PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.engine import Engine

from cyberbot.console import passwords
from cyberbot.console.accounts import (
    AccountError,
    DuplicateEmailError,
    Operator,
    UnknownOperatorError,
    WeakPasswordError,
    add_operator,
    authenticate,
    create_api_token,
    get_operator,
    get_operator_by_id,
    list_operators,
    operator_for_token,
    revoke_tokens,
    set_active,
    set_password,
    set_role,
)
from cyberbot.console.models import api_tokens, operators
from cyberbot.console.sessions import create_session, session_for_cookie

PASSWORD = "lange zin als wachtwoord"
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


pytestmark = pytest.mark.usefixtures("cheap_hashing")


def stored_hash(engine: Engine, operator_id: int) -> str:
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(operators.c.password_hash).where(operators.c.id == operator_id)
            ).scalar_one()
        )


def test_an_operator_is_stored_with_a_lower_case_address(console_engine: Engine) -> None:
    added = add_operator(console_engine, "  Ans@Example.NL ", "admin", PASSWORD)
    assert added == Operator(id=added.id, email="ans@example.nl", role="admin", active=True)
    assert get_operator(console_engine, "ANS@example.nl") == added
    assert get_operator_by_id(console_engine, added.id) == added
    assert get_operator(console_engine, "bob@example.nl") is None
    assert get_operator_by_id(console_engine, added.id + 1) is None
    assert stored_hash(console_engine, added.id).startswith("$argon2id$")


@pytest.mark.parametrize(
    ("email", "role", "password", "error", "fragment"),
    [
        ("geen-adres", "operator", PASSWORD, AccountError, "geldig e-mailadres"),
        ("ans@localhost", "operator", PASSWORD, AccountError, "geldig e-mailadres"),
        ("a b@example.nl", "operator", PASSWORD, AccountError, "geldig e-mailadres"),
        ("ans@example.nl", "root", PASSWORD, AccountError, "Onbekende rol"),
        ("ans@example.nl", "operator", "kort", WeakPasswordError, "minstens 12"),
        ("ans@example.nl", "operator", "ANS@example.nl", WeakPasswordError, "e-mailadres"),
    ],
)
def test_invalid_accounts_are_refused_with_a_reason(
    console_engine: Engine,
    email: str,
    role: str,
    password: str,
    error: type[AccountError],
    fragment: str,
) -> None:
    with pytest.raises(error, match=fragment) as raised:
        add_operator(console_engine, email, role, password)
    assert isinstance(raised.value, ValueError)
    assert list_operators(console_engine) == []


def test_an_address_can_be_used_once(console_engine: Engine) -> None:
    add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    with pytest.raises(DuplicateEmailError, match="bestaat al"):
        add_operator(console_engine, "Ans@Example.nl", "admin", PASSWORD)
    assert len(list_operators(console_engine)) == 1


def test_the_listing_shows_every_account_with_its_dates(console_engine: Engine) -> None:
    bob = add_operator(console_engine, "bob@example.nl", "operator", PASSWORD, now=NOW)
    ans = add_operator(console_engine, "ans@example.nl", "admin", PASSWORD, now=NOW)
    set_active(console_engine, bob.id, False)
    authenticate(console_engine, "ans@example.nl", PASSWORD, now=NOW + timedelta(hours=1))
    listing = list_operators(console_engine)
    assert [(entry.email, entry.role, entry.active) for entry in listing] == [
        ("ans@example.nl", "admin", True),
        ("bob@example.nl", "operator", False),
    ]
    assert listing[0].id == ans.id and listing[0].created_at == NOW
    assert listing[0].last_login_at == NOW + timedelta(hours=1)
    assert listing[1].last_login_at is None


def test_role_changes(console_engine: Engine) -> None:
    ans = add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    assert set_role(console_engine, ans.id, "admin").role == "admin"
    assert get_operator(console_engine, "ans@example.nl") == Operator(
        ans.id, "ans@example.nl", "admin", True
    )
    with pytest.raises(AccountError, match="Onbekende rol"):
        set_role(console_engine, ans.id, "root")
    with pytest.raises(UnknownOperatorError):
        set_role(console_engine, ans.id + 1, "admin")


def test_login_needs_the_right_password_and_an_active_account(console_engine: Engine) -> None:
    ans = add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    assert authenticate(console_engine, " ANS@example.nl", PASSWORD, now=NOW) == ans
    assert list_operators(console_engine)[0].last_login_at == NOW
    assert authenticate(console_engine, "ans@example.nl", PASSWORD + "!") is None
    assert authenticate(console_engine, "ans@example.nl", "x" * 5000) is None
    set_active(console_engine, ans.id, False)
    assert authenticate(console_engine, "ans@example.nl", PASSWORD) is None
    assert set_active(console_engine, ans.id, True).active
    assert authenticate(console_engine, "ans@example.nl", PASSWORD) == ans


def test_every_failed_login_costs_one_verification(
    console_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown addresses and disabled accounts take as long as a wrong password."""
    ans = add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    set_active(console_engine, ans.id, False)
    calls: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, stored: str | bytes, password: str | bytes) -> Literal[True]:
            calls.append("verify")
            return super().verify(stored, password)

    monkeypatch.setattr(
        passwords, "HASHER", CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    assert authenticate(console_engine, "nobody@example.nl", PASSWORD) is None
    assert authenticate(console_engine, "ans@example.nl", PASSWORD) is None
    assert authenticate(console_engine, "ans@example.nl", "wrong password!") is None
    assert calls == ["verify"] * 3


def test_an_outdated_hash_is_replaced_at_login(
    console_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ans = add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    old = stored_hash(console_engine, ans.id)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    assert authenticate(console_engine, "ans@example.nl", PASSWORD) == ans
    new = stored_hash(console_engine, ans.id)
    assert new != old and not stronger.check_needs_rehash(new)
    assert authenticate(console_engine, "ans@example.nl", PASSWORD) == ans
    assert stored_hash(console_engine, ans.id) == new


def test_a_new_password_ends_the_other_sessions(console_engine: Engine) -> None:
    ans = add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    current = create_session(console_engine, ans.id)
    other = create_session(console_engine, ans.id)
    active = session_for_cookie(console_engine, current.cookie_value)
    assert active is not None
    with pytest.raises(WeakPasswordError):
        set_password(console_engine, ans.id, "1234567890123")
    set_password(console_engine, ans.id, "een heel nieuw wachtwoord", keep_session=active.id_hash)
    assert session_for_cookie(console_engine, current.cookie_value) is not None
    assert session_for_cookie(console_engine, other.cookie_value) is None
    assert authenticate(console_engine, "ans@example.nl", PASSWORD) is None
    assert authenticate(console_engine, "ans@example.nl", "een heel nieuw wachtwoord") == ans
    set_password(console_engine, ans.id, "nog een ander wachtwoord")
    assert session_for_cookie(console_engine, current.cookie_value) is None
    with pytest.raises(UnknownOperatorError):
        set_password(console_engine, ans.id + 1, "nog een ander wachtwoord")


def test_disabling_ends_every_session(console_engine: Engine) -> None:
    ans = add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    session = create_session(console_engine, ans.id)
    set_active(console_engine, ans.id, False)
    set_active(console_engine, ans.id, True)
    assert session_for_cookie(console_engine, session.cookie_value) is None


def test_an_api_token_is_shown_once_and_stored_as_a_hash(console_engine: Engine) -> None:
    ans = add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    token = create_api_token(console_engine, "ANS@example.nl")
    assert re.fullmatch(r"cbo_[A-Za-z0-9_-]{43}", token)
    with console_engine.connect() as connection:
        stored = connection.execute(select(api_tokens)).one()
    assert token not in str(tuple(stored)) and len(stored.token_hash) == 64
    assert operator_for_token(console_engine, token) == ans
    assert (
        operator_for_token(console_engine, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    )
    for malformed in ("", "cbo_", token + "x", "xyz_" + token[4:]):
        assert operator_for_token(console_engine, malformed) is None


def test_tokens_of_disabled_or_unknown_accounts(console_engine: Engine) -> None:
    ans = add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    token = create_api_token(console_engine, "ans@example.nl")
    set_active(console_engine, ans.id, False)
    assert operator_for_token(console_engine, token) is None
    with pytest.raises(AccountError, match="uitgeschakeld"):
        create_api_token(console_engine, "ans@example.nl")
    with pytest.raises(UnknownOperatorError):
        create_api_token(console_engine, "nobody@example.nl")
    set_active(console_engine, ans.id, True)
    assert operator_for_token(console_engine, token) == ans
    assert revoke_tokens(console_engine, ans.id) == 1
    assert operator_for_token(console_engine, token) is None


def test_token_use_is_written_at_most_once_a_minute(console_engine: Engine) -> None:
    add_operator(console_engine, "ans@example.nl", "operator", PASSWORD)
    token = create_api_token(console_engine, "ans@example.nl", now=NOW)

    def last_used() -> datetime | None:
        with console_engine.connect() as connection:
            value = connection.execute(select(api_tokens.c.last_used_at)).scalar_one()
        return value if isinstance(value, datetime) else None

    assert last_used() is None
    operator_for_token(console_engine, token, now=NOW)
    assert last_used() == NOW
    operator_for_token(console_engine, token, now=NOW + timedelta(seconds=59))
    assert last_used() == NOW
    operator_for_token(console_engine, token, now=NOW + timedelta(seconds=60))
    assert last_used() == NOW + timedelta(seconds=60)


# --- PostgreSQL ---------------------------------------------------------------------------


def test_accounts_and_sessions_on_postgresql(postgres_engine: Engine) -> None:
    ans = add_operator(postgres_engine, "Ans@Example.nl", "admin", PASSWORD, now=NOW)
    with pytest.raises(DuplicateEmailError):
        add_operator(postgres_engine, "ans@example.nl", "operator", PASSWORD)
    assert authenticate(postgres_engine, "ans@example.nl", PASSWORD, now=NOW) == ans
    assert list_operators(postgres_engine)[0].last_login_at == NOW

    token = create_api_token(postgres_engine, "ans@example.nl", now=NOW)
    assert operator_for_token(postgres_engine, token, now=NOW + timedelta(minutes=2)) == ans

    session = create_session(postgres_engine, ans.id, now=NOW)
    later = NOW + timedelta(hours=7)
    active = session_for_cookie(postgres_engine, session.cookie_value, now=later)
    assert active is not None and active.operator == ans
    assert active.csrf_token == session.csrf_token
    assert (
        session_for_cookie(postgres_engine, session.cookie_value, now=NOW + timedelta(hours=14))
        is None
    )

    second = create_session(postgres_engine, ans.id, now=NOW)
    set_active(postgres_engine, ans.id, False)
    assert session_for_cookie(postgres_engine, second.cookie_value, now=NOW) is None
    assert operator_for_token(postgres_engine, token) is None

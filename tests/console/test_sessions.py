"""Console sessions: cookie and CSRF token, idle and absolute expiry, disabled accounts."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from cyberbot.console.accounts import Operator, add_operator, set_active
from cyberbot.console.models import sessions
from cyberbot.console.sessions import (
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    create_session,
    csrf_ok,
    end_session,
    end_sessions_of,
    purge_expired,
    session_for_cookie,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture()
def ans(console_engine: Engine) -> Operator:
    return add_operator(console_engine, "ans@example.nl", "operator", "lange zin als wachtwoord")


def stored_sessions(engine: Engine) -> list[tuple[str, datetime]]:
    with engine.connect() as connection:
        rows = connection.execute(select(sessions.c.id_hash, sessions.c.last_seen_at)).all()
    return [(row.id_hash, row.last_seen_at) for row in rows]


def test_the_timeouts() -> None:
    assert (timedelta(hours=8), timedelta(hours=12)) == (IDLE_TIMEOUT, ABSOLUTE_TIMEOUT)


def test_a_session_is_stored_as_the_hash_of_its_cookie(
    console_engine: Engine, ans: Operator
) -> None:
    new = create_session(console_engine, ans.id, now=NOW)
    assert len(new.cookie_value) == 43 and len(new.csrf_token) == 43
    assert new.cookie_value != new.csrf_token
    id_hash = hashlib.sha256(new.cookie_value.encode()).hexdigest()
    assert stored_sessions(console_engine) == [(id_hash, NOW)]
    active = session_for_cookie(console_engine, new.cookie_value, now=NOW)
    assert active is not None
    assert (active.operator, active.csrf_token, active.id_hash) == (ans, new.csrf_token, id_hash)


@pytest.mark.parametrize("cookie", [None, "", "not-a-session"])
def test_unknown_cookies_open_nothing(
    console_engine: Engine, ans: Operator, cookie: str | None
) -> None:
    create_session(console_engine, ans.id, now=NOW)
    assert session_for_cookie(console_engine, cookie, now=NOW) is None


def test_a_session_ends_after_eight_idle_hours(console_engine: Engine, ans: Operator) -> None:
    new = create_session(console_engine, ans.id, now=NOW)
    seen = NOW + timedelta(hours=3)
    assert session_for_cookie(console_engine, new.cookie_value, now=seen) is not None
    # That request moved the idle limit on: 8 hours after it, not after the login.
    almost = seen + IDLE_TIMEOUT - timedelta(seconds=1)
    assert session_for_cookie(console_engine, new.cookie_value, now=almost) is not None

    idle = create_session(console_engine, ans.id, now=NOW)
    assert session_for_cookie(console_engine, idle.cookie_value, now=NOW + IDLE_TIMEOUT) is None
    # An expired session is deleted, so it stays closed.
    assert session_for_cookie(console_engine, idle.cookie_value, now=NOW) is None


def test_a_session_ends_twelve_hours_after_login_however_busy(
    console_engine: Engine, ans: Operator
) -> None:
    new = create_session(console_engine, ans.id, now=NOW)
    moment = NOW
    while moment < NOW + ABSOLUTE_TIMEOUT - timedelta(hours=1):
        moment += timedelta(hours=1)
        assert session_for_cookie(console_engine, new.cookie_value, now=moment) is not None
    assert session_for_cookie(console_engine, new.cookie_value, now=NOW + ABSOLUTE_TIMEOUT) is None


def test_last_seen_moves_at_most_once_a_minute(console_engine: Engine, ans: Operator) -> None:
    new = create_session(console_engine, ans.id, now=NOW)
    session_for_cookie(console_engine, new.cookie_value, now=NOW + timedelta(seconds=59))
    assert stored_sessions(console_engine)[0][1] == NOW
    session_for_cookie(console_engine, new.cookie_value, now=NOW + timedelta(seconds=60))
    assert stored_sessions(console_engine)[0][1] == NOW + timedelta(seconds=60)


def test_a_disabled_operator_has_no_session(console_engine: Engine, ans: Operator) -> None:
    new = create_session(console_engine, ans.id, now=NOW)
    set_active(console_engine, ans.id, False)
    assert session_for_cookie(console_engine, new.cookie_value, now=NOW) is None
    # Even a session made while disabled opens nothing.
    later = create_session(console_engine, ans.id, now=NOW)
    assert session_for_cookie(console_engine, later.cookie_value, now=NOW) is None


def test_logging_out(console_engine: Engine, ans: Operator) -> None:
    bob = add_operator(console_engine, "bob@example.nl", "admin", "lange zin als wachtwoord")
    first, second = (create_session(console_engine, ans.id, now=NOW) for _ in range(2))
    bobs = create_session(console_engine, bob.id, now=NOW)
    end_session(console_engine, first.cookie_value)
    assert session_for_cookie(console_engine, first.cookie_value, now=NOW) is None
    assert session_for_cookie(console_engine, second.cookie_value, now=NOW) is not None
    assert end_sessions_of(console_engine, ans.id) == 1
    assert session_for_cookie(console_engine, second.cookie_value, now=NOW) is None
    assert session_for_cookie(console_engine, bobs.cookie_value, now=NOW) is not None


def test_purging_expired_sessions(console_engine: Engine, ans: Operator) -> None:
    old = create_session(console_engine, ans.id, now=NOW - ABSOLUTE_TIMEOUT)
    idle = create_session(console_engine, ans.id, now=NOW - IDLE_TIMEOUT)
    fresh = create_session(console_engine, ans.id, now=NOW - timedelta(hours=1))
    assert purge_expired(console_engine, NOW) == 2
    assert [id_hash for id_hash, _ in stored_sessions(console_engine)] == [
        hashlib.sha256(fresh.cookie_value.encode()).hexdigest()
    ]
    assert session_for_cookie(console_engine, old.cookie_value, now=NOW) is None
    assert session_for_cookie(console_engine, idle.cookie_value, now=NOW) is None


@pytest.mark.parametrize(
    ("expected", "given", "ok"),
    [
        ("token-abc", "token-abc", True),
        ("token-abc", "token-abd", False),
        ("token-abc", "token-ab", False),
        ("token-abc", None, False),
        ("token-abc", "", False),
        (None, None, False),
        ("", "", False),
        ("token-abc", "tökén-abc", False),
    ],
)
def test_csrf_tokens_are_compared_safely(expected: str | None, given: str | None, ok: bool) -> None:
    assert csrf_ok(expected, given) is ok

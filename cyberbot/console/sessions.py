"""Login sessions of the web console, kept in the database for every console process.

The cookie holds 32 random bytes; the table holds only their SHA-256, so a copy of the
database opens no session. A session ends after ``IDLE_TIMEOUT`` without requests and
in any case ``ABSOLUTE_TIMEOUT`` after the login. Each session has its own CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Engine

from cyberbot.console.accounts import Operator
from cyberbot.console.models import operators, sessions

IDLE_TIMEOUT = timedelta(hours=8)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# last_seen_at is written at most this often, not on every request.
SLIDE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewSession:
    """What to send to the browser: the cookie value and the CSRF token for its forms."""

    cookie_value: str
    csrf_token: str


@dataclass(frozen=True)
class ActiveSession:
    operator: Operator
    csrf_token: str
    # Names the session without its cookie value, e.g. to keep it when others end.
    id_hash: str


def create_session(engine: Engine, operator_id: int, now: datetime | None = None) -> NewSession:
    now = now or _now()
    new = NewSession(cookie_value=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32))
    with engine.begin() as connection:
        connection.execute(
            insert(sessions).values(
                id_hash=_id_hash(new.cookie_value),
                operator_id=operator_id,
                csrf_token=new.csrf_token,
                created_at=now,
                expires_at=now + ABSOLUTE_TIMEOUT,
                last_seen_at=now,
            )
        )
    return new


def session_for_cookie(
    engine: Engine, cookie_value: str | None, now: datetime | None = None
) -> ActiveSession | None:
    """The session the cookie opens, or None when it is unknown, expired or disabled.

    An expired session is deleted when it is seen.
    """
    if not cookie_value:
        return None
    now = now or _now()
    id_hash = _id_hash(cookie_value)
    with engine.connect() as connection:
        row = connection.execute(
            select(
                sessions.c.csrf_token,
                sessions.c.expires_at,
                sessions.c.last_seen_at,
                operators.c.id,
                operators.c.email,
                operators.c.role,
                operators.c.active,
            )
            .join(operators, operators.c.id == sessions.c.operator_id)
            .where(sessions.c.id_hash == id_hash)
        ).first()
    if row is None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= IDLE_TIMEOUT:
        with engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.id_hash == id_hash))
        return None
    if not row.active:
        return None
    if now - row.last_seen_at >= SLIDE_RESOLUTION:
        with engine.begin() as connection:
            connection.execute(
                update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=now)
            )
    operator = Operator(id=row.id, email=row.email, role=row.role, active=True)
    return ActiveSession(operator=operator, csrf_token=row.csrf_token, id_hash=id_hash)


def end_session(engine: Engine, cookie_value: str) -> None:
    """Log out: the cookie opens nothing any more."""
    with engine.begin() as connection:
        connection.execute(delete(sessions).where(sessions.c.id_hash == _id_hash(cookie_value)))


def end_sessions_of(engine: Engine, operator_id: int) -> int:
    """End every session of the operator; returns how many there were."""
    with engine.begin() as connection:
        result = connection.execute(delete(sessions).where(sessions.c.operator_id == operator_id))
    return int(result.rowcount)


def purge_expired(engine: Engine, now: datetime) -> int:
    """Delete the sessions that have expired by ``now``; returns how many."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(sessions).where(
                or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= now - IDLE_TIMEOUT)
            )
        )
    return int(result.rowcount)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's, compared in constant time."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _id_hash(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)

"""Operator accounts: adding and changing them, logging in, and API tokens.

The e-mail address is the login name and is kept in lower case. An API token is shown
once when it is made; only its SHA-256 is stored, so a token is found by the hash of what
the client sends and never compared character by character.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from cyberbot.console.models import ROLES, api_tokens, operators, sessions
from cyberbot.console.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_nothing,
    verify_password,
)

TOKEN_PREFIX = "cbo_"
# 32 random bytes, urlsafe base64 without padding.
_TOKEN_BODY_LENGTH = 43
# last_used_at is written at most this often, not on every request.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_MAX_EMAIL_LENGTH = 320


class AccountError(ValueError):
    """A change to an account that cannot be made; the message (Dutch) says why."""


class DuplicateEmailError(AccountError):
    """Another operator already has this e-mail address."""


class WeakPasswordError(AccountError):
    """The password does not meet the rules of ``password_problem``."""


class UnknownOperatorError(AccountError):
    """No operator has this e-mail address or id."""


@dataclass(frozen=True)
class Operator:
    id: int
    email: str
    role: str
    active: bool


@dataclass(frozen=True)
class OperatorListing(Operator):
    """An operator with the dates shown in an overview of the accounts."""

    created_at: datetime
    last_login_at: datetime | None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def add_operator(
    engine: Engine, email: str, role: str, password: str, now: datetime | None = None
) -> Operator:
    """Store a new, active operator; raises an ``AccountError`` when that is not possible."""
    email = normalise_email(email)
    if len(email) > _MAX_EMAIL_LENGTH or not _EMAIL_SHAPE.fullmatch(email):
        raise AccountError("Voer een geldig e-mailadres in.")
    _check_role(role)
    problem = password_problem(password, email)
    if problem:
        raise WeakPasswordError(problem)
    password_hash = hash_password(password)
    try:
        with engine.begin() as connection:
            if _row_by_email(connection, email) is not None:
                raise _duplicate(email)
            result = connection.execute(
                insert(operators).values(
                    email=email,
                    role=role,
                    password_hash=password_hash,
                    active=True,
                    created_at=now or _now(),
                )
            )
    except IntegrityError as error:  # added by another process at the same moment
        raise _duplicate(email) from error
    return Operator(id=int(result.inserted_primary_key[0]), email=email, role=role, active=True)


def get_operator(engine: Engine, email: str) -> Operator | None:
    with engine.connect() as connection:
        row = _row_by_email(connection, normalise_email(email))
    return _operator(row) if row is not None else None


def get_operator_by_id(engine: Engine, operator_id: int) -> Operator | None:
    with engine.connect() as connection:
        row = connection.execute(select(operators).where(operators.c.id == operator_id)).first()
    return _operator(row) if row is not None else None


def list_operators(engine: Engine) -> list[OperatorListing]:
    """Every operator, active or not, by e-mail address."""
    with engine.connect() as connection:
        rows = connection.execute(select(operators).order_by(operators.c.email)).all()
    return [
        OperatorListing(
            id=row.id,
            email=row.email,
            role=row.role,
            active=bool(row.active),
            created_at=row.created_at,
            last_login_at=row.last_login_at,
        )
        for row in rows
    ]


def set_role(engine: Engine, operator_id: int, role: str) -> Operator:
    _check_role(role)
    return _update(engine, operator_id, role=role)


def set_active(engine: Engine, operator_id: int, active: bool) -> Operator:
    """Enable or disable an account; disabling also ends all its sessions at once."""
    with engine.begin() as connection:
        operator = _update_in(connection, operator_id, active=active)
        if not active:
            connection.execute(delete(sessions).where(sessions.c.operator_id == operator_id))
    return operator


def set_password(
    engine: Engine, operator_id: int, password: str, keep_session: str | None = None
) -> Operator:
    """Store a new password and end every session but ``keep_session`` (an ``id_hash``).

    Whoever may have learned the old password is logged out; the operator who changes
    it stays logged in.
    """
    operator = get_operator_by_id(engine, operator_id)
    if operator is None:
        raise UnknownOperatorError("Deze operator bestaat niet.")
    problem = password_problem(password, operator.email)
    if problem:
        raise WeakPasswordError(problem)
    password_hash = hash_password(password)
    with engine.begin() as connection:
        operator = _update_in(connection, operator_id, password_hash=password_hash)
        others = delete(sessions).where(sessions.c.operator_id == operator_id)
        if keep_session is not None:
            others = others.where(sessions.c.id_hash != keep_session)
        connection.execute(others)
    return operator


def authenticate(
    engine: Engine, email: str, password: str, now: datetime | None = None
) -> Operator | None:
    """The active operator with this e-mail address and password, or None.

    Unknown addresses and disabled accounts cost one Argon2 verification like any other
    attempt. A hash made with outdated parameters is replaced by a fresh one.
    """
    if len(password) > MAX_PASSWORD_LENGTH:  # no account can have such a password
        return None
    with engine.connect() as connection:
        row = _row_by_email(connection, normalise_email(email))
    if row is None:
        verify_nothing(password)
        return None
    if not verify_password(row.password_hash, password) or not row.active:
        return None
    changes: dict[str, Any] = {"last_login_at": now or _now()}
    if needs_rehash(row.password_hash):
        changes["password_hash"] = hash_password(password)
    with engine.begin() as connection:
        connection.execute(update(operators).where(operators.c.id == row.id).values(**changes))
    return _operator(row)


def create_api_token(engine: Engine, operator_email: str, now: datetime | None = None) -> str:
    """A new API token for the operator; it is returned once and cannot be recovered."""
    operator = get_operator(engine, operator_email)
    if operator is None:
        raise UnknownOperatorError("Er bestaat geen operator met dit e-mailadres.")
    if not operator.active:
        raise AccountError("Dit account is uitgeschakeld; maak het eerst weer actief.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(
            insert(api_tokens).values(
                operator_id=operator.id, token_hash=_sha256(token), created_at=now or _now()
            )
        )
    return token


def operator_for_token(engine: Engine, token: str, now: datetime | None = None) -> Operator | None:
    """The active operator an API token belongs to, or None for an unknown token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) != len(TOKEN_PREFIX) + _TOKEN_BODY_LENGTH:
        return None
    now = now or _now()
    token_hash = _sha256(token)
    with engine.connect() as connection:
        row = connection.execute(
            select(operators, api_tokens.c.last_used_at)
            .join(api_tokens, api_tokens.c.operator_id == operators.c.id)
            .where(api_tokens.c.token_hash == token_hash, operators.c.active.is_(True))
        ).first()
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION:
        with engine.begin() as connection:
            connection.execute(
                update(api_tokens)
                .where(api_tokens.c.token_hash == token_hash)
                .values(last_used_at=now)
            )
    return _operator(row)


def revoke_tokens(engine: Engine, operator_id: int) -> int:
    """Delete every API token of the operator; returns how many there were."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(api_tokens).where(api_tokens.c.operator_id == operator_id)
        )
    return int(result.rowcount)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"Onbekende rol {role!r}; kies uit: {', '.join(ROLES)}.")


def _duplicate(email: str) -> DuplicateEmailError:
    return DuplicateEmailError(f"Er bestaat al een operator met het e-mailadres {email}.")


def _update(engine: Engine, operator_id: int, **values: Any) -> Operator:
    with engine.begin() as connection:
        return _update_in(connection, operator_id, **values)


def _update_in(connection: Connection, operator_id: int, **values: Any) -> Operator:
    connection.execute(update(operators).where(operators.c.id == operator_id).values(**values))
    row = connection.execute(select(operators).where(operators.c.id == operator_id)).first()
    if row is None:
        raise UnknownOperatorError("Deze operator bestaat niet.")
    return _operator(row)


def _row_by_email(connection: Connection, email: str) -> Any:
    return connection.execute(select(operators).where(operators.c.email == email)).first()


def _operator(row: Any) -> Operator:
    return Operator(id=row.id, email=row.email, role=row.role, active=bool(row.active))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)

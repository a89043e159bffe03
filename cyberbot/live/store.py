"""Hand-offs and operator availability, as plain functions on the shared database.

Every change is one conditional UPDATE (or an INSERT guarded by the unique index of
open hand-offs), so replicas and console processes acting at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from cyberbot.live.models import (
    ACTIVE,
    CLOSED,
    OPEN_STATUSES,
    WAITING,
    WITHDRAWN,
    handoffs,
    presence,
)

MAX_NAME_CHARS = 64


@dataclass(frozen=True)
class Handoff:
    conversation_id: str
    channel: str
    status: str
    requested_at: datetime
    claimed_at: datetime | None
    ended_at: datetime | None
    operator_id: int | None
    operator_email: str | None
    operator_name: str | None


@dataclass(frozen=True)
class LiveOperator:
    """The operator acting in the console or the API."""

    id: int
    email: str
    is_admin: bool
    name: str


class HandoffError(Exception):
    """A hand-off request that cannot be carried out; ``code`` is the API's error code."""

    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class HandoffNotFoundError(HandoffError):
    status = 404


def first_name(email: str) -> str:
    """A display name from an e-mail address: "eva.de.vries@…" → "Eva"."""
    local = email.split("@", 1)[0]
    word = next((part for part in local.replace("_", ".").replace("-", ".").split(".")
                 if part.isalpha()), local)
    return word[:MAX_NAME_CHARS].capitalize() or "Adviseur"


def clean_name(name: str) -> str:
    """A display name on one line, without control characters, at most 64 characters."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())
    return text[:MAX_NAME_CHARS].rstrip()


# Availability -------------------------------------------------------------------------


def set_availability(engine: Engine, operator: LiveOperator, available: bool,
                     now: datetime) -> None:
    with engine.begin() as connection:
        _update_presence(connection, operator, available=available, seen_at=now,
                         display_name=operator.name)


def seen(engine: Engine, operator: LiveOperator, now: datetime) -> None:
    """The operator is at work (their live page checks in, or they claim or write):
    keeps an availability from going idle and their conversations from being handed back.
    Records them as unavailable when they never said otherwise."""
    with engine.begin() as connection:
        _update_presence(connection, operator, seen_at=now)


def _update_presence(connection: Connection, operator: LiveOperator, **changes: Any) -> None:
    """Apply ``changes`` to the operator's presence, creating it (unavailable unless the
    changes say otherwise) on their first call; when a parallel first call inserted it
    meanwhile, the changes are applied to that row."""
    change = update(presence).where(presence.c.operator_id == operator.id).values(**changes)
    if connection.execute(change).rowcount:
        return
    try:
        with connection.begin_nested():
            connection.execute(insert(presence).values(
                {"operator_id": operator.id, "display_name": operator.name,
                 "available": False, **changes}))
    except IntegrityError:
        connection.execute(change)


def is_available(engine: Engine, operator_id: int, now: datetime, idle_after: timedelta) -> bool:
    with engine.connect() as connection:
        row = connection.execute(
            select(presence.c.available, presence.c.seen_at)
            .where(presence.c.operator_id == operator_id)
        ).first()
    return bool(row and row.available and row.seen_at >= now - idle_after)


def available_operators(engine: Engine, now: datetime, idle_after: timedelta) -> int:
    """Operators marked available whose console was seen within ``idle_after``."""
    with engine.connect() as connection:
        return int(connection.execute(
            select(func.count()).select_from(presence).where(
                presence.c.available.is_(True), presence.c.seen_at >= now - idle_after)
        ).scalar_one())


# Hand-offs ----------------------------------------------------------------------------


def _handoff(row: Row) -> Handoff:
    return Handoff(
        conversation_id=row.conversation_id, channel=row.channel, status=row.status,
        requested_at=row.requested_at, claimed_at=row.claimed_at, ended_at=row.ended_at,
        operator_id=row.operator_id, operator_email=row.operator_email,
        operator_name=row.operator_name,
    )


def _open(connection: Connection, conversation_id: str) -> Handoff | None:
    row = connection.execute(
        select(handoffs).where(handoffs.c.conversation_id == conversation_id,
                               handoffs.c.status.in_(OPEN_STATUSES))
    ).first()
    return None if row is None else _handoff(row)


def open_handoff(engine: Engine, conversation_id: str) -> Handoff | None:
    """The conversation's waiting or active hand-off."""
    with engine.connect() as connection:
        return _open(connection, conversation_id)


def is_paused(engine: Engine, conversation_id: str) -> bool:
    """True while an operator has the conversation: the bot must not answer."""
    found = open_handoff(engine, conversation_id)
    return found is not None and found.status == ACTIVE


def request_handoff(engine: Engine, conversation_id: str, channel: str,
                    now: datetime) -> tuple[Handoff, bool]:
    """Open a waiting hand-off, or return the open one; True when it is new."""
    with engine.begin() as connection:
        existing = _open(connection, conversation_id)
        if existing is not None:
            return existing, False
        try:
            with connection.begin_nested():
                connection.execute(insert(handoffs).values(
                    conversation_id=conversation_id, channel=channel, status=WAITING,
                    requested_at=now))
        except IntegrityError:
            found = _open(connection, conversation_id)
            if found is None:
                raise
            return found, False
        created = _open(connection, conversation_id)
        assert created is not None
        return created, True


def queue_position(engine: Engine, conversation_id: str) -> int:
    """1 for the longest-waiting visitor; 0 when the conversation is not waiting."""
    with engine.connect() as connection:
        mine = connection.execute(
            select(handoffs.c.requested_at).where(handoffs.c.conversation_id == conversation_id,
                                                  handoffs.c.status == WAITING)
        ).scalar_one_or_none()
        if mine is None:
            return 0
        return int(connection.execute(
            select(func.count()).select_from(handoffs)
            .where(handoffs.c.status == WAITING, handoffs.c.requested_at <= mine)
        ).scalar_one())


def recently_withdrawn(engine: Engine, conversation_id: str, now: datetime,
                       cooldown: timedelta) -> bool:
    with engine.connect() as connection:
        return connection.execute(
            select(handoffs.c.id).where(
                handoffs.c.conversation_id == conversation_id, handoffs.c.status == WITHDRAWN,
                handoffs.c.ended_at >= now - cooldown).limit(1)
        ).first() is not None


def list_handoffs(engine: Engine, ended_since: datetime, limit: int = 200) -> list[Handoff]:
    """Open hand-offs (oldest first), then those that ended since ``ended_since``."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(handoffs).where(or_(handoffs.c.status.in_(OPEN_STATUSES),
                                       handoffs.c.ended_at >= ended_since))
            .order_by(handoffs.c.requested_at, handoffs.c.id).limit(limit)
        ).all()
    found = [_handoff(row) for row in rows]
    return sorted(found, key=lambda h: h.status not in OPEN_STATUSES)


def latest_handoff(engine: Engine, conversation_id: str) -> Handoff | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(handoffs).where(handoffs.c.conversation_id == conversation_id)
            .order_by(handoffs.c.id.desc()).limit(1)
        ).first()
    return None if row is None else _handoff(row)


def _current(connection: Connection, conversation_id: str) -> Handoff:
    found = _open(connection, conversation_id)
    if found is not None:
        return found
    exists = connection.execute(
        select(handoffs.c.id).where(handoffs.c.conversation_id == conversation_id).limit(1)
    ).first()
    if exists is None:
        raise HandoffNotFoundError("not_found", "No hand-off for this conversation.")
    raise HandoffError("handoff_ended", "This conversation's hand-off has already ended.")


def claim(engine: Engine, conversation_id: str, operator: LiveOperator,
          now: datetime) -> tuple[Handoff, Handoff]:
    """Claim the conversation: (before, after). Admins may take over an active one."""
    with engine.begin() as connection:
        before = _current(connection, conversation_id)
        if before.status == ACTIVE and before.operator_id == operator.id:
            return before, before
        if before.status == ACTIVE and not operator.is_admin:
            raise HandoffError("held_by_another_operator",
                               "Another operator has this conversation.")
        changed = connection.execute(
            update(handoffs).where(
                handoffs.c.conversation_id == conversation_id,
                handoffs.c.status == before.status,
                # The holder we read: a parallel claim changed it, and then loses here.
                handoffs.c.operator_id.is_(None) if before.operator_id is None
                else handoffs.c.operator_id == before.operator_id,
            ).values(status=ACTIVE, claimed_at=now, operator_id=operator.id,
                     operator_email=operator.email, operator_name=operator.name)
        ).rowcount
        if not changed:
            raise HandoffError("held_by_another_operator",
                               "Another operator claimed this conversation first.")
        after = _open(connection, conversation_id)
        assert after is not None
        return before, after


def undo_claim(engine: Engine, before: Handoff, operator: LiveOperator) -> None:
    """Put the hand-off back as ``before`` while ``operator`` still holds it from their
    claim: the visitor was not told, so a new claim must tell them."""
    with engine.begin() as connection:
        connection.execute(
            update(handoffs).where(
                handoffs.c.conversation_id == before.conversation_id,
                handoffs.c.status == ACTIVE,
                handoffs.c.operator_id == operator.id,
            ).values(status=before.status, claimed_at=before.claimed_at,
                     operator_id=before.operator_id, operator_email=before.operator_email,
                     operator_name=before.operator_name)
        )


def held(engine: Engine, conversation_id: str, operator: LiveOperator) -> Handoff:
    """The conversation's active hand-off when ``operator`` holds it; else an error."""
    with engine.connect() as connection:
        found = _current(connection, conversation_id)
    if found.status != ACTIVE:
        raise HandoffError("not_claimed", "Claim this conversation before writing to it.")
    if found.operator_id != operator.id:
        raise HandoffError("held_by_another_operator",
                           "Another operator has this conversation.")
    return found


def release(engine: Engine, conversation_id: str, operator: LiveOperator,
            now: datetime) -> Handoff:
    """End an active hand-off (its holder, or an admin) or a waiting one (anyone)."""
    with engine.begin() as connection:
        found = _current(connection, conversation_id)
        if found.status == ACTIVE and found.operator_id != operator.id \
                and not operator.is_admin:
            raise HandoffError("held_by_another_operator",
                               "Another operator has this conversation.")
        changed = connection.execute(
            update(handoffs).where(handoffs.c.conversation_id == conversation_id,
                                   handoffs.c.status == found.status)
            .values(status=CLOSED, ended_at=now)
        ).rowcount
        if not changed:
            raise HandoffError("handoff_ended", "This conversation's hand-off has already ended.")
    return Handoff(**{**found.__dict__, "status": CLOSED, "ended_at": now})


def withdraw_expired(engine: Engine, now: datetime, timeout: timedelta) -> list[Handoff]:
    """Withdraw the waiting hand-offs nobody claimed within ``timeout``; the ones this
    call withdrew (another process withdrawing the same one gets it, not this one)."""
    with engine.connect() as connection:
        due = [_handoff(row) for row in connection.execute(
            select(handoffs).where(handoffs.c.status == WAITING,
                                   handoffs.c.requested_at <= now - timeout)
        ).all()]
    withdrawn = []
    for handoff in due:
        with engine.begin() as connection:
            changed = connection.execute(
                update(handoffs).where(and_(
                    handoffs.c.conversation_id == handoff.conversation_id,
                    handoffs.c.status == WAITING))
                .values(status=WITHDRAWN, ended_at=now)
            ).rowcount
        if changed:
            withdrawn.append(Handoff(**{**handoff.__dict__, "status": WITHDRAWN,
                                        "ended_at": now}))
    return withdrawn


def release_abandoned(engine: Engine, now: datetime, idle_after: timedelta) -> list[Handoff]:
    """Close the active hand-offs whose operator's console has been gone for
    ``idle_after``: a visitor is never left with a silent bot. Each is closed by exactly
    one caller."""
    with engine.connect() as connection:
        held_by_gone = [_handoff(row) for row in connection.execute(
            select(handoffs).join(presence, presence.c.operator_id == handoffs.c.operator_id,
                                  isouter=True)
            .where(handoffs.c.status == ACTIVE,
                   or_(presence.c.seen_at.is_(None), presence.c.seen_at < now - idle_after),
                   handoffs.c.claimed_at < now - idle_after)
        ).all()]
    closed = []
    for handoff in held_by_gone:
        with engine.begin() as connection:
            changed = connection.execute(
                update(handoffs).where(handoffs.c.conversation_id == handoff.conversation_id,
                                       handoffs.c.status == ACTIVE,
                                       handoffs.c.operator_id == handoff.operator_id)
                .values(status=CLOSED, ended_at=now)
            ).rowcount
        if changed:
            closed.append(Handoff(**{**handoff.__dict__, "status": CLOSED, "ended_at": now}))
    return closed


def forget_handoffs(connection: Connection, conversation_ids: set[str]) -> int:
    """Delete the hand-offs of ``conversation_ids`` (erasure), on a database at the newest
    migration (``forget`` migrates before it erases)."""
    if not conversation_ids:
        return 0
    return int(connection.execute(
        delete(handoffs).where(handoffs.c.conversation_id.in_(conversation_ids))).rowcount)

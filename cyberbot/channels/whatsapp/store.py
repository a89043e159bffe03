"""What the WhatsApp channel keeps, in the leads database (DATABASE_URL).

Several Rasa replicas share these tables, so nothing lives in process memory:

- ``whatsapp_inbox``: one row per received message id. Meta resends a delivery until it
  is acknowledged, also to another replica; the row's primary key lets exactly one
  insert win. The parsed message (``payload``) stays until it has been handled, so that
  a message whose handling was interrupted can be handled after a restart; a lease
  (``lease_until``, ``lease_owner``) keeps two processes from handling it at once.
- ``whatsapp_conversations``: the time of each user's last message, for the 24-hour
  window in which free-form replies are allowed.
- ``whatsapp_statuses``: Meta's sent/delivered/read/failed callbacks, without the
  recipient's number.

Conversation ids are the users' WhatsApp ids (phone numbers): ``forget_conversations``
erases them. Message ids ("wamid.") encode the number as well: do not log them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from cyberbot.db.engine import get_engine
from cyberbot.db.schema import ensure_schema
from cyberbot.leads.models import UTCDateTime

INBOX_STATUSES = ("pending", "done", "failed")
LEASE = timedelta(minutes=2)
WINDOW = timedelta(hours=24)

whatsapp_metadata = MetaData()

inbox = Table(
    "whatsapp_inbox",
    whatsapp_metadata,
    Column("message_id", String(128), primary_key=True),
    # The sender's WhatsApp id: personal data.
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    # The parsed message, needed to handle it again; cleared once it is done or failed.
    Column("payload", JSON),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", UTCDateTime),
    Column("lease_owner", String(64)),
    # Why handling failed for good: a short reason without personal data.
    Column("last_error", String(200)),
)

conversations = Table(
    "whatsapp_conversations",
    whatsapp_metadata,
    Column("conversation_id", String(64), primary_key=True),
    Column("last_inbound_at", UTCDateTime, nullable=False),
)

statuses = Table(
    "whatsapp_statuses",
    whatsapp_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(128), nullable=False, index=True),
    # sent, delivered, read or failed
    Column("status", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("error_code", Integer),
    Column("error_title", String(200)),
)

# INSERT ... ON CONFLICT of the two supported databases.
_INSERTS: dict[str, Callable[[Table], Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}

def get_whatsapp_engine(url: str | None = None) -> Engine:
    """The leads database's engine (DATABASE_URL by default) with the WhatsApp tables
    (``get_engine`` brings its database to the newest migration)."""
    return get_engine(url)


def record_inbound(
    engine: Engine,
    message_id: str,
    conversation_id: str,
    received_at: datetime,
    payload: dict[str, Any],
) -> bool:
    """Put a received message in the inbox; False if its id is known already (a resend).

    The inbox row and the conversation's window move together in one transaction. Two
    processes inserting the same id at once get one True between them.
    """
    insert = _insert_for(engine)
    with engine.begin() as connection:
        inserted = connection.execute(
            insert(inbox)
            .values(
                message_id=message_id,
                conversation_id=conversation_id,
                received_at=received_at,
                status="pending",
                payload=payload,
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=[inbox.c.message_id])
        ).rowcount
        if inserted != 1:
            return False
        upsert = insert(conversations).values(
            conversation_id=conversation_id, last_inbound_at=received_at
        )
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=[conversations.c.conversation_id],
                set_={"last_inbound_at": upsert.excluded.last_inbound_at},
                # Never backwards: messages may arrive out of order.
                where=conversations.c.last_inbound_at < upsert.excluded.last_inbound_at,
            )
        )
    return True


def claim(
    engine: Engine,
    message_id: str,
    owner: str,
    lease: timedelta = LEASE,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """The message's payload if ``owner`` may handle it now, counting an attempt.

    It may when the message is pending and not leased by another owner (or that lease
    has run out); the conditional UPDATE's row count decides, across processes.
    """
    now = now or _utcnow()
    with engine.begin() as connection:
        claimed = connection.execute(
            update(inbox)
            .where(
                inbox.c.message_id == message_id,
                inbox.c.status == "pending",
                or_(
                    inbox.c.lease_until.is_(None),
                    inbox.c.lease_until < now,
                    inbox.c.lease_owner == owner,
                ),
            )
            .values(attempts=inbox.c.attempts + 1, lease_until=now + lease, lease_owner=owner)
        ).rowcount
        if claimed != 1:
            return None
        payload = connection.execute(
            select(inbox.c.payload).where(inbox.c.message_id == message_id)
        ).scalar_one()
    return dict(payload) if isinstance(payload, dict) else None


def attempts(engine: Engine, message_id: str) -> int:
    """How often the message has been claimed; 0 for an unknown id."""
    with engine.connect() as connection:
        count = connection.execute(
            select(inbox.c.attempts).where(inbox.c.message_id == message_id)
        ).scalar_one_or_none()
    return int(count or 0)


def mark_done(engine: Engine, message_id: str) -> None:
    """The message has been handled: its payload is no longer kept."""
    _finish(engine, message_id, status="done", last_error=None)


def mark_failed(engine: Engine, message_id: str, reason: str) -> None:
    """Give up on the message (after the last attempt); ``reason`` holds no personal data."""
    _finish(engine, message_id, status="failed", last_error=reason[:200])


def pending_ids(engine: Engine, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Messages still pending, received more than ``older_than`` ago, and not leased:
    their handling was interrupted (a crash, a restart) and can be taken up again."""
    now = now or _utcnow()
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(inbox.c.message_id)
                .where(
                    inbox.c.status == "pending",
                    inbox.c.received_at < now - older_than,
                    or_(inbox.c.lease_until.is_(None), inbox.c.lease_until < now),
                )
                .order_by(inbox.c.received_at, inbox.c.message_id)
            ).scalars()
        )


def last_inbound(engine: Engine, conversation_id: str) -> datetime | None:
    """When the user last wrote; None if never (or erased)."""
    with engine.connect() as connection:
        moment: datetime | None = connection.execute(
            select(conversations.c.last_inbound_at).where(
                conversations.c.conversation_id == conversation_id
            )
        ).scalar_one_or_none()
    return moment


def within_window(
    engine: Engine,
    conversation_id: str,
    now: datetime | None = None,
    window: timedelta = WINDOW,
) -> bool:
    """Whether a free-form message may go out: the user wrote less than ``window`` ago."""
    last = last_inbound(engine, conversation_id)
    return last is not None and (now or _utcnow()) - last < window


def record_status(
    engine: Engine,
    message_id: str,
    status: str,
    at: datetime,
    error_code: int | None = None,
    error_title: str | None = None,
) -> None:
    """Keep one of Meta's status callbacks (they may come in any order)."""
    with engine.begin() as connection:
        connection.execute(
            statuses.insert().values(
                message_id=message_id,
                status=status,
                at=at,
                error_code=error_code,
                error_title=error_title[:200] if error_title else None,
            )
        )


def forget_conversations(
    connection_or_engine: Connection | Engine, conversation_ids: Collection[str]
) -> int:
    """Delete the inbox and window rows of ``conversation_ids``; returns how many.

    An engine's database is brought to the newest migration first; a connection's must be
    there already (``forget`` migrates before it erases).
    """
    if not conversation_ids:
        return 0
    if isinstance(connection_or_engine, Engine):
        ensure_schema(connection_or_engine)
        with connection_or_engine.begin() as connection:
            return forget_conversations(connection, conversation_ids)
    ids = sorted(set(conversation_ids))
    return sum(
        int(connection_or_engine.execute(
            delete(table).where(table.c.conversation_id.in_(ids))).rowcount)
        for table in (inbox, conversations)
    )


def _finish(engine: Engine, message_id: str, *, status: str, last_error: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(inbox)
            .where(inbox.c.message_id == message_id)
            .values(
                status=status,
                payload=None,
                lease_until=None,
                lease_owner=None,
                last_error=last_error,
            )
        )


def _insert_for(engine: Engine) -> Callable[[Table], Any]:
    try:
        return _INSERTS[engine.dialect.name]
    except KeyError:
        raise RuntimeError(
            f"The WhatsApp store needs SQLite or PostgreSQL, not {engine.dialect.name}"
        ) from None


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)

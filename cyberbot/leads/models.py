"""Tables of the leads database: the leads themselves and the outbox that hands them over.

An outbox row holds no copy of the personal data: the message is built from the lead at
delivery time, so erasing a lead (which cascades to its outbox rows) erases everything.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

KINDS = ("quote", "callback")
INSURERS = ("aig", "hiscox", "chubb", "none")
DESTINATIONS = ("webhook", "email")
OUTBOX_STATUSES = ("pending", "delivered", "failed")
LEAD_STATUSES = ("nieuw", "in behandeling", "afgerond")


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite keeps no time zone, so values are stored as naive UTC there and made aware
    again on the way out; PostgreSQL stores ``timestamp with time zone``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware datetimes")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


metadata = MetaData()

leads = Table(
    "leads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # "CV-<year>-<id>", set in the transaction that inserts the row (the id comes first).
    Column("reference", String(32), unique=True),
    Column("kind", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("channel", String(64), nullable=False),
    Column("contact_name", String(200), nullable=False),
    Column("contact_email", String(320), index=True),
    Column("contact_phone", String(32)),
    Column("company_name", String(200)),
    Column("preferred_insurer", String(16)),
    Column("callback_moment", Text),
    Column("profile", JSON, nullable=False),
    Column("recommendation", JSON, nullable=False),
    # The basis of the comparison for the adviser's demands-and-needs statement (IDD art.
    # 20): per insurer the reasons it was ranked on the visitor's answers, who was left out
    # and why, and the caveats. The answers themselves are in ``profile``.
    Column("advice_basis", JSON),
    Column("status", String(32), nullable=False, default="nieuw", server_default="nieuw"),
    # When the outbox worker gave the lead its deliveries (cyberbot/leads/dispatch.py);
    # empty until then. The action server only stores the lead.
    Column("dispatched_at", UTCDateTime, index=True),
)

outbox = Table(
    "outbox",
    metadata,
    # A uuid4 that doubles as the idempotency key sent to the receivers.
    Column("id", String(36), primary_key=True),
    Column(
        "lead_id",
        Integer,
        ForeignKey("leads.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("destination", String(16), nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    # A claimed row is not touched by other workers until lease_until has passed.
    Column("lease_until", UTCDateTime),
    Column("lease_owner", String(64)),
    # A short code without personal data, e.g. "HTTP 503" or "connection refused".
    Column("last_error", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Index("ix_outbox_due", "status", "next_attempt_at"),
)

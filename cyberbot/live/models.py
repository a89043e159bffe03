"""Tables of live chat, in the leads database (DATABASE_URL) that every process shares.

A hand-off is a visitor's request for a person: ``waiting`` until an operator claims it,
``active`` while the operator has the conversation (the bot is then silent), and
``closed`` (released) or ``withdrawn`` (nobody claimed it in time) at its end. A
conversation has at most one open (waiting or active) hand-off, which the database
itself enforces, so two replicas can never open two.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table
from sqlalchemy.engine import Engine

from cyberbot.db.engine import get_engine
from cyberbot.db.schema import ensure_schema
from cyberbot.leads.models import UTCDateTime

WAITING = "waiting"
ACTIVE = "active"
CLOSED = "closed"
WITHDRAWN = "withdrawn"
OPEN_STATUSES = (WAITING, ACTIVE)

live_metadata = MetaData()

handoffs = Table(
    "live_handoffs",
    live_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("claimed_at", UTCDateTime(), nullable=True),
    Column("ended_at", UTCDateTime(), nullable=True),
    # The operator holding (or who last held) the conversation.
    Column("operator_id", Integer, nullable=True),
    Column("operator_email", String(320), nullable=True),
    Column("operator_name", String(64), nullable=True),
)
Index(
    "one_open_handoff_per_conversation",
    handoffs.c.conversation_id,
    unique=True,
    sqlite_where=handoffs.c.status.in_(OPEN_STATUSES),
    postgresql_where=handoffs.c.status.in_(OPEN_STATUSES),
)

presence = Table(
    "live_operator_presence",
    live_metadata,
    Column("operator_id", Integer, primary_key=True, autoincrement=False),
    Column("display_name", String(64), nullable=False),
    Column("available", Boolean, nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
)

def get_live_engine(url: str | None = None) -> Engine:
    """The leads database's engine with the live-chat tables (``get_engine`` migrates)."""
    return get_engine(url)


def prepare_live_tables(engine: Engine) -> Engine:
    """``engine`` with the live-chat tables: its database at the newest migration."""
    ensure_schema(engine)
    return engine

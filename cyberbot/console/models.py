"""Tables of the operator console, kept in the leads database (DATABASE_URL).

Everything the console holds lives here, never in files or process memory, so that
several console processes can share it: accounts, sessions, login attempts, the audit
log, the index of conversations read from Rasa's tracker store, reviews and corrections.
Rows that hold visitor text (the index, reviews, corrections) are erased by
``cyberbot forget`` together with the conversation.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from cyberbot.db.engine import get_engine
from cyberbot.leads.models import UTCDateTime

ROLES = ("operator", "admin")

console_metadata = MetaData()


def _operator_id() -> Column:
    """The owning operator; their tokens and sessions go when the account is deleted."""
    return Column(
        "operator_id",
        Integer,
        ForeignKey("operators.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


operators = Table(
    "operators",
    console_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Stored lower-cased: the address is the login name.
    Column("email", String(320), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    # An Argon2id hash in PHC string form.
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
)

api_tokens = Table(
    "operator_api_tokens",
    console_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _operator_id(),
    # SHA-256 of the token: the token itself is shown once and never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
)

sessions = Table(
    "operator_sessions",
    console_metadata,
    # SHA-256 of the cookie value, so that a copy of the database opens no session.
    Column("id_hash", String(64), primary_key=True),
    _operator_id(),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)

login_attempts = Table(
    "operator_login_attempts",
    console_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # SHA-256 of "email:<address>" or "ip:<address>": no address is stored in clear.
    Column("key_hash", String(64), nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Index("ix_login_attempts_key_time", "key_hash", "attempted_at"),
)

audit_log = Table(
    "operator_audit_log",
    console_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    # The operator's e-mail address, or "cli" for the command line.
    Column("actor", String(320), nullable=False),
    # login, login_failed, logout, view_lead, export_leads, export_review, lead_status,
    # forget, operator_added, operator_changed, token_created, ...
    Column("action", String(32), nullable=False),
    # What the action was about (a lead reference, a conversation id, an operator);
    # never a visitor's contact detail.
    Column("target", String(320)),
    Column("detail", Text),
)

# One row per conversation in Rasa's tracker store, kept up to date by the indexer.
conversations = Table(
    "console_conversations",
    console_metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("channel", String(64)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_activity", UTCDateTime, nullable=False),
    Column("turns", Integer, nullable=False),
    # The outcomes read from the events (cyberbot.console.outcomes defines them).
    Column("faq_answered", Boolean, nullable=False),
    Column("advice_started", Boolean, nullable=False),
    Column("advice_given", Boolean, nullable=False),
    Column("quote_requested", Boolean, nullable=False),
    Column("callback_requested", Boolean, nullable=False),
    Column("handoff", Boolean, nullable=False),
    Column("fallback_hit", Boolean, nullable=False),
    Column("fallback_loop", Boolean, nullable=False),
    # The lowest intent confidence of any user message; "low confidence" compares this
    # with the configured threshold when filtering, so changing it needs no re-index.
    Column("min_confidence", Float),
    # A form was started and has not been completed since: the visitor stopped it or is
    # still in it. "Abandoned" is this plus no activity for a while, decided when
    # filtering.
    Column("form_open", Boolean, nullable=False),
    # Where the visitor left an unfinished form: "advice_form.sector".
    Column("dropoff_question", String(160)),
    # Rasa's id of the model that answered the first message.
    Column("model_id", String(64)),
    Column("first_message", String(200)),
    # The user messages, lower-cased without accents, for the full-text search.
    Column("search_text", Text, nullable=False),
    # The id of the newest tracker event this row was computed from.
    Column("last_event_id", Integer, nullable=False),
    Index("ix_console_conversations_activity", "last_activity", "conversation_id"),
    Index("ix_console_conversations_started", "started_at"),
    # The dashboard's filters on a channel or a model, within a period.
    Index("ix_console_conversations_channel", "channel", "started_at"),
    Index("ix_console_conversations_model", "model_id", "started_at"),
)

# Per conversation: how often each FAQ was answered ("faq", key) and each form question
# asked ("asked") and asked again right after itself ("reasked", "advice_form.sector").
conversation_counts = Table(
    "console_conversation_counts",
    console_metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("count", Integer, nullable=False),
)

# The visitors' messages the assistant did not understand, for the dashboard's list of
# missed questions and labelling them. Visitor text: erased with the conversation.
missed_messages = Table(
    "console_missed_messages",
    console_metadata,
    Column("conversation_id", String(255), primary_key=True),
    # The id of the user event in Rasa's tracker store.
    Column("event_id", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    # Lower case without accents and punctuation: how messages are grouped.
    Column("normalised", String(200), nullable=False),
    Column("intent", String(128)),
    Column("confidence", Float),
)

# Tables derived from the tracker store alone: rebuilt from it when their layout changes.
INDEX_TABLES = (conversations, conversation_counts, missed_messages)
# Raise when the index tables or what is read into them change: every console then
# re-indexes the tracker store once.
INDEX_VERSION = 2

reviews = Table(
    "console_reviews",
    console_metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("reviewed_at", UTCDateTime),
    Column("reviewed_by", String(320)),
    Column("tags", JSON, nullable=False),
    Column("note", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

corrections = Table(
    "console_corrections",
    console_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    # The id of the user event in Rasa's tracker store.
    Column("event_id", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("predicted", String(255)),
    Column("predicted_confidence", Float),
    # An intent of the domain, "faq/<key>", or "out_of_scope".
    Column("corrected", String(255), nullable=False),
    Column("operator", String(320), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("conversation_id", "event_id", name="uq_console_corrections_event"),
)

# Leases between console processes: only one indexes the tracker store at a time.
sync_state = Table(
    "console_sync_state",
    console_metadata,
    Column("name", String(64), primary_key=True),
    Column("watermark", Integer, nullable=False, default=0),
    Column("lease_until", UTCDateTime),
    Column("lease_owner", String(64)),
)


# The version of the index tables in this database (one row, name "index").
schema_versions = Table(
    "console_schema",
    console_metadata,
    Column("name", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
)
INDEX_SCHEMA = "index"
# The sync_state row of the indexer's watermark (cyberbot.console.indexer).
TRACKER_SYNC = "tracker_events"

_prepared: set[int] = set()


def get_console_engine(url: str | None = None) -> Engine:
    """The leads database's engine (DATABASE_URL by default) with the console tables
    (``get_engine`` migrates) and an index of the current INDEX_VERSION."""
    engine = get_engine(url)
    if id(engine) not in _prepared:
        upgrade_index(engine)
        _prepared.add(id(engine))
    return engine


def upgrade_index(engine: Engine) -> bool:
    """Rebuild the index tables when they are of another INDEX_VERSION; True if it did.

    They hold nothing but what the indexer reads from the tracker store, so they are
    emptied (and their layout renewed) and the watermark is reset: the indexer then reads
    every conversation again. Reviews and corrections are kept. Of several processes
    starting at once, the one that moves the version number does the rebuild. The tables
    are made anew from the models, which tests/test_db_schema.py holds equal to the
    migrations; a change of their layout itself is a migration like any other.
    """
    with engine.begin() as connection:
        stored = connection.execute(
            select(schema_versions.c.version).where(schema_versions.c.name == INDEX_SCHEMA)
        ).scalar()
    if stored == INDEX_VERSION:
        return False
    try:
        with engine.begin() as connection:
            if stored is None:
                connection.execute(
                    insert(schema_versions).values(name=INDEX_SCHEMA, version=INDEX_VERSION)
                )
            else:
                claimed = connection.execute(
                    update(schema_versions)
                    .where(schema_versions.c.name == INDEX_SCHEMA,
                           schema_versions.c.version == stored)
                    .values(version=INDEX_VERSION)
                ).rowcount
                if claimed != 1:
                    return False
    except IntegrityError:
        return False  # another process has just claimed it
    for table in reversed(INDEX_TABLES):
        table.drop(engine, checkfirst=True)
    console_metadata.create_all(engine, tables=list(INDEX_TABLES))
    with engine.begin() as connection:
        connection.execute(delete(sync_state).where(sync_state.c.name == TRACKER_SYNC))
    return True

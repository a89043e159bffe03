"""Every table of the project as the models declared them when migrations began.

A database made before there were migrations already has the tables of the features it
used (each part created its own on first use); those are kept as they are and only the
missing ones are created, so that such a database is adopted at this revision.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    """The type of cyberbot.leads.models.UTCDateTime in the database."""
    return sa.DateTime(timezone=True)


def _leads() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(32)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(320)),
        sa.Column("contact_phone", sa.String(32)),
        sa.Column("company_name", sa.String(200)),
        sa.Column("preferred_insurer", sa.String(16)),
        sa.Column("callback_moment", sa.Text()),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.JSON(), nullable=False),
        sa.Column("advice_basis", sa.JSON()),
        sa.Column("status", sa.String(32), server_default="nieuw", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_leads_conversation_id", "leads", ["conversation_id"])
    op.create_index("ix_leads_contact_email", "leads", ["contact_email"])


def _outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("lease_until", _utc()),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("last_error", sa.String(200)),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("delivered_at", _utc()),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_outbox_lead_id", "outbox", ["lead_id"])
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])


def _whatsapp_inbox() -> None:
    op.create_table(
        "whatsapp_inbox",
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("received_at", _utc(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", _utc()),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("last_error", sa.String(200)),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_whatsapp_inbox_conversation_id", "whatsapp_inbox", ["conversation_id"])


def _whatsapp_conversations() -> None:
    op.create_table(
        "whatsapp_conversations",
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("last_inbound_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )


def _whatsapp_statuses() -> None:
    op.create_table(
        "whatsapp_statuses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("error_code", sa.Integer()),
        sa.Column("error_title", sa.String(200)),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_whatsapp_statuses_message_id", "whatsapp_statuses", ["message_id"])


def _operators() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_login_at", _utc()),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )


def _operator_api_tokens() -> None:
    op.create_table(
        "operator_api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_used_at", _utc()),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_operator_api_tokens_operator_id", "operator_api_tokens", ["operator_id"])


def _operator_sessions() -> None:
    op.create_table(
        "operator_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash"),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_operator_sessions_operator_id", "operator_sessions", ["operator_id"])


def _operator_login_attempts() -> None:
    op.create_table(
        "operator_login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("attempted_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_login_attempts_key_time", "operator_login_attempts", ["key_hash", "attempted_at"]
    )


def _operator_audit_log() -> None:
    op.create_table(
        "operator_audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(320)),
        sa.Column("detail", sa.Text()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_operator_audit_log_at", "operator_audit_log", ["at"])


def _console_conversations() -> None:
    flags = (
        "faq_answered", "advice_started", "advice_given", "quote_requested",
        "callback_requested", "handoff", "fallback_hit", "fallback_loop",
    )
    op.create_table(
        "console_conversations",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64)),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("last_activity", _utc(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        *(sa.Column(flag, sa.Boolean(), nullable=False) for flag in flags),
        sa.Column("min_confidence", sa.Float()),
        sa.Column("form_open", sa.Boolean(), nullable=False),
        sa.Column("dropoff_question", sa.String(160)),
        sa.Column("model_id", sa.String(64)),
        sa.Column("first_message", sa.String(200)),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    table = "console_conversations"
    op.create_index("ix_console_conversations_activity", table,
                    ["last_activity", "conversation_id"])
    op.create_index("ix_console_conversations_started", table, ["started_at"])
    op.create_index("ix_console_conversations_channel", table, ["channel", "started_at"])
    op.create_index("ix_console_conversations_model", table, ["model_id", "started_at"])


def _console_conversation_counts() -> None:
    op.create_table(
        "console_conversation_counts",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "kind", "name"),
    )


def _console_missed_messages() -> None:
    op.create_table(
        "console_missed_messages",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalised", sa.String(200), nullable=False),
        sa.Column("intent", sa.String(128)),
        sa.Column("confidence", sa.Float()),
        sa.PrimaryKeyConstraint("conversation_id", "event_id"),
    )


def _console_reviews() -> None:
    op.create_table(
        "console_reviews",
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("reviewed_at", _utc()),
        sa.Column("reviewed_by", sa.String(320)),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )


def _console_corrections() -> None:
    op.create_table(
        "console_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("predicted", sa.String(255)),
        sa.Column("predicted_confidence", sa.Float()),
        sa.Column("corrected", sa.String(255), nullable=False),
        sa.Column("operator", sa.String(320), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "event_id", name="uq_console_corrections_event"),
    )
    op.create_index(
        "ix_console_corrections_conversation_id", "console_corrections", ["conversation_id"]
    )


def _console_sync_state() -> None:
    op.create_table(
        "console_sync_state",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("watermark", sa.Integer(), nullable=False),
        sa.Column("lease_until", _utc()),
        sa.Column("lease_owner", sa.String(64)),
        sa.PrimaryKeyConstraint("name"),
    )


def _console_schema() -> None:
    op.create_table(
        "console_schema",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def _live_handoffs() -> None:
    op.create_table(
        "live_handoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", _utc(), nullable=False),
        sa.Column("claimed_at", _utc()),
        sa.Column("ended_at", _utc()),
        sa.Column("operator_id", sa.Integer()),
        sa.Column("operator_email", sa.String(320)),
        sa.Column("operator_name", sa.String(64)),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_live_handoffs_conversation_id", "live_handoffs", ["conversation_id"])
    # At most one open (waiting or active) hand-off per conversation.
    open_handoff = sa.text("status IN ('waiting', 'active')")
    op.create_index(
        "one_open_handoff_per_conversation",
        "live_handoffs",
        ["conversation_id"],
        unique=True,
        sqlite_where=open_handoff,
        postgresql_where=open_handoff,
    )


def _live_operator_presence() -> None:
    op.create_table(
        "live_operator_presence",
        sa.Column("operator_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("seen_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("operator_id"),
    )


def _rate_hits() -> None:
    op.create_table(
        "rate_hits",
        # SQLite numbers rows only for an INTEGER primary key.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rate_hits_key_at", "rate_hits", ["key_hash", "at"])
    op.create_index("ix_rate_hits_at", "rate_hits", ["at"])


def _limit_events() -> None:
    op.create_table(
        "limit_events",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "rule", "channel"),
    )


# In an order that creates every table before the tables that refer to it.
_TABLES: dict[str, Callable[[], None]] = {
    "leads": _leads,
    "outbox": _outbox,
    "whatsapp_inbox": _whatsapp_inbox,
    "whatsapp_conversations": _whatsapp_conversations,
    "whatsapp_statuses": _whatsapp_statuses,
    "operators": _operators,
    "operator_api_tokens": _operator_api_tokens,
    "operator_sessions": _operator_sessions,
    "operator_login_attempts": _operator_login_attempts,
    "operator_audit_log": _operator_audit_log,
    "console_conversations": _console_conversations,
    "console_conversation_counts": _console_conversation_counts,
    "console_missed_messages": _console_missed_messages,
    "console_reviews": _console_reviews,
    "console_corrections": _console_corrections,
    "console_sync_state": _console_sync_state,
    "console_schema": _console_schema,
    "live_handoffs": _live_handoffs,
    "live_operator_presence": _live_operator_presence,
    "rate_hits": _rate_hits,
    "limit_events": _limit_events,
}


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in _TABLES.items():
        if name not in existing:
            create()


def downgrade() -> None:
    for name in reversed(_TABLES):
        op.drop_table(name)

"""Storing a lead from the chat, with its reference, in one transaction.

Once ``submit_lead`` returns, the lead is committed, not yet dispatched: the outbox
worker's next round gives it one pending outbox row per destination it is configured for
(cyberbot/leads/dispatch.py) and delivers them, whatever happens to the action server.
Contact details are never logged; the reference identifies a lead in logs.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import false, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from cyberbot.leads.models import INSURERS, KINDS, leads, outbox

logger = logging.getLogger(__name__)

# A second identical submission within this time is Rasa retrying the action, not a new lead.
DUPLICATE_WINDOW = timedelta(minutes=10)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class LeadDraft:
    """A lead as the chat collected it, before it is stored."""

    kind: str
    conversation_id: str
    channel: str
    contact_name: str
    contact_email: str | None
    contact_phone: str | None
    company_name: str | None
    preferred_insurer: str | None
    callback_moment: str | None
    profile: dict[str, Any]
    recommendation: list[str]
    advice_basis: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # The messages name the field, never its value: they may end up in a log.
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if self.preferred_insurer is not None and self.preferred_insurer not in INSURERS:
            raise ValueError(f"preferred_insurer must be one of {', '.join(INSURERS)}")
        if not self.conversation_id:
            raise ValueError("a lead needs the conversation id")
        if not self.contact_name.strip():
            raise ValueError("a lead needs a contact name")
        if not (self.contact_email or self.contact_phone):
            raise ValueError("a lead needs an e-mail address or a phone number")
        if self.contact_phone is not None and not _E164.match(self.contact_phone):
            raise ValueError("contact_phone must be in E.164 form, e.g. +31201234567")


@dataclass(frozen=True)
class StoredLead:
    id: int
    reference: str
    created_at: datetime


def make_reference(created_at: datetime, lead_id: int) -> str:
    """The reference a visitor and an advisor quote, e.g. "CV-2026-000123"."""
    return f"CV-{created_at.astimezone(timezone.utc).year}-{lead_id:06d}"


def submit_lead(engine: Engine, draft: LeadDraft, now: datetime | None = None) -> StoredLead:
    """Store ``draft``, or return its twin; the outbox worker gives it its deliveries
    (cyberbot/leads/dispatch.py), so the action server needs no destination or secret.

    The same conversation submitting the same kind with identical contact details within
    DUPLICATE_WINDOW returns the lead stored the first time: Rasa may retry an action.
    """
    now = now or datetime.now(timezone.utc)
    with engine.begin() as connection:
        _lock_submissions(connection, draft.conversation_id)
        existing = _recent_twin(connection, draft, now)
        if existing is not None:
            logger.info("Repeated submission of lead %s; nothing new stored", existing.reference)
            return existing
        result = connection.execute(
            insert(leads).values(
                kind=draft.kind,
                created_at=now,
                conversation_id=draft.conversation_id,
                channel=draft.channel,
                contact_name=draft.contact_name,
                contact_email=draft.contact_email,
                contact_phone=draft.contact_phone,
                company_name=draft.company_name,
                preferred_insurer=draft.preferred_insurer,
                callback_moment=draft.callback_moment,
                profile=draft.profile,
                recommendation=draft.recommendation,
                advice_basis=draft.advice_basis,
            )
        )
        lead_id = int(result.inserted_primary_key[0])
        reference = make_reference(now, lead_id)
        connection.execute(update(leads).where(leads.c.id == lead_id).values(reference=reference))
    logger.info("Lead %s stored", reference)
    return StoredLead(id=lead_id, reference=reference, created_at=now)


def recent_twin(engine: Engine, draft: LeadDraft, now: datetime | None = None) -> StoredLead | None:
    """The lead ``submit_lead`` would return for ``draft`` instead of storing a new one."""
    with engine.connect() as connection:
        return _recent_twin(connection, draft, now or datetime.now(timezone.utc))


# The outbox worker's bookkeeping, not part of the lead (exports, webhook payloads).
_BOOKKEEPING = frozenset({"dispatched_at"})


def lead_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a ``leads`` row, with datetimes in ISO 8601, ready for JSON."""
    record: dict[str, Any] = {}
    for column in leads.columns:
        if column.name in _BOOKKEEPING:
            continue
        value = row[column.name]
        record[column.name] = value.isoformat() if isinstance(value, datetime) else value
    return record


def list_leads(engine: Engine) -> list[dict[str, Any]]:
    """Every stored lead, oldest first, with the state of its hand-off under "delivery"."""
    with engine.connect() as connection:
        rows = connection.execute(select(leads).order_by(leads.c.id)).mappings().all()
        statuses: dict[int, set[str]] = {}
        for lead_id, status in connection.execute(select(outbox.c.lead_id, outbox.c.status)):
            statuses.setdefault(lead_id, set()).add(status)
    return [
        {**lead_record(row), "delivery": delivery_summary(
            statuses.get(row["id"], set()), dispatched=row["dispatched_at"] is not None)}
        for row in rows
    ]


def delivery_summary(statuses: set[str], dispatched: bool = True) -> str:
    """One word for a lead's outbox rows: the worst state wins. A lead the outbox worker
    has not dispatched yet is pending too."""
    if not dispatched:
        return "pending"
    for state in ("failed", "pending", "delivered"):
        if state in statuses:
            return state
    return "none"


def _lock_submissions(connection: Connection, conversation_id: str) -> None:
    """Serialise submissions of one conversation, so that the twin check below is reliable.

    PostgreSQL: a transaction-scoped advisory lock per conversation. SQLite: a write that
    changes nothing takes the database's write lock before the twin check reads.
    """
    if connection.dialect.name == "postgresql":
        digest = hashlib.sha256(conversation_id.encode("utf-8")).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        connection.execute(update(leads).where(false()).values(status=leads.c.status))


def _recent_twin(connection: Connection, draft: LeadDraft, now: datetime) -> StoredLead | None:
    row = connection.execute(
        select(leads.c.id, leads.c.reference, leads.c.created_at)
        .where(
            leads.c.conversation_id == draft.conversation_id,
            leads.c.kind == draft.kind,
            leads.c.contact_name == draft.contact_name,
            leads.c.contact_email.is_not_distinct_from(draft.contact_email),
            leads.c.contact_phone.is_not_distinct_from(draft.contact_phone),
            leads.c.created_at >= now - DUPLICATE_WINDOW,
        )
        .order_by(leads.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return StoredLead(id=row.id, reference=row.reference, created_at=row.created_at)

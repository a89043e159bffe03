"""The AVG right to erasure: forget a visitor's leads and conversations.

The identifier is a conversation id (Rasa's sender id), an e-mail address (anything
with an "@", compared case-insensitively) or a Dutch or Belgian phone number in any
notation ("06 12345678", "+32 470 12 34 56"), which finds the leads with that number and
the WhatsApp conversation of that number. Erased are the matching leads with their
outbox rows, the conversations of those leads and, for an e-mail address, every
conversation whose events mention that address, with all their events in Rasa's SQL
tracker store, what the operator console keeps of those conversations (its index,
reviews and corrections, which hold visitor text) and what the WhatsApp channel keeps of
them (its inbox and the time of the last message). Audit-log entries about those
conversations keep a random pseudonym of the erasure instead of the erased id.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine

from cyberbot.channels.whatsapp.store import forget_conversations as forget_whatsapp_rows
from cyberbot.console.models import INDEX_TABLES, audit_log, corrections, reviews
from cyberbot.db.rasa_tables import events, has_events_table
from cyberbot.db.schema import ensure_schema
from cyberbot.leads.models import leads, outbox
from cyberbot.live.store import forget_handoffs
from cyberbot.reading.contact import check_phone

logger = logging.getLogger(__name__)

_LIKE_ESCAPE = "\\"


_PHONE_LIKE = re.compile(r"\+?[0-9][0-9 ()./-]{7,24}")


@dataclass(frozen=True)
class ForgetReport:
    lead_references: tuple[str, ...] = ()
    outbox_rows_deleted: int = 0
    conversations_deleted: int = 0
    events_deleted: int = 0
    # Rows of the operator console: index entries, reviews and corrections.
    console_rows_deleted: int = 0
    # Rows of the WhatsApp channel: inbox messages and 24-hour window entries.
    whatsapp_rows_deleted: int = 0
    # What the audit log records instead of the erased identifier (random per erasure).
    pseudonym: str = field(default="", compare=False)

    @property
    def leads_deleted(self) -> int:
        return len(self.lead_references)


def forget(identifier: str, leads_engine: Engine, tracker_engine: Engine | None) -> ForgetReport:
    """Erase everything stored about ``identifier``; ``tracker_engine`` None skips Rasa's store.

    Conversations are erased before the leads: should that fail, running it again still
    finds the leads that link to them. The project's database is brought to the newest
    migration first, so every table erased from exists; Rasa's ``events`` table is not
    the project's and may not exist yet (Rasa creates it on its first start).
    """
    identifier = identifier.strip()
    if not identifier:
        raise ValueError("an identifier is needed: a conversation id or an e-mail address")
    ensure_schema(leads_engine)
    phone = phone_number(identifier)
    with leads_engine.connect() as connection:
        conversations = {row.conversation_id
                         for row in _matching_leads(connection, identifier, phone)}
    if "@" not in identifier:
        conversations.add(identifier)
    if phone is not None:
        conversations.add(phone.lstrip("+"))  # a WhatsApp conversation is the number's digits
    conversations_deleted = events_deleted = 0
    if tracker_engine is not None and has_events_table(tracker_engine):
        if "@" in identifier:
            conversations |= _conversations_mentioning(tracker_engine, identifier)
        conversations_deleted, events_deleted = _delete_conversations(tracker_engine, conversations)
    pseudonym = f"gewist-{secrets.token_hex(6)}"
    with leads_engine.begin() as connection:
        matches = _matching_leads(connection, identifier, phone)
        lead_ids = [row.id for row in matches]
        outbox_deleted = connection.execute(
            delete(outbox).where(outbox.c.lead_id.in_(lead_ids))
        ).rowcount
        connection.execute(delete(leads).where(leads.c.id.in_(lead_ids)))
        conversations |= {row.conversation_id for row in matches}
        console_deleted = _delete_console_rows(connection, conversations)
        whatsapp_deleted = forget_whatsapp_rows(connection, conversations)
        console_deleted += forget_handoffs(connection, conversations)
        _pseudonymise_audit(connection, conversations | {identifier}, pseudonym)
    report = ForgetReport(
        pseudonym=pseudonym,
        lead_references=tuple(row.reference for row in matches),
        outbox_rows_deleted=int(outbox_deleted),
        conversations_deleted=conversations_deleted,
        events_deleted=events_deleted,
        console_rows_deleted=console_deleted,
        whatsapp_rows_deleted=whatsapp_deleted,
    )
    logger.info(
        "Erasure: leads %s, %d outbox rows, %d conversations, %d events, %d console rows, "
        "%d WhatsApp rows deleted",
        ", ".join(report.lead_references) or "none",
        report.outbox_rows_deleted,
        report.conversations_deleted,
        report.events_deleted,
        report.console_rows_deleted,
        report.whatsapp_rows_deleted,
    )
    return report


def mask_identifier(identifier: str) -> str:
    """Enough to recognise an identifier in a report, e.g. "j***@voorbeeld.nl"."""
    local, at, domain = identifier.strip().rpartition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    return f"{identifier[:4]}***" if len(identifier) > 8 else "***"


def _delete_console_rows(connection: Connection, conversation_ids: set[str]) -> int:
    """Delete the console's rows about ``conversation_ids``."""
    if not conversation_ids:
        return 0
    deleted = 0
    for table in (*INDEX_TABLES, reviews, corrections):
        deleted += connection.execute(
            delete(table).where(table.c.conversation_id.in_(conversation_ids))
        ).rowcount
    return int(deleted)


def phone_number(identifier: str) -> str | None:
    """The identifier as a normalised NL or BE phone number (+31…, +32…), if it is one."""
    if not _PHONE_LIKE.fullmatch(identifier):
        return None
    check = check_phone(identifier)
    return check.value if check.ok else None


def _pseudonymise_audit(connection: Connection, targets: set[str], pseudonym: str) -> None:
    """Audit entries about erased conversations keep the erasure's pseudonym instead."""
    connection.execute(
        update(audit_log).where(audit_log.c.target.in_(targets)).values(target=pseudonym)
    )


def _matching_leads(connection: Connection, identifier: str, phone: str | None) -> list[Any]:
    if "@" in identifier:
        condition = func.lower(leads.c.contact_email) == identifier.lower()
    elif phone is not None:
        condition = or_(leads.c.conversation_id == identifier, leads.c.contact_phone == phone)
    else:
        condition = leads.c.conversation_id == identifier
    query = select(leads.c.id, leads.c.reference, leads.c.conversation_id).where(condition)
    return list(connection.execute(query.order_by(leads.c.id)))


def _conversations_mentioning(engine: Engine, email: str) -> set[str]:
    """Senders with an event that mentions ``email``: LIKE finds candidates, and a check
    on the decoded event text drops longer addresses that merely contain it."""
    pattern = "%" + _escape_like(email.lower()) + "%"
    query = select(events.c.sender_id, events.c.data).where(
        func.lower(events.c.data).like(pattern, escape=_LIKE_ESCAPE)
    )
    mention = re.compile(r"(?<![\w.%+-])" + re.escape(email) + r"(?![\w-]|\.\w)", re.IGNORECASE)
    senders: set[str] = set()
    with engine.connect() as connection:
        for sender_id, data in connection.execute(query):
            if sender_id not in senders and any(mention.search(s) for s in _strings(data)):
                senders.add(sender_id)
    return senders


def _delete_conversations(engine: Engine, conversations: set[str]) -> tuple[int, int]:
    """Delete every event of ``conversations``; returns (conversations, events) deleted."""
    if not conversations:
        return 0, 0
    with engine.begin() as connection:
        present = connection.execute(
            select(func.count(events.c.sender_id.distinct())).where(
                events.c.sender_id.in_(conversations)
            )
        ).scalar_one()
        deleted = connection.execute(
            delete(events).where(events.c.sender_id.in_(conversations))
        ).rowcount
    return int(present), int(deleted)


def _escape_like(value: str) -> str:
    for special in (_LIKE_ESCAPE, "%", "_"):
        value = value.replace(special, _LIKE_ESCAPE + special)
    return value


def _strings(data: str | None) -> Iterator[str]:
    """Every string in an event's JSON (the raw text if it is not JSON)."""
    try:
        stack: list[Any] = [json.loads(data or "")]
    except ValueError:
        yield data or ""
        return
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)

"""Leads and call-backs as the console shows them: masked in lists, in full on request.

Reading a lead's contact details in full is an audited act: ``lead_detail`` with
``reveal=True`` writes the audit entry in the same transaction that reads the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from cyberbot.console.audit import record
from cyberbot.leads.models import KINDS, LEAD_STATUSES, leads, outbox
from cyberbot.leads.store import delivery_summary

KIND_LABELS = {"quote": "Offerte", "callback": "Terugbelverzoek"}
DELIVERY_LABELS = {
    "delivered": "Afgeleverd",
    "pending": "Wacht op aflevering",
    "failed": "Aflevering mislukt",
    "none": "Geen bestemming ingesteld",
}


def mask_email(email: str | None) -> str:
    """"j***@pixelwerk.nl": enough to recognise a lead, not to contact the visitor."""
    if not email:
        return ""
    local, at, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def mask_phone(phone: str | None) -> str:
    """"+316******78" for "+31612345678": country code and the last two digits."""
    if not phone:
        return ""
    if len(phone) <= 6:
        return "***"
    return phone[:4] + "*" * (len(phone) - 6) + phone[-2:]


@dataclass(frozen=True)
class LeadFilter:
    status: str | None = None
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in LEAD_STATUSES:
            raise ValueError(f"status must be one of {', '.join(LEAD_STATUSES)}")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class LeadPage:
    items: list[dict[str, Any]]
    total: int
    # The id to pass as ``before_id`` for the next (older) page; None on the last page.
    next_before_id: int | None


def list_lead_page(
    engine: Engine, lead_filter: LeadFilter, *, before_id: int | None = None, page_size: int = 50
) -> LeadPage:
    """Newest first, contact details masked, each with its delivery state."""
    conditions = []
    if lead_filter.status:
        conditions.append(leads.c.status == lead_filter.status)
    if lead_filter.kind:
        conditions.append(leads.c.kind == lead_filter.kind)
    query = select(leads).where(*conditions)
    if before_id is not None:
        query = query.where(leads.c.id < before_id)
    with engine.connect() as connection:
        rows = connection.execute(
            query.order_by(leads.c.id.desc()).limit(page_size + 1)
        ).mappings().all()
        total = connection.execute(
            select(func.count()).select_from(leads).where(*conditions)
        ).scalar_one()
        deliveries = _deliveries(connection, [row["id"] for row in rows[:page_size]])
    items = [
        _masked(row, deliveries.get(row["id"], set())) for row in rows[:page_size]
    ]
    more = len(rows) > page_size
    return LeadPage(items=items, total=int(total), next_before_id=items[-1]["id"] if more else None)


def lead_detail(
    engine: Engine, reference: str, *, actor: str, reveal: bool
) -> dict[str, Any] | None:
    """One lead with its outbox rows; contact details in full only with ``reveal``."""
    with engine.begin() as connection:
        row = connection.execute(
            select(leads).where(leads.c.reference == reference)
        ).mappings().first()
        if row is None:
            return None
        deliveries = connection.execute(
            select(outbox.c.destination, outbox.c.status, outbox.c.attempts,
                   outbox.c.last_error, outbox.c.delivered_at, outbox.c.next_attempt_at)
            .where(outbox.c.lead_id == row["id"])
            .order_by(outbox.c.destination)
        ).mappings().all()
        if reveal:
            record(connection, actor, "view_lead", target=reference)
    lead = dict(row) if reveal else _masked(row, set())
    lead["deliveries"] = [dict(delivery) for delivery in deliveries]
    lead["delivery"] = delivery_summary({d["status"] for d in deliveries},
                                        dispatched=row["dispatched_at"] is not None)
    lead["revealed"] = reveal
    return lead


def set_lead_status(engine: Engine, reference: str, status: str, *, actor: str) -> bool:
    """Change a lead's status; False when there is no such lead."""
    if status not in LEAD_STATUSES:
        raise ValueError(f"status must be one of {', '.join(LEAD_STATUSES)}")
    with engine.begin() as connection:
        previous = connection.execute(
            select(leads.c.status).where(leads.c.reference == reference)
        ).scalar_one_or_none()
        if previous is None:
            return False
        connection.execute(
            update(leads).where(leads.c.reference == reference).values(status=status)
        )
        record(connection, actor, "lead_status", target=reference,
               detail=f"{previous} -> {status}")
    return True


def leads_of_conversation(engine: Engine, conversation_id: str) -> list[dict[str, Any]]:
    """The leads a conversation produced, masked, for the transcript page."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(leads).where(leads.c.conversation_id == conversation_id).order_by(leads.c.id)
        ).mappings().all()
        deliveries = _deliveries(connection, [row["id"] for row in rows])
    return [_masked(row, deliveries.get(row["id"], set())) for row in rows]


def _deliveries(connection: Any, lead_ids: list[int]) -> dict[int, set[str]]:
    statuses: dict[int, set[str]] = {}
    if not lead_ids:
        return statuses
    for lead_id, status in connection.execute(
        select(outbox.c.lead_id, outbox.c.status).where(outbox.c.lead_id.in_(lead_ids))
    ):
        statuses.setdefault(lead_id, set()).add(status)
    return statuses


def _masked(row: Mapping[str, Any], statuses: set[str]) -> dict[str, Any]:
    created_at: datetime = row["created_at"]
    return {
        "id": row["id"],
        "reference": row["reference"],
        "kind": row["kind"],
        "created_at": created_at,
        "conversation_id": row["conversation_id"],
        "channel": row["channel"],
        "contact_name": row["contact_name"],
        "contact_email": mask_email(row["contact_email"]),
        "contact_phone": mask_phone(row["contact_phone"]),
        "company_name": row["company_name"],
        "preferred_insurer": row["preferred_insurer"],
        "callback_moment": row["callback_moment"],
        "profile": row["profile"],
        "recommendation": row["recommendation"],
        "status": row["status"],
        "delivery": delivery_summary(statuses, dispatched=row["dispatched_at"] is not None),
    }

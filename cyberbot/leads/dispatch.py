"""Giving each new lead its deliveries: one pending outbox row per configured destination.

The action server only stores a lead (``submit_lead``); which destinations exist, and
their secrets, are known to the outbox worker alone (its handoff configuration). Each
round the worker first dispatches the leads stored since, then delivers what is due.

A lead is dispatched exactly once: a conditional UPDATE of its ``dispatched_at`` (only
while it is still empty) claims it, and the outbox rows are inserted in the same
transaction. Of two workers, the second one's UPDATE changes nothing (on PostgreSQL it
waits for the first one's commit and then finds the lead dispatched), so it adds no rows.
A lead stored while no destination is configured is dispatched without rows, as a
submission without destinations always was: it stays in the console and the export.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from uuid import uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from cyberbot.leads.models import DESTINATIONS, leads, outbox

logger = logging.getLogger(__name__)

# Leads per transaction; a round takes the oldest first and the next round the rest.
DISPATCH_BATCH = 100


def dispatch_new_leads(engine: Engine, destinations: Sequence[str],
                       now: datetime | None = None) -> list[str]:
    """Give every undispatched lead (up to DISPATCH_BATCH) a pending outbox row per
    destination; returns their references."""
    unknown = set(destinations) - set(DESTINATIONS)
    if unknown:
        raise ValueError(f"unknown destinations: {', '.join(sorted(unknown))}")
    now = now or datetime.now(timezone.utc)
    wanted = list(dict.fromkeys(destinations))
    dispatched: list[str] = []
    with engine.begin() as connection:
        new = connection.execute(
            select(leads.c.id, leads.c.reference).where(leads.c.dispatched_at.is_(None))
            .order_by(leads.c.id).limit(DISPATCH_BATCH)
        ).all()
        for lead_id, reference in new:
            claimed = connection.execute(
                update(leads).where(leads.c.id == lead_id, leads.c.dispatched_at.is_(None))
                .values(dispatched_at=now)
            ).rowcount
            if not claimed:
                continue  # another worker dispatched it
            if wanted:
                connection.execute(insert(outbox), [
                    {"id": str(uuid4()), "lead_id": lead_id, "destination": destination,
                     "status": "pending", "attempts": 0, "next_attempt_at": now,
                     "created_at": now}
                    for destination in wanted
                ])
            dispatched.append(str(reference))
    for reference in dispatched:
        logger.info("Lead %s queued for %s", reference,
                    ", ".join(wanted) or "no destination (none configured)")
    return dispatched

"""Working through the outbox: every pending row delivered once, retried until it is.

How a lead is delivered once:

1. ``submit_lead`` commits the lead, so a lead the chat has confirmed cannot get lost.
   The worker's round first dispatches the leads stored since: one pending row per
   destination of the worker's own configuration, in one transaction with marking the
   lead dispatched (cyberbot/leads/dispatch.py). Only the worker knows the destinations
   and their secrets; the action server stores leads and delivers nothing.
2. A worker claims a due row with a conditional UPDATE that sets a lease (``lease_until``,
   ``lease_owner``) only if the row is still pending, due and not leased. Only the worker
   whose UPDATE changed the row delivers it; this holds across tasks, processes and
   replicas, on SQLite and PostgreSQL alike.
3. The result is written only while the worker still owns the lease: delivered, or
   another attempt after an exponential back-off, or "failed" after the last attempt.

The honest limit: when the receiver accepted a delivery but its 2xx answer was lost (a
timeout), or the worker died before it recorded the result, the row is delivered again
later. Delivery is therefore at-least-once with an idempotency key: the outbox id, sent
as ``X-Cyberbot-Delivery`` and as the e-mail's Message-ID, lets a receiver drop the
duplicate, which makes the hand-off effectively exactly-once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine

from cyberbot.leads.delivery import Delivery, DeliveryResult, deliver
from cyberbot.leads.dispatch import dispatch_new_leads
from cyberbot.leads.handoff_config import HandoffConfig
from cyberbot.leads.models import OUTBOX_STATUSES, leads, outbox
from cyberbot.leads.store import lead_record

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
PARALLEL_DELIVERIES = 8
BACKOFF_FIRST_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 15 * 60.0
BACKOFF_JITTER = 0.1
# Far longer than a delivery can take (webhook timeout at most 120 s; an e-mail is a few
# SMTP steps of at most 30 s each), so a lease only runs out when its worker died.
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Claim:
    delivery: Delivery
    attempts_before: int


def backoff_seconds(attempts: int) -> float:
    """Wait after the ``attempts``-th failure: 5 s, 10 s, 20 s ... at most 15 minutes."""
    delay = BACKOFF_FIRST_SECONDS * 2 ** min(attempts - 1, 20)
    return min(delay * (1 + random.uniform(0, BACKOFF_JITTER)), BACKOFF_MAX_SECONDS)


async def deliver_due(
    engine: Engine,
    config: HandoffConfig,
    now: datetime | None = None,
    worker_id: str | None = None,
) -> DeliveryReport:
    """Dispatch the leads stored since the last round, then claim and deliver every due
    outbox row (up to BATCH_SIZE) once.

    ``now`` fixes the clock (tests); database work runs in threads so that a busy
    database never blocks the worker's event loop.
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else _utcnow
    worker = worker_id or f"round-{uuid4().hex[:12]}"
    await asyncio.to_thread(dispatch_new_leads, engine, config.destinations, clock())
    due = await asyncio.to_thread(_due_ids, engine, clock())
    slots = asyncio.Semaphore(PARALLEL_DELIVERIES)

    async def handle(outbox_id: str) -> str | None:
        async with slots:
            claim = await asyncio.to_thread(_claim, engine, outbox_id, worker, clock())
            if claim is None:
                return None  # another worker has it, or it was erased meanwhile
            try:
                result = await deliver(claim.delivery, config)
            except Exception as error:  # a bug in one delivery must not stop the others
                logger.exception("Outbox %s: delivery raised", outbox_id)
                result = DeliveryResult(False, f"internal error ({type(error).__name__})")
            return await asyncio.to_thread(_record, engine, config, claim, result, worker, clock())

    outcomes = await asyncio.gather(*(handle(outbox_id) for outbox_id in due))
    return DeliveryReport(
        delivered=outcomes.count("delivered"),
        retried=outcomes.count("retried"),
        failed=outcomes.count("failed"),
    )


async def run_worker(engine: Engine, config: HandoffConfig, stop: asyncio.Event) -> None:
    """Deliver due rows every ``config.poll_seconds`` until ``stop`` is set."""
    worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid4().hex[:8]}"
    destinations = ", ".join(config.destinations) or "no destination configured"
    logger.info("Outbox worker %s started (%s)", worker_id, destinations)
    while not stop.is_set():
        try:
            await deliver_due(engine, config, worker_id=worker_id)
        except Exception:
            logger.exception("Outbox round failed; trying again in %g s", config.poll_seconds)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=config.poll_seconds)
    logger.info("Outbox worker %s stopped", worker_id)


def retry_failed(engine: Engine) -> int:
    """Put every failed row back in the queue with fresh attempts; returns how many."""
    with engine.begin() as connection:
        count = connection.execute(
            update(outbox)
            .where(outbox.c.status == "failed")
            .values(
                status="pending",
                attempts=0,
                next_attempt_at=_utcnow(),
                lease_until=None,
                lease_owner=None,
            )
        ).rowcount
    logger.info("%d failed deliveries queued again", count)
    return int(count)


def status_counts(engine: Engine) -> dict[str, int]:
    """Number of outbox rows per status, every status included."""
    counts = dict.fromkeys(OUTBOX_STATUSES, 0)
    with engine.connect() as connection:
        query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        for status, count in connection.execute(query):
            counts[status] = count
    return counts


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _due_ids(engine: Engine, now: datetime) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(outbox.c.id)
                .where(*_due(now))
                .order_by(outbox.c.next_attempt_at)
                .limit(BATCH_SIZE)
            ).scalars()
        )


def _due(now: datetime) -> tuple[Any, ...]:
    return (
        outbox.c.status == "pending",
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
    )


def _claim(engine: Engine, outbox_id: str, worker: str, now: datetime) -> _Claim | None:
    """Lease the row if it is still due and free: the UPDATE's row count decides."""
    with engine.begin() as connection:
        claimed = connection.execute(
            update(outbox)
            .where(outbox.c.id == outbox_id, *_due(now))
            .values(lease_until=now + LEASE, lease_owner=worker)
        ).rowcount
        if claimed != 1:
            return None
        row = (
            connection.execute(
                select(leads, outbox.c.destination, outbox.c.attempts.label("outbox_attempts"))
                .join(outbox, outbox.c.lead_id == leads.c.id)
                .where(outbox.c.id == outbox_id)
            )
            .mappings()
            .one()
        )
    delivery = Delivery(outbox_id, row["destination"], lead_record(row))
    return _Claim(delivery, row["outbox_attempts"])


def _record(
    engine: Engine,
    config: HandoffConfig,
    claim: _Claim,
    result: DeliveryResult,
    worker: str,
    now: datetime,
) -> str:
    """Write the result while the lease is still ours; returns the outcome."""
    delivery = claim.delivery
    attempts = claim.attempts_before + 1
    values: dict[str, Any] = {"attempts": attempts, "lease_until": None, "lease_owner": None}
    delay = 0.0
    if result.delivered:
        outcome = "delivered"
        values.update(status="delivered", delivered_at=now, last_error=None)
    elif attempts >= config.max_attempts:
        outcome = "failed"
        values.update(status="failed", last_error=result.error)
    else:
        outcome = "retried"
        delay = backoff_seconds(attempts)
        values.update(next_attempt_at=now + timedelta(seconds=delay), last_error=result.error)
    with engine.begin() as connection:
        owned = connection.execute(
            update(outbox)
            .where(
                outbox.c.id == delivery.outbox_id,
                outbox.c.status == "pending",
                outbox.c.lease_owner == worker,
            )
            .values(**values)
        ).rowcount
    reference = delivery.lead["reference"]
    if owned != 1:
        logger.warning(
            "Lead %s: lease on outbox %s ran out before the %s result was recorded",
            reference,
            delivery.outbox_id,
            delivery.destination,
        )
        return "lost"
    if outcome == "delivered":
        logger.info(
            "Lead %s delivered by %s (outbox %s, attempt %d)",
            reference,
            delivery.destination,
            delivery.outbox_id,
            attempts,
        )
    elif outcome == "failed":
        logger.error(
            "Lead %s NOT delivered by %s after %d attempts (%s); outbox %s is marked failed, "
            "`cyberbot outbox retry` tries again",
            reference,
            delivery.destination,
            attempts,
            result.error,
            delivery.outbox_id,
        )
    else:
        logger.warning(
            "Lead %s: %s delivery failed (%s), attempt %d of %d; next in %.0f s (outbox %s)",
            reference,
            delivery.destination,
            result.error,
            attempts,
            config.max_attempts,
            delay,
            delivery.outbox_id,
        )
    return outcome

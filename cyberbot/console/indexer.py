"""Keeps ``console_conversations`` up to date with Rasa's tracker store, incrementally.

A watermark in ``console_sync_state`` remembers the highest event id processed. Each
batch reads the ids above it, reloads every event of the conversations they belong to
and recomputes those summaries from scratch, so that processing an event twice does no
harm. The last ``OVERLAP`` ids below the watermark are read again every time: on
PostgreSQL ids come from a sequence when a row is inserted, so an event with a lower id
can become visible after one with a higher id (its transaction committed later).

Rows are written from events read a moment before; should the conversation have been
erased in between, the row is deleted again right after (see ``_drop_erased``).

Only one console process indexes at a time: it first takes a lease on the sync_state
row with a conditional UPDATE (as the outbox workers claim their rows), renews it with
every batch and writes nothing once it has lost it.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from cyberbot.console.models import (
    INDEX_TABLES,
    TRACKER_SYNC,
    conversation_counts,
    conversations,
    missed_messages,
    sync_state,
)
from cyberbot.console.outcomes import ConversationFacts, ConversationSummary, read_conversation
from cyberbot.db.rasa_tables import events, has_events_table
from cyberbot.tracker_events import TrackerEvent, decode_event

logger = logging.getLogger(__name__)

SYNC_NAME = TRACKER_SYNC
LEASE = timedelta(seconds=60)
# Ids below the watermark read again on every batch (see the module docstring).
OVERLAP = 200
# At most this many values in one IN clause.
CHUNK = 500

_FIELDS = tuple(field.name for field in fields(ConversationSummary))
# Bulk update (executemany) of whole rows; the parameters are the columns prefixed "new_".
_UPDATE = (
    update(conversations)
    .where(conversations.c.conversation_id == bindparam("new_conversation_id"))
    .values(
        {
            column.name: bindparam(f"new_{column.name}")
            for column in conversations.columns
            if column.name != "conversation_id"
        }
    )
)


def sync_conversations(
    tracker_engine: Engine,
    console_engine: Engine,
    *,
    batch_size: int = 5000,
    max_batches: int | None = None,
    now: datetime | None = None,
) -> int:
    """Index the tracker events added since the last sync; returns the number of
    conversations whose row was inserted, changed or removed.

    Returns 0 at once when another process holds the lease or Rasa has not created its
    table yet. ``now`` fixes the clock of the lease (for tests).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if not has_events_table(tracker_engine):
        return 0

    def clock() -> datetime:
        return now or datetime.now(timezone.utc)

    owner = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid4().hex[:8]}"
    watermark = _take_lease(console_engine, owner, clock())
    if watermark is None:
        return 0
    updated = batches = 0
    try:
        while max_batches is None or batches < max_batches:
            new_ids, senders = _read_batch(tracker_engine, watermark, batch_size)
            if not senders:
                break
            summaries = _index_senders(tracker_engine, senders)
            new_watermark = max([watermark, *new_ids])
            changed = _write(console_engine, owner, clock, summaries, new_watermark)
            if changed is None:
                logger.warning("Conversation index: lease lost, stopping")
                break
            _drop_erased(tracker_engine, console_engine, changed)
            updated += len(changed)
            watermark = new_watermark
            batches += 1
            if len(new_ids) < batch_size:
                break
    finally:
        _release_lease(console_engine, owner)
    if updated:
        logger.info("Conversation index: %d conversations updated", updated)
    return updated


def _take_lease(engine: Engine, owner: str, now: datetime) -> int | None:
    """The watermark if the lease is now ours; None when another process holds it."""
    with engine.begin() as connection:
        exists = connection.execute(
            select(sync_state.c.name).where(sync_state.c.name == SYNC_NAME)
        ).first()
    if exists is None:
        try:
            with engine.begin() as connection:
                connection.execute(insert(sync_state).values(name=SYNC_NAME, watermark=0))
        except IntegrityError:
            pass  # another process created it first
    with engine.begin() as connection:
        claimed = connection.execute(
            update(sync_state)
            .where(
                sync_state.c.name == SYNC_NAME,
                or_(sync_state.c.lease_until.is_(None), sync_state.c.lease_until < now),
            )
            .values(lease_until=now + LEASE, lease_owner=owner)
        ).rowcount
        if claimed != 1:
            return None
        return int(
            connection.execute(
                select(sync_state.c.watermark).where(sync_state.c.name == SYNC_NAME)
            ).scalar_one()
        )


def _release_lease(engine: Engine, owner: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(sync_state)
            .where(sync_state.c.name == SYNC_NAME, sync_state.c.lease_owner == owner)
            .values(lease_until=None, lease_owner=None)
        )


def _read_batch(engine: Engine, watermark: int, batch_size: int) -> tuple[list[int], set[str]]:
    """Up to ``batch_size`` ids above the watermark, and the senders of those and of the
    overlap below it. The overlap does not count against ``batch_size``, so that every
    batch moves the watermark forward."""
    query = (
        select(events.c.id, events.c.sender_id)
        .where(events.c.id > watermark - OVERLAP)
        .order_by(events.c.id)
        .limit(batch_size + OVERLAP)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    overlap = [row for row in rows if row.id <= watermark]
    rows = overlap + [row for row in rows if row.id > watermark][:batch_size]
    return [row.id for row in rows if row.id > watermark], {row.sender_id for row in rows}


def _index_senders(engine: Engine, senders: set[str]) -> dict[str, ConversationFacts | None]:
    """The facts of ``senders`` from all their events (None: no events left)."""
    grouped: dict[str, list[TrackerEvent]] = {sender: [] for sender in senders}
    with engine.connect() as connection:
        for chunk in _chunks(sorted(senders)):
            query = (
                select(events.c.id, events.c.sender_id, events.c.data)
                .where(events.c.sender_id.in_(chunk))
                .order_by(events.c.id)
            )
            for event_id, sender_id, data in connection.execute(query):
                event = decode_event(event_id, data)
                if event is not None:
                    grouped[sender_id].append(event)
    return {sender: read_conversation(sender, found) for sender, found in grouped.items()}


def _write(
    engine: Engine,
    owner: str,
    clock: Callable[[], datetime],
    summaries: dict[str, ConversationFacts | None],
    watermark: int,
) -> list[str] | None:
    """Store the changed conversations and the watermark, only while the lease is still
    ours; returns the conversations whose row was inserted, changed or removed (None: the
    lease was lost). A changed row gets its counts and missed messages anew."""
    with engine.begin() as connection:
        now = clock()
        renewed = connection.execute(
            update(sync_state)
            .where(
                sync_state.c.name == SYNC_NAME,
                sync_state.c.lease_owner == owner,
                sync_state.c.lease_until >= now,
            )
            .values(lease_until=now + LEASE, watermark=watermark)
        ).rowcount
        if renewed != 1:
            return None
        stored = _stored_rows(connection, list(summaries))
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        removed: list[str] = []
        details: list[ConversationFacts] = []
        for conversation_id, facts in summaries.items():
            previous = stored.get(conversation_id)
            if facts is None:
                # Its events were erased after the batch was read.
                if previous is not None:
                    removed.append(conversation_id)
            elif previous is None:
                inserts.append(_row(facts.summary))
                details.append(facts)
            elif (row := _row(facts.summary)) != previous:
                updates.append({f"new_{key}": value for key, value in row.items()})
                details.append(facts)
        if inserts:
            connection.execute(insert(conversations), inserts)
        if updates:
            connection.execute(_UPDATE, updates)
        changed = [facts.summary.conversation_id for facts in details]
        delete_details(connection, [*removed, *(row["new_conversation_id"] for row in updates)])
        for chunk in _chunks(removed):
            connection.execute(
                delete(conversations).where(conversations.c.conversation_id.in_(chunk))
            )
        _insert_details(connection, details)
    return changed + removed


def delete_details(connection: Connection, conversation_ids: Sequence[str]) -> None:
    """Delete the counts and missed messages of these conversations."""
    for chunk in _chunks(conversation_ids):
        for table in (conversation_counts, missed_messages):
            connection.execute(delete(table).where(table.c.conversation_id.in_(chunk)))


def _insert_details(connection: Connection, details: Sequence[ConversationFacts]) -> None:
    counts = [
        {"conversation_id": facts.summary.conversation_id, "kind": kind, "name": name,
         "count": count}
        for facts in details
        for (kind, name), count in facts.counts.items()
    ]
    missed = [
        {"conversation_id": facts.summary.conversation_id, "event_id": message.event_id,
         "text": message.text, "normalised": message.normalised, "intent": message.intent,
         "confidence": message.confidence}
        for facts in details
        for message in facts.missed
    ]
    if counts:
        connection.execute(insert(conversation_counts), counts)
    if missed:
        connection.execute(insert(missed_messages), missed)


def _drop_erased(tracker_engine: Engine, console_engine: Engine, written: list[str]) -> None:
    """Delete the rows just written of conversations whose events are gone by now.

    An erasure deletes a conversation's events and then its row here. Had our write come
    after that (from events read before), the events are gone by the time we look, so
    the erased text does not come back.
    """
    present: set[str] = set()
    with tracker_engine.connect() as connection:
        for chunk in _chunks(written):
            query = select(events.c.sender_id).where(events.c.sender_id.in_(chunk)).distinct()
            present.update(connection.execute(query).scalars())
    erased = [conversation_id for conversation_id in written if conversation_id not in present]
    with console_engine.begin() as connection:
        for chunk in _chunks(erased):
            for table in INDEX_TABLES:
                connection.execute(delete(table).where(table.c.conversation_id.in_(chunk)))


def _row(summary: ConversationSummary) -> dict[str, Any]:
    """The summary as column values (``asdict`` would deep-copy, which is slow here)."""
    return {name: getattr(summary, name) for name in _FIELDS}


def _stored_rows(
    connection: Connection, conversation_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(conversation_ids):
        query = select(conversations).where(conversations.c.conversation_id.in_(chunk))
        for row in connection.execute(query).mappings():
            rows[row["conversation_id"]] = dict(row)
    return rows


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

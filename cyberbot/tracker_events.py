"""Reading the events of Rasa 3.6's SQL tracker store (its table: cyberbot.db.rasa_tables)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from cyberbot.db.rasa_tables import events


@dataclass(frozen=True)
class TrackerEvent:
    """One stored event: its row id (the order of the conversation) and its decoded JSON."""

    id: int
    data: dict[str, Any]


def decode_event(event_id: int, data: str | None) -> TrackerEvent | None:
    """The event of one row; None when its data is not a JSON object."""
    try:
        decoded = json.loads(data or "")
    except ValueError:
        return None
    return TrackerEvent(event_id, decoded) if isinstance(decoded, dict) else None


def load_events(engine: Engine, conversation_id: str) -> list[TrackerEvent]:
    """Every event of a conversation, all sessions, in the order Rasa stored them."""
    query = (
        select(events.c.id, events.c.data)
        .where(events.c.sender_id == conversation_id)
        .order_by(events.c.id)
    )
    with engine.connect() as connection:
        decoded = (decode_event(event_id, data) for event_id, data in connection.execute(query))
        return [event for event in decoded if event is not None]

"""Reading the events of Rasa 3.6's SQL tracker store.

The table belongs to Rasa: it is described here only to be read, so its metadata is
never used to create anything in Rasa's database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect, select
from sqlalchemy.engine import Engine

tracker_metadata = MetaData()

# Rasa's SQLTrackerStore.SQLEvent: ``data`` is the JSON of the event's ``as_dict()``;
# ``action_name`` is its "name" key, so slot and loop events carry a name there too.
events = Table(
    "events",
    tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class TrackerEvent:
    """One stored event: its row id (the order of the conversation) and its decoded JSON."""

    id: int
    data: dict[str, Any]


def has_events_table(engine: Engine) -> bool:
    """Whether Rasa has created its table yet (it does so on its first start)."""
    return bool(inspect(engine).has_table("events"))


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

"""Reading Rasa's SQL tracker store: the table as Rasa makes it, events in order, bad rows
skipped; and the test fixtures' events are events Rasa itself would write."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine

from cyberbot.db.rasa_tables import events, has_events_table
from cyberbot.tracker_events import TrackerEvent, load_events
from tests.console.tracker_fixtures import KINDS, create_tracker_engine, event_row, write_events


@pytest.fixture()
def tracker_engine(tmp_path: Path) -> Engine:
    return create_tracker_engine(tmp_path / "tracker.db")


def test_the_table_is_the_one_rasa_creates() -> None:
    rasa_table = SQLTrackerStore.SQLEvent.__table__
    ours = {(c.name, type(c.type), c.primary_key, c.nullable) for c in events.columns}
    theirs = {(c.name, type(c.type), c.primary_key, c.nullable) for c in rasa_table.columns}
    assert ours == theirs
    assert {index.name for index in events.indexes} == {i.name for i in rasa_table.indexes}


def test_load_events_reads_what_rasas_store_wrote(tmp_path: Path) -> None:
    path = tmp_path / "rasa.db"
    domain = Domain.from_dict(
        {"slots": {"sector": {"type": "text", "mappings": [{"type": "custom"}]}}}
    )
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    history: list[Event] = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(
            "Ik wil advies",
            intent={"name": "request_advice", "confidence": 0.9},
            input_channel="rest",
        ),
        ActionExecuted("advice_form"),
        ActiveLoop("advice_form"),
        SlotSet("sector", "retail"),
        BotUttered("In welke sector?", metadata={"utter_action": "action_ask_sector"}),
    ]
    tracker = DialogueStateTracker.from_events("conv-1", history, slots=domain.slots)
    asyncio.run(store.save(tracker))
    store.engine.dispose()
    engine = create_engine(f"sqlite:///{path}", future=True)

    loaded = load_events(engine, "conv-1")

    assert [event.data for event in loaded] == [event.as_dict() for event in history]
    assert [event.id for event in loaded] == sorted(event.id for event in loaded)
    assert load_events(engine, "someone-else") == []


def test_events_come_in_id_order_and_bad_rows_are_skipped(tracker_engine: Engine) -> None:
    row = event_row("conv-1", {"event": "session_started", "timestamp": 1.0})
    with tracker_engine.begin() as connection:
        connection.execute(insert(events), [{**row, "id": 9}, {**row, "id": 3}])
        connection.execute(
            insert(events),
            [
                {**row, "id": 5, "data": "{not json"},
                {**row, "id": 6, "data": None},
                {**row, "id": 7, "data": '["a", "list"]'},
                {**row, "id": 8, "sender_id": "conv-2"},
            ],
        )

    assert load_events(tracker_engine, "conv-1") == [
        TrackerEvent(3, {"event": "session_started", "timestamp": 1.0}),
        TrackerEvent(9, {"event": "session_started", "timestamp": 1.0}),
    ]


def test_has_events_table(tmp_path: Path, tracker_engine: Engine) -> None:
    assert has_events_table(tracker_engine)
    assert not has_events_table(create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fixture_events_are_events_rasa_would_store(kind: str, tracker_engine: Engine) -> None:
    conversation = KINDS[kind]()
    for data in conversation:
        assert Event.from_parameters(data).as_dict() == data

    write_events(tracker_engine, "conv", conversation)

    assert [event.data for event in load_events(tracker_engine, "conv")] == conversation

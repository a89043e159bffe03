"""The compacting tracker store: the policies see the same recent states, the database
keeps every event, and nothing is stored twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select
from sqlalchemy.engine import make_url

from cyberbot.tracker_store import CompactingSQLTrackerStore, compacted_tracker, deserialise
from tests.postgres_support import fresh_postgres_database

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def turn(text: str, intent: str, answer: str, *extra: Event) -> list[Event]:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.9}),
        *extra,
        BotUttered(answer),
        ActionExecuted("action_listen"),
    ]


def long_conversation(faq_turns: int = 14) -> list[Event]:
    """An advice form started, interrupted by FAQ questions, then many more questions."""
    events: list[Event] = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]
    events += turn("Ik wil advies", "request_advice", "In welke sector?",
                   ActionExecuted("advice_form"), ActiveLoop("advice_form"),
                   SlotSet("requested_slot", "sector"))
    events += turn("webshop", "inform", "Hoeveel medewerkers?", ActionExecuted("advice_form"),
                   SlotSet("sector", "detailhandel"), SlotSet("requested_slot", "employees"))
    for number in range(faq_turns):
        events += turn(f"vraag {number}", "faq", "Een antwoord.", ActionExecuted("utter_faq"),
                       LoopInterrupted(True))
    events += turn("12", "inform", "Omzet?", ActionExecuted("advice_form"),
                   SlotSet("employees", 12.0), SlotSet("requested_slot", "revenue"))
    return events


def tracker_of(events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("conv", events, DOMAIN.slots)


def test_events_are_read_back_exactly_as_rasa_reads_them() -> None:
    stored = [event.as_dict() for event in long_conversation()]
    assert deserialise(stored) == deserialise_events(stored)


def test_a_short_conversation_is_left_as_it_is() -> None:
    events = long_conversation(faq_turns=2)
    assert list(compacted_tracker(events, 10, "conv", DOMAIN.slots).events) == events


@pytest.mark.parametrize("keep_turns", [3, 5, 10])
def test_the_compacted_tracker_gives_the_policies_the_same_view(keep_turns: int) -> None:
    events = long_conversation()
    full = tracker_of(events)
    compacted = compacted_tracker(events, keep_turns, "conv", DOMAIN.slots)
    assert len(compacted.events) < len(full.events)
    assert compacted.current_slot_values() == full.current_slot_values()
    assert compacted.active_loop == full.active_loop
    assert compacted.latest_message == full.latest_message
    assert compacted.latest_action_name == full.latest_action_name
    # The policies look back max_history (5) states; the rules even less.
    assert compacted.past_states(DOMAIN)[-5:] == full.past_states(DOMAIN)[-5:]
    users = [e.text for e in compacted.events if isinstance(e, UserUttered)]
    assert users == [e.text for e in events if isinstance(e, UserUttered)][-keep_turns:]


def store(tmp_path: Path) -> CompactingSQLTrackerStore:
    return CompactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite",
                                     db=str(tmp_path / "tracker.db"), keep_turns=5)


def test_the_store_keeps_every_event_and_saves_new_ones_once(tmp_path: Path) -> None:
    events = long_conversation()
    tracker_store = store(tmp_path)

    async def scenario() -> tuple[Any, Any, Any]:
        await tracker_store.save(tracker_of(events))
        working = await tracker_store.retrieve("conv")
        assert working is not None
        for event in turn("1,2 miljoen", "inform", "Dank u.", ActionExecuted("advice_form"),
                          SlotSet("revenue", 1_200_000.0)):
            working.update(event)
        await tracker_store.save(working)
        await tracker_store.save(working)  # saving again adds nothing
        working.update(UserUttered("nog een vraag", {"name": "faq", "confidence": 0.8}))
        await tracker_store.save(working)
        return (working, await tracker_store.retrieve_full_tracker("conv"),
                await tracker_store.retrieve("conv"))

    _, full, again = asyncio.run(scenario())
    texts = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert texts == [e.text for e in events if isinstance(e, UserUttered)] + [
        "1,2 miljoen", "nog een vraag"]
    assert len(full.events) == len(events) + 6  # one turn of five events, one message
    assert full.get_slot("revenue") == 1_200_000.0
    assert again.current_slot_values() == full.current_slot_values()
    assert again.active_loop == full.active_loop
    assert len(again.events) < len(full.events)


def test_an_unknown_conversation_is_none(tmp_path: Path) -> None:
    assert asyncio.run(store(tmp_path).retrieve("nobody")) is None


StoreMaker = Callable[[int], CompactingSQLTrackerStore]


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreMaker]:
    """Stores with a given ``keep_turns`` on one database: a SQLite file, or a fresh
    PostgreSQL database (the production profile's; its SQL differs)."""
    if request.param == "sqlite":
        yield lambda keep_turns: CompactingSQLTrackerStore(
            domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"),
            keep_turns=keep_turns)
        return
    with fresh_postgres_database() as url:
        address = make_url(url)
        made: list[CompactingSQLTrackerStore] = []

        def on_postgres(keep_turns: int) -> CompactingSQLTrackerStore:
            made.append(CompactingSQLTrackerStore(
                domain=DOMAIN, dialect="postgresql", host=address.host, port=address.port,
                db=address.database, username=address.username, keep_turns=keep_turns))
            return made[-1]

        yield on_postgres
        for each in made:  # let the database be dropped
            each.engine.dispose()


def saved_and_read(make_store: StoreMaker, events: list[Event],
                   keep_turns: int) -> DialogueStateTracker:
    tracker_store = make_store(keep_turns)

    async def scenario() -> DialogueStateTracker | None:
        await tracker_store.save(tracker_of(events))
        return await tracker_store.retrieve("conv")

    read = asyncio.run(scenario())
    assert read is not None
    return read


def test_keep_turns_zero_reads_the_session_whole(make_store: StoreMaker) -> None:
    events = timed(long_conversation())
    session = events[1:]  # from the session start on, as Rasa reads it
    assert isinstance(session[0], SessionStarted)
    assert list(saved_and_read(make_store, events, 0).events) == session


@pytest.mark.parametrize("keep_turns", [4, 10, 40])
def test_reading_in_pieces_gives_the_same_tracker_as_reading_it_all(
    make_store: StoreMaker, keep_turns: int
) -> None:
    events = long_conversation()
    read = saved_and_read(make_store, events, keep_turns)
    expected = compacted_tracker(events, keep_turns, "conv", DOMAIN.slots)
    full = tracker_of(events)
    assert read.current_slot_values() == full.current_slot_values()
    assert read.active_loop_name == full.active_loop_name
    assert read.latest_message == full.latest_message
    assert read.active_loop == full.active_loop
    assert read.past_states(DOMAIN)[-5:] == full.past_states(DOMAIN)[-5:]

    def said(tracker: DialogueStateTracker) -> list[Any]:
        return [e.as_dict() for e in tracker.events if isinstance(e, (UserUttered, BotUttered))]

    assert said(read) == said(expected)


def test_a_session_with_undone_events_is_read_whole(make_store: StoreMaker) -> None:
    events = long_conversation()
    rewind = events.index(next(e for e in events if isinstance(e, UserUttered)
                               and e.text == "vraag 3"))
    events[rewind + 1 : rewind + 1] = [UserUtteranceReverted()]
    read = saved_and_read(make_store, events, 4)
    assert read.current_slot_values() == tracker_of(events).current_slot_values()
    assert read.past_states(DOMAIN)[-5:] == tracker_of(events).past_states(DOMAIN)[-5:]


def two_sessions(faq_turns: int) -> list[Event]:
    """An earlier session with a form and a slot, then a new session of ``faq_turns``."""
    events = long_conversation(faq_turns=3)
    events += [ActionExecuted("action_session_start"), SessionStarted(),
               SlotSet("sector", "detailhandel"), ActionExecuted("action_listen")]
    for number in range(faq_turns):
        events += turn(f"nieuwe vraag {number}", "faq", "Een antwoord.",
                       ActionExecuted("utter_faq"))
    return timed(events)


def timed(events: list[Event]) -> list[Event]:
    """The events a second apart: a session starts at one moment, as in a real one."""
    for second, event in enumerate(events):
        event.timestamp = 1_800_000_000.0 + second
    return events


@pytest.mark.parametrize("faq_turns", [0, 2, 12])
def test_the_latest_session_is_the_one_rasa_reads(make_store: StoreMaker,
                                                  faq_turns: int) -> None:
    """The store's own SQL reads the session Rasa's SQLTrackerStore reads (the events
    from the latest session start on), of this conversation only."""
    tracker_store = make_store(4)
    other = DialogueStateTracker.from_events("other", long_conversation(2), DOMAIN.slots)
    events = two_sessions(faq_turns)

    async def scenario() -> DialogueStateTracker | None:
        await tracker_store.save(tracker_of(events))
        await tracker_store.save(other)
        return await tracker_store.retrieve("conv")

    read = asyncio.run(scenario())
    assert read is not None
    with tracker_store.session_scope() as session:
        rasa_rows = tracker_store._event_query(session, "conv",
                                               fetch_events_from_all_sessions=False).all()
        ours = session.execute(tracker_store._queries.session, {"sender_id": "conv"}).all()
    assert [row.id for row in ours] == [row.id for row in rasa_rows]
    session_events = deserialise_events([json.loads(row.data) for row in rasa_rows])
    assert session_events[0] == SessionStarted()
    expected = compacted_tracker(session_events, 4, "conv", DOMAIN.slots)
    assert list(read.events) == list(expected.events)
    assert read.get_slot("sector") == "detailhandel"


def questions_only(count: int) -> list[Event]:
    return [event for number in range(count)
            for event in turn(f"vraag {number}", "faq", "Een antwoord.")]


@pytest.mark.parametrize("conversation", [long_conversation, lambda: questions_only(9)],
                         ids=["with-a-form", "questions-only"])
def test_a_long_conversation_without_a_session_start_is_read_in_pieces(
    make_store: StoreMaker, conversation: Callable[[], list[Event]]
) -> None:
    """Events appended over the HTTP API may start with the user's message: nothing
    comes before the kept turns then but the state the earlier turns left, if any."""
    start = ActionExecuted("action_session_start")
    events = [event for event in conversation()
              if not isinstance(event, SessionStarted) and event != start]
    events = events[1:] if not isinstance(events[0], UserUttered) else events
    assert isinstance(events[0], UserUttered)
    read = saved_and_read(make_store, events, 4)
    full = tracker_of(events)
    assert read.current_slot_values() == full.current_slot_values()
    assert read.active_loop == full.active_loop
    assert read.past_states(DOMAIN)[-5:] == full.past_states(DOMAIN)[-5:]
    assert len(read.events) < len(full.events)


def test_a_turn_is_stored_in_the_rows_rasa_writes(tmp_path: Path) -> None:
    """The compacting store writes a turn's events in one INSERT: the same rows as
    Rasa's own SQLTrackerStore writes for them."""
    events = long_conversation(faq_turns=2)
    new_turn = turn("1,2 miljoen", "inform", "Dank u.", ActionExecuted("advice_form"),
                    SlotSet("revenue", 1_200_000.0))
    ours = store(tmp_path)
    rasa = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))

    async def scenario() -> None:
        for tracker_store in (ours, rasa):
            await tracker_store.save(tracker_of(events))
            working = await tracker_store.retrieve("conv")
            assert working is not None
            for event in new_turn:
                working.update(event)
            await tracker_store.save(working)

    asyncio.run(scenario())

    def rows(tracker_store: SQLTrackerStore) -> list[tuple[Any, ...]]:
        table = tracker_store.SQLEvent.__table__
        with tracker_store.session_scope() as session:
            return [tuple(row) for row in session.execute(
                select(*(column for column in table.c if column.name != "id"))
                .order_by(table.c.id))]

    assert rows(ours) == rows(rasa)
    assert len(rows(ours)) == len(events) + len(new_turn)

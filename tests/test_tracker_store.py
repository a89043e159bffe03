"""The compacting tracker store: the policies see the same recent states, the database
keeps every event, and nothing is stored twice."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
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

from cyberbot.tracker_store import CompactingSQLTrackerStore, compacted_tracker, deserialise

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


def saved_and_read(tmp_path: Path, events: list[Event], keep_turns: int) -> DialogueStateTracker:
    tracker_store = CompactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite",
                                              db=str(tmp_path / "pieces.db"),
                                              keep_turns=keep_turns)

    async def scenario() -> DialogueStateTracker | None:
        await tracker_store.save(tracker_of(events))
        return await tracker_store.retrieve("conv")

    read = asyncio.run(scenario())
    assert read is not None
    return read


@pytest.mark.parametrize("keep_turns", [4, 10, 40])
def test_reading_in_pieces_gives_the_same_tracker_as_reading_it_all(
    tmp_path: Path, keep_turns: int
) -> None:
    events = long_conversation()
    read = saved_and_read(tmp_path, events, keep_turns)
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


def test_a_session_with_undone_events_is_read_whole(tmp_path: Path) -> None:
    events = long_conversation()
    rewind = events.index(next(e for e in events if isinstance(e, UserUttered)
                               and e.text == "vraag 3"))
    events[rewind + 1 : rewind + 1] = [UserUtteranceReverted()]
    read = saved_and_read(tmp_path, events, 4)
    assert read.current_slot_values() == tracker_of(events).current_slot_values()
    assert read.past_states(DOMAIN)[-5:] == tracker_of(events).past_states(DOMAIN)[-5:]

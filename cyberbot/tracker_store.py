"""Rasa's SQL tracker store, made so that a long conversation costs no more per message
than a short one.

Measured on this project (in-process, 2 cores): without it a message took 27 ms at turn
5 and 87 ms around turn 100. Two costs grew with the conversation:

- Reading it: Rasa turns every stored event back into an object by scanning all ~30
  event classes for a matching name, for each event (``Event.resolve_by_type``). Here the
  class is looked up in a table made once.
- Predicting: RulePolicy and TEDPolicy rebuild every prior state of the session for each
  prediction (``past_states``), several times per message. Our policies look back five
  turns at most (max_history 5; rules are shorter), so the tracker Rasa works with keeps
  only the last ``keep_turns`` user turns, preceded by a snapshot of the state before
  them: the slot values and the active form.

A session of at most ``keep_turns`` user messages, as most are, is read whole in one
query. A longer one is read in pieces: the kept turns, then the session start and the
events that set slots or forms before them, so that reading costs little more for turn
100 than for turn 5. A session with events that undo earlier ones (rewind, undo) before
the kept turns is read whole. The SQL is in ``cyberbot.tracker_queries``.

Nothing is removed from the database: the full conversation stays in the store (Rasa's
HTTP API, the operator console and ``cyberbot forget`` read all of it), and new events
are appended as usual. Registered in endpoints.yml as
``type: cyberbot.tracker_store.CompactingSQLTrackerStore`` with the usual SQL settings
plus ``keep_turns``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property, lru_cache
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    LoopInterrupted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses

from cyberbot.tracker_queries import SENDER, SessionQueries

DEFAULT_KEEP_TURNS = 10
# Events before the kept turns that shape the state the kept turns start from. The other
# kinds are replaced by the snapshot, or, like LoopInterrupted and FollowupAction, last
# only until the next action, which every kept turn starts with.
STATE_TYPES = ("slot", "active_loop", "reset_slots", "restart", "session_started")
# Events that undo earlier ones: with one of these before the kept turns, read it all.
REVERTING_TYPES = ("rewind", "undo")
# Set on a compacted tracker: how many of its events had been stored when it was read,
# so that only the events added since are saved (and streamed to the event broker).
_KNOWN = "_cyberbot_known_events"


@lru_cache(maxsize=1)
def _event_classes() -> dict[str, type[Event]]:
    """Event classes by their type name, as ``Event.resolve_by_type`` finds them."""
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def deserialise(serialised: Iterable[dict[str, Any]]) -> list[Event]:
    """Stored events as objects; the same result as Rasa's ``deserialise_events``."""
    events: list[Event] = []
    for data in serialised:
        cls = _event_classes().get(str(data.get("event")))
        event = cls._from_parameters(data) if cls is not None else Event.from_parameters(data)
        if event is not None:
            events.append(event)
    return events


def _events(rows: Iterable[Any]) -> list[Event]:
    """The events of rows with a ``data`` column (the stored JSON)."""
    return deserialise(json.loads(row.data) for row in rows)


def compacted_tracker(
    events: Sequence[Event], keep_turns: int, sender_id: str, slots: Iterable[Slot]
) -> DialogueStateTracker:
    """The tracker of ``events`` with everything before the last ``keep_turns`` user
    turns replaced by a snapshot of the state at that point (when there is more)."""
    slots = list(slots)
    users = [index for index, event in enumerate(events) if isinstance(event, UserUttered)]
    if keep_turns < 1 or len(users) <= keep_turns:
        return DialogueStateTracker.from_events(sender_id, list(events), slots)
    cut = users[-keep_turns]
    previous = events[cut - 1]
    if isinstance(previous, ActionExecuted) and previous.action_name == ACTION_LISTEN_NAME:
        cut -= 1
    prologue = events[: users[0]]  # the session start, before the first user message
    return assemble(sender_id, slots, prologue, events[users[0] : cut], events[cut:])


def assemble(
    sender_id: str,
    slots: Sequence[Slot],
    prologue: Sequence[Event],
    head: Sequence[Event],
    tail: Sequence[Event],
) -> DialogueStateTracker:
    """The tracker of ``prologue``, a snapshot of the state ``head`` leaves, and ``tail``."""
    state = DialogueStateTracker.from_events(sender_id, [*prologue, *head], slots)
    moment = (head[-1] if head else tail[0]).timestamp
    snapshot = list(_state_events(state, moment))
    tracker = DialogueStateTracker.from_events(sender_id, [*prologue, *snapshot, *tail], slots)
    if state.active_loop is not None and tracker.active_loop is not None:
        # The message that started the form, as far as the head still shows it.
        tracker.active_loop.trigger_message = state.active_loop.trigger_message
    return tracker


def _state_events(head: DialogueStateTracker, moment: float) -> Iterator[Event]:
    """Events that recreate ``head``'s slots and active form on a fresh tracker."""
    for slot in head.slots.values():
        if slot.value != slot.initial_value:
            yield SlotSet(slot.name, slot.value, timestamp=moment)
    if head.active_loop_name:
        yield ActiveLoop(head.active_loop_name, timestamp=moment)
        if head.is_active_loop_interrupted:
            yield LoopInterrupted(True, timestamp=moment)


class CompactingSQLTrackerStore(SQLTrackerStore):
    """A ``SQLTrackerStore`` whose ``retrieve`` returns a compacted tracker."""

    def __init__(self, *args: Any, keep_turns: int = DEFAULT_KEEP_TURNS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep_turns = int(keep_turns)

    @cached_property
    def _queries(self) -> SessionQueries:
        return SessionQueries.build(self.SQLEvent.__table__, self.keep_turns, STATE_TYPES,
                                    REVERTING_TYPES)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        if self.domain is None:
            return None
        slots = list(self.domain.slots)
        with self.session_scope() as session:
            recent = session.execute(self._queries.recent, {SENDER: sender_id}).all()
            if not recent:
                return None
            if recent[0].users <= self.keep_turns or self.keep_turns < 1:
                # The whole session: most conversations are this short.
                tracker = DialogueStateTracker.from_events(sender_id, _events(recent), slots)
            else:
                pieces = self._pieces(session, sender_id, recent)
                if pieces is None:
                    rows = session.execute(self._queries.session, {SENDER: sender_id}).all()
                    tracker = compacted_tracker(_events(rows), self.keep_turns, sender_id,
                                                slots)
                else:
                    prologue, head, tail = (_events(rows) for rows in pieces)
                    tracker = assemble(sender_id, slots, prologue, head, tail)
        setattr(tracker, _KNOWN, len(tracker.events))
        return tracker

    def _pieces(
        self, session: Any, sender_id: str, recent: Sequence[Any]
    ) -> tuple[list, list, list] | None:
        """The session start, the state events before the kept turns, and the kept turns
        (from the action_listen before the first of them); None to read it all.

        ``recent``: the session's events from the user message before the kept turns on."""
        users = [index for index, row in enumerate(recent) if row.type_name == "user"]
        kept = users[1]  # the first kept user message
        listen = recent[kept - 1]
        if listen.type_name == "action" and listen.action_name == ACTION_LISTEN_NAME:
            kept -= 1
        tail = list(recent[kept:])
        before = session.execute(self._queries.before_start,
                                 {SENDER: sender_id, "start": tail[0].id}).all()
        if any(row.type_name in REVERTING_TYPES for row in before):
            return None
        first_user = before[0].first_user if before else tail[0].id
        prologue = [row for row in before if row.id < first_user]
        head = [row for row in before if row.id >= first_user]
        loops = [row.id for row in head if row.type_name == "active_loop"]
        if loops:
            # The message that started the latest form: its trigger message.
            trigger = session.execute(self._queries.trigger,
                                      {SENDER: sender_id, "before": loops[-1]}).first()
            if trigger is not None:
                head = sorted([*head, trigger], key=lambda row: row.id)
        return prologue, head, tail

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        known = getattr(tracker, _KNOWN, None)
        if known is None:
            await super().stream_events(tracker)
        elif self.event_broker is not None:
            await self._stream_new_events(
                self.event_broker, list(_since(tracker, known)), tracker.sender_id
            )

    async def save(self, tracker: DialogueStateTracker) -> None:
        known = getattr(tracker, _KNOWN, None)
        if known is None:  # not read by this store: Rasa counts what is stored
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        rows = [_row(tracker.sender_id, event) for event in _since(tracker, known)]
        if rows:
            with self.session_scope() as session:
                session.execute(self.SQLEvent.__table__.insert(), rows)
                session.commit()
        setattr(tracker, _KNOWN, len(tracker.events))


def _row(sender_id: str, event: Event) -> dict[str, Any]:
    """The events table's row of an event, as Rasa's ``SQLTrackerStore.save`` writes it
    (here in one INSERT for all of a turn's events, not an ORM object each)."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _since(tracker: DialogueStateTracker, known: int) -> Iterator[Event]:
    return itertools.islice(tracker.events, known, len(tracker.events))

"""A conversation's tracker events as the entries of its transcript page.

Only what an operator needs to follow the conversation: messages, the slots filled in
between them, forms starting and ending, new sessions. Actions are left out (the bot's
messages show what they did).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import isfinite
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from cyberbot.tracker_events import TrackerEvent

DEFAULT_TIMEZONE = "Europe/Amsterdam"
# Set by every form on each question; it says nothing the next message does not.
HIDDEN_SLOTS = frozenset({"requested_slot"})
FAQ_INTENT = "faq"


@dataclass(frozen=True)
class UserEntry:
    kind: ClassVar[Literal["user"]] = "user"
    event_id: int
    time: datetime | None
    text: str
    intent: str | None
    confidence: float | None
    # The retrieval intent's answer key, e.g. "faq/kosten", when the intent is "faq".
    faq_key: str | None
    faq_confidence: float | None
    entities: tuple[tuple[str, str], ...]
    channel: str | None


@dataclass(frozen=True)
class BotEntry:
    kind: ClassVar[Literal["bot"]] = "bot"
    event_id: int
    time: datetime | None
    text: str | None
    buttons: tuple[tuple[str, str], ...]
    utter_action: str | None
    # The first name of the operator who wrote it in a live conversation; None: the bot.
    operator: str | None = None


@dataclass(frozen=True)
class SlotsEntry:
    """The slots set between two messages; a value None means the slot was cleared."""

    kind: ClassVar[Literal["slots"]] = "slots"
    time: datetime | None
    slots: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class FormEntry:
    kind: ClassVar[Literal["form"]] = "form"
    time: datetime | None
    name: str
    started: bool


@dataclass(frozen=True)
class SessionEntry:
    kind: ClassVar[Literal["session"]] = "session"
    time: datetime | None


# ``entry.kind == "user"`` narrows an entry to its class, for templates and for mypy.
TranscriptEntry = UserEntry | BotEntry | SlotsEntry | FormEntry | SessionEntry


def build_transcript(
    events: Sequence[TrackerEvent], timezone: str = DEFAULT_TIMEZONE
) -> list[TranscriptEntry]:
    """The entries of the transcript, in the order of the events (given in id order)."""
    zone = ZoneInfo(timezone)
    entries: list[TranscriptEntry] = []
    pending_slots: list[tuple[str, Any]] = []
    pending_since: datetime | None = None
    known: dict[str, Any] = {}
    active_form: str | None = None
    for event in events:
        data = event.data
        kind = data.get("event")
        time = _local_time(data, zone)
        if kind == "slot":
            name, value = str(data.get("name") or ""), data.get("value")
            if name in HIDDEN_SLOTS or (value is None and known.get(name) is None):
                continue
            known[name] = value
            if not pending_slots:
                pending_since = time
            pending_slots.append((name, value))
            continue
        entry = _entry(event, time, active_form)
        if kind in ("session_started", "restart"):
            # Rasa resets the tracker: slots carried over are set again by new events.
            known.clear()
            active_form = None
        elif kind == "active_loop":
            active_form = _text_or_none(data.get("name"))
        if entry is None:
            continue
        if pending_slots:
            entries.append(SlotsEntry(pending_since, tuple(pending_slots)))
            pending_slots = []
        entries.append(entry)
    if pending_slots:
        entries.append(SlotsEntry(pending_since, tuple(pending_slots)))
    return entries


def format_time(moment: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A moment as Dutch operators write it, in Dutch time: "27-11-2026 14:05:09"."""
    if moment.tzinfo is None:
        raise ValueError("format_time needs a timezone-aware datetime")
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d-%m-%Y %H:%M:%S")


def _entry(
    event: TrackerEvent, time: datetime | None, active_form: str | None
) -> TranscriptEntry | None:
    data = event.data
    kind = data.get("event")
    if kind == "user":
        return _user_entry(event, time)
    if kind == "bot":
        metadata = _mapping(data.get("metadata"))
        return BotEntry(
            event_id=event.id,
            time=time,
            text=_text_or_none(data.get("text")),
            buttons=_buttons(_mapping(data.get("data")).get("buttons")),
            utter_action=_text_or_none(metadata.get("utter_action")),
            operator=_text_or_none(_mapping(metadata.get("operator")).get("name")),
        )
    if kind == "active_loop":
        name = data.get("name")
        if isinstance(name, str) and name:
            return FormEntry(time, name, started=True)
        return FormEntry(time, active_form, started=False) if active_form else None
    if kind == "session_started":
        return SessionEntry(time)
    return None


def _user_entry(event: TrackerEvent, time: datetime | None) -> UserEntry:
    data = event.data
    parse_data = _mapping(data.get("parse_data"))
    intent = _mapping(parse_data.get("intent"))
    intent_name = _text_or_none(intent.get("name"))
    faq_response: Mapping[str, Any] = {}
    if intent_name == FAQ_INTENT:
        selector = _mapping(_mapping(parse_data.get("response_selector")).get(FAQ_INTENT))
        faq_response = _mapping(selector.get("response"))
    entities = parse_data.get("entities")
    return UserEntry(
        event_id=event.id,
        time=time,
        text=_text_or_none(data.get("text")) or "",
        intent=intent_name,
        confidence=_number(intent.get("confidence")),
        faq_key=_text_or_none(faq_response.get("intent_response_key")),
        faq_confidence=_number(faq_response.get("confidence")),
        entities=tuple(
            (str(entity.get("entity")), str(entity.get("value")))
            for entity in (entities if isinstance(entities, list) else [])
            if isinstance(entity, dict)
        ),
        channel=_text_or_none(data.get("input_channel")),
    )


def _buttons(buttons: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(buttons, list):
        return ()
    return tuple(
        (str(button.get("title") or ""), str(button.get("payload") or ""))
        for button in buttons
        if isinstance(button, dict)
    )


def _local_time(data: Mapping[str, Any], zone: ZoneInfo) -> datetime | None:
    timestamp = _number(data.get("timestamp"))
    if timestamp is None:
        return None
    try:
        return datetime.fromtimestamp(timestamp, zone)
    except (OverflowError, OSError, ValueError):
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and isfinite(value):
        return float(value)
    return None

"""What happened in a conversation, read from its tracker events: one summary row.

The stored facts never depend on settings: "low confidence" and "abandoned" are decided
when the index is read (see ``conversation_queries``), so changing a threshold needs no
re-index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from math import isfinite
from types import MappingProxyType
from typing import Any

from cyberbot.text import strip_accents
from cyberbot.tracker_events import TrackerEvent

# The outcome tags an operator filters on, in display order, with their Dutch labels.
OUTCOME_TAGS: Mapping[str, str] = MappingProxyType(
    {
        "faq_answered": "FAQ beantwoord",
        "advice_given": "Advies gegeven",
        "quote_requested": "Offerte aangevraagd",
        "callback_requested": "Terugbelverzoek",
        "fallback_hit": "Niet begrepen",
        "low_confidence": "Lage zekerheid",
        "abandoned": "Formulier afgebroken",
    }
)

# Each form of the domain and the action that runs once it has been filled in.
FORM_COMPLETIONS: Mapping[str, str] = MappingProxyType(
    {
        "advice_form": "action_recommend_insurers",
        "quote_form": "action_submit_quote",
        "callback_form": "action_submit_callback",
    }
)
FALLBACK_ACTIONS = frozenset(
    {"action_fallback", "action_default_fallback", "action_two_stage_fallback"}
)
FALLBACK_INTENT = "nlu_fallback"
FAQ_ACTION = "utter_faq"

# Sized to the columns of ``console_conversations``.
FIRST_MESSAGE_MAX = 200
SEARCH_TEXT_MAX = 20_000
CHANNEL_MAX = 64
# Timestamps (unix seconds) a datetime can hold; anything else is not a real moment.
_MIN_TIMESTAMP = 0.0
_MAX_TIMESTAMP = datetime(9999, 12, 31, tzinfo=timezone.utc).timestamp()


@dataclass(frozen=True)
class ConversationSummary:
    """One row of ``console_conversations``; the field names are its column names."""

    conversation_id: str
    channel: str | None
    started_at: datetime
    last_activity: datetime
    turns: int
    faq_answered: bool
    advice_given: bool
    quote_requested: bool
    callback_requested: bool
    fallback_hit: bool
    min_confidence: float | None
    form_open: bool
    first_message: str | None
    search_text: str
    last_event_id: int


def normalise_for_search(text: str) -> str:
    """Lower-cased without accents: how the index keeps texts and how searches are read."""
    return strip_accents(text.lower())


def summarise(conversation_id: str, events: Sequence[TrackerEvent]) -> ConversationSummary | None:
    """The summary of a conversation's events (given in id order); None without events.

    ``started_at`` and ``last_activity`` are the earliest and the latest event timestamp
    (normally those of the first and the last event). None also when no event has a
    timestamp, which Rasa always writes.
    """
    timestamps = [
        timestamp
        for event in events
        if (timestamp := _number(event.data.get("timestamp"))) is not None
        and _MIN_TIMESTAMP <= timestamp <= _MAX_TIMESTAMP
    ]
    if not timestamps:
        return None
    facts = _Facts()
    for event in events:
        facts.read(event.data)
    return ConversationSummary(
        conversation_id=conversation_id,
        channel=facts.channel,
        started_at=datetime.fromtimestamp(min(timestamps), timezone.utc),
        last_activity=datetime.fromtimestamp(max(timestamps), timezone.utc),
        turns=facts.turns,
        faq_answered=facts.faq,
        advice_given=facts.advice,
        quote_requested=facts.quote,
        callback_requested=facts.callback,
        fallback_hit=facts.fallback,
        min_confidence=min(facts.confidences) if facts.confidences else None,
        form_open=bool(facts.open_forms),
        first_message=facts.user_texts[0][:FIRST_MESSAGE_MAX] if facts.user_texts else None,
        search_text=normalise_for_search("\n".join(facts.user_texts))[:SEARCH_TEXT_MAX],
        last_event_id=max(event.id for event in events),
    )


@dataclass
class _Facts:
    """What the events read so far have shown."""

    turns: int = 0
    user_texts: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    channel: str | None = None
    faq: bool = False
    advice: bool = False
    quote: bool = False
    callback: bool = False
    fallback: bool = False
    # Forms activated and not completed since.
    open_forms: set[str] = field(default_factory=set)

    def read(self, data: Mapping[str, Any]) -> None:
        kind = data.get("event")
        name = data.get("name")
        if kind == "user":
            self._read_user(data)
        elif kind == "action" and isinstance(name, str):
            self.faq = self.faq or name == FAQ_ACTION or name.startswith(FAQ_ACTION + "/")
            self.fallback = self.fallback or name in FALLBACK_ACTIONS
            self.open_forms -= {form for form, done in FORM_COMPLETIONS.items() if done == name}
        elif kind == "bot":
            self.faq = self.faq or _utter_action(data).startswith(FAQ_ACTION + "/")
        elif kind == "slot":
            value = data.get("value")
            self.advice = self.advice or (name == "recommended_insurers" and bool(value))
            self.quote = self.quote or (name == "quote_reference" and value is not None)
            self.callback = self.callback or (name == "callback_reference" and value is not None)
        elif kind == "active_loop" and isinstance(name, str) and name in FORM_COMPLETIONS:
            # Deactivation (name null) changes nothing: only the completing action closes
            # a form, so a form the visitor stopped stays open.
            self.open_forms.add(name)

    def _read_user(self, data: Mapping[str, Any]) -> None:
        self.turns += 1
        text = data.get("text")
        if isinstance(text, str) and text:
            self.user_texts.append(text)
        intent = _intent(data)
        confidence = _number(intent.get("confidence"))
        if confidence is not None:
            self.confidences.append(confidence)
        self.fallback = self.fallback or intent.get("name") == FALLBACK_INTENT
        channel = data.get("input_channel")
        if self.channel is None and isinstance(channel, str) and channel:
            self.channel = channel[:CHANNEL_MAX]


def _intent(data: Mapping[str, Any]) -> Mapping[str, Any]:
    parse_data = data.get("parse_data")
    intent = parse_data.get("intent") if isinstance(parse_data, dict) else None
    return intent if isinstance(intent, dict) else {}


def _utter_action(data: Mapping[str, Any]) -> str:
    metadata = data.get("metadata")
    action = metadata.get("utter_action") if isinstance(metadata, dict) else None
    return action if isinstance(action, str) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and isfinite(value):
        return float(value)
    return None

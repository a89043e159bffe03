"""What happened in a conversation: every outcome the console counts, defined once.

Two halves, both here so that the list's tags, its filters, the dashboard and the stats
API cannot disagree:

1. ``read_conversation`` reads a conversation's tracker events into facts: one summary
   row for ``console_conversations`` plus per-conversation counts (FAQ answers, form
   questions asked and asked again) and the messages the assistant did not understand.
2. ``outcome_conditions`` states each outcome as one SQL condition over those facts.
   The conversation list selects and filters with them, the dashboard and the API count
   with them.

The stored facts never depend on settings: "low confidence" and "abandoned" compare with
thresholds when the index is read, so changing a threshold needs no re-index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from math import isfinite
from types import MappingProxyType
from typing import Any

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.sql import ColumnElement

from cyberbot.console.missed import normalise_missed
from cyberbot.console.models import conversations
from cyberbot.leads.models import leads, outbox
from cyberbot.text import strip_accents
from cyberbot.tracker_events import TrackerEvent


@dataclass(frozen=True)
class Outcome:
    key: str
    # The tag and the dashboard label (Dutch).
    label: str
    # What it means, for the dashboard's explanations (Dutch).
    meaning: str


# The outcomes in display order: tags on the conversation list, its filters, and the
# dashboard's and the API's counts.
OUTCOMES: tuple[Outcome, ...] = (
    Outcome("faq_answered", "FAQ beantwoord", "De assistent gaf minstens één FAQ-antwoord."),
    Outcome("advice_started", "Advies gestart", "Het adviesformulier is begonnen."),
    Outcome("advice_given", "Advies gegeven",
            "Het adviesformulier is afgerond met een aanbeveling van verzekeraars."),
    Outcome("quote_requested", "Offerte aangevraagd",
            "Een offerteaanvraag is opgeslagen (met een referentie)."),
    Outcome("callback_requested", "Terugbelverzoek",
            "Een terugbelverzoek is opgeslagen (met een referentie)."),
    Outcome("lead_delivered", "Afgeleverd",
            "Een offerte of terugbelverzoek is bij de adviseurs afgeleverd (webhook of e-mail)."),
    Outcome("handoff", "Live gesprek",
            "De bezoeker is aan een medewerker overgedragen (live gesprek aangevraagd)."),
    Outcome("fallback_hit", "Niet begrepen", "Minstens één bericht is niet begrepen."),
    Outcome("fallback_loop", "Herhaald niet begrepen",
            "Twee of meer berichten na elkaar zijn niet begrepen."),
    Outcome("low_confidence", "Lage zekerheid",
            "Minstens één bericht is met lage zekerheid herkend."),
    Outcome("abandoned", "Formulier afgebroken",
            "Een formulier is gestopt of al een tijd niet afgemaakt."),
)
OUTCOME_TAGS: Mapping[str, str] = MappingProxyType({o.key: o.label for o in OUTCOMES})

# Measures built from the outcomes; conditions like the outcomes, but not tags.
# A quote or a call-back requested: the funnel's step before delivery.
LEAD_REQUESTED = "lead_requested"
# Handled without a person: no live hand-off, no call-back and no fallback loop.
CONTAINED = "contained"

# Each form of the domain and the action that runs once it has been filled in.
FORM_COMPLETIONS: Mapping[str, str] = MappingProxyType(
    {
        "advice_form": "action_recommend_insurers",
        "quote_form": "action_submit_quote",
        "callback_form": "action_submit_callback",
    }
)
ADVICE_FORM = "advice_form"
FALLBACK_ACTIONS = frozenset(
    {"action_fallback", "action_default_fallback", "action_two_stage_fallback"}
)
FALLBACK_INTENT = "nlu_fallback"
FAQ_ACTION = "utter_faq"
# An FAQ question the assistant could not answer surely: it offered topics ("Bedoelt u
# …?") or said it has no answer (actions/faq.py). A miss, as a fallback is.
FAQ_MISSES = frozenset({"utter_faq_clarify", "utter_faq_unknown"})
REQUESTED_SLOT = "requested_slot"
# Issue 15's contract: live takeover sets this slot; "waiting" is the visitor's request.
HANDOFF_SLOT = "handoff"
HANDOFF_REQUESTED = "waiting"
# Misunderstood messages in a row that make a fallback loop; the same number after which
# the assistant offers a person (actions.fallback.OFFER_HUMAN_AFTER).
MISSES_IN_A_LOOP = 2
MODEL_ID_KEY = "model_id"

# Kinds of per-conversation counts (``console_conversation_counts``).
FAQ_COUNT = "faq"  # name: FAQ key; count: answers given
ASKED_COUNT = "asked"  # name: form question ("advice_form.sector"); count: times asked
REASKED_COUNT = "reasked"  # name: form question; count: times asked again in a row

# Sized to the columns of the index tables.
FIRST_MESSAGE_MAX = 200
SEARCH_TEXT_MAX = 20_000
CHANNEL_MAX = 64
MODEL_ID_MAX = 64
NAME_MAX = 128
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
    advice_started: bool
    advice_given: bool
    quote_requested: bool
    callback_requested: bool
    handoff: bool
    fallback_hit: bool
    fallback_loop: bool
    min_confidence: float | None
    form_open: bool
    # The question of an unfinished form the visitor was at last ("advice_form.sector"),
    # or the form alone when it asked nothing yet.
    dropoff_question: str | None
    # Rasa's id of the model that answered the first message.
    model_id: str | None
    first_message: str | None
    search_text: str
    last_event_id: int


@dataclass(frozen=True)
class MissedMessage:
    """A visitor's message the assistant did not understand (a row of the missed table)."""

    event_id: int
    text: str
    # The text as messages are grouped (see ``cyberbot.console.missed``).
    normalised: str
    intent: str | None
    confidence: float | None


@dataclass(frozen=True)
class ConversationFacts:
    summary: ConversationSummary
    # (kind, name) -> count, kinds FAQ_COUNT, ASKED_COUNT and REASKED_COUNT.
    counts: Mapping[tuple[str, str], int]
    missed: tuple[MissedMessage, ...]


def normalise_for_search(text: str) -> str:
    """Lower-cased without accents: how the index keeps texts and how searches are read."""
    return strip_accents(text.lower())


def read_conversation(
    conversation_id: str, events: Sequence[TrackerEvent]
) -> ConversationFacts | None:
    """Everything the index keeps of a conversation's events (given in id order).

    ``started_at`` and ``last_activity`` are the earliest and the latest event timestamp
    (normally those of the first and the last event). None without events, and when no
    event has a timestamp, which Rasa always writes.
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
        facts.read(event)
    facts.end_turn()
    summary = ConversationSummary(
        conversation_id=conversation_id,
        channel=facts.channel,
        started_at=datetime.fromtimestamp(min(timestamps), timezone.utc),
        last_activity=datetime.fromtimestamp(max(timestamps), timezone.utc),
        turns=facts.turns,
        faq_answered=facts.faq,
        advice_started=facts.advice_started,
        advice_given=facts.advice,
        quote_requested=facts.quote,
        callback_requested=facts.callback,
        handoff=facts.handoff,
        fallback_hit=facts.fallback,
        fallback_loop=facts.fallback_loop,
        min_confidence=min(facts.confidences) if facts.confidences else None,
        form_open=bool(facts.open_forms),
        dropoff_question=facts.dropoff_question(),
        model_id=facts.model_id,
        first_message=facts.user_texts[0][:FIRST_MESSAGE_MAX] if facts.user_texts else None,
        search_text=normalise_for_search("\n".join(facts.user_texts))[:SEARCH_TEXT_MAX],
        last_event_id=max(event.id for event in events),
    )
    return ConversationFacts(summary, dict(facts.counts), tuple(facts.missed))


def outcome_conditions(
    low_confidence_threshold: float, abandoned_cutoff: datetime
) -> dict[str, ColumnElement[bool]]:
    """Each outcome (and the measures LEAD_REQUESTED and CONTAINED) as a condition on a
    row of ``console_conversations``; ``abandoned_cutoff`` is the moment before which an
    unfinished form counts as abandoned."""
    c = conversations.c
    lead_requested = or_(c.quote_requested.is_(True), c.callback_requested.is_(True))
    # A lead of the conversation that at least one destination has received. The set of
    # such conversations is read once (not per row), and asked only of conversations
    # with a lead request.
    delivered = and_(lead_requested, c.conversation_id.in_(
        select(leads.c.conversation_id)
        .select_from(leads.join(outbox, outbox.c.lead_id == leads.c.id))
        .where(outbox.c.status == "delivered")
    ))
    conditions: dict[str, ColumnElement[bool]] = {
        "faq_answered": c.faq_answered.is_(True),
        "advice_started": c.advice_started.is_(True),
        "advice_given": c.advice_given.is_(True),
        "quote_requested": c.quote_requested.is_(True),
        "callback_requested": c.callback_requested.is_(True),
        "lead_delivered": delivered,
        "handoff": c.handoff.is_(True),
        "fallback_hit": c.fallback_hit.is_(True),
        "fallback_loop": c.fallback_loop.is_(True),
        "low_confidence": c.min_confidence < low_confidence_threshold,
        "abandoned": and_(c.form_open.is_(True), c.last_activity < abandoned_cutoff),
    }
    conditions[LEAD_REQUESTED] = lead_requested
    conditions[CONTAINED] = not_(
        or_(conditions["handoff"], conditions["callback_requested"], conditions["fallback_loop"])
    )
    return conditions


@dataclass
class _Facts:
    """What the events read so far have shown."""

    turns: int = 0
    user_texts: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    channel: str | None = None
    model_id: str | None = None
    faq: bool = False
    advice_started: bool = False
    advice: bool = False
    quote: bool = False
    callback: bool = False
    handoff: bool = False
    fallback: bool = False
    fallback_loop: bool = False
    # Forms activated and not completed since.
    open_forms: set[str] = field(default_factory=set)
    # The form that is active now (Rasa's active loop), if any.
    active_form: str | None = None
    # Per form: the order of its latest question and the slot it asked for.
    last_question: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    questions_asked: int = 0
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    missed: list[MissedMessage] = field(default_factory=list)
    # The user message being answered: what it was, and whether it was missed.
    turn_message: MissedMessage | None = None
    turn_missed: bool = False
    misses_in_a_row: int = 0

    def read(self, event: TrackerEvent) -> None:
        data = event.data
        kind = data.get("event")
        name = data.get("name")
        if self.model_id is None:
            self._read_model(data)
        if kind == "user":
            self.end_turn()
            self._read_user(event)
        elif kind == "action" and isinstance(name, str):
            self._read_action(name)
        elif kind == "bot":
            utter_action = _utter_action(data)
            if utter_action.startswith(FAQ_ACTION + "/"):
                self.faq = True
                self._count(FAQ_COUNT, utter_action.removeprefix(FAQ_ACTION + "/"))
            elif utter_action in FAQ_MISSES:
                self.fallback = self.turn_missed = True
        elif kind == "slot" and isinstance(name, str):
            self._read_slot(name, data.get("value"))
        elif kind == "active_loop":
            self._read_loop(name)
        elif kind == "session_started":
            self.end_turn()
            self.misses_in_a_row = 0

    def end_turn(self) -> None:
        """Close the user message being answered: was it one more miss in a row?"""
        if self.turn_message is None and not self.turn_missed:
            return
        if self.turn_missed:
            self.misses_in_a_row += 1
            self.fallback_loop = self.fallback_loop or self.misses_in_a_row >= MISSES_IN_A_LOOP
            if self.turn_message is not None and self.turn_message.text.strip():
                self.missed.append(self.turn_message)
        else:
            self.misses_in_a_row = 0
        self.turn_message, self.turn_missed = None, False

    def dropoff_question(self) -> str | None:
        """The latest question of the forms still open, or such a form when it asked none."""
        if not self.open_forms:
            return None
        form = max(sorted(self.open_forms), key=lambda f: self.last_question.get(f, (-1, None))[0])
        _, slot = self.last_question.get(form, (-1, None))
        return _question(form, slot) if slot else form

    def _read_model(self, data: Mapping[str, Any]) -> None:
        """The model that answered the first user message (Rasa adds its id to each event)."""
        metadata = data.get("metadata")
        model_id = metadata.get(MODEL_ID_KEY) if isinstance(metadata, dict) else None
        if data.get("event") == "user" and isinstance(model_id, str) and model_id:
            self.model_id = model_id[:MODEL_ID_MAX]

    def _read_user(self, event: TrackerEvent) -> None:
        data = event.data
        self.turns += 1
        text = data.get("text")
        if isinstance(text, str) and text:
            self.user_texts.append(text)
        intent = _intent(data)
        intent_name = intent.get("name")
        confidence = _number(intent.get("confidence"))
        if confidence is not None:
            self.confidences.append(confidence)
        self.turn_missed = intent_name == FALLBACK_INTENT
        self.fallback = self.fallback or self.turn_missed
        self.turn_message = MissedMessage(
            event_id=event.id,
            text=text if isinstance(text, str) else "",
            normalised=normalise_missed(text) if isinstance(text, str) else "",
            intent=intent_name[:NAME_MAX] if isinstance(intent_name, str) else None,
            confidence=confidence,
        )
        channel = data.get("input_channel")
        if self.channel is None and isinstance(channel, str) and channel:
            self.channel = channel[:CHANNEL_MAX]

    def _read_action(self, name: str) -> None:
        self.faq = self.faq or name == FAQ_ACTION or name.startswith(FAQ_ACTION + "/")
        if name in FALLBACK_ACTIONS:
            self.fallback = self.turn_missed = True
        for form, done in FORM_COMPLETIONS.items():
            if done == name:
                self.open_forms.discard(form)
                self.last_question.pop(form, None)

    def _read_slot(self, name: str, value: Any) -> None:
        self.advice = self.advice or (name == "recommended_insurers" and bool(value))
        self.quote = self.quote or (name == "quote_reference" and value is not None)
        self.callback = self.callback or (name == "callback_reference" and value is not None)
        self.handoff = self.handoff or (name == HANDOFF_SLOT and value == HANDOFF_REQUESTED)
        form = self.active_form
        if name == REQUESTED_SLOT and isinstance(value, str) and value and form is not None:
            question = _question(form, value)
            self._count(ASKED_COUNT, question)
            if self.last_question.get(form, (-1, None))[1] == value:
                self._count(REASKED_COUNT, question)
            self.questions_asked += 1
            self.last_question[form] = (self.questions_asked, value)

    def _read_loop(self, name: Any) -> None:
        # Deactivation (name null) changes nothing about open forms: only the completing
        # action closes a form, so a form the visitor stopped stays open.
        if isinstance(name, str) and name in FORM_COMPLETIONS:
            self.open_forms.add(name)
            self.advice_started = self.advice_started or name == ADVICE_FORM
            if self.active_form != name:
                self.last_question.pop(name, None)
            self.active_form = name
        else:
            self.active_form = None

    def _count(self, kind: str, name: str) -> None:
        key = (kind, name[:NAME_MAX])
        self.counts[key] = self.counts.get(key, 0) + 1


def _question(form: str, slot: str) -> str:
    return f"{form}.{slot}"


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

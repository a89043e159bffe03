"""Realistic Rasa 3.6 tracker events for the console tests, written as SQLTrackerStore does.

``ConversationBuilder`` produces the event dicts of Rasa's ``Event.as_dict()`` (checked
against Rasa's own classes in test_tracker_events.py), one second apart; the functions
below it build one conversation of each kind the console tells apart. ``write_events``
stores them in a tracker database made by ``create_tracker_engine``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine

from cyberbot.console.outcomes import ConversationSummary, read_conversation
from cyberbot.db.rasa_tables import events, rasa_metadata
from cyberbot.tracker_events import TrackerEvent

Event = dict[str, Any]

# 27 November 2026, 10:00 in Amsterdam.
DEFAULT_START = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
MODEL_METADATA = {"model_id": "5f1c0a8e6d9b4c2f", "assistant_id": "cyberbot"}
HTML_TEXT = "<script>alert('xss')</script> <b>Wat kost</b> een verzekering & meer?"


def create_tracker_engine(path: Path) -> Engine:
    """A SQLite tracker database at ``path`` with Rasa's ``events`` table."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    rasa_metadata.create_all(engine)
    return engine


def event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """The ``events`` row SQLTrackerStore.save writes for ``event`` (without its id)."""
    parse_data = event.get("parse_data") or {}
    return {
        "sender_id": sender_id,
        "type_name": event["event"],
        "timestamp": event.get("timestamp"),
        "intent_name": (parse_data.get("intent") or {}).get("name"),
        "action_name": event.get("name"),
        "data": json.dumps(event),
    }


def summarise(conversation_id: str, events: Sequence[TrackerEvent]) -> ConversationSummary | None:
    """The index row of the events (None when there is nothing to summarise)."""
    facts = read_conversation(conversation_id, events)
    return facts.summary if facts is not None else None


def with_model(conversation: list[Event], model_id: str) -> list[Event]:
    """The events as served by the model ``model_id`` (Rasa adds it to their metadata)."""
    for event in conversation:
        if "metadata" in event:
            event["metadata"] = {**event["metadata"], "model_id": model_id}
    return conversation


def write_events(engine: Engine, sender_id: str, conversation: Iterable[Event]) -> list[int]:
    """Append the events to ``sender_id``'s conversation; returns their new ids."""
    ids: list[int] = []
    with engine.begin() as connection:
        for event in conversation:
            result = connection.execute(insert(events).values(event_row(sender_id, event)))
            ids.append(int(result.inserted_primary_key[0]))
    return ids


class ConversationBuilder:
    """Builds the events of one conversation in order; each event is one step later."""

    def __init__(
        self, start: datetime = DEFAULT_START, channel: str = "rest", step: float = 1.0
    ) -> None:
        self.clock = start.timestamp()
        self.channel = channel
        self.step = step
        self.events: list[Event] = []

    def _add(self, event: Event) -> ConversationBuilder:
        self.clock += self.step
        self.events.append({"event": event.pop("event"), "timestamp": self.clock, **event})
        return self

    def session_start(self) -> ConversationBuilder:
        """What Rasa stores before the first message of a session."""
        self.action("action_session_start", policy=None, confidence=1.0)
        self._add({"event": "session_started", "metadata": dict(MODEL_METADATA)})
        return self.action("action_listen", policy=None, confidence=None)

    def user(
        self,
        text: str,
        intent: str,
        confidence: float = 0.97,
        *,
        entities: Sequence[tuple[str, Any]] = (),
        faq_key: str | None = None,
        faq_confidence: float = 0.93,
    ) -> ConversationBuilder:
        """A visitor's message as the NLU pipeline read it; ``faq_key`` e.g. "faq/kosten"."""
        message_id = uuid4().hex
        parse_data: dict[str, Any] = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [
                {
                    "entity": name,
                    "start": 0,
                    "end": len(str(value)),
                    "confidence_entity": 0.99,
                    "value": value,
                    "extractor": "DIETClassifier",
                }
                for name, value in entities
            ],
            "message_id": message_id,
            "metadata": {},
            "intent_ranking": [
                {"name": intent, "confidence": confidence},
                {"name": "nlu_fallback" if intent != "nlu_fallback" else "faq", "confidence": 0.01},
            ],
        }
        if faq_key is not None:
            response = {
                "responses": [{"text": "Het antwoord."}],
                "confidence": faq_confidence,
                "intent_response_key": faq_key,
                "utter_action": f"utter_{faq_key}",
            }
            parse_data["response_selector"] = {
                "all_retrieval_intents": ["faq"],
                "faq": {"response": response, "ranking": [dict(response)]},
            }
        self._add(
            {
                "event": "user",
                "metadata": dict(MODEL_METADATA),
                "text": text,
                "parse_data": parse_data,
                "input_channel": self.channel,
                "message_id": message_id,
            }
        )
        return self._add({"event": "user_featurization", "use_text_for_featurization": False})

    def button(self, payload: str) -> ConversationBuilder:
        """A click on a button: its payload arrives as the text, with certainty 1.0."""
        intent = payload.lstrip("/").split("{")[0]
        faq_key = intent if intent.startswith("faq/") else None
        return self.user(
            payload,
            "faq" if faq_key else intent,
            1.0,
            faq_key=faq_key,
            faq_confidence=1.0,
        )

    def action(
        self, name: str, policy: str | None = "policy_1_RulePolicy", confidence: float | None = 1.0
    ) -> ConversationBuilder:
        return self._add(
            {
                "event": "action",
                "metadata": dict(MODEL_METADATA),
                "name": name,
                "policy": policy,
                "confidence": confidence,
                "action_text": None,
                "hide_rule_turn": False,
            }
        )

    def bot(
        self,
        text: str,
        utter_action: str | None = None,
        buttons: Sequence[tuple[str, str]] = (),
    ) -> ConversationBuilder:
        metadata = dict(MODEL_METADATA)
        if utter_action is not None:
            metadata["utter_action"] = utter_action
        return self._add(
            {
                "event": "bot",
                "metadata": metadata,
                "text": text,
                "data": {
                    "elements": None,
                    "quick_replies": None,
                    "buttons": [{"title": title, "payload": payload} for title, payload in buttons]
                    or None,
                    "attachment": None,
                    "image": None,
                    "custom": None,
                },
            }
        )

    def slot(self, name: str, value: Any) -> ConversationBuilder:
        return self._add({"event": "slot", "name": name, "value": value})

    def loop(self, name: str | None) -> ConversationBuilder:
        """A form activated (``name``) or deactivated (None)."""
        return self._add({"event": "active_loop", "name": name})

    def listen(self) -> ConversationBuilder:
        return self.action("action_listen")

    def ask(self, slot: str, question: str) -> ConversationBuilder:
        """A form asking its next question."""
        self.slot("requested_slot", slot)
        self.action(f"action_ask_{slot}")
        return self.bot(question, f"action_ask_{slot}").listen()


def faq_conversation(
    start: datetime = DEFAULT_START,
    channel: str = "rest",
    text: str = "Wat kost een cyberverzekering?",
) -> list[Event]:
    """A question answered from the FAQ: intent faq, answer utter_faq/kosten."""
    return (
        ConversationBuilder(start, channel)
        .session_start()
        .user(text, "faq", 0.98, faq_key="faq/kosten")
        .action("utter_faq")
        .bot(
            "De premie hangt af van uw omzet en sector.",
            "utter_faq/kosten",
            [("Advies krijgen", "/request_advice"), ("Is het verplicht?", "/faq/verplicht")],
        )
        .listen()
        .events
    )


def advice_conversation(start: datetime = DEFAULT_START, channel: str = "rest") -> list[Event]:
    """The advice form filled in completely; action_recommend_insurers gives the advice."""
    builder = ConversationBuilder(start, channel).session_start()
    builder.user("Welke verzekeraar past bij mij?", "request_advice", 0.95)
    builder.action("advice_form").loop("advice_form")
    builder.ask("sector", "In welke sector bent u actief?")
    builder.user("Ik heb een webwinkel", "inform", 0.91, entities=[("sector", "webwinkel")])
    builder.action("advice_form").slot("sector", "retail")
    builder.ask("employees", "Hoeveel medewerkers heeft u?")
    builder.user("12 medewerkers", "inform", 0.89, entities=[("number", 12)])
    builder.action("advice_form").slot("employees", 12.0)
    builder.slot("priority", "incident_help").loop(None).slot("requested_slot", None)
    builder.action("action_recommend_insurers").slot("recommended_insurers", ["hiscox", "aig"])
    builder.bot("Mijn advies: Hiscox of AIG.", "utter_recommendation").listen()
    return builder.events


def quote_conversation(start: datetime = DEFAULT_START, channel: str = "rest") -> list[Event]:
    """The quote form completed: action_submit_quote sets quote_reference."""
    builder = ConversationBuilder(start, channel).session_start()
    builder.button("/request_quote")
    builder.action("quote_form").loop("quote_form")
    builder.ask("contact_name", "Wat is uw naam?")
    builder.user("Jan de Vries", "inform", 0.88)
    builder.action("quote_form").slot("contact_name", "Jan de Vries")
    builder.ask("contact_email", "Op welk e-mailadres?")
    builder.user("jan@pixelwerk.nl", "inform", 0.93, entities=[("email", "jan@pixelwerk.nl")])
    builder.action("quote_form").slot("contact_email", "jan@pixelwerk.nl")
    builder.loop(None).slot("requested_slot", None)
    builder.action("action_submit_quote").slot("quote_reference", "CV-2026-7")
    builder.bot("Uw aanvraag CV-2026-7 is verstuurd.", "utter_quote_submitted").listen()
    return builder.events


def callback_conversation(start: datetime = DEFAULT_START, channel: str = "rest") -> list[Event]:
    """The call-back form completed: action_submit_callback sets callback_reference."""
    builder = ConversationBuilder(start, channel).session_start()
    builder.user("Kunnen jullie mij terugbellen?", "request_callback", 0.96)
    builder.action("callback_form").loop("callback_form")
    builder.ask("contact_name", "Wat is uw naam?")
    builder.user("Piet Bakker", "inform", 0.9)
    builder.action("callback_form").slot("contact_name", "Piet Bakker")
    builder.loop(None).slot("requested_slot", None)
    builder.action("action_submit_callback").slot("callback_reference", "CV-2026-8")
    builder.bot("We bellen u terug.", "utter_callback_submitted").listen()
    return builder.events


def fallback_conversation(start: datetime = DEFAULT_START, channel: str = "rest") -> list[Event]:
    """A message the bot did not understand: intent nlu_fallback, action_fallback."""
    return (
        ConversationBuilder(start, channel)
        .session_start()
        .user("blabla qwerty", "nlu_fallback", 0.42)
        .action("action_fallback")
        .bot("Sorry, dat begreep ik niet. Kunt u het anders zeggen?", "utter_default")
        .listen()
        .events
    )


def low_confidence_conversation(
    start: datetime = DEFAULT_START, channel: str = "rest", confidence: float = 0.35
) -> list[Event]:
    """An FAQ question answered although the intent was barely recognised."""
    return (
        ConversationBuilder(start, channel)
        .session_start()
        .user("is dat eigenlijk wel nodig voor zzp", "faq", confidence, faq_key="faq/verplicht")
        .action("utter_faq")
        .bot("Een cyberverzekering is niet verplicht.", "utter_faq/verplicht")
        .listen()
        .events
    )


def abandoned_form_conversation(
    start: datetime = DEFAULT_START, channel: str = "rest"
) -> list[Event]:
    """The advice form stopped by the visitor: the loop ends without its completing action."""
    builder = ConversationBuilder(start, channel).session_start()
    builder.user("Ik wil advies", "request_advice", 0.94)
    builder.action("advice_form").loop("advice_form")
    builder.ask("sector", "In welke sector bent u actief?")
    builder.user("stop", "stop", 0.97)
    builder.action("action_stop_form").loop(None).slot("requested_slot", None)
    builder.bot("Goed, ik stop met de vragen.", "utter_form_stopped").listen()
    return builder.events


def html_conversation(start: datetime = DEFAULT_START, channel: str = "socketio") -> list[Event]:
    """A visitor who typed HTML, which every page must show as text."""
    return (
        ConversationBuilder(start, channel)
        .session_start()
        .user(HTML_TEXT, "faq", 0.61, faq_key="faq/kosten")
        .action("utter_faq")
        .bot("De premie hangt af van uw omzet.", "utter_faq/kosten")
        .listen()
        .events
    )


def handoff_conversation(start: datetime = DEFAULT_START, channel: str = "rest") -> list[Event]:
    """A visitor handed to a live operator: issue 15's slot ``handoff`` goes from
    "waiting" to "active" to "closed"."""
    builder = ConversationBuilder(start, channel).session_start()
    builder.user("Kan ik nu iemand spreken?", "request_human", 0.97)
    builder.slot("handoff", "waiting")
    builder.bot("Ik zoek een medewerker voor u.", "utter_handoff_waiting").listen()
    builder.slot("handoff", "active").slot("handoff", "closed")
    return builder.events


def fallback_loop_conversation(
    start: datetime = DEFAULT_START, channel: str = "rest"
) -> list[Event]:
    """Two messages in a row not understood: the assistant offers a person."""
    builder = ConversationBuilder(start, channel).session_start()
    builder.user("Dekt dat mijn kassasysteem?", "nlu_fallback", 0.38).action("action_fallback")
    builder.bot("Dat begreep ik niet helemaal.", "utter_default").listen()
    builder.user("mijn kassa systeem dus", "nlu_fallback", 0.31).action("action_fallback")
    builder.bot("Wilt u een adviseur spreken?", "utter_offer_human").listen()
    return builder.events


# Each kind of conversation the console tells apart, by a short name.
KINDS: dict[str, Callable[..., list[Event]]] = {
    "faq": faq_conversation,
    "advice": advice_conversation,
    "quote": quote_conversation,
    "callback": callback_conversation,
    "fallback": fallback_conversation,
    "low_confidence": low_confidence_conversation,
    "abandoned": abandoned_form_conversation,
    "html": html_conversation,
    "handoff": handoff_conversation,
    "fallback_loop": fallback_loop_conversation,
}

"""Questions of the forms whose buttons come from data files (``action_ask_<slot>``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.messages import form_messages, privacy_url, text
from actions.tracker_reading import input_issue, is_fresh_answer, latest_turn
from cyberbot.advice.catalogue import load_catalogue
from cyberbot.advice.sectors import load_sectors, match_sector
from cyberbot.reading.answers import INSURER_IDS, is_interruption, read_no_answer

OTHER_SECTOR = "overig"


class ActionAskSector(Action):
    """Asks for the sector; after an unclear answer offers the sectors that came close."""

    def name(self) -> str:
        return "action_ask_sector"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        sectors = load_sectors()
        turn = latest_turn(tracker)
        answered = (
            turn.requested_slot == "sector"
            and is_fresh_answer(tracker)
            and input_issue(tracker) is None
            and not is_interruption(turn, answered=False)
        )
        if not answered:
            dispatcher.utter_message(text=text("sector", "ask"))
            return []
        candidates = list(match_sector(turn.text).candidates)
        if candidates:
            if OTHER_SECTOR not in candidates:
                candidates.append(OTHER_SECTOR)
            shown = [sector for sector in sectors if sector.id in candidates]
            message = text("not_understood", "sector") + " " + text("sector", "unsure")
        else:
            shown = list(sectors)
            message = text("not_understood", "sector") + " " + text("sector", "unknown")
        buttons = [{"title": sector.button, "payload": sector.label} for sector in shown]
        dispatcher.utter_message(text=message, buttons=buttons)
        return []


class ActionAskPriority(Action):
    def name(self) -> str:
        return "action_ask_priority"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        priorities = load_catalogue().priorities
        buttons = [
            {"title": priority.button, "payload": priority_id}
            for priority_id, priority in priorities.items()
        ]
        dispatcher.utter_message(text=text("priority", "ask"), buttons=buttons)
        return []


class ActionAskPreferredInsurer(Action):
    """Asks for a preferred insurer, the recommended ones first."""

    def name(self) -> str:
        return "action_ask_preferred_insurer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        catalogue = load_catalogue()
        recommended = [
            insurer
            for insurer in tracker.get_slot("recommended_insurers") or []
            if insurer in INSURER_IDS
        ]
        order = recommended + [insurer for insurer in INSURER_IDS if insurer not in recommended]
        buttons = [
            {"title": catalogue.insurers[insurer].name, "payload": insurer} for insurer in order
        ]
        buttons.append({"title": text("preferred_insurer", "none_button"), "payload": "none"})
        if recommended:
            message = text(
                "preferred_insurer",
                "ask_after_advice",
                first=catalogue.insurers[recommended[0]].name,
            )
        else:
            message = text("preferred_insurer", "ask")
        dispatcher.utter_message(text=message, buttons=buttons)
        return []


def help_question(tracker: Tracker, slot: str) -> dict[str, Any] | None:
    """The question in its words of help when the visitor just said "weet ik niet" to it
    (content/form_messages.yml, no_answer.help), else None."""
    turn = latest_turn(tracker)
    helps: dict[str, Any] = form_messages()["no_answer"]["help"]
    if (slot in helps and turn.requested_slot == slot and is_fresh_answer(tracker)
            and read_no_answer(turn.text) is not None
            and slot in (tracker.get_slot("unanswered_questions") or [])):
        return dict(helps[slot])
    return None


class ActionAskConsent(Action):
    """Asks for consent before any contact detail, with the privacy statement."""

    def name(self) -> str:
        return "action_ask_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        helped = help_question(tracker, "consent")
        if helped:
            dispatcher.utter_message(text=helped["text"], buttons=helped["buttons"])
            return []
        form = (tracker.active_loop or {}).get("name")
        purpose = "callback" if form == "callback_form" else "quote"
        dispatcher.utter_message(
            text=text("consent", purpose, privacy_url=privacy_url()),
            buttons=[
                {"title": text("consent", "yes_button"), "payload": "/affirm"},
                {"title": text("consent", "no_button"), "payload": "/deny"},
            ],
        )
        return []


class AskQuestion(Action, ABC):
    """Asks a question of a form as written in ``questions`` of the form messages."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot the question asks for; subclasses set it as a class attribute."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        question = help_question(tracker, self.slot) or form_messages()["questions"][self.slot]
        dispatcher.utter_message(text=question["text"], buttons=question.get("buttons", []))
        return []


def _question_action(slot: str) -> type[AskQuestion]:
    class_name = "Ask" + "".join(part.title() for part in slot.split("_"))
    return type(class_name, (AskQuestion,), {"slot": slot, "__doc__": f"Asks for {slot}."})


# One action_ask_<slot> per plain question; rasa-sdk registers every Action subclass.
QUESTION_ACTIONS = tuple(_question_action(slot) for slot in form_messages()["questions"])

"""Help in the middle of a form: why a question is asked, and stopping politely."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.messages import form_messages, text
from actions.tracker_reading import REQUESTED_SLOT


class ActionExplainQuestion(Action):
    """Answers "waarom vraagt u dat?" for the question the form asked last."""

    def name(self) -> str:
        return "action_explain_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        slot = tracker.get_slot(REQUESTED_SLOT)
        why = form_messages()["why"].get(slot) if slot else None
        if why is None:
            dispatcher.utter_message(text=text("why_default"))
        else:
            dispatcher.utter_message(text=f"{why} {text('why_then')}")
        return []


class ActionStopForm(Action):
    """Ends the active form; what the visitor already answered is kept."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        form = (tracker.active_loop or {}).get("name")
        stopped = form_messages()["stopped"]
        dispatcher.utter_message(text=stopped.get(form) or stopped["advice_form"])
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]

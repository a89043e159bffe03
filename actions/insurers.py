"""Facts on one insurer, or two side by side ("verschil tussen Hiscox en Chubb")."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.messages import form_messages
from actions.tracker_reading import latest_turn
from cyberbot.advice.explain import comparison_text, insurer_text
from cyberbot.reading.answers import INSURER_IDS, insurers_named


class ActionInsurerInfo(Action):
    def name(self) -> str:
        return "action_insurer_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        turn = latest_turn(tracker)
        # The entity extractor can miss one of two names; the text is read as well.
        named = list(dict.fromkeys([*insurers_named(turn.text), *turn.insurer_entities]))
        named = [insurer for insurer in named if insurer in INSURER_IDS]
        country = tracker.get_slot("country")
        if len(named) >= 2:
            dispatcher.utter_message(text=comparison_text(named[0], named[1], country=country))
            return []
        if len(named) == 1:
            dispatcher.utter_message(text=insurer_text(named[0], country=country))
            return [SlotSet("insurer", named[0])]
        overview = form_messages()["insurer_overview"]
        dispatcher.utter_message(text=overview["text"], buttons=overview["buttons"])
        return []

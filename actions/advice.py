"""The comparison at the end of the advice form, and what it is."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.messages import form_messages
from cyberbot.advice.explain import disclosure, recommendation_text, unanswered_text
from cyberbot.advice.ranking import Profile, recommend


class ActionRecommendInsurers(Action):
    """Ranks AIG, Hiscox and Chubb for the visitor's business and explains why."""

    def name(self) -> str:
        return "action_recommend_insurers"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        profile = Profile.from_slots(tracker.current_slot_values())
        recommendation = recommend(profile)
        dispatcher.utter_message(text=recommendation_text(recommendation, profile))
        left_open = unanswered_text(profile)
        if left_open:
            dispatcher.utter_message(text=left_open)
        # What the comparison is, and who answers for it: under every comparison.
        dispatcher.utter_message(
            text=disclosure(profile.country),
            buttons=form_messages()["after_advice_buttons"],
        )
        return [SlotSet("recommended_insurers", recommendation.insurer_ids)]

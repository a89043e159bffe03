"""Why the assistant did not understand a message, so that it can say so helpfully.

``action_fallback`` sets the slot ``fallback_reason``; the rule that follows utters
``utter_fallback``, whose variation is chosen by that slot (texts live in domain.yml).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_INTENT = "nlu_fallback"
INPUT_ISSUE_ENTITY = "input_issue"
# Consecutive misunderstood messages after which a person is offered.
OFFER_HUMAN_AFTER = 2

# input_issue values (from cyberbot.nlu.input_screen) that have their own explanation
_EXPLAINED_ISSUES = {"empty", "no_words", "foreign"}


def consecutive_fallbacks(events: list[dict[str, Any]]) -> int:
    """Count the latest user messages, newest first, that ended in ``nlu_fallback``."""
    count = 0
    for event in reversed(events):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


def fallback_reason(latest_message: dict[str, Any], misses_in_a_row: int) -> str:
    """Why the latest message was not understood (a value of the slot ``fallback_reason``)."""
    if misses_in_a_row >= OFFER_HUMAN_AFTER:
        return "offer_human"
    for entity in latest_message.get("entities") or []:
        if entity.get("entity") == INPUT_ISSUE_ENTITY and entity.get("value") in _EXPLAINED_ISSUES:
            return str(entity["value"])
    return "default"


class ActionFallback(Action):
    """Decides how to explain a miss; offers a person after repeated misses."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        misses = consecutive_fallbacks(tracker.events)
        return [SlotSet("fallback_reason", fallback_reason(tracker.latest_message, misses))]

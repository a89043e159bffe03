"""What the assistant says when it did not understand a message.

The texts live in ``content/fallback_messages.yml``; this action picks one by why the
message was missed (the ``input_issue`` entity of cyberbot.nlu.input_screen, or two
misses in a row) and sends it itself, so that a failure of this action leaves the
channel's apology rather than a misleading "I don't understand".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ADVISER_BUTTON, topic_button
from actions.tracker_reading import explained_input_issue
from cyberbot.content import content_path
from cyberbot.faq.selection import candidates_from, thresholds

MESSAGES_FILE = content_path("fallback_messages.yml")
FALLBACK_INTENT = "nlu_fallback"
# Consecutive misunderstood messages after which a person is offered.
OFFER_HUMAN_AFTER = 2


@lru_cache(maxsize=1)
def fallback_messages(path: Path = MESSAGES_FILE) -> dict[str, dict[str, Any]]:
    """The message (text and buttons) for each fallback reason."""
    messages: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text())["messages"]
    return messages


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
    """Why the latest message was not understood: a key of the fallback messages."""
    if misses_in_a_row >= OFFER_HUMAN_AFTER:
        return "offer_human"
    return explained_input_issue(latest_message) or "default"


# What an unsure classifier's runner-up intents can be offered as, in "Bedoelt u …?".
OFFERABLE_INTENTS = {
    "request_advice": {"title": "Advies op maat", "payload": "/request_advice"},
    "request_quote": {"title": "Offerte aanvragen", "payload": "/request_quote"},
    "request_human": {"title": "Spreek een adviseur", "payload": "/request_human"},
}


def close_alternatives(parse_data: dict[str, Any], country: str | None) -> list[dict[str, str]]:
    """Buttons for the plausible readings of a message the classifier was unsure about:
    the FAQ topics and requests that came close (cyberbot.faq.selection's thresholds)."""
    limits = thresholds()
    buttons: list[dict[str, str]] = []
    for entry in parse_data.get("intent_ranking") or []:
        name, confidence = entry.get("name"), float(entry.get("confidence") or 0.0)
        if confidence < limits.suggest or name == FALLBACK_INTENT:
            continue
        if name == "faq":
            scored = {**parse_data, "intent": {"name": "faq", "confidence": confidence}}
            buttons += [topic_button(candidate.key, country)
                        for candidate in candidates_from(scored)[:2]
                        if candidate.confidence >= limits.suggest]
        elif name in OFFERABLE_INTENTS:
            buttons.append(OFFERABLE_INTENTS[name])
    unique = list({button["payload"]: button for button in buttons}.values())
    return unique[: limits.max_suggestions]


class ActionFallback(Action):
    """Explains the miss with topic suggestions, or asks "Bedoelt u …?" when readings came
    close; offers a person after repeated misses."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        reason = fallback_reason(tracker.latest_message, consecutive_fallbacks(tracker.events))
        if reason == "default":
            alternatives = close_alternatives(tracker.latest_message or {},
                                              tracker.get_slot("country"))
            if alternatives:
                dispatcher.utter_message(response="utter_faq_clarify",
                                         buttons=[*alternatives, ADVISER_BUTTON])
                return []
        message = fallback_messages()[reason]
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons", []))
        return []

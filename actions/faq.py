"""Answering FAQ questions: the answer when the topic is clear, else "Bedoelt u …?" or an
honest "dat weet ik niet", each with a way on (cyberbot.faq.selection decides).

The answers are the responses ``utter_faq/<key>`` of data/faq_*.yml; Rasa renders them with
the variation for the visitor's country (slot ``country``) and the site operator's details
from operator.yml filled in.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from cyberbot.content import load_content
from cyberbot.faq.selection import candidates_from, decide, thresholds
from cyberbot.operator_info import operator_info
from cyberbot.reading.answers import Turn, read_context
from cyberbot.reading.country import country_key

ADVISER_BUTTON = {"title": "Spreek een adviseur", "payload": "/request_human"}
# Details of the business a question may give in passing ("ik heb een webshop met 5
# medewerkers, is dit verplicht?"): kept, so that the advice does not ask them again.
PROFILE_SLOTS = ("sector", "employees", "revenue", "usa_canada", "personal_data",
                 "online_sales")


@lru_cache(maxsize=1)
def _topics() -> dict[str, Any]:
    topics: dict[str, Any] = load_content("faq_topics.yml")
    return topics


def topic_button(key: str, country: str | None) -> dict[str, str]:
    """A button that asks the topic's question (``/faq/<key>``) with its short title."""
    title = _topics()["titles"][key]
    if isinstance(title, dict):
        title = title[country_key(country)]
    return {"title": str(title), "payload": f"/faq/{key}"}


def menu_buttons(country: str | None) -> list[dict[str, str]]:
    return [topic_button(key, country) for key in _topics()["menu"]] + [ADVISER_BUTTON]


class ActionAnswerFaq(Action):
    """Answers the FAQ question of the latest message, or says why it does not."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        country = tracker.get_slot("country")
        decision = decide(candidates_from(tracker.latest_message or {}), thresholds())
        if decision.kind == "answer":
            dispatcher.utter_message(response=f"utter_faq/{decision.keys[0]}",
                                     **operator_info().placeholders(country))
        elif decision.kind == "clarify":
            dispatcher.utter_message(
                response="utter_faq_clarify",
                buttons=[topic_button(key, country) for key in decision.keys] + [ADVISER_BUTTON],
            )
        else:
            dispatcher.utter_message(response="utter_faq_unknown", buttons=menu_buttons(country))
        return [{"event": "slot", "name": slot, "value": value}
                for slot, value in details_in_passing(tracker).items()]


def details_in_passing(tracker: Tracker) -> dict[str, Any]:
    """The business details of the latest message that are not known yet. Inside a form
    the form reads them itself; a typed button payload has none."""
    text = str((tracker.latest_message or {}).get("text") or "")
    if tracker.active_loop.get("name") or not text or text.startswith("/"):
        return {}
    found = read_context(Turn(text=text), PROFILE_SLOTS)
    return {slot: value for slot, value in found.items() if tracker.get_slot(slot) is None}

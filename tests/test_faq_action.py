"""action_answer_faq and the fallback's "Bedoelt u …?", run directly with rasa-sdk trackers."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from actions.faq import ActionAnswerFaq
from cyberbot.operator_info import operator_info


def tracker(parse: dict[str, Any], country: str | None = None) -> Tracker:
    return Tracker(
        sender_id="web-test", slots={"country": country}, latest_message=parse,
        events=[{"event": "user", "text": parse.get("text", ""), "parse_data": parse}],
        paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def parse(ranking: list[tuple[str, float]], intent: str = "faq", confidence: float = 1.0,
          intent_ranking: list[tuple[str, float]] | None = None) -> dict[str, Any]:
    return {
        "text": "een vraag", "entities": [],
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": name, "confidence": score}
                           for name, score in (intent_ranking or [(intent, confidence)])],
        "response_selector": {"faq": {"ranking": [
            {"intent_response_key": f"faq/{key}", "confidence": score}
            for key, score in ranking
        ]}},
    }


def run(action: Any, message: dict[str, Any], country: str | None = None) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker(message, country), {}))
    return dispatcher.messages


def test_a_clear_question_gets_its_answer_with_the_operator_filled_in() -> None:
    [message] = run(ActionAnswerFaq(), parse([("over_ons", 0.97), ("vergelijken", 0.02)]), "be")
    assert message["response"] == "utter_faq/over_ons"
    assert message["operator_name"] == operator_info().name
    assert message["operator_registration"] == operator_info().belgium.registration


def test_close_topics_are_offered_as_buttons() -> None:
    [message] = run(ActionAnswerFaq(), parse([("eigen_risico", 0.45), ("kosten", 0.4)]), "be")
    assert message["response"] == "utter_faq_clarify"
    assert [b["payload"] for b in message["buttons"]] == [
        "/faq/eigen_risico", "/faq/kosten", "/request_human"]
    assert message["buttons"][0]["title"] == "Vrijstelling"  # the Belgian word


def test_no_plausible_topic_is_said_plainly_with_the_topic_list() -> None:
    [message] = run(ActionAnswerFaq(), parse([("kosten", 0.1), ("fiscaal", 0.05)]))
    assert message["response"] == "utter_faq_unknown"
    assert message["buttons"][-1]["payload"] == "/request_human"
    assert len(message["buttons"]) >= 4


def test_an_unsure_classifier_gets_bedoelt_u_with_the_readings_that_came_close() -> None:
    message = parse([("vergelijken", 0.9)], intent="nlu_fallback", confidence=0.45,
                    intent_ranking=[("nlu_fallback", 0.45), ("request_advice", 0.4),
                                    ("faq", 0.35), ("greet", 0.05)])
    [reply] = run(ActionFallback(), message)
    assert reply["response"] == "utter_faq_clarify"
    assert [b["payload"] for b in reply["buttons"]] == [
        "/request_advice", "/faq/vergelijken", "/request_human"]


def test_without_close_readings_the_fallback_explains() -> None:
    message = parse([], intent="nlu_fallback", confidence=0.3,
                    intent_ranking=[("nlu_fallback", 0.3), ("greet", 0.1)])
    [reply] = run(ActionFallback(), message)
    assert "response" not in reply or reply["response"] is None
    assert reply["text"].startswith("Sorry")


def test_business_details_given_with_a_question_are_kept_for_the_advice() -> None:
    message = {**parse([("verplicht", 0.97)]),
               "text": "ik heb een webshop met 5 medewerkers, is een cyberverzekering verplicht?"}
    known = tracker(message, "nl")
    known.slots["employees"] = 3.0  # said before: not replaced behind the visitor's back
    events = asyncio.run(ActionAnswerFaq().run(CollectingDispatcher(), known, {}))
    assert {event["name"]: event["value"] for event in events} == {
        "sector": "detailhandel", "online_sales": True}


def test_inside_a_form_or_for_a_button_the_faq_answer_sets_nothing() -> None:
    typed = {**parse([("kosten", 0.97)]), "text": "wat kost het voor mijn bouwbedrijf?"}
    in_form = tracker(typed)
    in_form.active_loop = {"name": "advice_form"}
    assert asyncio.run(ActionAnswerFaq().run(CollectingDispatcher(), in_form, {})) == []
    button = {**parse([("kosten", 1.0)]), "text": "/faq/kosten"}
    assert asyncio.run(ActionAnswerFaq().run(CollectingDispatcher(), tracker(button), {})) == []
    outside = asyncio.run(ActionAnswerFaq().run(CollectingDispatcher(), tracker(typed), {}))
    assert outside == [{"event": "slot", "name": "sector", "value": "bouw"}]

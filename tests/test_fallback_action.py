"""action_fallback: counting misses in a row and choosing the reason."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import (
    ActionFallback,
    consecutive_fallbacks,
    fallback_messages,
    fallback_reason,
)


def user(intent: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "text": "...",
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
    }


BOT = {"event": "bot", "text": "..."}
ACTION = {"event": "action", "name": "action_listen"}


def test_counts_only_the_latest_run_of_misses() -> None:
    events = [user("nlu_fallback"), BOT, user("faq"), BOT, user("nlu_fallback"), BOT,
              ACTION, user("nlu_fallback")]
    assert consecutive_fallbacks(events) == 2


def test_a_new_session_resets_the_count() -> None:
    events = [user("nlu_fallback"), {"event": "session_started"}, user("nlu_fallback")]
    assert consecutive_fallbacks(events) == 1


def test_no_user_messages_means_no_misses() -> None:
    assert consecutive_fallbacks([]) == 0


@pytest.mark.parametrize(
    ("entities", "misses", "reason"),
    [
        ([], 1, "default"),
        ([{"entity": "input_issue", "value": "empty"}], 1, "empty"),
        ([{"entity": "input_issue", "value": "no_words"}], 1, "no_words"),
        ([{"entity": "input_issue", "value": "foreign"}], 1, "foreign"),
        ([{"entity": "input_issue", "value": "unknown_words"}], 1, "default"),
        ([{"entity": "insurer", "value": "aig"}], 1, "default"),
        ([{"entity": "input_issue", "value": "foreign"}], 2, "offer_human"),
        ([], 3, "offer_human"),
    ],
)
def test_reason(entities: list[dict[str, Any]], misses: int, reason: str) -> None:
    assert fallback_reason({"entities": entities}, misses) == reason


def test_every_reason_has_a_dutch_message_with_buttons() -> None:
    messages = fallback_messages()
    assert set(messages) == {"default", "empty", "no_words", "foreign", "offer_human"}
    for message in messages.values():
        assert message["text"].strip()
        assert 1 <= len(message["buttons"]) <= 3
        assert all(len(button["title"]) <= 20 for button in message["buttons"])
    assert "/request_human" in [b["payload"] for b in messages["offer_human"]["buttons"]]


def test_the_second_miss_in_a_row_offers_a_person() -> None:
    events = [user("nlu_fallback"), BOT, user("nlu_fallback")]
    tracker = Tracker("visitor", {}, events[-1]["parse_data"], events, False, None, {}, "")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionFallback().run(dispatcher, tracker, {})) == []
    [sent] = dispatcher.messages
    assert sent["text"] == fallback_messages()["offer_human"]["text"]
    assert sent["buttons"] == fallback_messages()["offer_human"]["buttons"]


def test_a_first_miss_explains_an_empty_message() -> None:
    entities = [{"entity": "input_issue", "value": "empty"}]
    events = [user("faq"), BOT, user("nlu_fallback", entities)]
    tracker = Tracker("visitor", {}, events[-1]["parse_data"], events, False, None, {}, "")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFallback().run(dispatcher, tracker, {}))
    assert [m["text"] for m in dispatcher.messages] == [fallback_messages()["empty"]["text"]]

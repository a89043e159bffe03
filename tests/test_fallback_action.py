"""action_fallback: counting misses in a row and choosing the reason."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback, consecutive_fallbacks, fallback_reason


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


def test_action_sets_the_slot_and_says_nothing_itself() -> None:
    events = [user("nlu_fallback"), BOT, user("nlu_fallback")]
    tracker = Tracker("visitor", {}, events[-1]["parse_data"], events, False, None, {}, "")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionFallback().run(dispatcher, tracker, {}))
    assert result == [
        {"event": "slot", "timestamp": None, "name": "fallback_reason", "value": "offer_human"}
    ]
    assert dispatcher.messages == []

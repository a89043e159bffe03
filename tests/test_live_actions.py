"""Asking for a person: live chat when an operator is free, the call-back form otherwise
(the callback_form's validation and the call-back submit, run with rasa-sdk trackers)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import live_chat
from actions.form_filling import ValidateCallbackForm
from actions.handoff import ActionSubmitCallback
from cyberbot.live.config import live_text
from cyberbot.live.models import get_live_engine
from cyberbot.live.store import LiveOperator, open_handoff, set_availability, withdraw_expired

ROOT = Path(__file__).resolve().parents[1]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text())
EVA = LiveOperator(1, "eva@voorbeeld.nl", False, "Eva")


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CYBERBOT_LIVE_HOURS", "always")
    return url


def available(url: str, minutes_ago: float = 0) -> None:
    seen = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    set_availability(get_live_engine(url), EVA, True, seen)


def asking(channel: str = "socketio", *, form: str | None = None,
           slots: dict[str, Any] | None = None, sender: str = "web-visitor") -> Tracker:
    message = {"text": "Kan ik iemand spreken?",
               "intent": {"name": "request_human", "confidence": 0.95}, "entities": []}
    all_slots: dict[str, Any] = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    return Tracker(
        sender_id=sender, slots=all_slots, latest_message=message,
        events=[{"event": "user", "text": message["text"], "parse_data": message,
                 "input_channel": channel}],
        paused=False, followup_action=None,
        active_loop={"name": form} if form else {}, latest_action_name="action_listen",
    )


def validate(tracker: Tracker) -> tuple[list[dict[str, Any]], list[str]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateCallbackForm().run(dispatcher, tracker, DOMAIN))
    return events, [str(message.get("text")) for message in dispatcher.messages]


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_free_operator_gets_the_visitor_in_the_queue(database: str) -> None:
    available(database)
    events, texts = validate(asking())
    assert texts == [live_text("connecting", minutes=2)]
    assert slots(events) == {"handoff": "waiting", "requested_slot": None}
    found = open_handoff(get_live_engine(database), "web-visitor")
    assert found is not None and (found.status, found.channel) == ("waiting", "socketio")
    # Asking again while waiting: the same place in the queue, not a second request.
    _, texts = validate(asking())
    assert texts == [live_text("connecting_again", minutes=2)]


def test_the_second_visitor_in_the_queue_is_told_a_longer_wait(database: str) -> None:
    available(database)
    validate(asking(sender="web-first"))
    _, texts = validate(asking(sender="web-second"))
    assert texts == [live_text("connecting", minutes=4)]


@pytest.mark.parametrize("case", ["nobody", "idle", "rest", "disabled", "closed"])
def test_otherwise_the_call_back_form_asks_its_questions(
    database: str, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    channel = "rest" if case == "rest" else "socketio"
    if case != "nobody":
        available(database, minutes_ago=60 if case == "idle" else 0)
    if case == "disabled":
        monkeypatch.setenv("CYBERBOT_LIVE_ENABLED", "false")
    if case == "closed":
        monkeypatch.setenv("CYBERBOT_LIVE_HOURS", "office")
        monkeypatch.setattr(live_chat, "contact_promise",
                            lambda now: type("Promise", (), {"within_hours": False})())
    events, texts = validate(asking(channel))
    assert "handoff" not in slots(events)
    assert live_text("connecting", minutes=2) not in texts
    assert open_handoff(get_live_engine(database), "web-visitor") is None


def test_after_a_withdrawn_request_the_call_back_is_offered_not_a_second_wait(
    database: str,
) -> None:
    available(database)
    validate(asking())
    later = datetime.now(timezone.utc) + timedelta(minutes=4)
    assert len(withdraw_expired(get_live_engine(database), later, timedelta(minutes=3))) == 1
    events, _ = validate(asking())
    assert "handoff" not in slots(events)


def test_only_starting_the_form_offers_a_person(database: str) -> None:
    available(database)
    events, _ = validate(asking(form="callback_form"))
    assert "handoff" not in slots(events)


def test_no_call_back_is_filed_while_the_visitor_waits_for_a_person(database: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = asking(slots={"handoff": "waiting"})
    assert asyncio.run(ActionSubmitCallback().run(dispatcher, tracker, DOMAIN)) == []
    assert dispatcher.messages == []

"""End-to-end over the socket.io channel with Rasa's standard protocol."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

import pytest
import socketio

from cyberbot.training_data import default_variation, faq_responses
from tests.e2e.servers import BotServers, user_texts
from tests.e2e.sockets import close, socket_client

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
# The answers as a visitor whose country is not known gets them.
FAQ = {name: [default_variation(variations)] for name, variations in faq_responses().items()}


def test_session_request_and_an_faq_question(bot: BotServers) -> None:
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = _client(bot, events)
    try:
        client.emit("session_request", {"session_id": None})
        name, session_id = events.get(timeout=30)
        assert name == "session_confirm" and session_id.startswith("web-")
        client.emit("user_uttered", {"message": "Is een cyberverzekering verplicht?",
                                     "session_id": session_id})
        name, data = events.get(timeout=60)
        assert name == "bot_uttered"
        assert data["text"] == FAQ["utter_faq/verplicht"][0]["text"]
        assert [reply["title"] for reply in data["quick_replies"]] == [
            button["title"] for button in FAQ["utter_faq/verplicht"][0]["buttons"]
        ]
    finally:
        close(client)


def _client(bot: BotServers, events: queue.Queue[tuple[str, Any]]) -> socketio.Client:
    return socket_client(bot.url, bot.site_url, events)


def test_a_session_survives_a_new_connection(bot: BotServers) -> None:
    """Rasa 3.6's own session persistence delivers nothing with python-socketio 5.x."""
    first_events: queue.Queue[tuple[str, Any]] = queue.Queue()
    first = _client(bot, first_events)
    try:
        first.emit("session_request", {})
        name, session_id = first_events.get(timeout=30)
        assert name == "session_confirm"
        first.emit("user_uttered", {"message": "hallo", "session_id": session_id})
        assert first_events.get(timeout=60)[0] == "bot_uttered"
    finally:
        close(first)
    # A page load later: a new socket resumes the same conversation.
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    second = _client(bot, events)
    try:
        second.emit("session_request", {"session_id": session_id})
        assert events.get(timeout=30) == ("session_confirm", session_id)
        second.emit("user_uttered", {"message": "Wat kost het?", "session_id": session_id})
        name, data = events.get(timeout=60)
        assert name == "bot_uttered" and data["text"] == FAQ["utter_faq/kosten"][0]["text"]
    finally:
        close(second)
    conversation = session_id.split(".")[0]
    tracker = bot.saved_tracker(conversation, lambda t: len(user_texts(t)) >= 2,
                                what="the second turn saved")
    assert user_texts(tracker) == ["hallo", "Wat kost het?"]


def test_a_malformed_session_id_gets_a_fresh_one(bot: BotServers) -> None:
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    client = _client(bot, events)
    try:
        client.emit("session_request", {"session_id": "<script>"})
        name, session_id = events.get(timeout=30)
        assert name == "session_confirm" and session_id != "<script>"
        assert session_id.startswith("web-")
    finally:
        close(client)

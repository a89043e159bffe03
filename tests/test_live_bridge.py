"""How the console reaches a visitor: tracker events through Rasa's HTTP API
(cyberbot/live/rasa_bridge.py), against a small in-process aiohttp server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cyberbot.live.rasa_bridge import (
    RASA_URL_VARIABLE,
    BridgeError,
    RasaBridge,
    bot_event,
    slot_event,
)

T = TypeVar("T")

TOKEN = "rasa-token-0123456789"
EVENTS = [bot_event("Hallo, ik ben Eva.", operator={"id": 1, "name": "Eva"}),
          slot_event("handoff", "active")]


# --- events --------------------------------------------------------------------------


def test_a_bot_event_is_a_text() -> None:
    assert bot_event("Hoi") == {"event": "bot", "text": "Hoi"}


def test_a_bot_event_with_buttons_and_an_author() -> None:
    buttons = [{"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"}]
    operator = {"id": 7, "name": "Eva"}
    event = bot_event("Zal ik u terugbellen?", buttons=buttons, operator=operator)
    assert event == {
        "event": "bot",
        "text": "Zal ik u terugbellen?",
        "data": {"buttons": buttons},
        "metadata": {"operator": {"id": 7, "name": "Eva"}},
    }
    # Copies: changing the event leaves what was passed in alone.
    event["data"]["buttons"][0]["payload"] = "/changed"
    event["metadata"]["operator"]["name"] = "Bram"
    assert buttons[0]["payload"] == "/affirm"
    assert operator["name"] == "Eva"


def test_a_bot_event_without_buttons_has_no_data() -> None:
    assert "data" not in bot_event("Hoi", buttons=[])
    assert "metadata" not in bot_event("Hoi", operator=None)


@pytest.mark.parametrize("value", ["active", None, 3, ["a"]])
def test_a_slot_event(value: Any) -> None:
    assert slot_event("handoff", value) == {"event": "slot", "name": "handoff", "value": value}


# --- the bridge ----------------------------------------------------------------------


def test_the_base_url_loses_its_trailing_slash() -> None:
    assert RasaBridge("http://rasa:5005/", TOKEN).base_url == "http://rasa:5005"


def test_from_environment() -> None:
    bridge = RasaBridge.from_environment(
        "http://localhost:5005",
        {RASA_URL_VARIABLE: " http://rasa-1:5005/ ", "RASA_AUTH_TOKEN": TOKEN})
    assert (bridge.base_url, bridge.token) == ("http://rasa-1:5005", TOKEN)
    assert RasaBridge.from_environment("http://localhost:5005", {}).base_url == \
        "http://localhost:5005"
    assert RasaBridge.from_environment("http://localhost:5005", {}).token is None


@pytest.mark.parametrize("token", [None, ""])
def test_no_token_fails_before_any_request(token: str | None) -> None:
    # An address nothing could answer on: the error must come from the missing token.
    bridge = RasaBridge("http://192.0.2.1:9", token)
    with pytest.raises(BridgeError, match="RASA_AUTH_TOKEN"):
        asyncio.run(bridge.append("c1", "socketio", EVENTS))


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_rasa_down_is_a_bridge_error() -> None:
    bridge = RasaBridge(f"http://127.0.0.1:{unused_port()}", TOKEN)
    with pytest.raises(BridgeError, match="unreachable") as raised:
        asyncio.run(bridge.append("c1", "socketio", EVENTS))
    assert TOKEN not in str(raised.value)
    assert raised.value.__suppress_context__  # the URL with the token is not chained


@dataclass
class FakeRasa:
    """Rasa's ``POST /conversations/<id>/tracker/events``, recording what it was sent."""

    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def events(self, request: web.Request) -> web.Response:
        self.requests.append({
            "conversation_id": request.match_info["conversation_id"],
            "raw_path": request.raw_path,
            "query": dict(request.query),
            "content_type": request.content_type,
            "body": await request.json(),
        })
        return web.json_response({"sender_id": request.match_info["conversation_id"]},
                                 status=self.status)

    def run(self, use: Callable[[str], Awaitable[T]]) -> T:
        """``use(base_url)`` while the server runs, in a fresh event loop."""

        async def main() -> T:
            app = web.Application()
            app.router.add_post("/conversations/{conversation_id}/tracker/events",
                                self.events)
            async with TestServer(app, host="127.0.0.1") as server:
                return await use(str(server.make_url("")).rstrip("/"))

        return asyncio.run(main())


def test_events_are_appended_with_the_token_and_channel() -> None:
    rasa = FakeRasa()

    async def send(url: str) -> None:
        await RasaBridge(url + "/", TOKEN).append("c-123", "socketio", EVENTS)

    assert rasa.run(send) is None
    [request] = rasa.requests
    assert request["conversation_id"] == "c-123"
    assert request["query"] == {"token": TOKEN, "output_channel": "socketio",
                                "execute_side_effects": "true"}
    assert request["content_type"] == "application/json"
    assert request["body"] == EVENTS


def test_the_channel_is_the_visitors_own() -> None:
    rasa = FakeRasa()

    async def send(url: str) -> None:
        await RasaBridge(url, TOKEN).append("31612345678", "whatsapp", [slot_event("x", 1)])

    rasa.run(send)
    [request] = rasa.requests
    assert request["query"]["output_channel"] == "whatsapp"
    assert request["body"] == [{"event": "slot", "name": "x", "value": 1}]


def test_the_conversation_id_is_quoted_in_the_path() -> None:
    rasa = FakeRasa()

    async def send(url: str) -> None:
        await RasaBridge(url, TOKEN).append("a b?c#d&e", "socketio", EVENTS)

    rasa.run(send)
    [request] = rasa.requests
    assert request["conversation_id"] == "a b?c#d&e"
    # "?" and "#" would end the path; "&" may stay as it is inside a path.
    path = request["raw_path"].split("?", 1)[0]
    assert path in ("/conversations/a%20b%3Fc%23d&e/tracker/events",
                    "/conversations/a%20b%3Fc%23d%26e/tracker/events")
    assert request["query"]["token"] == TOKEN  # nothing of the id leaked into the query


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500, 503])
def test_an_error_answer_is_a_bridge_error(status: int) -> None:
    rasa = FakeRasa(status=status)

    async def send(url: str) -> None:
        await RasaBridge(url, TOKEN).append("c1", "socketio", EVENTS)

    with pytest.raises(BridgeError, match=f"HTTP {status}") as raised:
        rasa.run(send)
    assert TOKEN not in str(raised.value)
    assert len(rasa.requests) == 1


def test_a_timeout_is_a_bridge_error(monkeypatch: pytest.MonkeyPatch) -> None:
    async def times_out(*args: Any, **kwargs: Any) -> Any:
        raise asyncio.TimeoutError  # what aiohttp raises when ClientTimeout(total) runs out

    monkeypatch.setattr(aiohttp.ClientSession, "_request", times_out)
    bridge = RasaBridge(f"http://127.0.0.1:{unused_port()}", TOKEN)
    with pytest.raises(BridgeError):
        asyncio.run(bridge.append("c1", "socketio", EVENTS))

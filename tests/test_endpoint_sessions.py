"""Rasa's calls to the action server reuse their connections
(cyberbot/rasa_compat/endpoint_sessions.py): against a real local HTTP server, with the
patch and, to show what the test tells apart, without it."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from sanic import Sanic, response
from sanic.request import Request

from cyberbot.rasa_compat import endpoint_sessions
from tests.rasa_patches import patches_undone

BODY = {"next_action": "action_answer_faq", "url": "https://example.org/a/b",
        "text": "Wat kost het? € 1.200", "confidence": 0.9999608869251837,
        "ranking": [1.8441653682620947e-05, 3.1509587401831732e-06], "count": 12}


class ActionServer:
    """Answers POST /webhook with what it received, and notes each client connection."""

    def __init__(self) -> None:
        self.peers: list[tuple[str, int]] = []
        self.bodies: list[Any] = []
        self.headers: list[dict[str, str]] = []
        self.url = ""

    async def webhook(self, request: web.Request) -> web.Response:
        assert request.transport is not None
        self.peers.append(request.transport.get_extra_info("peername"))
        self.headers.append(dict(request.headers))
        self.bodies.append(json.loads(await request.text()))
        if request.query.get("refuse"):
            return web.json_response({"error": "refused"}, status=400)
        return web.json_response({"events": [], "received": len(self.bodies)})


@asynccontextmanager
async def action_server() -> AsyncIterator[ActionServer]:
    server = ActionServer()
    app = web.Application()
    app.router.add_post("/webhook", server.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}/webhook"
    try:
        yield server
    finally:
        await runner.cleanup()


async def three_calls() -> ActionServer:
    async with action_server() as server:
        endpoint = EndpointConfig(server.url, headers={"X-Cyberbot-Action-Token": "secret"})
        for _ in range(3):
            assert await endpoint.request(json=BODY, method="post") is not None
        await endpoint_sessions.close_sessions()
        return server


def test_action_calls_share_one_connection_and_arrive_unchanged() -> None:
    with patches_undone():
        endpoint_sessions.install()
        server = asyncio.run(three_calls())
    assert len(set(server.peers)) == 1, (
        "EndpointConfig.request no longer goes through EndpointConfig.session: "
        f"three calls came over {len(set(server.peers))} connections")
    assert server.bodies == [BODY] * 3
    assert all(headers["X-Cyberbot-Action-Token"] == "secret" for headers in server.headers)


def test_rasa_alone_opens_a_connection_per_call() -> None:
    with patches_undone():
        server = asyncio.run(three_calls())
    assert len(set(server.peers)) == 3
    assert server.bodies == [BODY] * 3


def test_a_refused_call_raises_as_in_rasa_and_the_session_stays_usable() -> None:
    async def refused_then_accepted() -> tuple[int, Any]:
        async with action_server() as server:
            endpoint = EndpointConfig(server.url)
            with pytest.raises(ClientResponseError) as refusal:
                await endpoint.request(json=BODY, method="post", params={"refuse": "1"})
            answer = await endpoint.request(json=BODY, method="post")
            await endpoint_sessions.close_sessions()
            return refusal.value.status, answer

    with patches_undone():
        endpoint_sessions.install()
        assert asyncio.run(refused_then_accepted()) == (400, {"events": [], "received": 2})


def test_each_loop_and_each_set_of_settings_has_its_own_session() -> None:
    async def sessions() -> list[Any]:
        first = endpoint_sessions.shared_session(EndpointConfig("http://a", headers={"X": "1"}))
        same = endpoint_sessions.shared_session(EndpointConfig("http://b", headers={"X": "1"}))
        other = endpoint_sessions.shared_session(EndpointConfig("http://a", headers={"X": "2"}))
        found = [first.session, same.session, other.session]
        await endpoint_sessions.close_sessions()
        assert all(session.closed for session in found)
        return found

    one, two = asyncio.run(sessions()), asyncio.run(sessions())
    assert one[0] is one[1] and one[0] is not one[2]
    # A new loop gets new sessions (``one`` keeps the old ones alive, so none is reused).
    assert all(new is not old for new in two for old in one)


def test_the_encoding_reads_back_as_the_standard_modules() -> None:
    assert json.loads(endpoint_sessions.encode(BODY)) == json.loads(json.dumps(BODY))
    assert "https://example.org/a/b" in endpoint_sessions.encode(BODY)
    assert math.isnan(json.loads(endpoint_sessions.encode({"x": math.nan}))["x"])
    assert json.loads(endpoint_sessions.encode({"n": -(2**70), 1: True})) == {
        "n": -(2**70), "1": True}
    # What ujson refuses is left to json, which refuses it as before.
    with pytest.raises(TypeError, match="not JSON serializable"):
        endpoint_sessions.encode({"x": {1, 2}})


def test_the_servers_app_closes_the_sessions_when_it_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Sanic.test_mode = True
    app = Sanic("endpoint_sessions_test")
    kept: list[endpoint_sessions.KeptSession] = []

    @app.get("/")
    async def call(_request: Request) -> response.HTTPResponse:
        kept.append(endpoint_sessions.shared_session(EndpointConfig("http://a")))
        return response.text("ok")

    monkeypatch.setattr(endpoint_sessions, "_RASA_CONFIGURE_APP", lambda *a, **k: app)
    assert endpoint_sessions.configure_app(port=5005) is app
    _, answer = app.test_client.get("/")  # starts the server, then stops it
    assert answer.status == 200
    assert len(kept) == 1 and kept[0].session.closed


def test_remote_actions_call_through_the_endpoints_request() -> None:
    # RemoteAction.run sends with action_endpoint.request, which the patch makes reuse
    # connections; this fails if Rasa stops naming it there.
    import inspect

    assert "self.action_endpoint.request(" in inspect.getsource(RemoteAction.run)

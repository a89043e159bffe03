"""The action server answers Rasa only: its secret, JSON, no compression, small bodies."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from sanic import Sanic

from cyberbot.servers.action_server import MAX_BODY_BYTES, TOKEN_HEADER, create_app
from cyberbot.servers.idle_connections import IDLE_CONNECTION_SECONDS

TOKEN = "action-token-for-tests-0123456789"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def app() -> Sanic:
    return create_app(TOKEN)


def call(app: Sanic, method: str, path: str, **kwargs: Any) -> Any:
    _, response = getattr(app.test_client, method)(path, **kwargs)
    return response


def action_call(name: str = "action_fallback") -> dict[str, Any]:
    return {
        "next_action": name, "sender_id": "forged", "version": "3.6.21",
        "domain": {}, "tracker": {"sender_id": "forged", "slots": {}, "latest_message": {},
                                  "events": [], "active_loop": {}},
    }


def test_the_health_check_is_open(app: Sanic) -> None:
    assert call(app, "get", "/health").json == {"status": "ok"}


@pytest.mark.parametrize("headers", [{}, {TOKEN_HEADER: "wrong"}, {TOKEN_HEADER: TOKEN[:-1]}])
def test_without_the_secret_nothing_runs_or_is_listed(app: Sanic, headers: dict[str, str]) -> None:
    assert call(app, "get", "/actions", headers=headers).status == 401
    forged = call(app, "post", "/webhook", headers={**JSON, **headers},
                  data=json.dumps(action_call("action_submit_quote")))
    assert forged.status == 401 and "request_body" not in forged.text


def test_a_cross_site_text_plain_post_is_refused(app: Sanic) -> None:
    # What a web page can send without a CORS preflight; even with the secret it is refused.
    plain = call(app, "post", "/webhook", data=json.dumps(action_call()),
                 headers={"Content-Type": "text/plain"})
    assert plain.status == 401
    signed = call(app, "post", "/webhook", data=json.dumps(action_call()),
                  headers={"Content-Type": "text/plain", TOKEN_HEADER: TOKEN})
    assert signed.status == 415


def test_compressed_bodies_are_not_inflated(app: Sanic) -> None:
    bomb = zlib.compress(b"{" + b" " * 5_000_000 + b"}")
    response = call(app, "post", "/webhook", data=bomb,
                    headers={**JSON, TOKEN_HEADER: TOKEN, "Content-Encoding": "deflate"})
    assert response.status == 415


def test_large_bodies_are_refused(app: Sanic) -> None:
    response = call(app, "post", "/webhook", data="x" * (MAX_BODY_BYTES + 1),
                    headers={**JSON, TOKEN_HEADER: TOKEN})
    assert response.status == 413


def test_rasa_with_the_secret_runs_actions(app: Sanic) -> None:
    listed = call(app, "get", "/actions", headers={TOKEN_HEADER: TOKEN})
    assert {"name": "action_submit_quote"} in listed.json
    response = call(app, "post", "/webhook", data=json.dumps(action_call()),
                    headers={**JSON, TOKEN_HEADER: TOKEN})
    assert response.status == 200 and response.json["responses"]


def test_errors_do_not_echo_the_request(app: Sanic) -> None:
    body = {"next_action": "action_fallback", "tracker": "not a tracker", "secret": "s3cr3t"}
    response = call(app, "post", "/webhook", data=json.dumps(body),
                    headers={**JSON, TOKEN_HEADER: TOKEN})
    assert response.status == 500 and "s3cr3t" not in response.text


def test_a_connection_may_wait_longer_than_sanics_default_for_its_request(app: Sanic) -> None:
    """Under load the action server may read a request's headers seconds after accepting
    the connection; Sanic's 5-second default closed such connections under Rasa's request,
    and Rasa dropped the action's events (tests/scaleout, fifty conversations)."""
    from sanic.config import DEFAULT_CONFIG

    assert float(str(DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"])) < IDLE_CONNECTION_SECONDS
    assert app.config.KEEP_ALIVE_TIMEOUT == IDLE_CONNECTION_SECONDS

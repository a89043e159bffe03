"""The REST and socket.io channels: Rasa's names and routes, and no trust in the client.

The REST channel runs here in a Sanic app with a stand-in for Rasa's message handler,
which records what reached it; socket.io is exercised end to end in tests/e2e.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from cyberbot.channels import admission
from cyberbot.channels.rest import RestInput
from cyberbot.channels.socketio import SocketIOInput, max_packet_bytes
from cyberbot.security.settings import Limits, SecuritySettings, settings

ROOT = Path(__file__).resolve().parents[1]
CREDENTIALS = yaml.safe_load((ROOT / "credentials.yml").read_text())
TOKEN = "rest-token-for-tests-0123456789"
SECRET = "session-secret-for-tests-0123456789"


@pytest.fixture(autouse=True)
def own_databases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'leads.db'}")
    monkeypatch.setenv("CYBERBOT_SESSION_SECRET", SECRET)
    admission._limits_on.cache_clear()
    settings.cache_clear()
    yield
    admission._limits_on.cache_clear()
    settings.cache_clear()


class Recorder:
    """Stands in for Rasa: records each message and answers it like an FAQ would."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Antwoord.")


def rest_app(config: SecuritySettings | None = None, token: str | None = TOKEN
             ) -> tuple[Sanic, Recorder]:
    recorder = Recorder()
    channel = RestInput("Excuses.", token, config or SecuritySettings())
    app = Sanic(f"rest_{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(recorder), url_prefix="/webhooks/rest")
    return app, recorder


def post(app: Sanic, body: Any, headers: dict[str, str] | None = None) -> Any:
    _, response = app.test_client.post(
        "/webhooks/rest/webhook", json=body,
        headers={"Authorization": f"Bearer {TOKEN}", **(headers or {})},
    )
    return response


def test_rest_channel_from_the_project_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYBERBOT_REST_TOKEN", TOKEN)
    channel = RestInput.from_credentials(CREDENTIALS["cyberbot.channels.rest.RestInput"])
    assert isinstance(channel, RestInput)
    assert channel.name() == "rest" and channel.url_prefix() == "rest"
    assert channel.apology.startswith("Excuses") and channel.token == TOKEN


def test_a_rest_message_goes_to_the_senders_own_namespace() -> None:
    app, recorder = rest_app()
    response = post(app, {"sender": "31612345678", "message": "hoi",
                          "input_channel": "whatsapp", "metadata": {"taal": "nl"}})
    assert response.status == 200
    assert response.json == [{"recipient_id": "31612345678", "text": "Antwoord."}]
    [message] = recorder.messages
    # Not the WhatsApp conversation of that number, and not "whatsapp" as the client said.
    assert message.sender_id == "rest-31612345678"
    assert message.input_channel == "rest"
    assert message.metadata["taal"] == "nl"
    assert set(message.metadata["cyberbot"]) == {"client"}


def test_the_client_cannot_write_the_servers_metadata() -> None:
    app, recorder = rest_app()
    post(app, {"sender": "a", "message": "hoi", "metadata": {"cyberbot": {"client": "forged"}}})
    assert recorder.messages[0].metadata["cyberbot"]["client"] != "forged"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Authorization": ""}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": f"Basic {TOKEN}"}, 401),
    ],
)
def test_rest_needs_the_token(headers: dict[str, str], status: int) -> None:
    app, recorder = rest_app()
    assert post(app, {"sender": "a", "message": "hoi"}, headers).status == status
    assert recorder.messages == []


def test_rest_without_a_configured_token_is_off() -> None:
    app, recorder = rest_app(token=None)
    response = post(app, {"sender": "a", "message": "hoi"})
    assert response.status == 503 and "CYBERBOT_REST_TOKEN" in response.json["error"]
    assert recorder.messages == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"message": "hoi"}, 400, "sender"),
        ({"sender": "", "message": "hoi"}, 400, "sender"),
        ({"sender": "a\nb", "message": "hoi"}, 400, "sender"),
        ({"sender": "x" * 129, "message": "hoi"}, 400, "sender"),
        ({"sender": "a", "message": 42}, 400, "message"),
        ({"sender": "a", "message": "a" * 5001}, 413, "message"),
        ({"sender": "a", "message": "hoi", "metadata": [1]}, 400, "metadata"),
        ({"sender": "a", "message": "hoi", "metadata": {"x": "y" * 1100}}, 413, "metadata"),
        (["sender", "a"], 400, "object"),
    ],
)
def test_malformed_rest_requests_are_refused_in_english(body: Any, status: int, field: str) -> None:
    app, recorder = rest_app()
    response = post(app, body)
    assert response.status == status and field in response.json["error"]
    assert recorder.messages == []


def test_rest_messages_over_the_limit_get_a_dutch_answer_and_are_not_handled() -> None:
    config = SecuritySettings(limits=Limits(messages_per_minute_per_conversation=2))
    app, recorder = rest_app(config)
    statuses = [post(app, {"sender": "flood", "message": "hoi"}).status for _ in range(2)]
    refused = post(app, {"sender": "flood", "message": "hoi"})
    assert statuses == [200, 200] and refused.status == 429
    assert refused.headers["Retry-After"] == "60"
    assert refused.json == [{"recipient_id": "flood",
                             "text": admission.channel_text("too_many_messages")}]
    assert len(recorder.messages) == 2
    assert post(app, {"sender": "someone-else", "message": "hoi"}).status == 200


def test_a_trusted_proxy_names_each_client() -> None:
    config = SecuritySettings(trusted_proxies=("127.0.0.0/8",),
                              limits=Limits(messages_per_minute_per_client=1))
    app, _ = rest_app(config)
    first = post(app, {"sender": "a", "message": "hoi"}, {"X-Forwarded-For": "198.51.100.1"})
    second = post(app, {"sender": "b", "message": "hoi"}, {"X-Forwarded-For": "198.51.100.2"})
    third = post(app, {"sender": "c", "message": "hoi"}, {"X-Forwarded-For": "198.51.100.1"})
    assert (first.status, second.status, third.status) == (200, 200, 429)


def test_socketio_channel_from_the_project_credentials() -> None:
    channel = SocketIOInput.from_credentials(
        CREDENTIALS["cyberbot.channels.socketio.SocketIOInput"]
    )
    assert isinstance(channel, SocketIOInput)
    assert channel.name() == "socketio"
    assert channel.apology.startswith("Excuses")
    assert channel.bot_message_evt == "bot_uttered"
    assert channel.socketio_path == "/socket.io"
    assert channel.config.allowed_origins == SecuritySettings().allowed_origins


def test_socketio_needs_the_session_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYBERBOT_SESSION_SECRET")
    with pytest.raises(ValueError, match="CYBERBOT_SESSION_SECRET"):
        SocketIOInput.from_credentials(CREDENTIALS["cyberbot.channels.socketio.SocketIOInput"])


def test_socketio_packets_are_bounded_by_the_message_limit() -> None:
    assert max_packet_bytes(SecuritySettings()) < 64 * 1024  # python-socketio allows 1 MB


@pytest.mark.parametrize("channel", [RestInput, SocketIOInput])
def test_an_apology_is_required(channel: type[RestInput] | type[SocketIOInput]) -> None:
    with pytest.raises(ValueError, match="apology"):
        channel.from_credentials({})


def test_every_channel_names_a_conversation_namespace_of_its_own() -> None:
    from cyberbot.channels.rest import conversation_id
    from cyberbot.security.session_ids import new_session

    web = new_session(SECRET).conversation_id
    assert web.startswith("web-") and conversation_id("31612345678").startswith("rest-")
    # WhatsApp ids are digits only (cyberbot.channels.whatsapp.inbound): no overlap.
    assert not web.isdigit() and not conversation_id("31612345678").isdigit()

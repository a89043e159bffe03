"""The channels keep Rasa's names and routes and insist on an apology text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cyberbot.channels.rest import RestInput
from cyberbot.channels.socketio import SocketIOInput, requested_session_id

CREDENTIALS = yaml.safe_load((Path(__file__).resolve().parents[1] / "credentials.yml").read_text())


def test_rest_channel_from_the_project_credentials() -> None:
    channel = RestInput.from_credentials(CREDENTIALS["cyberbot.channels.rest.RestInput"])
    assert isinstance(channel, RestInput)
    assert channel.name() == "rest" and channel.url_prefix() == "rest"
    assert channel.apology.startswith("Excuses")
    assert channel.max_message_chars == 20_000


def test_socketio_channel_from_the_project_credentials() -> None:
    channel = SocketIOInput.from_credentials(
        CREDENTIALS["cyberbot.channels.socketio.SocketIOInput"]
    )
    assert isinstance(channel, SocketIOInput)
    assert channel.name() == "socketio"
    assert channel.apology.startswith("Excuses")
    assert channel.bot_message_evt == "bot_uttered"
    assert channel.socketio_path == "/socket.io"


@pytest.mark.parametrize("channel", [RestInput, SocketIOInput])
def test_an_apology_is_required(channel: type[RestInput] | type[SocketIOInput]) -> None:
    with pytest.raises(ValueError, match="apology"):
        channel.from_credentials({})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"session_id": "0f8fad5bd9cb469fa165709a06f2d1c2"}, "0f8fad5bd9cb469fa165709a06f2d1c2"),
        ({"session_id": "widget_abc-123"}, "widget_abc-123"),
        ({"session_id": None}, None),
        ({"session_id": "<img src=x>"}, None),
        ({"session_id": "x" * 65}, None),
        ({"session_id": 12345678}, None),
        ("session", None),
        (None, None),
    ],
)
def test_only_well_formed_session_ids_are_resumed(data: object, expected: str | None) -> None:
    assert requested_session_id(data) == expected


def test_the_socketio_channel_keeps_sessions_across_connections() -> None:
    channel = SocketIOInput.from_credentials(
        CREDENTIALS["cyberbot.channels.socketio.SocketIOInput"]
    )
    assert isinstance(channel, SocketIOInput) and channel.session_persistence is True

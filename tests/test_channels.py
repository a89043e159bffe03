"""The channels keep Rasa's names and routes and insist on an apology text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cyberbot.channels.rest import RestInput
from cyberbot.channels.socketio import SocketIOInput

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

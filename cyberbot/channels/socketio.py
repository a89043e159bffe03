"""socket.io channel: Rasa's own with the never-silent guard.

Registered in credentials.yml as ``cyberbot.channels.socketio.SocketIOInput``; it keeps
the name ``socketio`` and the standard protocol (session_request, user_uttered, ...).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

from cyberbot.channels.guard import never_silent


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel that never answers a message with silence."""

    apology: str = ""  # set from credentials.yml

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        apology = credentials.pop("apology", None)
        if not apology:
            raise ValueError("The socketio channel needs an 'apology' text in credentials.yml.")
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SocketIOInput)
        channel.apology = apology
        return channel

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        return super().blueprint(never_silent(on_new_message, self.apology))

"""socket.io channel: Rasa's own with the never-silent guard and working persistence.

Registered in credentials.yml as ``cyberbot.channels.socketio.SocketIOInput``; it keeps
the name ``socketio`` and the standard protocol (session_request, user_uttered, ...).

With ``session_persistence: true`` a conversation belongs to the session id the client
keeps (the widget stores it), not to the socket, so it survives page loads and
reconnects. Rasa 3.6 calls ``sio.enter_room`` without awaiting it, which with
python-socketio 5.x never joins the room: no reply would ever arrive (rasa issue 13027).
Our ``session_request`` handler replaces Rasa's and awaits it.
"""

from __future__ import annotations

import re
import uuid
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
        blueprint = super().blueprint(never_silent(on_new_message, self.apology))
        sio = self.sio
        assert sio is not None

        async def session_request(sid: str, data: Any) -> None:
            session_id = requested_session_id(data) or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        # Replaces Rasa's handler for the same event (python-socketio keeps one per event).
        sio.on("session_request", session_request, namespace=self.namespace)
        return blueprint


# A session id a client may resume: what this channel hands out (uuid4 hex) or a
# similar opaque token; anything else gets a fresh id instead of an error.
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def requested_session_id(data: Any) -> str | None:
    """The session id a client asks to resume, if it is a well-formed one."""
    if not isinstance(data, dict):
        return None
    session_id = data.get("session_id")
    if isinstance(session_id, str) and _SESSION_ID.fullmatch(session_id):
        return session_id
    return None

"""socket.io channel: Rasa's protocol, with conversations that belong to their visitor.

Registered in credentials.yml as ``cyberbot.channels.socketio.SocketIOInput``; it keeps
the name ``socketio`` and the standard events (``session_request``, ``session_confirm``,
``user_uttered``, ``bot_uttered``), so Rasa's widgets keep working.

Unlike Rasa's own channel, the server decides which conversation a socket talks to:

- ``session_confirm`` carries a session token the server signed (see
  :mod:`cyberbot.security.session_ids`). A client that presents it again, after a reload
  or on another replica, continues its conversation; a forged, foreign or missing token
  gets a fresh conversation.
- Every ``user_uttered`` goes to the conversation bound to the sending socket, whatever
  session id the message names.
- Only the configured origins may connect from a browser; a message is bounded in size,
  its metadata too, and counted against the abuse limits before the assistant sees it.

Rasa 3.6's channel also calls ``sio.enter_room`` without awaiting it, which with
python-socketio 5.x never joins the room (rasa issue 13027); this one awaits it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from cyberbot.channels.admission import (
    UsesAbuseLimits,
    Verdict,
    bounded_metadata,
    client_pseudonym,
    over_limit,
    too_long,
    with_server_metadata,
)
from cyberbot.channels.guard import conversation_ref, never_silent
from cyberbot.live.gate import live_gate
from cyberbot.security.local_secrets import SESSION_SECRET, read_secret
from cyberbot.security.session_ids import WebSession, check_secret, new_session, verify_token
from cyberbot.security.settings import SecuritySettings, settings

logger = logging.getLogger(__name__)

REDIS_URL_VARIABLE = "CYBERBOT_SOCKETIO_REDIS_URL"
REDIS_CHANNEL_VARIABLE = "CYBERBOT_SOCKETIO_REDIS_CHANNEL"
# Room for the message, its JSON escaping and the metadata in one socket.io packet.
_PACKET_OVERHEAD_BYTES = 2048


def shared_client_manager(environ: Mapping[str, str]) -> AsyncRedisManager | None:
    """With several replicas, sockets are reached through Redis: a message for a
    conversation (an operator's, say) reaches its widget whichever replica it is
    connected to. CYBERBOT_SOCKETIO_REDIS_URL turns it on (the production profile)."""
    url = environ.get(REDIS_URL_VARIABLE, "").strip()
    if not url:
        return None
    channel = environ.get(REDIS_CHANNEL_VARIABLE, "").strip() or "cyberbot-socketio"
    return AsyncRedisManager(url, channel=channel)


def max_packet_bytes(config: SecuritySettings) -> int:
    # A character can take six bytes as a JSON escape (\\uXXXX).
    return config.max_message_chars * 6 + config.max_metadata_bytes + _PACKET_OVERHEAD_BYTES


class SocketIOInput(UsesAbuseLimits, InputChannel):
    """socket.io with server-issued, signed session ids, bounded input and limits."""

    def __init__(
        self,
        apology: str,
        secret: str,
        config: SecuritySettings,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        socketio_path: str = "/socket.io",
        metadata_key: str = "metadata",
    ) -> None:
        self.apology = apology
        self.secret = check_secret(secret)
        self.config = config
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.socketio_path = socketio_path
        self.metadata_key = metadata_key
        self.sio: AsyncServer | None = None

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        apology = credentials.get("apology")
        if not apology:
            raise ValueError("The socketio channel needs an 'apology' text in credentials.yml.")
        if credentials.get("session_persistence") is False:
            raise ValueError(
                "The socketio channel always keeps conversations by their signed session "
                "id; remove 'session_persistence: false' from credentials.yml."
            )
        secret = read_secret(SESSION_SECRET)
        return cls(
            apology,
            check_secret(secret),
            settings(),
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            metadata_key=credentials.get("metadata_key", "metadata"),
        )

    def get_output_channel(self) -> OutputChannel | None:
        """For Rasa's HTTP API (``output_channel=socketio``): sends to the conversation's room."""
        return None if self.sio is None else SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        handle = live_gate(never_silent(on_new_message, self.apology))
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=list(self.config.allowed_origins),
            max_http_buffer_size=max_packet_bytes(self.config),
            client_manager=shared_client_manager(os.environ),
        )
        self.sio = sio
        blueprint = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        namespace = self.namespace

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            request = environ.get("sanic.request")
            peer = getattr(request, "ip", None)
            headers = request.headers if request is not None else {}
            await sio.save_session(
                sid, {"client": client_pseudonym(peer, headers, self.config)}, namespace=namespace
            )
            return True

        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session = verify_token(requested, self.secret)
            if requested and session is None:
                logger.info("A socket.io client presented a session id the server did not issue")
            await self._bind(sid, session or new_session(self.secret))

        async def user_message(sid: str, data: Any) -> None:
            state = await sio.get_session(sid, namespace=namespace)
            session: WebSession | None = state.get("session")
            if session is None:
                # No session_request first: a valid token of the client's own is
                # accepted, anything else starts a fresh conversation.
                claimed = data.get("session_id") if isinstance(data, dict) else None
                session = verify_token(claimed, self.secret) or new_session(self.secret)
                await self._bind(sid, session)
            text, metadata = self._read(data)
            verdict = too_long(text, self.config) or await over_limit(
                self.limits, self.name(), session.conversation_id, state.get("client")
            )
            if verdict is not None:
                await self._refuse(sid, session, verdict)
                return
            await handle(
                UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    session.conversation_id,
                    input_channel=self.name(),
                    metadata=with_server_metadata(metadata, state.get("client")),
                )
            )

        sio.on("connect", connect, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, user_message, namespace=namespace)
        return blueprint

    async def _bind(self, sid: str, session: WebSession) -> None:
        """Make ``session`` the socket's conversation and confirm its token to the client."""
        sio = self.sio
        assert sio is not None
        async with sio.session(sid, namespace=self.namespace) as state:
            previous: WebSession | None = state.get("session")
            state["session"] = session
        if previous is not None and previous.conversation_id != session.conversation_id:
            await sio.leave_room(sid, previous.conversation_id, namespace=self.namespace)
        await sio.enter_room(sid, session.conversation_id, namespace=self.namespace)
        await sio.emit("session_confirm", session.token, room=sid, namespace=self.namespace)

    def _read(self, data: Any) -> tuple[str, dict[str, Any]]:
        if not isinstance(data, dict):
            return "", {}
        message = data.get("message")
        text = message if isinstance(message, str) else ""
        return text, bounded_metadata(data.get(self.metadata_key), self.config)

    async def _refuse(self, sid: str, session: WebSession, verdict: Verdict) -> None:
        logger.info(
            "socket.io message of conversation %s refused: %s",
            conversation_ref(session.conversation_id), verdict.reason,
        )
        assert self.sio is not None
        await self.sio.emit(
            self.bot_message_evt, {"text": verdict.reply}, room=sid, namespace=self.namespace
        )

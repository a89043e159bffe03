"""REST channel: Rasa's route and reply format, for trusted servers only.

Registered in credentials.yml as ``cyberbot.channels.rest.RestInput``; it keeps the name
``rest`` and the route ``POST /webhooks/rest/webhook`` with ``{"sender", "message",
"metadata"}`` in and a list of bot messages out.

Anyone could pick any ``sender``, so this channel is for servers of the site's own that
hold ``CYBERBOT_REST_TOKEN`` (``Authorization: Bearer …``); visitors' browsers use
socket.io. Without a configured token the channel answers 503. A REST sender names a
conversation of its own namespace (``rest-<sender>``), never one of another channel, and
the channel's name is the server's, not the client's. Messages are bounded and counted
against the abuse limits, as on every channel; a trusted server that relays many
visitors can be listed as a proxy (``trusted_proxies`` in security.yml) and pass each
visitor's address in the forwarding header.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.channels.admission import (
    UsesAbuseLimits,
    bounded_metadata,
    client_pseudonym,
    metadata_size,
    over_limit,
    with_server_metadata,
)
from cyberbot.channels.guard import never_silent
from cyberbot.security.local_secrets import REST_TOKEN, read_secret
from cyberbot.security.settings import SecuritySettings, settings

logger = logging.getLogger(__name__)

REST_PREFIX = "rest-"
_SENDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,127}")


def conversation_id(sender: str) -> str:
    """The conversation a REST sender names: in the channel's own namespace."""
    return REST_PREFIX + sender


class RestInput(UsesAbuseLimits, InputChannel):
    """Rasa's REST protocol behind a bearer token, with bounded input and limits."""

    def __init__(self, apology: str, token: str | None, config: SecuritySettings) -> None:
        self.apology = apology
        self.token = token
        self.config = config

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        if not credentials.get("apology"):
            raise ValueError("The rest channel needs an 'apology' text in credentials.yml.")
        token = read_secret(REST_TOKEN)
        if not token:
            logger.warning("The REST channel is off: %s is not set", REST_TOKEN)
        return cls(credentials["apology"], token, settings())

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        handle = never_silent(on_new_message, self.apology)
        webhook = Blueprint("custom_webhook_RestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            problem = self._refuse_request(request)
            if problem is not None:
                return problem
            body: dict[str, Any] = request.json
            sender = body["sender"]
            conversation = conversation_id(sender)
            client = client_pseudonym(request.ip, request.headers, self.config)
            verdict = await over_limit(self.limits, self.name(), conversation, client)
            if verdict is not None:
                return response.json(
                    [{"recipient_id": sender, "text": verdict.reply}],
                    status=429, headers={"Retry-After": "60"},
                )
            collector = CollectingOutputChannel()
            metadata = with_server_metadata(bounded_metadata(body.get("metadata"), self.config),
                                            client)
            await handle(UserMessage(body.get("message") or "", collector, conversation,
                                     input_channel=self.name(), metadata=metadata))
            # The client knows its conversation by the sender it chose.
            return response.json([{**message, "recipient_id": sender}
                                  for message in collector.messages])

        return webhook

    def _refuse_request(self, request: Request) -> HTTPResponse | None:
        """An English error for a request that cannot be handled, or None."""
        if not self.token:
            return _error(503, "The REST channel is disabled: CYBERBOT_REST_TOKEN is not set.")
        scheme, _, presented = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            presented.strip().encode(), self.token.encode()
        ):
            return _error(401, "A valid 'Authorization: Bearer <token>' header is required.")
        try:
            body = request.json
        except Exception:  # Sanic raises its own error type for invalid JSON
            body = None
        if not isinstance(body, dict):
            return _error(400, "The body must be a JSON object.")
        sender = body.get("sender")
        if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
            return _error(400, "Field 'sender' must be 1 to 128 letters, digits or _.:@+- "
                               "and start with a letter or digit.")
        message = body.get("message")
        if message is not None and not isinstance(message, str):
            return _error(400, "Field 'message' must be a string.")
        if message and len(message) > self.config.max_message_chars:
            return _error(413, f"Field 'message' is longer than "
                               f"{self.config.max_message_chars} characters.")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            return _error(400, "Field 'metadata' must be a JSON object.")
        if metadata and metadata_size(metadata) > self.config.max_metadata_bytes:
            return _error(413, f"Field 'metadata' is larger than "
                               f"{self.config.max_metadata_bytes} bytes.")
        return None


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)

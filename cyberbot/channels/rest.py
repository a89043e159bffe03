"""REST channel: Rasa's own, plus input validation and the never-silent guard.

Registered in credentials.yml as ``cyberbot.channels.rest.RestInput``; it keeps the
name ``rest`` and so the standard route ``/webhooks/rest/webhook``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint
from sanic.exceptions import SanicException
from sanic.request import Request

from cyberbot.channels.guard import never_silent

DEFAULT_MAX_MESSAGE_CHARS = 20_000


class RestInput(RasaRestInput):
    """Rasa's REST channel that refuses malformed requests and never answers with silence."""

    def __init__(self, apology: str, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> None:
        self.apology = apology
        self.max_message_chars = max_message_chars

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        if not credentials.get("apology"):
            raise ValueError("The rest channel needs an 'apology' text in credentials.yml.")
        return cls(
            credentials["apology"],
            int(credentials.get("max_message_chars", DEFAULT_MAX_MESSAGE_CHARS)),
        )

    async def _extract_sender(self, req: Request) -> str:
        sender = (req.json or {}).get("sender") if isinstance(req.json, dict) else None
        if not isinstance(sender, str) or not sender.strip() or len(sender) > 256:
            raise SanicException(
                "Field 'sender' must be a non-empty string of at most 256 characters.",
                status_code=400,
            )
        return sender

    def _extract_message(self, req: Request) -> str:
        message = req.json.get("message") if isinstance(req.json, dict) else None
        if message is None:
            message = ""
        if not isinstance(message, str):
            raise SanicException("Field 'message' must be a string.", status_code=400)
        if len(message) > self.max_message_chars:
            raise SanicException(
                f"Field 'message' is longer than {self.max_message_chars} characters.",
                status_code=413,
            )
        return message

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        return super().blueprint(never_silent(on_new_message, self.apology))

"""How the console reaches a visitor: events appended through Rasa's HTTP API.

``POST /conversations/<id>/tracker/events?output_channel=<channel>&execute_side_effects=true``
stores the events in the conversation (so the transcript shows them) and sends its bot
messages through the visitor's own channel: the widget's socket.io room (on any replica,
through Redis in the production profile) or WhatsApp. Any Rasa replica will do.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp

from cyberbot.security.local_secrets import RASA_AUTH_TOKEN, read_secret

logger = logging.getLogger(__name__)

RASA_URL_VARIABLE = "CYBERBOT_RASA_URL"
TIMEOUT_SECONDS = 30


class BridgeError(RuntimeError):
    """Rasa did not take the events (it is down, or refused them)."""


class RasaBridge:
    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    @classmethod
    def from_environment(cls, default_url: str,
                         environ: Mapping[str, str] | None = None) -> RasaBridge:
        """Rasa at CYBERBOT_RASA_URL (else ``default_url``), with the HTTP API token."""
        environ = os.environ if environ is None else environ
        url = environ.get(RASA_URL_VARIABLE, "").strip() or default_url
        return cls(url, read_secret(RASA_AUTH_TOKEN, environ))

    async def append(self, conversation_id: str, channel: str,
                     events: Sequence[Mapping[str, Any]]) -> None:
        if not self.token:
            raise BridgeError("the Rasa HTTP API token (RASA_AUTH_TOKEN) is not set")
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/tracker/events"
        # Rasa reads its token only from the query string; this URL is never logged.
        params = {"token": self.token, "output_channel": channel,
                  "execute_side_effects": "true"}
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, \
                    session.post(url, params=params, json=list(events)) as reply:
                if reply.status >= 400:
                    raise BridgeError(f"Rasa answered HTTP {reply.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise BridgeError(f"Rasa is unreachable ({type(error).__name__})") from None


def bot_event(text: str, *, buttons: Sequence[Mapping[str, str]] = (),
              operator: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A bot message as a tracker event; an operator's carries who wrote it."""
    event: dict[str, Any] = {"event": "bot", "text": text}
    if buttons:
        event["data"] = {"buttons": [dict(button) for button in buttons]}
    if operator is not None:
        event["metadata"] = {"operator": dict(operator)}
    return event


def slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}

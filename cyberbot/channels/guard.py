"""Make sure a visitor never gets silence back.

When a custom action fails (the action server is down, say), Rasa logs the error and
carries on without sending anything. Every message of a visitor deserves an answer, so
channels wrap their message handler with :func:`never_silent`: if handling a message
produced no bot message at all, the configured apology is sent instead.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

logger = logging.getLogger(__name__)

MessageHandler = Callable[[UserMessage], Awaitable[Any]]
GuardedHandler = Callable[[UserMessage], Coroutine[Any, Any, None]]


class CountingOutputChannel(OutputChannel):
    """Forwards every message to another output channel and counts them.

    Rasa sends through ``send_response``; the specific ``send_*`` methods are forwarded
    too, for code that calls them directly.
    """

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> str:
        # Channel-specific responses are chosen by the real channel's name.
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent += 1
        await self.inner.send_text_message(recipient_id, text, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        self.sent += 1
        await self.inner.send_image_url(recipient_id, image, **kwargs)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        self.sent += 1
        await self.inner.send_attachment(recipient_id, attachment, **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.sent += 1
        await self.inner.send_text_with_buttons(recipient_id, text, buttons, **kwargs)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.sent += 1
        await self.inner.send_quick_replies(recipient_id, text, quick_replies, **kwargs)

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.sent += 1
        await self.inner.send_elements(recipient_id, elements, **kwargs)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        self.sent += 1
        await self.inner.send_custom_json(recipient_id, json_message, **kwargs)


def conversation_ref(sender_id: str | None) -> str:
    """A short, stable pseudonym of a conversation id for logs.

    Conversation ids can be personal data (a WhatsApp id is a phone number), so logs
    carry this hash instead.
    """
    return hashlib.sha256((sender_id or "").encode()).hexdigest()[:12]


def never_silent(on_new_message: MessageHandler, apology: str) -> GuardedHandler:
    """Wrap a channel's message handler so that an unanswered message gets ``apology``.

    A failure while handling is logged here, without the message text, and not passed
    on: Rasa's channels would log the visitor's text with it.
    """

    async def handle(message: UserMessage) -> None:
        original = message.output_channel
        counter = CountingOutputChannel(original)
        message.output_channel = counter
        try:
            await on_new_message(message)
        except Exception as error:
            logger.error(
                "Handling a message of conversation %s failed: %s",
                conversation_ref(message.sender_id), type(error).__name__,
            )
        if counter.sent == 0:
            logger.warning(
                "No reply was produced for a message of conversation %s; "
                "sending the apology instead.",
                conversation_ref(message.sender_id),
            )
            await original.send_text_message(message.sender_id, apology)

    return handle

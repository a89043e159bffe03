"""The bot's silence while a person has the conversation.

Channels wrap their message handler with :func:`live_gate`. While an operator holds the
conversation (an ``active`` hand-off in the shared database, so every replica agrees),
a visitor's message is only recorded in the tracker, where the console shows it; no
action is predicted, so the bot sends nothing: no answer, no fallback, no apology. A
``/restart`` or a new session recorded this way does not end the hand-off either: only
the operator's release or close does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from cyberbot.channels.guard import conversation_ref
from cyberbot.live.models import get_live_engine
from cyberbot.live.store import is_paused

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]


def live_gate(handler: Handler) -> Callable[[UserMessage], Coroutine[Any, Any, None]]:
    """``handler`` for conversations the bot has; recording only for those a person has."""

    async def handle(message: UserMessage) -> None:
        try:
            paused = await asyncio.to_thread(is_paused, get_live_engine(), message.sender_id)
        except Exception as error:  # the database is down: the bot answers as usual
            logger.error("Live chat state unreadable (%s); the bot answers",
                         type(error).__name__)
            paused = False
        if not paused:
            await handler(message)
            return
        await record_only(message)

    return handle


async def record_only(message: UserMessage) -> None:
    """Store the visitor's message in the tracker (with its NLU reading), predict nothing."""
    agent = Sanic.get_app().ctx.agent
    async with agent.lock_store.lock(message.sender_id):
        await agent.processor.log_message(message, should_save_tracker=True)
    logger.info("Conversation %s is held by an operator: message recorded, bot silent",
                conversation_ref(message.sender_id))

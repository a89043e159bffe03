"""Keep the console's index current from Rasa's event broker instead of polling.

In the production profile every Rasa replica publishes each event to RabbitMQ
(``endpoints.production.yml``). ``cyberbot console follow`` consumes that queue: each
event only says that something changed, so a burst of events leads to one incremental
``sync_conversations`` run, which reads the tracker store from its watermark. Several
followers may share the queue; the indexer's lease makes them take turns.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping

import aio_pika
from sqlalchemy.engine import Engine

from cyberbot.console.indexer import sync_conversations

logger = logging.getLogger(__name__)

# Events arriving within this time are indexed together.
DEBOUNCE_SECONDS = 0.5


def amqp_url(environ: Mapping[str, str] | None = None) -> str:
    """The broker's URL from the variables of the production profile."""
    environ = os.environ if environ is None else environ
    user = environ.get("RABBITMQ_USER", "guest")
    password = environ.get("RABBITMQ_PASSWORD", "guest")
    host = environ.get("RABBITMQ_HOST", "127.0.0.1")
    port = environ.get("RABBITMQ_PORT", "5672")
    return f"amqp://{user}:{password}@{host}:{port}/"


async def follow(
    url: str,
    queue_name: str,
    tracker: Engine,
    console: Engine,
    stop: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
) -> int:
    """Consume events until ``stop`` is set; returns the number of events consumed."""
    connection = await aio_pika.connect_robust(url)
    changed = asyncio.Event()
    consumed = 0

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal consumed
        async with message.process():
            consumed += 1
            changed.set()

    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=200)
        # The same declaration as Rasa's broker, so that either may create the queue.
        queue = await channel.declare_queue(queue_name, durable=True)
        await queue.consume(on_message)
        logger.info("Following the event queue %s", queue_name)
        if ready is not None:
            ready.set()
        while not stop.is_set():
            waiter = asyncio.ensure_future(changed.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            if changed.is_set():
                await asyncio.sleep(DEBOUNCE_SECONDS)
                changed.clear()
                updated = await asyncio.to_thread(sync_conversations, tracker, console)
                logger.info("Indexed after new events: %d conversations updated", updated)
    finally:
        await connection.close()
    return consumed

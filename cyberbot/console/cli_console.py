"""``cyberbot console sync|follow``: index Rasa's tracker store for the operator console.

``sync`` indexes what is new once. ``follow`` keeps indexing as Rasa's event broker
(RabbitMQ, production profile) reports new events. The tracker store is the one named in
the endpoints file; the index lives in the leads database (DATABASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from sqlalchemy.engine import Engine

from cyberbot.console.follow import amqp_url, follow
from cyberbot.console.indexer import sync_conversations
from cyberbot.console.models import get_console_engine
from cyberbot.db.rasa_tables import open_tracker_engine, tracker_database_url

EXIT_OK, EXIT_ERROR = 0, 1
DEFAULT_QUEUE = "cyberbot_events"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``console`` command to the ``cyberbot`` subcommands."""
    parser = commands.add_parser("console", help="the operator console's index of conversations")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, handler, text in (
        ("sync", _sync, "index the conversations that are new in the tracker store, once"),
        ("follow", _follow, "index continuously as the event broker reports new events"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument(
            "--endpoints", type=Path,
            default=Path(os.environ.get("CYBERBOT_ENDPOINTS", "endpoints.yml")),
            help="Rasa endpoints file naming the SQL tracker store (default: endpoints.yml)",
        )
        action.set_defaults(handler=handler)
    actions.choices["follow"].add_argument(
        "--queue", default=os.environ.get("RABBITMQ_QUEUE", DEFAULT_QUEUE),
        help=f"the queue Rasa's event broker publishes to (default: $RABBITMQ_QUEUE or "
             f"{DEFAULT_QUEUE}); the broker is $RABBITMQ_HOST/_PORT/_USER/_PASSWORD",
    )


def _tracker(endpoints: Path) -> Engine:
    url = tracker_database_url(endpoints)
    if url is None:
        raise ValueError(f"{endpoints} names no SQL tracker store")
    engine = open_tracker_engine(url)
    if engine is None:
        raise ValueError("the tracker database does not exist yet")
    return engine


def _sync(args: argparse.Namespace) -> int:
    updated = sync_conversations(_tracker(args.endpoints), get_console_engine())
    print(f"Indexed: {updated} conversations added or updated.")
    return EXIT_OK


def _follow(args: argparse.Namespace) -> int:
    tracker, console = _tracker(args.endpoints), get_console_engine()

    async def run() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await asyncio.to_thread(sync_conversations, tracker, console)
        return await follow(amqp_url(), args.queue, tracker, console, stop)

    consumed = asyncio.run(run())
    print(f"Stopped following; {consumed} events consumed.")
    return EXIT_OK

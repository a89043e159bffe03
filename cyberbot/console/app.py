"""The operator console mounted on a Sanic app under /operator (pages and JSON API).

``install_console`` adds it to the demo site's app, so that ``make run`` serves both on
port 8080. A background task keeps the index of conversations in step with Rasa's
tracker store; pages also index what is new before they answer.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.console.access import PREFIX, identify
from cyberbot.console.api import create_api
from cyberbot.console.context import ConsoleContext
from cyberbot.console.conversations_view import sync
from cyberbot.console.dashboard_pages import create_dashboard
from cyberbot.console.pages import create_pages
from cyberbot.console.sessions import purge_expired

logger = logging.getLogger(__name__)

SYNC_INTERVAL_SECONDS = 5.0


def install_console(app: Sanic, context: ConsoleContext, *, background_sync: bool = True) -> None:
    app.blueprint(create_api(context))
    app.blueprint(create_pages(context))
    app.blueprint(create_dashboard(context))

    @app.middleware("request")
    async def console_access(request: Request) -> HTTPResponse | None:
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return await identify(request, context)
        return None

    if background_sync:
        app.add_task(_keep_in_sync(context))


async def _keep_in_sync(context: ConsoleContext) -> None:
    """Index new tracker events and drop expired sessions, until the server stops."""
    while True:
        try:
            await asyncio.to_thread(sync, context)
            await asyncio.to_thread(purge_expired, context.engine, datetime.now(timezone.utc))
        except Exception:  # keep the console serving; the next round tries again
            logger.exception("Indexing the tracker store failed; retrying in %ss",
                             SYNC_INTERVAL_SECONDS)
        await asyncio.sleep(SYNC_INTERVAL_SECONDS)

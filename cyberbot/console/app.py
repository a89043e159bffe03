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
from cyberbot.console.live import LiveChat
from cyberbot.console.live_routes import create_live_page
from cyberbot.console.pages import create_pages
from cyberbot.console.sessions import purge_expired

logger = logging.getLogger(__name__)

SYNC_INTERVAL_SECONDS = 5.0
DEFAULT_RASA_URL = "http://127.0.0.1:5005"


def install_console(app: Sanic, context: ConsoleContext, *, background_sync: bool = True,
                    rasa_url: str = DEFAULT_RASA_URL) -> None:
    """The console on ``app``; live chat reaches visitors through Rasa at ``rasa_url``
    (CYBERBOT_RASA_URL overrides it)."""
    live = LiveChat.create(context, rasa_url)
    app.ctx.live_chat = live
    app.blueprint(create_api(context, live))
    app.blueprint(create_pages(context))
    app.blueprint(create_dashboard(context))
    app.blueprint(create_live_page(live))

    @app.middleware("request")
    async def console_access(request: Request) -> HTTPResponse | None:
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return await identify(request, context)
        return None

    if background_sync:
        app.add_task(_keep_in_sync(context))
        app.add_task(_withdraw_unclaimed(live))


async def _withdraw_unclaimed(live: LiveChat) -> None:
    """Withdraw waiting hand-offs nobody claimed in time and hand back those whose
    operator has gone, until the server stops (every console process may run this: each
    hand-off is ended by exactly one of them)."""
    while True:
        try:
            await live.sweep()
            await live.release_abandoned()
        except Exception:
            logger.exception("Withdrawing unclaimed hand-offs failed; retrying")
        await asyncio.sleep(live.config.sweep_seconds)


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

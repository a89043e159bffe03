"""``python -m cyberbot.console.server``: the operator console as its own web process.

In production the console runs apart from the public demo site (docker-compose service
``console``, nginx routes ``/operator`` to it): a crash, a slow CSV export or a restart
of one does not touch the other, and only the console's process holds Rasa's API token
(for live chat) and the models volume (the model gate's names). ``make run`` keeps one
port for both: the demo site mounts the console itself (``cyberbot.web.site --console``).

``--host`` defaults to 127.0.0.1 (CYBERBOT_CONSOLE_HOST); live chat reaches Rasa at
``--rasa-url`` (CYBERBOT_RASA_URL).
"""

from __future__ import annotations

import argparse
import logging
import os

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.console.access import PREFIX
from cyberbot.console.app import DEFAULT_RASA_URL, install_console
from cyberbot.console.context import ConsoleContext
from cyberbot.console.settings import load_settings
from cyberbot.live.rasa_bridge import RASA_URL_VARIABLE
from cyberbot.servers.idle_connections import keep_idle_connections

HOST_VARIABLE = "CYBERBOT_CONSOLE_HOST"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8081


def create_app(context: ConsoleContext, rasa_url: str = DEFAULT_RASA_URL,
               name: str = "cyberbot_console", *, background_sync: bool = True) -> Sanic:
    """The console under /operator; the root leads there."""
    app = keep_idle_connections(Sanic(name))
    install_console(app, context, background_sync=background_sync, rasa_url=rasa_url)

    @app.get("/")
    async def root(_: Request) -> HTTPResponse:
        return response.redirect(PREFIX + "/")

    return app


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get(HOST_VARIABLE) or DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--rasa-url",
                        default=os.environ.get(RASA_URL_VARIABLE) or DEFAULT_RASA_URL)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(ConsoleContext.create(load_settings()), args.rasa_url)
    app.run(host=args.host, port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()

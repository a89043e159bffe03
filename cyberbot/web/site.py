"""The demo comparison site on http://localhost:8080: the insurers' cards, the privacy
statement and ``/widget.js``, the chat widget that talks to the Rasa server.

``python -m cyberbot.web.site [--port 8080] [--server http://localhost:5005] [--console]``;
the widget's Rasa server can also be set with ``CYBERBOT_WIDGET_SERVER``. With
``--console`` the site also serves the operator console under ``/operator`` (``make run``:
one port for both); in production the console is its own process
(``cyberbot.console.server``).
"""

from __future__ import annotations

import argparse
import html
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.console.app import install_console
from cyberbot.console.context import ConsoleContext
from cyberbot.console.settings import load_settings
from cyberbot.operator_info import OperatorInfo, operator_info
from cyberbot.servers.idle_connections import keep_idle_connections

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "web"
WIDGET = ROOT / "widget" / "widget.js"
DEFAULT_PORT = 8080
DEFAULT_SERVER = "http://localhost:5005"


def content_security_policy(server: str) -> str:
    """Only our own scripts run; the widget may connect to the Rasa server only."""
    parts = urlsplit(server)
    websocket = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' https: data:; connect-src 'self' {server} {websocket}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def footer(operator: OperatorInfo) -> str:
    """The footer every page shares: who runs the site, registrations, complaints bodies."""
    values = {
        "operator_name": operator.name,
        "nl_registration": operator.netherlands.registration,
        "nl_complaints": operator.netherlands.complaints,
        "be_registration": operator.belgium.registration,
        "be_complaints": operator.belgium.complaints,
    }
    text = (PAGES / "footer.html").read_text(encoding="utf-8").strip()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    return text


def page(name: str, operator: OperatorInfo | None = None) -> str:
    """A page of ``web/`` with the header and the footer shared by all pages put in."""
    header = (PAGES / "header.html").read_text(encoding="utf-8").strip()
    text = (PAGES / name).read_text(encoding="utf-8").replace("{{header}}", header)
    return text.replace("{{footer}}", footer(operator or operator_info()))


def create_app(
    server: str = DEFAULT_SERVER,
    name: str = "cyberbot_site",
    console: ConsoleContext | None = None,
) -> Sanic:
    """The site; with ``console``, the operator console under /operator as well."""
    app = keep_idle_connections(Sanic(name))
    if console is not None:
        install_console(app, console, rasa_url=server)
    index = page("index.html").replace("{{server}}", html.escape(server, quote=True))
    privacy_page = page("privacy.html")
    headers = {
        "Content-Security-Policy": content_security_policy(server),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }

    @app.get("/")
    async def home(_: Request) -> HTTPResponse:
        return response.html(index, headers=headers)

    @app.get("/privacy")
    async def privacy(_: Request) -> HTTPResponse:
        return response.html(privacy_page, headers=headers)

    @app.get("/site.css")
    async def stylesheet(_: Request) -> HTTPResponse:
        return await response.file(PAGES / "site.css", mime_type="text/css",
                                   headers={"Cache-Control": "no-cache"})

    @app.get("/widget.js")
    async def widget(_: Request) -> HTTPResponse:
        return await response.file(WIDGET, mime_type="application/javascript",
                                   headers={"Cache-Control": "no-cache", **headers})

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--server", default=os.environ.get("CYBERBOT_WIDGET_SERVER",
                                                           DEFAULT_SERVER))
    parser.add_argument("--console", action="store_true",
                        help="also serve the operator console under /operator")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    console = ConsoleContext.create(load_settings()) if args.console else None
    create_app(args.server, console=console).run(host=args.host, port=args.port, access_log=False,
                                motd=False)


if __name__ == "__main__":
    main()

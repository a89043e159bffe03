"""The console as its own web process (``python -m cyberbot.console.server``), and the
demo site, which serves the console only when asked (``make run``)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from cyberbot.console.server import DEFAULT_PORT, create_app, parse_arguments
from cyberbot.live.rasa_bridge import RASA_URL_VARIABLE
from cyberbot.servers.idle_connections import IDLE_CONNECTION_SECONDS
from cyberbot.web import site
from tests.console.console_client import Browser, make_console


def test_the_console_server_serves_the_console_and_leads_to_it(tmp_path: Path) -> None:
    console = make_console(tmp_path)
    console.add("eva@voorbeeld.nl")
    app = create_app(console.context, name=f"console_{uuid.uuid4().hex}",
                     background_sync=False)
    browser = Browser(app)
    root = browser.get("/")
    assert root.status == 302 and root.headers["Location"] == "/operator/"
    assert browser.login("eva@voorbeeld.nl").status == 302
    assert browser.get("/operator/conversations").status == 200
    assert app.config.KEEP_ALIVE_TIMEOUT == IDLE_CONNECTION_SECONDS


def test_the_demo_site_alone_has_no_console() -> None:
    app = site.create_app(name=f"site_{uuid.uuid4().hex}")
    _, response = app.test_client.get("/operator/login")
    assert response.status == 404
    _, home = app.test_client.get("/")
    assert home.status == 200
    assert app.config.KEEP_ALIVE_TIMEOUT == IDLE_CONNECTION_SECONDS


def test_the_console_listens_on_localhost_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYBERBOT_CONSOLE_HOST", raising=False)
    monkeypatch.setenv(RASA_URL_VARIABLE, "http://rasa-1:5005")
    args = parse_arguments([])
    assert (args.host, args.port, args.rasa_url) == ("127.0.0.1", DEFAULT_PORT,
                                                     "http://rasa-1:5005")
    monkeypatch.setenv("CYBERBOT_CONSOLE_HOST", "0.0.0.0")
    assert parse_arguments([]).host == "0.0.0.0"

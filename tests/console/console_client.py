"""A console app on temporary databases, and a client that logs in like a browser.

Sanic's test client starts the app for each request; cookies are passed by hand because
the session cookie is Secure and the test client speaks plain HTTP.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanic import Sanic
from sqlalchemy.engine import Engine

from cyberbot.console.accounts import add_operator, create_api_token
from cyberbot.console.app import install_console
from cyberbot.console.context import ConsoleContext
from cyberbot.console.settings import ConsoleSettings
from tests.console.tracker_fixtures import create_tracker_engine, write_events

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    app: Sanic
    context: ConsoleContext
    tracker: Engine

    @property
    def engine(self) -> Engine:
        return self.context.engine

    def add(self, email: str, role: str = "operator") -> None:
        add_operator(self.engine, email, role, PASSWORD)

    def token(self, email: str) -> str:
        return create_api_token(self.engine, email)

    def record(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        write_events(self.tracker, conversation_id, events)


def make_console(tmp_path: Path, **settings: Any) -> Console:
    tracker_path = tmp_path / "tracker.db"
    tracker = create_tracker_engine(tracker_path)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_path}"\n'
    )
    context = ConsoleContext.create(
        ConsoleSettings(endpoints=endpoints, project_root=ROOT, **settings),
        database_url=f"sqlite:///{tmp_path / 'leads.db'}",
    )
    app = Sanic(f"console_test_{uuid.uuid4().hex}")
    install_console(app, context, background_sync=False)
    return Console(app, context, tracker)


@dataclass
class Browser:
    """Keeps the cookies the console sets, as a browser would."""

    app: Sanic
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        _, response = getattr(self.app.test_client, method)(
            path, headers=headers, allow_redirects=False, **kwargs
        )
        for name, value in _set_cookies(response).items():
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        token = _CSRF_FIELD.search(response.text or "")
        if token and "/login" not in path:
            self.csrf_token = token.group(1)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("get", path, **kwargs)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> Any:
        form = dict(data or {})
        if csrf and self.csrf_token and "csrf_token" not in form:
            form["csrf_token"] = self.csrf_token
        return self.request("post", path, data=form, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        page = self.get("/operator/login")
        token = _CSRF_FIELD.search(page.text)
        assert token is not None
        response = self.post(
            "/operator/login",
            {"email": email, "password": password, "csrf_token": token.group(1)},
            csrf=False,
        )
        if response.status == 302:
            self.get("/operator/conversations")  # picks up the session's CSRF token
        return response


def _set_cookies(response: Any) -> dict[str, str]:
    """name -> value of every Set-Cookie header ("" for a deleted cookie)."""
    found: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        deleted = "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower()
        found[name.strip()] = "" if deleted else value
    return found


def set_cookie_header(response: Any, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return str(header)
    raise AssertionError(f"no Set-Cookie for {name}")

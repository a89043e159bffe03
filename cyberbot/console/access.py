"""Who is asking: the session cookie for pages, a bearer token for the JSON API.

Every console route goes through ``identify``: anonymous page requests are sent to the
login page, anonymous API requests get 401, and every POST from a page must carry the
session's CSRF token and, when the browser sends one, an Origin of this host.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.console.accounts import Operator, operator_for_token
from cyberbot.console.context import ConsoleContext
from cyberbot.console.sessions import csrf_ok, session_for_cookie

SESSION_COOKIE = "cyberbot_operator"
LOGIN_CSRF_COOKIE = "cyberbot_login_csrf"
PREFIX = "/operator"
API_PREFIX = PREFIX + "/api/"
# Reachable without logging in.
PUBLIC_PATHS = frozenset({PREFIX + "/login", PREFIX + "/console.css"})


@dataclass(frozen=True)
class Identity:
    operator: Operator
    # None for API requests, which carry no cookie and need no CSRF token.
    csrf_token: str | None


async def identify(request: Request, context: ConsoleContext) -> HTTPResponse | None:
    """Set ``request.ctx.identity``, or answer the request with a refusal."""
    request.ctx.identity = None
    if request.path in PUBLIC_PATHS:
        return None
    if request.path.startswith(API_PREFIX):
        return await _identify_api(request, context)
    cookie = request.cookies.get(SESSION_COOKIE)
    active = await asyncio.to_thread(session_for_cookie, context.engine, cookie) if cookie else None
    if active is None:
        if request.method in {"GET", "HEAD"}:
            target = request.path + (f"?{request.query_string}" if request.query_string else "")
            return response.redirect(f"{PREFIX}/login?next={quote(target, safe='')}")
        return response.text("Niet ingelogd.", status=401)
    request.ctx.identity = Identity(active.operator, active.csrf_token)
    if request.method not in {"GET", "HEAD"}:
        if not same_origin(request):
            return response.text("Verzoek van een andere website geweigerd.", status=403)
        if not csrf_ok(active.csrf_token, _form_value(request, "csrf_token")):
            return response.text(
                "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw.", status=403
            )
    return None


async def _identify_api(request: Request, context: ConsoleContext) -> HTTPResponse | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    operator = None
    if scheme.lower() == "bearer" and token.strip():
        operator = await asyncio.to_thread(operator_for_token, context.engine, token.strip())
    if operator is None:
        return response.json(
            {"error": "unauthorized", "message": "A valid personal API token is required."},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="cyberbot-operator"'},
        )
    request.ctx.identity = Identity(operator, None)
    return None


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc == request.host


def safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect to another site."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") \
            and "\\" not in target and not target.startswith(PREFIX + "/login"):
        return target
    return PREFIX + "/conversations"


def _form_value(request: Request, name: str) -> str | None:
    # Sanic parses a body that is no form into an empty form rather than failing.
    form = request.form
    return form.get(name) if form else None


def identity(request: Request) -> Identity:
    """The identity ``identify`` established (routes behind it always have one)."""
    found: Identity | None = request.ctx.identity
    if found is None:
        raise RuntimeError("route reached without identification")
    return found

"""Live chat routes: the JSON API for tokens and the live page's own JSON for the browser.

API (Bearer token), under /operator/api:
  PUT  /me/availability                      {"available": true|false, "name"?: "Eva"}
  GET  /handoffs                             {"items": [...]}
  POST /handoffs/<conversation_id>/claim
  POST /handoffs/<conversation_id>/messages  {"text": "..."}
  POST /handoffs/<conversation_id>/release
The live page (session cookie and CSRF token) uses the same operations under /operator/live.
Errors are JSON with an English ``message`` and a ``error`` code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.console.access import PREFIX, identity
from cyberbot.console.live import LiveChat
from cyberbot.console.rendering import SECURITY_HEADERS, render
from cyberbot.leads.advisor_email import insurer_names, profile_rows
from cyberbot.live.rasa_bridge import BridgeError
from cyberbot.live.store import Handoff, HandoffError

LIVE_SCRIPT = Path(__file__).with_name("live.js")
MAX_BODY_BYTES = 16 * 1024
# The live page runs its own script (the other pages run none) and talks to its origin.
LIVE_PAGE_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def add_live_api(api: Blueprint, live: LiveChat) -> None:
    """The live-chat routes of the JSON API, on the API's blueprint."""

    @api.put("/me/availability")
    async def availability(request: Request) -> HTTPResponse:
        body = _json_body(request)
        if isinstance(body, HTTPResponse):
            return body
        available, name = body.get("available"), body.get("name")
        if not isinstance(available, bool):
            return _error(400, "bad_request", "'available' must be true or false")
        if name is not None and not isinstance(name, str):
            return _error(400, "bad_request", "'name' must be a string")
        return await _guarded(_availability(live, request, available, name))

    @api.get("/handoffs")
    async def handoffs(_: Request) -> HTTPResponse:
        return _ok({"items": [handoff_item(h) for h in await live.handoffs()]})

    @api.post("/handoffs/<conversation_id:str>/claim")
    async def claim(request: Request, conversation_id: str) -> HTTPResponse:
        return await _guarded(_item(live.claim(identity(request).operator, conversation_id)))

    @api.post("/handoffs/<conversation_id:str>/messages")
    async def message(request: Request, conversation_id: str) -> HTTPResponse:
        body = _json_body(request)
        if isinstance(body, HTTPResponse):
            return body
        return await _guarded(_sent(live.send(identity(request).operator, conversation_id,
                                              body.get("text"))))

    @api.post("/handoffs/<conversation_id:str>/release")
    async def release(request: Request, conversation_id: str) -> HTTPResponse:
        return await _guarded(_item(live.release(identity(request).operator, conversation_id)))


def create_live_page(live: LiveChat) -> Blueprint:
    """``/operator/live``: the queue and the conversation an operator has, kept current by
    ``live.js`` (no reload)."""
    page = Blueprint("console_live", url_prefix=PREFIX + "/live")

    @page.get("/")
    async def live_page(request: Request) -> HTTPResponse:
        result = render(request, "live.html",
                        max_chars=live.config.max_message_chars)
        result.headers.update(LIVE_PAGE_HEADERS)
        return result

    @page.get("/live.js")
    async def script(_: Request) -> HTTPResponse:
        return await response.file(LIVE_SCRIPT, mime_type="application/javascript",
                                   headers={"Cache-Control": "no-cache",
                                            "X-Content-Type-Options": "nosniff"})

    @page.get("/state")
    async def state(request: Request) -> HTTPResponse:
        account = identity(request).operator
        available = await live.heartbeat(account)
        items = [handoff_item(h) for h in await live.handoffs()]
        selected = (request.args.get("c") or "").strip()[:255]
        conversation = await live.transcript(selected) if selected else None
        return _ok({
            "me": {"id": account.id, "available": available,
                   "name": (await live.operator(account)).name},
            "items": items,
            "conversation": None if conversation is None else {
                "conversation_id": selected,
                "entries": _entries(conversation),
                **_profile(conversation),
            },
        })

    @page.post("/availability")
    async def availability(request: Request) -> HTTPResponse:
        available = (request.form.get("available") or "") == "true"
        return await _guarded(_availability(live, request, available, None))

    @page.post("/<conversation_id:str>/claim")
    async def claim(request: Request, conversation_id: str) -> HTTPResponse:
        return await _guarded(_item(live.claim(identity(request).operator, conversation_id)))

    @page.post("/<conversation_id:str>/messages")
    async def message(request: Request, conversation_id: str) -> HTTPResponse:
        return await _guarded(_sent(live.send(identity(request).operator, conversation_id,
                                              request.form.get("text"))))

    @page.post("/<conversation_id:str>/release")
    async def release(request: Request, conversation_id: str) -> HTTPResponse:
        return await _guarded(_item(live.release(identity(request).operator, conversation_id)))

    return page


def handoff_item(handoff: Handoff) -> dict[str, Any]:
    return {
        "conversation_id": handoff.conversation_id,
        "channel": handoff.channel,
        # A withdrawn hand-off has ended as a closed one has.
        "status": handoff.status if handoff.status in ("waiting", "active") else "closed",
        "requested_at": handoff.requested_at.isoformat(),
        "operator": handoff.operator_email,
        "operator_id": handoff.operator_id,
        "operator_name": handoff.operator_name,
        "withdrawn": handoff.status == "withdrawn",
    }


async def _availability(live: LiveChat, request: Request, available: bool,
                        name: str | None) -> dict[str, Any]:
    account = identity(request).operator
    await live.set_available(account, available, name)
    return {"available": available, "name": (await live.operator(account)).name}


async def _item(operation: Any) -> dict[str, Any]:
    return handoff_item(await operation)


async def _sent(operation: Any) -> dict[str, Any]:
    handoff = await operation
    return {"status": "sent", "conversation_id": handoff.conversation_id}


async def _guarded(operation: Any) -> HTTPResponse:
    try:
        return _ok(await operation)
    except HandoffError as problem:
        return _error(problem.status, problem.code, problem.message)
    except BridgeError as problem:
        return _error(502, "rasa_unreachable",
                      f"The assistant could not deliver it to the visitor: {problem}")


def _entries(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The transcript's messages for the live page: who, what, when."""
    shown = []
    for entry in view["entries"]:
        if entry.kind not in ("user", "bot") or not entry.text:
            continue
        operator = getattr(entry, "operator", None)
        shown.append({
            "who": "visitor" if entry.kind == "user" else ("operator" if operator else "bot"),
            "name": operator,
            "text": entry.text,
            "time": entry.time.isoformat() if entry.time else None,
        })
    return shown


def _profile(view: dict[str, Any]) -> dict[str, Any]:
    """What the visitor told about their business and the insurers they were shown."""
    slots: dict[str, Any] = {}
    for entry in view["entries"]:
        if entry.kind == "slots":
            slots.update(dict(entry.slots))
    return {"profile": profile_rows(slots),
            "recommendation": insurer_names(slots.get("recommended_insurers"))}


def _json_body(request: Request) -> dict[str, Any] | HTTPResponse:
    if len(request.body or b"") > MAX_BODY_BYTES:
        return _error(413, "too_large", f"The body is at most {MAX_BODY_BYTES} bytes.")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "bad_json", "The body must be a JSON object.")
    if not isinstance(body, dict):
        return _error(400, "bad_json", "The body must be a JSON object.")
    return body


def _ok(body: Any) -> HTTPResponse:
    return response.json(body, headers={"Cache-Control": "no-store"}, ensure_ascii=False)


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status,
                         headers={"Cache-Control": "no-store"})

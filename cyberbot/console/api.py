"""The console's JSON API under /operator/api/, for personal API tokens (Bearer).

Errors are JSON with an English ``message``. Lists page with opaque cursors like the
pages; contact details are masked in lists and in full only from a lead's own route,
which is audited like the detail page.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, datetime
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cyberbot.console.access import PREFIX, identity
from cyberbot.console.context import ConsoleContext
from cyberbot.console.conversations_view import (
    SYNC_BATCHES_PER_REQUEST,
    FilterError,
    conversation_page,
    parse_filter,
    query_lists,
    sync,
    transcript_view,
)
from cyberbot.console.dashboard_texts import load_dashboard_texts
from cyberbot.console.leads_view import LeadFilter, lead_detail, list_lead_page
from cyberbot.console.live import LiveChat
from cyberbot.console.live_routes import add_live_api
from cyberbot.console.stats import StatsFilter, api_body, compute_stats, stats_csv

MAX_PAGE_SIZE = 200


def create_api(context: ConsoleContext, live: LiveChat) -> Blueprint:
    api = Blueprint("console_api", url_prefix=PREFIX + "/api")
    add_live_api(api, live)

    def run(function: Any, *args: Any, **kwargs: Any) -> Any:
        return asyncio.to_thread(function, *args, **kwargs)

    @api.get("/conversations")
    async def conversations(request: Request) -> HTTPResponse:
        try:
            conversation_filter, _ = parse_filter(query_lists(request))
            page_size = _page_size(request)
            page = await run(conversation_page, context, conversation_filter,
                             after=request.args.get("after"), before=request.args.get("before"),
                             page_size=page_size)
        except FilterError:
            return _error(400, "bad_filter", "A filter value is invalid: dates are YYYY-MM-DD.")
        except ValueError as problem:
            return _error(400, "bad_request", str(problem))
        return _json({
            "total": page.total,
            "next_cursor": page.next_cursor,
            "previous_cursor": page.previous_cursor,
            "items": page.items,
        })

    @api.get("/conversations/<conversation_id:str>")
    async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
        view = await run(transcript_view, context, conversation_id)
        if view is None:
            return _error(404, "not_found", "No conversation with this id.")
        view["corrections"] = list(view["corrections"].values())
        return _json(view)

    @api.get("/leads")
    async def leads(request: Request) -> HTTPResponse:
        try:
            lead_filter = LeadFilter(status=request.args.get("status") or None,
                                     kind=request.args.get("kind") or None)
            before = int(request.args["before"][0]) if "before" in request.args else None
            page_size = _page_size(request)
        except ValueError as problem:
            return _error(400, "bad_request", str(problem))
        page = await run(list_lead_page, context.engine, lead_filter, before_id=before,
                         page_size=page_size)
        return _json({"total": page.total, "next_before": page.next_before_id,
                      "items": page.items})

    @api.get("/leads/<reference:str>")
    async def lead(request: Request, reference: str) -> HTTPResponse:
        found = await run(lead_detail, context.engine, reference,
                          actor=identity(request).operator.email, reveal=True)
        if found is None:
            return _error(404, "not_found", "No lead with this reference.")
        return _json(found)

    @api.get("/stats")
    async def stats(request: Request) -> HTTPResponse:
        try:
            stats_filter = _stats_filter(request)
        except ValueError as problem:
            return _error(400, "bad_request", str(problem))
        await run(sync, context, max_batches=SYNC_BATCHES_PER_REQUEST)
        figures = await run(compute_stats, context.engine, stats_filter,
                            load_dashboard_texts(context.settings.project_root),
                            low_confidence_threshold=context.settings.low_confidence_threshold,
                            abandoned_after=context.settings.abandoned_after)
        if (request.args.get("format") or "json") == "csv":
            return response.text(stats_csv(figures), content_type="text/csv; charset=utf-8",
                                 headers={"Cache-Control": "no-store"})
        return _json(api_body(figures))

    @api.route("/<rest:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def unknown(request: Request, rest: str) -> HTTPResponse:
        return _error(404, "not_found", "No such API route.")

    return api


def _page_size(request: Request) -> int:
    raw = request.args.get("limit") or "50"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}")
    return int(raw)


def _stats_filter(request: Request) -> StatsFilter:
    """``from`` and ``to`` (exclusive) as YYYY-MM-DD, optional ``channel``, ``format``."""
    days = []
    for name in ("from", "to"):
        raw = (request.args.get(name) or "").strip()
        try:
            days.append(date.fromisoformat(raw))
        except ValueError:
            raise ValueError(f"'{name}' must be a date as YYYY-MM-DD") from None
    if (request.args.get("format") or "json") not in ("json", "csv"):
        raise ValueError("format must be json or csv")
    channel = (request.args.get("channel") or "").strip()
    if len(channel) > 64:
        raise ValueError("channel is at most 64 characters")
    return StatsFilter(days[0], days[1], channel=channel or None)


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status,
                         headers={"Cache-Control": "no-store"})


def _json(body: Any) -> HTTPResponse:
    return response.json(_plain(body), headers={"Cache-Control": "no-store"},
                         ensure_ascii=False)


def _plain(value: Any) -> Any:
    """Dataclasses, datetimes, tuples and sets as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        plain = {field.name: _plain(getattr(value, field.name))
                 for field in dataclasses.fields(value)}
        # Transcript entries carry their kind as a class attribute.
        kind = getattr(value, "kind", None)
        return {"kind": kind, **plain} if isinstance(kind, str) else plain
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value

"""The dashboard pages: the numbers of a period, their CSV export, and the missed
questions with a form to label each group (operators and admins alike)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select

from cyberbot.console.access import PREFIX, identity
from cyberbot.console.audit import record
from cyberbot.console.context import ConsoleContext
from cyberbot.console.conversation_queries import channels
from cyberbot.console.conversations_view import SYNC_BATCHES_PER_REQUEST, query_lists, sync
from cyberbot.console.dashboard_texts import load_dashboard_texts
from cyberbot.console.dashboard_view import (
    MISSED_ON_DASHBOARD,
    MISSED_ON_PAGE,
    PERIODS,
    DashboardQuery,
    DashboardQueryError,
    dashboard_view,
    local_today,
    model_name,
    parse_dashboard_query,
    read_stats,
)
from cyberbot.console.missed_review import MAX_KEYS, label_group, label_statuses
from cyberbot.console.models import conversations
from cyberbot.console.rendering import render
from cyberbot.console.stats import compute_missed, stats_csv
from cyberbot.model_gate.store import KnownModel, known_models

MAX_KEY_LENGTH = 200


def create_dashboard(context: ConsoleContext) -> Blueprint:
    pages = Blueprint("console_dashboard", url_prefix=PREFIX)

    def run(function: Any, *args: Any, **kwargs: Any) -> Any:
        return asyncio.to_thread(function, *args, **kwargs)

    def selection(values: dict[str, list[str]]) -> tuple[DashboardQuery, str | None]:
        today = local_today()
        try:
            return parse_dashboard_query(values, today), None
        except DashboardQueryError as problem:
            return parse_dashboard_query({}, today), str(problem)

    def known() -> dict[str, KnownModel]:
        return known_models(context.settings.project_root / context.settings.models_dir)

    async def choices() -> dict[str, Any]:
        names = known()
        return {
            "channels": await run(channels, context.engine),
            "models": [(model_id, model_name(model_id, names))
                       for model_id in await run(_models, context)],
            "periods": PERIODS,
        }

    @pages.get("/dashboard")
    async def dashboard(request: Request) -> HTTPResponse:
        query, error = selection(query_lists(request))
        await run(sync, context, max_batches=SYNC_BATCHES_PER_REQUEST)
        stats = await run(read_stats, context, query, MISSED_ON_DASHBOARD)
        return render(request, "dashboard.html", **dashboard_view(stats, query, known()),
                      **await choices(), error=error)

    @pages.get("/dashboard/export.csv")
    async def export(request: Request) -> HTTPResponse:
        query, error = selection(query_lists(request))
        if error is not None:
            return render(request, "message.html", status=400, heading="Geen export",
                          message=error, back=PREFIX + "/dashboard")
        stats = await run(read_stats, context, query, MISSED_ON_DASHBOARD)
        await run(record, context.engine, identity(request).operator.email, "export_stats",
                  detail=f"{query.start.isoformat()} t/m {query.last_day.isoformat()}")
        name = f"dashboard-{query.start.isoformat()}-{query.last_day.isoformat()}.csv"
        return response.text(
            stats_csv(stats), content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"',
                     "Cache-Control": "no-store"},
        )

    @pages.get("/dashboard/gemist")
    async def missed(request: Request) -> HTTPResponse:
        query, error = selection(query_lists(request))
        await run(sync, context, max_batches=SYNC_BATCHES_PER_REQUEST)
        texts = load_dashboard_texts(context.settings.project_root)
        groups = await run(compute_missed, context.engine, query.stats_filter(), texts,
                           MISSED_ON_PAGE)
        statuses = await run(label_statuses, context.engine, query.stats_filter(), groups)
        return render(
            request, "missed.html", query=query, groups=list(zip(groups, statuses, strict=True)),
            label_choices=context.labels().choices(), error=error,
            notice=_labelled_notice(request, context), query_args=query.args(),
            dashboard_link=PREFIX + "/dashboard?" + urlencode(query.args()),
            **await choices(),
        )

    @pages.post("/dashboard/gemist/label")
    async def label(request: Request) -> HTTPResponse:
        form = request.form
        chosen = form.get("label") or ""
        keys = [key[:MAX_KEY_LENGTH] for key in form.getlist("key") or [] if key]
        query, error = selection({name: form.getlist(name) for name in
                                  ("periode", "from", "to", "channel", "model")})
        labels = context.labels()
        if error is not None or not labels.is_valid(chosen) or not 0 < len(keys) <= MAX_KEYS:
            return render(request, "message.html", status=400, heading="Niet gelabeld",
                          message=error or "Kies een intentie of FAQ-onderwerp voor deze groep.",
                          back=PREFIX + "/dashboard/gemist?" + urlencode(query.args()))
        operator = identity(request).operator.email
        count = await run(label_group, context.engine, query.stats_filter(), keys, chosen,
                          operator=operator, labels=labels)
        await run(record, context.engine, operator, "correction", target="gemiste vragen",
                  detail=f"{count} berichten -> {chosen}")
        args = [*query.args(), ("gelabeld", str(count)), ("label", chosen)]
        return response.redirect(PREFIX + "/dashboard/gemist?" + urlencode(args))

    return pages


def _models(context: ConsoleContext) -> list[str]:
    """Every model that answered a conversation, for the filter's choices."""
    query = (select(conversations.c.model_id).where(conversations.c.model_id.is_not(None))
             .distinct().order_by(conversations.c.model_id))
    with context.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _labelled_notice(request: Request, context: ConsoleContext) -> str | None:
    count, chosen = request.args.get("gelabeld") or "", request.args.get("label") or ""
    if not count.isdigit() or not context.labels().is_valid(chosen):
        return None
    return (f"{count} bericht{'en' if count != '1' else ''} gelabeld als {chosen}. "
            "Onder Training exporteert u ze als trainingsdata.")

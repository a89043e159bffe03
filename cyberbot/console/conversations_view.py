"""Conversations as the pages and the API show them: the filter read from a query string,
the list kept in step with Rasa's tracker store, and one conversation's transcript."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sanic.request import Request

from cyberbot.console.context import ConsoleContext
from cyberbot.console.conversation_queries import (
    ConversationFilter,
    ConversationPage,
    get_summary,
    list_conversations,
)
from cyberbot.console.corrections import corrections_for
from cyberbot.console.indexer import sync_conversations
from cyberbot.console.leads_view import leads_of_conversation
from cyberbot.console.outcomes import OUTCOME_TAGS
from cyberbot.console.reviews import get_review
from cyberbot.console.transcript import build_transcript
from cyberbot.tracker_events import load_events

MAX_SEARCH = 200
# A page request indexes at most this many new tracker events itself; the background
# sync catches up with the rest, so that a burst of traffic never slows a page down.
SYNC_BATCHES_PER_REQUEST = 2


class FilterError(ValueError):
    """A filter value in the query string that cannot be used; the message is Dutch."""


def query_lists(request: Request) -> dict[str, list[str]]:
    """Every query argument with all its values (Sanic's ``args.get`` gives the first)."""
    return {name: request.args.getlist(name) for name in request.args}


def parse_filter(args: Mapping[str, Sequence[str]]) -> tuple[ConversationFilter, dict[str, Any]]:
    """The filter from query arguments (``q``, ``channel``, ``tag``, ``reviewed``, ``from``,
    ``to``) and the values to show in the filter form again."""

    def first(name: str) -> str:
        values = args.get(name) or [""]
        return values[0].strip()

    tags = tuple(tag for tag in OUTCOME_TAGS if tag in set(args.get("tag") or ()))
    search, channel = first("q")[:MAX_SEARCH], first("channel")[:64]
    raw_from, raw_to, raw_reviewed = first("from"), first("to"), first("reviewed")
    form: dict[str, Any] = {
        "q": search,
        "channel": channel,
        "from": raw_from,
        "to": raw_to,
        "reviewed": raw_reviewed,
        "tags": tags,
    }
    started_from = _date(raw_from, "vanaf")
    started_to = _date(raw_to, "tot en met")
    if started_from and started_to and started_from > started_to:
        raise FilterError("De begindatum ligt na de einddatum.")
    conversation_filter = ConversationFilter(
        channel=channel or None,
        tags=frozenset(tags),
        reviewed={"ja": True, "nee": False}.get(raw_reviewed),
        started_from=started_from,
        started_to=started_to,
        search=search,
    )
    return conversation_filter, form


def conversation_page(
    context: ConsoleContext,
    conversation_filter: ConversationFilter,
    *,
    after: str | None = None,
    before: str | None = None,
    page_size: int = 50,
) -> ConversationPage:
    """One page of the list, after indexing what is new in the tracker store."""
    sync(context, max_batches=SYNC_BATCHES_PER_REQUEST)
    return list_conversations(
        context.engine,
        conversation_filter,
        page_size=page_size,
        after=after,
        before=before,
        low_confidence_threshold=context.settings.low_confidence_threshold,
        abandoned_after=context.settings.abandoned_after,
    )


def sync(context: ConsoleContext, max_batches: int | None = None) -> int:
    tracker = context.tracker()
    if tracker is None:
        return 0
    return sync_conversations(tracker, context.engine, max_batches=max_batches)


def transcript_view(context: ConsoleContext, conversation_id: str) -> dict[str, Any] | None:
    """Everything the transcript page shows, or None when the conversation is unknown."""
    tracker = context.tracker()
    events = load_events(tracker, conversation_id) if tracker is not None else []
    if not events:
        return None
    sync(context, max_batches=SYNC_BATCHES_PER_REQUEST)
    return {
        "conversation_id": conversation_id,
        "summary": get_summary(
            context.engine,
            conversation_id,
            low_confidence_threshold=context.settings.low_confidence_threshold,
            abandoned_after=context.settings.abandoned_after,
        ),
        "entries": build_transcript(events),
        "review": get_review(context.engine, conversation_id),
        "corrections": corrections_for(context.engine, conversation_id),
        "leads": leads_of_conversation(context.engine, conversation_id),
    }


def user_message(
    context: ConsoleContext, conversation_id: str, event_id: int
) -> dict[str, Any] | None:
    """The user message ``event_id`` of the conversation, with what the bot understood."""
    tracker = context.tracker()
    if tracker is None:
        return None
    for entry in build_transcript(load_events(tracker, conversation_id)):
        if entry.kind == "user" and entry.event_id == event_id:
            return {
                "text": entry.text,
                "predicted": entry.faq_key or entry.intent,
                "confidence": entry.faq_confidence if entry.faq_key else entry.confidence,
            }
    return None


def _date(raw: str, which: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(f"De datum '{which}' is ongeldig; gebruik jjjj-mm-dd.") from None

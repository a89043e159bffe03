"""Reading the conversation index for the list page and the JSON API.

Pages are found by keyset paging on (last_activity, conversation_id), newest first,
which the index ``ix_console_conversations_activity`` serves at any depth. The cursors
are opaque to clients: urlsafe base64 of a small JSON object with the row's key.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.expression import Join

from cyberbot.console.models import conversations, reviews
from cyberbot.console.outcomes import (
    OUTCOME_TAGS,
    ConversationSummary,
    normalise_for_search,
    outcome_conditions,
)

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
_LIKE_ESCAPE = "\\"
_SUMMARY_FIELDS = tuple(field.name for field in fields(ConversationSummary))
# The paging key, served by the index ix_console_conversations_activity.
_NEWEST_FIRST = (conversations.c.last_activity.desc(), conversations.c.conversation_id.desc())
_OLDEST_FIRST = (conversations.c.last_activity.asc(), conversations.c.conversation_id.asc())


@dataclass(frozen=True)
class ConversationFilter:
    """What the operator filters on; the defaults select everything."""

    channel: str | None = None
    # Keys of OUTCOME_TAGS; a conversation must have all of them.
    tags: frozenset[str] = frozenset()
    # True: only reviewed conversations; False: only those not reviewed yet.
    reviewed: bool | None = None
    # Calendar days in Dutch time, both inclusive, on the start of the conversation.
    started_from: date | None = None
    started_to: date | None = None
    # Words that must all occur in the visitor's messages (accents and case ignored).
    search: str = ""


@dataclass(frozen=True)
class ConversationItem(ConversationSummary):
    """A row of the list: the stored summary plus what is decided when reading."""

    # Keys of OUTCOME_TAGS, in its order.
    tags: tuple[str, ...]
    reviewed: bool


@dataclass(frozen=True)
class ConversationPage:
    items: tuple[ConversationItem, ...]
    # Cursor of the older page after this one, None on the last page.
    next_cursor: str | None
    # Cursor of the newer page before this one, None on the first page.
    previous_cursor: str | None
    # Conversations that match the filter, on all pages.
    total: int


def list_conversations(
    engine: Engine,
    filter: ConversationFilter,
    *,
    page_size: int = 50,
    after: str | None = None,
    before: str | None = None,
    low_confidence_threshold: float,
    abandoned_after: timedelta,
    now: datetime | None = None,
) -> ConversationPage:
    """One page of conversations matching ``filter``, newest activity first.

    ``after`` is the ``next_cursor`` of the page shown (for the older page after it),
    ``before`` its ``previous_cursor`` (for the newer page before it). Raises ValueError
    for a malformed cursor or an unknown tag.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    if after is not None and before is not None:
        raise ValueError("give either an 'after' or a 'before' cursor, not both")
    tags = _tag_conditions(low_confidence_threshold, abandoned_after, now)
    conditions = _conditions(filter, tags)
    with engine.connect() as connection:
        if before is None:
            rows, has_older, has_newer = _page_after(connection, tags, conditions, after,
                                                     page_size)
        else:
            rows, has_older, has_newer = _page_before(connection, tags, conditions, before,
                                                      page_size)
        total = connection.execute(
            select(func.count()).select_from(_joined()).where(*conditions)
        ).scalar_one()
    items = tuple(_item(row._mapping) for row in rows)
    return ConversationPage(
        items=items,
        next_cursor=encode_cursor(items[-1]) if has_older else None,
        previous_cursor=encode_cursor(items[0]) if has_newer else None,
        total=int(total),
    )


def channels(engine: Engine) -> list[str]:
    """The channels conversations came in on, for the filter's choices."""
    query = (
        select(conversations.c.channel)
        .where(conversations.c.channel.is_not(None))
        .distinct()
        .order_by(conversations.c.channel)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def get_summary(
    engine: Engine,
    conversation_id: str,
    *,
    low_confidence_threshold: float,
    abandoned_after: timedelta,
    now: datetime | None = None,
) -> ConversationItem | None:
    """One conversation as the list shows it; None if it is not (yet) indexed."""
    tags = _tag_conditions(low_confidence_threshold, abandoned_after, now)
    query = _base_query(tags).where(conversations.c.conversation_id == conversation_id)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return _item(row) if row is not None else None


def _tag_conditions(
    low_confidence_threshold: float, abandoned_after: timedelta, now: datetime | None
) -> dict[str, ColumnElement[bool]]:
    """The condition of each tag (cyberbot.console.outcomes), in OUTCOME_TAGS order."""
    cutoff = (now or datetime.now(timezone.utc)) - abandoned_after
    every = outcome_conditions(low_confidence_threshold, cutoff)
    return {tag: every[tag] for tag in OUTCOME_TAGS}


def encode_cursor(item: ConversationSummary) -> str:
    """The opaque cursor of a row: its paging key."""
    payload = {"t": item.last_activity.isoformat(), "id": item.conversation_id}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The paging key in a cursor; ValueError if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        moment = datetime.fromisoformat(payload["t"])
        conversation_id = payload["id"]
    except (binascii.Error, ValueError, TypeError, KeyError) as error:
        raise ValueError("malformed page cursor") from error
    if not isinstance(conversation_id, str) or moment.tzinfo is None or len(payload) != 2:
        raise ValueError("malformed page cursor")
    return moment, conversation_id


def _page_after(
    connection: Connection,
    tags: Mapping[str, ColumnElement[bool]],
    conditions: list[ColumnElement],
    after: str | None,
    size: int,
) -> tuple[list[Row], bool, bool]:
    """The page after the cursor (the first page without one), newest first; and whether
    older and newer rows exist beyond it."""
    query = _base_query(tags).where(*conditions)
    if after is not None:
        query = query.where(_older_than(decode_cursor(after)))
    rows = connection.execute(query.order_by(*_NEWEST_FIRST).limit(size + 1)).all()
    has_newer = (
        after is not None
        and len(rows) > 0
        and _exists(connection, conditions, _newer_than(_row_key(rows[0])))
    )
    return rows[:size], len(rows) > size, has_newer


def _page_before(
    connection: Connection,
    tags: Mapping[str, ColumnElement[bool]],
    conditions: list[ColumnElement],
    before: str,
    size: int,
) -> tuple[list[Row], bool, bool]:
    """The page before the cursor, read oldest first and returned newest first; and
    whether older and newer rows exist beyond it."""
    query = _base_query(tags).where(*conditions, _newer_than(decode_cursor(before)))
    rows = connection.execute(query.order_by(*_OLDEST_FIRST).limit(size + 1)).all()
    page = rows[:size][::-1]
    has_older = len(page) > 0 and _exists(connection, conditions, _older_than(_row_key(page[-1])))
    return page, has_older, len(rows) > size


def _base_query(tags: Mapping[str, ColumnElement[bool]]) -> Select:
    """The rows with whether each tag holds (``tag_<key>``: 1 or 0) and the review."""
    held = [case((condition, 1), else_=0).label(f"tag_{tag}") for tag, condition in tags.items()]
    return select(conversations, reviews.c.reviewed_at, *held).select_from(_joined())


def _joined() -> Join:
    return conversations.outerjoin(
        reviews, reviews.c.conversation_id == conversations.c.conversation_id
    )


def _conditions(
    filter: ConversationFilter, tags: Mapping[str, ColumnElement[bool]]
) -> list[ColumnElement]:
    unknown = filter.tags - OUTCOME_TAGS.keys()
    if unknown:
        raise ValueError(f"unknown tags: {', '.join(sorted(unknown))}")
    c = conversations.c
    conditions = [tags[tag] for tag in OUTCOME_TAGS if tag in filter.tags]
    if filter.channel is not None:
        conditions.append(c.channel == filter.channel)
    if filter.reviewed is True:
        conditions.append(reviews.c.reviewed_at.is_not(None))
    elif filter.reviewed is False:
        conditions.append(reviews.c.reviewed_at.is_(None))
    if filter.started_from is not None:
        conditions.append(c.started_at >= _local_midnight(filter.started_from))
    if filter.started_to is not None:
        conditions.append(c.started_at < _local_midnight(filter.started_to + timedelta(days=1)))
    for term in normalise_for_search(filter.search).split():
        pattern = "%" + _escape_like(term) + "%"
        conditions.append(c.search_text.like(pattern, escape=_LIKE_ESCAPE))
    return conditions


def _item(row: Mapping[str, Any]) -> ConversationItem:
    summary = ConversationSummary(**{name: row[name] for name in _SUMMARY_FIELDS})
    return ConversationItem(
        **asdict(summary),
        tags=tuple(tag for tag in OUTCOME_TAGS if row[f"tag_{tag}"]),
        reviewed=row["reviewed_at"] is not None,
    )


def _older_than(key: tuple[datetime, str]) -> ColumnElement:
    """Rows after ``key`` in newest-first order; the first term bounds the index range."""
    moment, conversation_id = key
    c = conversations.c
    return and_(
        c.last_activity <= moment,
        or_(c.last_activity < moment, c.conversation_id < conversation_id),
    )


def _newer_than(key: tuple[datetime, str]) -> ColumnElement:
    moment, conversation_id = key
    c = conversations.c
    return and_(
        c.last_activity >= moment,
        or_(c.last_activity > moment, c.conversation_id > conversation_id),
    )


def _row_key(row: Row) -> tuple[datetime, str]:
    return row.last_activity, row.conversation_id


def _exists(connection: Connection, conditions: list[ColumnElement], beyond: ColumnElement) -> bool:
    query = select(conversations.c.conversation_id).select_from(_joined())
    return connection.execute(query.where(*conditions, beyond).limit(1)).first() is not None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_ZONE)


def _escape_like(value: str) -> str:
    for special in (_LIKE_ESCAPE, "%", "_"):
        value = value.replace(special, _LIKE_ESCAPE + special)
    return value

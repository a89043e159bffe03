"""An operator's review of a conversation: reviewed or not, free labels, an internal note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from cyberbot.console.audit import record
from cyberbot.console.models import reviews

MAX_TAGS = 20
MAX_TAG_LENGTH = 40
MAX_NOTE_LENGTH = 5000


@dataclass(frozen=True)
class Review:
    conversation_id: str
    reviewed_at: datetime | None
    reviewed_by: str | None
    tags: tuple[str, ...]
    note: str | None


def parse_tags(raw: str) -> tuple[str, ...]:
    """"Prijs, ,  offerte,prijs" -> ("prijs", "offerte"): trimmed, lower-case, unique, in order."""
    seen: dict[str, None] = {}
    for part in raw.split(","):
        tag = " ".join(part.split()).lower()[:MAX_TAG_LENGTH]
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)[:MAX_TAGS]


def get_review(engine: Engine, conversation_id: str) -> Review | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(reviews).where(reviews.c.conversation_id == conversation_id)
        ).mappings().first()
    if row is None:
        return None
    return Review(
        conversation_id=row["conversation_id"],
        reviewed_at=row["reviewed_at"],
        reviewed_by=row["reviewed_by"],
        tags=tuple(row["tags"] or ()),
        note=row["note"],
    )


def save_review(
    engine: Engine,
    conversation_id: str,
    *,
    reviewed: bool,
    tags: tuple[str, ...],
    note: str,
    operator: str,
    now: datetime | None = None,
) -> Review:
    """Store the review; the reviewer and time change only when "reviewed" is newly set."""
    now = now or datetime.now(timezone.utc)
    stored_note = note.strip()[:MAX_NOTE_LENGTH] or None
    previous = get_review(engine, conversation_id)
    if reviewed:
        already = previous is not None and previous.reviewed_at is not None
        reviewed_at = previous.reviewed_at if already and previous else now
        reviewed_by = previous.reviewed_by if already and previous else operator
    else:
        reviewed_at, reviewed_by = None, None
    values = {
        "reviewed_at": reviewed_at,
        "reviewed_by": reviewed_by,
        "tags": list(tags),
        "note": stored_note,
        "updated_at": now,
    }
    with engine.begin() as connection:
        if previous is None:
            connection.execute(insert(reviews).values(conversation_id=conversation_id, **values))
        else:
            connection.execute(
                update(reviews).where(reviews.c.conversation_id == conversation_id).values(**values)
            )
        record(connection, operator, "review", target=conversation_id,
               detail="beoordeeld" if reviewed else "niet beoordeeld")
    return Review(conversation_id, reviewed_at, reviewed_by, tags, stored_note)

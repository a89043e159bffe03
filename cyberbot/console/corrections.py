"""Operators' corrections of how the assistant understood a user message.

One correction per message (conversation id and tracker event id): correcting a message
again replaces the earlier correction, whoever made it. The rows hold visitor text, so
nothing here logs, and error messages never quote the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from cyberbot.console.labels import Labels
from cyberbot.console.models import corrections


class UnknownLabelError(ValueError):
    """The chosen label is not an intent, FAQ key or out of scope; the message is Dutch."""


@dataclass(frozen=True)
class Correction:
    id: int
    conversation_id: str
    # The id of the user event in Rasa's tracker store.
    event_id: int
    text: str
    predicted: str | None
    predicted_confidence: float | None
    corrected: str
    operator: str
    created_at: datetime


def record_correction(
    engine: Engine,
    *,
    conversation_id: str,
    event_id: int,
    text: str,
    predicted: str | None,
    predicted_confidence: float | None,
    corrected: str,
    operator: str,
    labels: Labels,
    now: datetime | None = None,
) -> Correction:
    """Store the correction of one message, replacing an earlier one of the same message."""
    if not labels.is_valid(corrected):
        raise UnknownLabelError(
            f"Onbekend label {corrected!r}: kies een intentie, een FAQ-onderwerp of "
            "'buiten het onderwerp'."
        )
    values = {
        "conversation_id": conversation_id,
        "event_id": event_id,
        "text": text,
        "predicted": predicted,
        "predicted_confidence": predicted_confidence,
        "corrected": corrected,
        "operator": operator,
        "created_at": now or datetime.now(timezone.utc),
    }
    with engine.begin() as connection:
        _upsert(connection, values)
        row = (
            connection.execute(
                select(corrections).where(
                    corrections.c.conversation_id == conversation_id,
                    corrections.c.event_id == event_id,
                )
            )
            .mappings()
            .one()
        )
    return _correction(row)


def corrections_for(engine: Engine, conversation_id: str) -> dict[int, Correction]:
    """The corrections of one conversation by event id."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(corrections).where(corrections.c.conversation_id == conversation_id)
        ).mappings()
        return {row["event_id"]: _correction(row) for row in rows}


def all_corrections(engine: Engine) -> list[Correction]:
    """Every correction, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(corrections).order_by(corrections.c.created_at, corrections.c.id)
        ).mappings()
        return [_correction(row) for row in rows]


def delete_correction(engine: Engine, conversation_id: str, event_id: int) -> bool:
    """Remove the correction of one message; False when there was none."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(corrections).where(
                corrections.c.conversation_id == conversation_id,
                corrections.c.event_id == event_id,
            )
        )
    return bool(result.rowcount)


def count_corrections(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(corrections)).scalar_one())


def _upsert(connection: Connection, values: dict[str, Any]) -> None:
    """Insert, or overwrite the row of the same message, in one statement.

    A single INSERT ... ON CONFLICT leaves no window between a check and the write in
    which a second console process could insert the same message.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(corrections)
    elif dialect == "sqlite":
        statement = sqlite.insert(corrections)
    else:
        raise ValueError(f"corrections need SQLite or PostgreSQL, not {dialect}")
    statement = statement.values(values)
    replaced = {
        name: statement.excluded[name]
        for name in values
        if name not in ("conversation_id", "event_id")
    }
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[corrections.c.conversation_id, corrections.c.event_id],
            set_=replaced,
        )
    )


def _correction(row: Mapping[str, Any]) -> Correction:
    return Correction(
        id=row["id"],
        conversation_id=row["conversation_id"],
        event_id=row["event_id"],
        text=row["text"],
        predicted=row["predicted"],
        predicted_confidence=row["predicted_confidence"],
        corrected=row["corrected"],
        operator=row["operator"],
        created_at=row["created_at"],
    )

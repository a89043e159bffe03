"""Labelling a group of missed messages at once: one correction per message, the same
corrections the transcript page records, so that ``cyberbot review export`` takes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql.expression import Join

from cyberbot.console.corrections import record_correction
from cyberbot.console.labels import Labels
from cyberbot.console.models import conversations, corrections, missed_messages
from cyberbot.console.stats import MissedFigures, StatsFilter, period_conditions

# A group's messages labelled in one go, newest first; a larger group is labelled again.
MAX_LABELLED_AT_ONCE = 1000
MAX_KEYS = 100


@dataclass(frozen=True)
class LabelStatus:
    # Messages of the group in the period that have a correction, and the label they
    # got (None when none or several).
    labelled: int
    label: str | None


def label_group(
    engine: Engine,
    stats_filter: StatsFilter,
    keys: Sequence[str],
    label: str,
    *,
    operator: str,
    labels: Labels,
) -> int:
    """Correct every missed message of the period whose normalised text is in ``keys``
    to ``label``; returns how many were labelled."""
    if not keys or len(keys) > MAX_KEYS:
        raise ValueError(f"give 1 to {MAX_KEYS} message keys")
    m = missed_messages.c
    query = (
        select(m.conversation_id, m.event_id, m.text, m.intent, m.confidence)
        .select_from(_joined())
        .where(*period_conditions(stats_filter), m.normalised.in_(list(keys)))
        .order_by(m.event_id.desc())
        .limit(MAX_LABELLED_AT_ONCE)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    for row in rows:
        record_correction(
            engine, conversation_id=row.conversation_id, event_id=row.event_id, text=row.text,
            predicted=row.intent, predicted_confidence=row.confidence, corrected=label,
            operator=operator, labels=labels,
        )
    return len(rows)


def label_statuses(
    engine: Engine, stats_filter: StatsFilter, groups: Sequence[MissedFigures]
) -> list[LabelStatus]:
    """How far each group has been labelled, in the order of ``groups``."""
    keys = [key for group in groups for key in group.keys]
    if not keys:
        return [LabelStatus(0, None) for _ in groups]
    m, c = missed_messages.c, corrections.c
    query = (
        select(m.normalised, c.corrected, func.count())
        .select_from(_joined().join(
            corrections, and_(c.conversation_id == m.conversation_id, c.event_id == m.event_id)))
        .where(*period_conditions(stats_filter), m.normalised.in_(keys))
        .group_by(m.normalised, c.corrected)
    )
    with engine.connect() as connection:
        found = connection.execute(query).all()
    statuses = []
    for group in groups:
        mine = [(label, int(count)) for key, label, count in found if key in group.keys]
        names = {label for label, _ in mine}
        statuses.append(LabelStatus(sum(count for _, count in mine),
                                    names.pop() if len(names) == 1 else None))
    return statuses


def _joined() -> Join:
    return conversations.join(
        missed_messages, missed_messages.c.conversation_id == conversations.c.conversation_id
    )

"""The audit log: who did what in the console, and when.

A target names what an action was about: a lead reference, a conversation id or an
operator's e-mail address, never a visitor's contact detail. A conversation id can be a
phone number (WhatsApp), so erasing a conversation replaces it in the log with the
erasure's random pseudonym (cyberbot.privacy.forget).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from cyberbot.console.models import audit_log

# Action key -> what the console shows for it.
AUDIT_ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "login": "Ingelogd",
        "login_failed": "Mislukte inlogpoging",
        "logout": "Uitgelogd",
        "view_lead": "Contactgegevens van lead bekeken",
        "export_leads": "Leads geëxporteerd",
        "export_review": "Correcties geëxporteerd",
        "export_stats": "Dashboardcijfers geëxporteerd",
        "lead_status": "Status van lead gewijzigd",
        "forget": "Gegevens gewist",
        "operator_added": "Operator toegevoegd",
        "operator_changed": "Operator gewijzigd",
        "token_created": "API-token aangemaakt",
        "correction": "Intentie gecorrigeerd",
        "review": "Gesprek beoordeeld",
        "handoff_claimed": "Live gesprek overgenomen",
        "handoff_released": "Live gesprek teruggegeven aan de assistent",
        "handoff_withdrawn": "Live-aanvraag ingetrokken (niemand nam op tijd over)",
    }
)
_MAX_NAME_LENGTH = 320


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    detail: str | None

    @property
    def label(self) -> str:
        """The action in Dutch."""
        return AUDIT_ACTIONS.get(self.action, self.action)


def record(
    bind: Engine | Connection,
    actor: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    """Add an entry; given a Connection, it is part of that connection's transaction.

    ``actor`` is an operator's e-mail address or "cli".
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if len(actor) > _MAX_NAME_LENGTH or (target is not None and len(target) > _MAX_NAME_LENGTH):
        raise ValueError(f"audit actor and target are limited to {_MAX_NAME_LENGTH} characters")
    statement = insert(audit_log).values(
        at=now or datetime.now(timezone.utc),
        actor=actor,
        action=action,
        target=target,
        detail=detail,
    )
    if isinstance(bind, Connection):
        bind.execute(statement)
        return
    with bind.begin() as connection:
        connection.execute(statement)


def recent_entries(
    engine: Engine, limit: int = 100, before_id: int | None = None
) -> list[AuditEntry]:
    """The newest entries first; pass the last id shown as ``before_id`` for the next page."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(max(1, limit))
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        AuditEntry(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            detail=row.detail,
        )
        for row in rows
    ]

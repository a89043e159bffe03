"""The audit log: entries on their own or in the caller's transaction, newest first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from cyberbot.console.audit import AUDIT_ACTIONS, AuditEntry, recent_entries, record
from cyberbot.console.models import audit_log

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def test_every_action_has_a_dutch_label() -> None:
    assert AUDIT_ACTIONS["login"] == "Ingelogd"
    assert AUDIT_ACTIONS["export_leads"] == "Leads geëxporteerd"
    assert set(AUDIT_ACTIONS) == {
        "login",
        "login_failed",
        "logout",
        "view_lead",
        "export_leads",
        "export_review",
        "export_stats",
        "lead_status",
        "forget",
        "operator_added",
        "operator_changed",
        "token_created",
        "correction",
        "review",
        "handoff_claimed",
        "handoff_released",
        "handoff_withdrawn",
    }
    assert all(len(action) <= audit_log.c.action.type.length for action in AUDIT_ACTIONS)
    with pytest.raises(TypeError):
        AUDIT_ACTIONS["new"] = "Nieuw"  # type: ignore[index]


def test_an_entry_is_stored_with_its_label(console_engine: Engine) -> None:
    record(console_engine, "ans@example.nl", "view_lead", target="CV-2025-000001", now=NOW)
    [entry] = recent_entries(console_engine)
    assert entry == AuditEntry(
        id=entry.id,
        at=NOW,
        actor="ans@example.nl",
        action="view_lead",
        target="CV-2025-000001",
        detail=None,
    )
    assert entry.label == "Contactgegevens van lead bekeken"


def test_an_entry_joins_the_callers_transaction(console_engine: Engine) -> None:
    with console_engine.begin() as connection:
        record(connection, "cli", "forget", target="conv-1", detail="1 lead", now=NOW)
        assert connection.execute(select(audit_log.c.target)).scalars().all() == ["conv-1"]
    with pytest.raises(RuntimeError), console_engine.begin() as connection:
        record(connection, "cli", "forget", target="conv-2", now=NOW)
        raise RuntimeError("the change failed")
    assert [entry.target for entry in recent_entries(console_engine)] == ["conv-1"]


def test_unknown_actions_and_long_names_are_refused(console_engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        record(console_engine, "cli", "dance")
    with pytest.raises(ValueError, match="320"):
        record(console_engine, "x" * 321, "login")
    with pytest.raises(ValueError, match="320"):
        record(console_engine, "cli", "forget", target="x" * 321)
    assert recent_entries(console_engine) == []


def test_entries_are_paged_newest_first(console_engine: Engine) -> None:
    for minute in range(5):
        record(
            console_engine,
            "ans@example.nl",
            "review",
            target=f"conv-{minute}",
            now=NOW + timedelta(minutes=minute),
        )
    first = recent_entries(console_engine, limit=2)
    assert [entry.target for entry in first] == ["conv-4", "conv-3"]
    second = recent_entries(console_engine, limit=2, before_id=first[-1].id)
    assert [entry.target for entry in second] == ["conv-2", "conv-1"]
    last = recent_entries(console_engine, limit=2, before_id=second[-1].id)
    assert [entry.target for entry in last] == ["conv-0"]
    assert recent_entries(console_engine, before_id=last[-1].id) == []
    assert len(recent_entries(console_engine)) == 5

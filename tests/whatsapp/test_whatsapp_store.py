"""The WhatsApp inbox, window and statuses on SQLite and PostgreSQL, with several processes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from cyberbot.channels.whatsapp.store import (
    attempts,
    claim,
    conversations,
    forget_conversations,
    get_whatsapp_engine,
    inbox,
    last_inbound,
    mark_done,
    mark_failed,
    pending_ids,
    record_inbound,
    record_status,
    statuses,
    within_window,
)
from cyberbot.db.engine import create_database_engine, open_engine
from tests.postgres_support import fresh_postgres_database

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=timezone.utc)
JAN = "31612345678"
PIET = "32470123456"


def payload(text: str = "Wat kost een cyberverzekering?") -> dict[str, Any]:
    return {"kind": "text", "text": text, "sender": JAN}


def inbox_row(engine: Engine, message_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(select(inbox).where(inbox.c.message_id == message_id)).one()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'leads.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture()
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


def test_a_message_id_is_recorded_once(engine: Engine) -> None:
    assert record_inbound(engine, "wamid.1", JAN, NOW, payload())
    assert not record_inbound(engine, "wamid.1", JAN, NOW, payload("overschreven?"))

    row = inbox_row(engine, "wamid.1")
    assert (row.conversation_id, row.status, row.attempts) == (JAN, "pending", 0)
    assert row.payload == payload()
    assert row.received_at == NOW


def test_the_same_id_from_several_processes_is_accepted_once(database_url: str) -> None:
    """Each engine stands for a replica; all deliver the same ids at the same moment."""
    engines = [create_database_engine(database_url) for _ in range(4)]
    ids = [f"wamid.race-{n}" for n in range(15)]
    start = threading.Barrier(len(engines))
    accepted: list[str] = []
    lock = threading.Lock()

    def deliver(engine: Engine) -> None:
        start.wait()
        for message_id in ids:
            if record_inbound(engine, message_id, JAN, NOW, payload()):
                with lock:
                    accepted.append(message_id)

    threads = [threading.Thread(target=deliver, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in engines:
        engine.dispose()

    assert sorted(accepted) == sorted(ids)


def test_only_one_owner_holds_a_message_until_its_lease_runs_out(engine: Engine) -> None:
    record_inbound(engine, "wamid.1", JAN, NOW, payload())

    assert claim(engine, "wamid.1", "replica-a", now=NOW) == payload()
    assert claim(engine, "wamid.1", "replica-b", now=NOW + timedelta(minutes=1)) is None
    # The owner may take it up again while it holds the lease.
    assert claim(engine, "wamid.1", "replica-a", now=NOW + timedelta(minutes=1)) == payload()
    later = NOW + timedelta(minutes=4)
    assert claim(engine, "wamid.1", "replica-b", now=later) == payload()
    assert claim(engine, "wamid.1", "replica-a", now=later) is None

    assert attempts(engine, "wamid.1") == 3
    assert inbox_row(engine, "wamid.1").lease_owner == "replica-b"
    assert claim(engine, "wamid.unknown", "replica-a") is None
    assert attempts(engine, "wamid.unknown") == 0


def test_a_handled_message_keeps_no_text_and_cannot_be_claimed(engine: Engine) -> None:
    record_inbound(engine, "wamid.done", JAN, NOW, payload())
    record_inbound(engine, "wamid.failed", JAN, NOW, payload())
    claim(engine, "wamid.done", "replica-a")
    claim(engine, "wamid.failed", "replica-a")

    mark_done(engine, "wamid.done")
    mark_failed(engine, "wamid.failed", "handling failed (RuntimeError)")

    done, failed = inbox_row(engine, "wamid.done"), inbox_row(engine, "wamid.failed")
    assert (done.status, done.payload, done.lease_owner) == ("done", None, None)
    assert (failed.status, failed.payload, failed.last_error) == (
        "failed",
        None,
        "handling failed (RuntimeError)",
    )
    for message_id in ("wamid.done", "wamid.failed"):
        assert claim(engine, message_id, "replica-b", now=NOW + timedelta(hours=1)) is None
    assert not record_inbound(engine, "wamid.done", JAN, NOW, payload())


def test_recovery_lists_old_pending_messages_that_nobody_holds(engine: Engine) -> None:
    record_inbound(engine, "wamid.old", JAN, NOW - timedelta(minutes=10), payload())
    record_inbound(engine, "wamid.older", PIET, NOW - timedelta(minutes=20), payload())
    record_inbound(engine, "wamid.fresh", JAN, NOW - timedelta(seconds=30), payload())
    record_inbound(engine, "wamid.held", JAN, NOW - timedelta(minutes=10), payload())
    record_inbound(engine, "wamid.expired", JAN, NOW - timedelta(minutes=10), payload())
    record_inbound(engine, "wamid.done", JAN, NOW - timedelta(minutes=10), payload())
    claim(engine, "wamid.held", "replica-a", now=NOW - timedelta(minutes=1))
    claim(engine, "wamid.expired", "replica-a", now=NOW - timedelta(minutes=5))
    mark_done(engine, "wamid.done")

    assert pending_ids(engine, timedelta(minutes=2), now=NOW) == [
        "wamid.older",
        "wamid.expired",
        "wamid.old",
    ]


def test_the_window_only_moves_forward(engine: Engine) -> None:
    assert last_inbound(engine, JAN) is None
    assert not within_window(engine, JAN, now=NOW)

    record_inbound(engine, "wamid.2", JAN, NOW - timedelta(hours=1), payload())
    record_inbound(engine, "wamid.1", JAN, NOW - timedelta(hours=30), payload())  # late
    assert last_inbound(engine, JAN) == NOW - timedelta(hours=1)

    assert within_window(engine, JAN, now=NOW)
    assert within_window(engine, JAN, now=NOW + timedelta(hours=22, minutes=59))
    assert not within_window(engine, JAN, now=NOW + timedelta(hours=23))
    assert within_window(engine, JAN, now=NOW + timedelta(hours=23), window=timedelta(days=2))
    assert not within_window(engine, PIET, now=NOW)

    record_inbound(engine, "wamid.3", JAN, NOW + timedelta(hours=30), payload())
    assert within_window(engine, JAN, now=NOW + timedelta(hours=31))


def test_statuses_are_kept_in_any_order(engine: Engine) -> None:
    record_status(engine, "wamid.out", "read", NOW + timedelta(seconds=9))
    record_status(engine, "wamid.out", "delivered", NOW + timedelta(seconds=5))
    record_status(
        engine,
        "wamid.lost",
        "failed",
        NOW,
        error_code=131026,
        error_title="Message undeliverable",
    )
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                statuses.c.message_id,
                statuses.c.status,
                statuses.c.at,
                statuses.c.error_code,
                statuses.c.error_title,
            ).order_by(statuses.c.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("wamid.out", "read", NOW + timedelta(seconds=9), None, None),
        ("wamid.out", "delivered", NOW + timedelta(seconds=5), None, None),
        ("wamid.lost", "failed", NOW, 131026, "Message undeliverable"),
    ]


def test_forgetting_removes_only_the_given_conversations(engine: Engine) -> None:
    record_inbound(engine, "wamid.jan-1", JAN, NOW, payload())
    record_inbound(engine, "wamid.jan-2", JAN, NOW, payload())
    record_inbound(engine, "wamid.piet", PIET, NOW, payload())

    assert forget_conversations(engine, {JAN}) == 2 + 1  # two messages, one window
    assert forget_conversations(engine, set()) == 0
    with engine.begin() as connection:
        assert forget_conversations(connection, [JAN, "31600000000"]) == 0

    with engine.connect() as connection:
        assert connection.execute(select(inbox.c.message_id)).scalars().all() == ["wamid.piet"]
        assert connection.execute(select(conversations.c.conversation_id)).scalars().all() == [PIET]
    assert last_inbound(engine, JAN) is None


def test_forgetting_on_a_database_the_channel_never_used_migrates_it(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    assert forget_conversations(engine, {JAN}) == 0
    assert last_inbound(engine, JAN) is None  # the tables exist now
    engine.dispose()


def test_the_tables_are_created_in_the_leads_database(tmp_path: Path) -> None:
    engine = get_whatsapp_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    assert record_inbound(engine, "wamid.1", JAN, NOW, payload())
    assert get_whatsapp_engine(f"sqlite:///{tmp_path / 'leads.db'}") is engine

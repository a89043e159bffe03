"""The outbox worker dispatches each stored lead once: one pending row per destination."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from cyberbot.db.engine import create_database_engine
from cyberbot.leads.dispatch import dispatch_new_leads
from cyberbot.leads.models import leads, outbox
from cyberbot.leads.store import list_leads, submit_lead
from tests.leads_support import make_draft

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture()
def url(empty_database_url: str) -> str:
    return empty_database_url


def rows(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(outbox.c.lead_id, outbox.c.destination, outbox.c.status)
            .order_by(outbox.c.lead_id, outbox.c.destination))]


def test_a_stored_lead_waits_for_the_worker_then_gets_a_row_per_destination(
    tmp_path: Path,
) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    stored = submit_lead(engine, make_draft())
    assert rows(engine) == []
    assert list_leads(engine)[0]["delivery"] == "pending"

    assert dispatch_new_leads(engine, ["webhook", "email"], now=NOW) == [stored.reference]
    assert rows(engine) == [(stored.id, "email", "pending"), (stored.id, "webhook", "pending")]
    with engine.connect() as connection:
        assert connection.execute(select(leads.c.dispatched_at)).scalar_one() == NOW
    # Dispatched once: a later round, or a worker configured otherwise, adds nothing.
    assert dispatch_new_leads(engine, ["webhook"]) == []
    assert len(rows(engine)) == 2
    engine.dispose()


def test_without_destinations_a_lead_is_dispatched_to_none(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    stored = submit_lead(engine, make_draft())
    assert dispatch_new_leads(engine, []) == [stored.reference]
    assert rows(engine) == []
    assert list_leads(engine)[0]["delivery"] == "none"
    engine.dispose()


def test_workers_dispatching_at_once_give_each_lead_its_rows_once(url: str) -> None:
    engine = create_database_engine(url)
    stored = [submit_lead(engine, make_draft(conversation_id=f"conv-{n}")) for n in range(30)]
    workers = [create_database_engine(url) for _ in range(4)]
    start = threading.Barrier(len(workers))
    dispatched: list[list[str]] = [[] for _ in workers]

    def work(number: int) -> None:
        start.wait()
        while batch := dispatch_new_leads(workers[number], ["webhook", "email"]):
            dispatched[number] += batch

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    everything = [reference for batch in dispatched for reference in batch]
    assert sorted(everything) == sorted(lead.reference for lead in stored)
    with engine.connect() as connection:
        per_lead = connection.execute(
            select(outbox.c.lead_id, func.count()).group_by(outbox.c.lead_id)).all()
    assert sorted(per_lead) == sorted((lead.id, 2) for lead in stored)
    for worker in [*workers, engine]:
        worker.dispose()

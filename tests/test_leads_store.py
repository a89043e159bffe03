"""Leads are stored durably, once per submission, with a reference; export and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import stat
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.engine import Engine

from cyberbot import cli
from cyberbot.db.engine import create_database_engine, database_url, get_engine
from cyberbot.leads.export import leads_csv
from cyberbot.leads.models import leads, outbox
from cyberbot.leads.outbox import DeliveryReport, deliver_due
from cyberbot.leads.store import LeadDraft, StoredLead, list_leads
from cyberbot.privacy.forget import forget
from tests.leads_support import PROFILE, make_draft, queue_lead, webhook_receiver
from tests.postgres_support import fresh_postgres_database


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    yield engine
    engine.dispose()


def count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def submit_concurrently(engine: Engine, draft: LeadDraft, times: int) -> list[StoredLead]:
    """``times`` threads submit ``draft`` at the same moment, like a retried action."""
    start = threading.Barrier(times)
    results: list[StoredLead] = []

    def submit() -> None:
        start.wait()
        results.append(queue_lead(engine, draft, ["webhook"]))

    threads = [threading.Thread(target=submit) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_references_have_the_year_and_a_padded_unique_number(engine: Engine) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    stored = [
        queue_lead(engine, make_draft(conversation_id=f"conv-{n}"), [], now=now) for n in range(3)
    ]
    assert [lead.reference for lead in stored] == [
        "CV-2026-000001",
        "CV-2026-000002",
        "CV-2026-000003",
    ]
    assert all(re.fullmatch(r"CV-\d{4}-\d{6}", lead.reference) for lead in stored)
    assert [lead.id for lead in stored] == [1, 2, 3]
    assert inspect(engine).get_unique_constraints("leads") or any(
        index["unique"] for index in inspect(engine).get_indexes("leads")
    )


def test_every_field_round_trips(engine: Engine) -> None:
    amsterdam_noon = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    basis = {"ranking": [{"insurer": "hiscox", "reasons": ["Menselijke fouten zijn gedekt."]}],
             "excluded": [], "caveats": []}
    draft = make_draft(kind="callback", callback_moment="morgen na 14 uur", company_name=None,
                       advice_basis=basis)
    stored = queue_lead(engine, draft, ["webhook", "email"], now=amsterdam_noon)
    assert stored.created_at == amsterdam_noon
    [lead] = list_leads(engine)
    assert lead == {
        "id": stored.id,
        "reference": stored.reference,
        "kind": "callback",
        "created_at": "2026-06-01T10:00:00+00:00",
        "conversation_id": "conv-jan",
        "channel": "rest",
        "contact_name": "Jan de Vries",
        "contact_email": "jan@pixelwerk.nl",
        "contact_phone": "+31612345678",
        "company_name": None,
        "preferred_insurer": "hiscox",
        "callback_moment": "morgen na 14 uur",
        "profile": PROFILE,
        "recommendation": ["hiscox", "aig", "chubb"],
        "advice_basis": basis,
        "status": "nieuw",
        "delivery": "pending",
    }
    with engine.connect() as connection:
        rows = connection.execute(select(outbox).order_by(outbox.c.destination)).mappings().all()
    assert [row["destination"] for row in rows] == ["email", "webhook"]
    assert all(row["status"] == "pending" and row["attempts"] == 0 for row in rows)
    assert all(len(row["id"]) == 36 and row["lead_id"] == stored.id for row in rows)
    assert rows[0]["next_attempt_at"] == datetime(2026, 6, 1, 10, 0, tzinfo=timezone.utc)


def test_a_lead_without_destinations_has_no_delivery(engine: Engine) -> None:
    queue_lead(engine, make_draft(), [])
    assert list_leads(engine)[0]["delivery"] == "none"
    assert count(engine, outbox) == 0


def test_a_repeated_submission_returns_the_first_lead(engine: Engine) -> None:
    now = datetime.now(timezone.utc)
    first = queue_lead(engine, make_draft(), ["webhook"], now=now)
    again = queue_lead(engine, make_draft(), ["webhook"], now=now + timedelta(minutes=9))
    assert again == first
    assert (count(engine, leads), count(engine, outbox)) == (1, 1)

    # Anything that makes it a different request is a new lead.
    variations: list[dict[str, Any]] = [
        {"kind": "callback"},
        {"contact_email": "jan@anderbedrijf.nl"},
        {"contact_phone": None},
        {"contact_name": "Jan de Vries-Smit"},
        {"conversation_id": "conv-other"},
    ]
    for changes in variations:
        assert queue_lead(engine, make_draft(**changes), ["webhook"], now=now).id != first.id
    later = queue_lead(engine, make_draft(), ["webhook"], now=now + timedelta(minutes=11))
    assert later.id != first.id
    assert count(engine, leads) == 2 + len(variations)


def test_simultaneous_submissions_store_one_lead(engine: Engine) -> None:
    results = submit_concurrently(engine, make_draft(), times=6)
    assert len(results) == 6 and len({result.reference for result in results}) == 1
    assert (count(engine, leads), count(engine, outbox)) == (1, 1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "offer"}, "kind"),
        ({"preferred_insurer": "allianz"}, "preferred_insurer"),
        ({"contact_phone": "0612345678"}, "E.164"),
        ({"contact_email": None, "contact_phone": None}, "e-mail address or a phone number"),
        ({"contact_name": "  "}, "contact name"),
        ({"conversation_id": ""}, "conversation id"),
    ],
)
def test_invalid_drafts_are_refused_without_echoing_the_value(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as error:
        make_draft(**changes)
    assert "0612345678" not in str(error.value)


def test_unknown_destinations_are_refused_and_the_lead_waits(engine: Engine) -> None:
    with pytest.raises(ValueError, match="fax"):
        queue_lead(engine, make_draft(), ["webhook", "fax"])
    assert count(engine, leads) == 1 and count(engine, outbox) == 0
    assert list_leads(engine)[0]["delivery"] == "pending"


def test_database_url_defaults_to_var_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'var' / 'leads.db'}"
    assert (tmp_path / "var").is_dir()
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example.nl:5432/leads")
    assert database_url() == "postgresql://user@db.example.nl:5432/leads"


def test_get_engine_is_cached_and_creates_the_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cached.db'}"
    engine = get_engine(url)
    assert get_engine(url) is engine
    assert {"leads", "outbox"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


@pytest.fixture()
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return get_engine(url)


def test_json_export_lists_every_lead(
    cli_database: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    first = queue_lead(cli_database, make_draft(), ["webhook"])
    second = queue_lead(cli_database, make_draft(conversation_id="conv-2", kind="callback"), [])
    assert cli.main(["leads", "export", "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported == list_leads(cli_database)
    assert [lead["reference"] for lead in exported] == [first.reference, second.reference]
    assert [lead["delivery"] for lead in exported] == ["pending", "none"]


def test_csv_export_flattens_the_profile(
    cli_database: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stored = queue_lead(
        cli_database,
        make_draft(company_name='=HYPERLINK("http://x")', profile={**PROFILE, "extra": "x"}),
        [],
    )
    output = tmp_path / "leads.csv"
    assert cli.main(["leads", "export", "--format", "csv", "--output", str(output)]) == 0
    assert "Exported 1 leads" in capsys.readouterr().err
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    [row] = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert row["reference"] == stored.reference
    assert row["contact_phone"] == "'+31612345678"  # text, so the "+" is kept
    assert row["profile_sector"] == "detailhandel"
    assert row["profile_revenue"] == "1250000.0"
    assert row["profile_usa_canada"] == "false"
    assert row["profile_personal_data"] == "true"
    assert row["profile_extra"] == "x"
    assert row["recommendation"] == "hiscox,aig,chubb"
    assert row["callback_moment"] == ""
    assert row["delivery"] == "none"
    # A visitor's text never becomes a spreadsheet formula.
    assert row["company_name"] == '\'=HYPERLINK("http://x")'
    assert "profile" not in row

    assert cli.main(["leads", "export", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == output.read_text().splitlines()[1]


@pytest.mark.parametrize(
    "typed",
    [
        "=1+1",
        "Pixel;=1+1",
        'Pixel", =HYPERLINK("http://x")',
        "Bakkerij;@SUM(1,1)",
        "a,-2+3;+cmd|' /C calc'!A0",
        "morgen;\t=1",
    ],
)
def test_no_csv_cell_starts_a_formula_whichever_separator_a_spreadsheet_uses(
    cli_database: Engine, typed: str
) -> None:
    queue_lead(cli_database, make_draft(company_name=typed, callback_moment=typed), [])
    exported = leads_csv(list_leads(cli_database))
    assert exported.splitlines()[1].startswith('"')  # every field is quoted
    for separator in (",", ";", "\t"):
        for cells in csv.reader(io.StringIO(exported), delimiter=separator):
            for cell in cells:
                assert not cell.strip().lstrip('"').strip().startswith(("=", "+", "-", "@")), (
                    separator, cell)
    [lead] = list(csv.DictReader(io.StringIO(exported)))
    assert lead["company_name"].replace("'", "") == typed.replace("'", "")  # nothing else
    assert lead["contact_phone"] == "'+31612345678"


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


def test_postgresql_stores_delivers_and_forgets(postgres_url: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    engine = create_database_engine(postgres_url)
    try:
        now = datetime.now(timezone.utc)
        first = queue_lead(engine, make_draft(), ["webhook"], now=now)
        assert first.reference == f"CV-{now.year}-000001"
        assert queue_lead(engine, make_draft(), ["webhook"]) == first
        assert len({lead.id for lead in submit_concurrently(engine, make_draft(), 4)}) == 1
        racing = submit_concurrently(engine, make_draft(conversation_id="conv-race"), 4)
        assert len({lead.reference for lead in racing}) == 1
        assert count(engine, leads) == 2

        with webhook_receiver() as receiver:
            report = asyncio.run(deliver_due(engine, receiver.config()))
        assert report == DeliveryReport(delivered=2)
        assert sorted(receiver.processed.values()) == [1, 1]
        [lead, _] = list_leads(engine)
        assert lead["created_at"] == now.isoformat() and lead["delivery"] == "delivered"
        assert lead["profile"] == PROFILE

        # Erasure on PostgreSQL, with Rasa's own events table and a LIKE wildcard.
        SQLTrackerStore.SQLEvent.__table__.create(engine)
        events = SQLTrackerStore.SQLEvent.__table__
        with engine.begin() as connection:
            connection.execute(
                insert(events),
                [
                    {"sender_id": "conv-jan", "type_name": "user", "data": '{"text": "hoi"}'},
                    {
                        "sender_id": "c2",
                        "type_name": "user",
                        "data": '{"text": "JAN@pixelwerk.nl"}',
                    },
                    {
                        "sender_id": "c3",
                        "type_name": "user",
                        "data": '{"text": "jan@pixelwerk_nl"}',
                    },
                ],
            )
        assert forget("jan%@pixelwerk.nl", engine, engine).events_deleted == 0
        report_forget = forget("Jan@Pixelwerk.nl", engine, engine)
        assert report_forget.lead_references == (first.reference, racing[0].reference)
        assert (report_forget.conversations_deleted, report_forget.events_deleted) == (2, 2)
        with engine.connect() as connection:
            assert connection.execute(select(events.c.sender_id)).scalars().all() == ["c3"]
    finally:
        engine.dispose()

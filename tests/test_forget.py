"""The right to erasure removes a visitor's leads and conversations, and nobody else's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from cyberbot import cli
from cyberbot.console.audit import recent_entries
from cyberbot.console.corrections import record_correction
from cyberbot.console.indexer import sync_conversations
from cyberbot.console.labels import load_labels
from cyberbot.console.models import conversations as console_conversations
from cyberbot.console.models import corrections, get_console_engine, reviews
from cyberbot.console.reviews import save_review
from cyberbot.db.engine import create_database_engine, open_engine
from cyberbot.db.rasa_tables import events, open_tracker_engine, tracker_database_url
from cyberbot.leads.models import leads, outbox
from cyberbot.leads.store import StoredLead
from cyberbot.privacy.forget import ForgetReport, forget, mask_identifier
from cyberbot.tracker_events import load_events
from tests.leads_support import make_draft, queue_lead

REPO = Path(__file__).resolve().parents[1]
DOMAIN = Domain.from_dict(
    {"slots": {"contact_email": {"type": "text", "mappings": [{"type": "custom"}]}}}
)
# What each visitor typed; conv-marjan's address contains Jan's as a substring.
CONVERSATIONS = {
    "conv-jan": ["Ik wil een offerte", "Mijn e-mailadres is Jan@Pixelwerk.nl"],
    "conv-jan-earlier": ["Mail mij maar op\njan@pixelwerk.nl."],
    "conv-piet": ["Bel me terug", "piet@bakkerij.nl"],
    "conv-marjan": ["marjan@pixelwerk.nl is mijn adres"],
    "conv-anoniem": ["Wat kost een cyberverzekering?"],
}


@dataclass
class World:
    leads_engine: Engine
    tracker_engine: Engine
    tracker_store: SQLTrackerStore
    tracker_path: Path
    jan: StoredLead
    piet: StoredLead
    marjan: StoredLead

    def senders(self) -> set[str]:
        with self.tracker_engine.connect() as connection:
            return set(connection.execute(select(events.c.sender_id).distinct()).scalars())

    def event_count(self, *senders: str) -> int:
        query = select(func.count()).where(events.c.sender_id.in_(senders))
        with self.tracker_engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def references(self) -> list[str]:
        with self.leads_engine.connect() as connection:
            return list(connection.execute(select(leads.c.reference)).scalars())

    def outbox_leads(self) -> list[int]:
        with self.leads_engine.connect() as connection:
            return sorted(connection.execute(select(outbox.c.lead_id)).scalars())


async def save_conversation(store: SQLTrackerStore, sender_id: str, texts: list[str]) -> None:
    history = [ActionExecuted("action_listen")]
    for text in texts:
        history += [UserUttered(text), BotUttered("Dank u wel."), ActionExecuted("action_listen")]
        for word in text.split():
            if "@" in word:
                history.append(SlotSet("contact_email", word.lower().rstrip(".")))
    tracker = DialogueStateTracker.from_events(sender_id, history, slots=DOMAIN.slots)
    await store.save(tracker)


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    tracker_path = tmp_path / "tracker.db"
    # Rasa's own store creates the schema and writes the events.
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker_path))
    for sender_id, texts in CONVERSATIONS.items():
        asyncio.run(save_conversation(store, sender_id, texts))
    leads_engine = create_database_engine(f"sqlite:///{tmp_path / 'leads.db'}")
    both = ["webhook", "email"]
    world = World(
        leads_engine=leads_engine,
        tracker_engine=create_engine(f"sqlite:///{tracker_path}", future=True),
        tracker_store=store,
        tracker_path=tracker_path,
        jan=queue_lead(leads_engine, make_draft(contact_email="Jan@Pixelwerk.nl"), both),
        piet=queue_lead(
            leads_engine,
            make_draft(
                kind="callback",
                conversation_id="conv-piet",
                contact_name="Piet Bakker",
                contact_email="piet@bakkerij.nl",
                contact_phone=None,
            ),
            ["webhook"],
        ),
        marjan=queue_lead(
            leads_engine,
            make_draft(
                conversation_id="conv-marjan",
                contact_name="Marjan Smit",
                contact_email="marjan@pixelwerk.nl",
            ),
            both,
        ),
    )
    yield world
    leads_engine.dispose()
    world.tracker_engine.dispose()
    store.engine.dispose()


def test_forgetting_an_email_erases_its_leads_and_conversations(world: World) -> None:
    jan_events = world.event_count("conv-jan", "conv-jan-earlier")
    assert jan_events > 0

    report = forget("jan@pixelwerk.nl", world.leads_engine, world.tracker_engine)

    assert report == ForgetReport(
        lead_references=(world.jan.reference,),
        outbox_rows_deleted=2,
        conversations_deleted=2,
        events_deleted=jan_events,
    )
    assert report.leads_deleted == 1
    assert world.references() == [world.piet.reference, world.marjan.reference]
    assert world.outbox_leads() == [world.piet.id, world.marjan.id, world.marjan.id]
    assert world.senders() == {"conv-piet", "conv-marjan", "conv-anoniem"}
    assert asyncio.run(world.tracker_store.retrieve("conv-jan")) is None
    assert asyncio.run(world.tracker_store.retrieve("conv-marjan")) is not None


def test_forgetting_a_conversation_erases_it_and_its_leads(world: World) -> None:
    piet_events = world.event_count("conv-piet")
    report = forget("conv-piet", world.leads_engine, world.tracker_engine)
    assert report == ForgetReport(
        lead_references=(world.piet.reference,),
        outbox_rows_deleted=1,
        conversations_deleted=1,
        events_deleted=piet_events,
    )
    assert world.references() == [world.jan.reference, world.marjan.reference]
    assert world.senders() == set(CONVERSATIONS) - {"conv-piet"}

    anonymous = forget("conv-anoniem", world.leads_engine, world.tracker_engine)
    assert anonymous.leads_deleted == 0 and anonymous.conversations_deleted == 1


def test_what_the_console_keeps_of_a_conversation_is_erased_too(world: World) -> None:
    console = get_console_engine(str(world.leads_engine.url))
    sync_conversations(world.tracker_engine, console)
    labels = load_labels(REPO)
    for sender in ("conv-jan", "conv-piet"):
        save_review(console, sender, reviewed=True, tags=("prijs",), note="Bel terug",
                    operator="ops@voorbeeld.nl")
        first_user_event = next(e for e in load_events(world.tracker_engine, sender)
                                if e.data.get("event") == "user")
        record_correction(console, conversation_id=sender, event_id=first_user_event.id,
                          text=first_user_event.data["text"], predicted="inform",
                          predicted_confidence=0.5, corrected="request_quote",
                          operator="ops@voorbeeld.nl", labels=labels)

    report = forget("jan@pixelwerk.nl", world.leads_engine, world.tracker_engine)

    assert report.console_rows_deleted == 2 + 1 + 1  # two index rows, a review, a correction
    with console.connect() as connection:
        for table in (console_conversations, reviews, corrections):
            left = set(connection.execute(select(table.c.conversation_id)).scalars())
            assert "conv-jan" not in left and "conv-jan-earlier" not in left
        assert "conv-piet" in set(
            connection.execute(select(corrections.c.conversation_id)).scalars()
        )


@pytest.mark.parametrize(
    "identifier",
    ["%@pixelwerk.nl", "j_n@pixelwerk.nl", "jan@pixelwerk%", "_%@%", "an@pixelwerk.nl", "%", "_"],
)
def test_wildcards_and_partial_addresses_match_nothing(world: World, identifier: str) -> None:
    before = (world.references(), world.outbox_leads(), world.senders())
    assert forget(identifier, world.leads_engine, world.tracker_engine) == ForgetReport()
    assert (world.references(), world.outbox_leads(), world.senders()) == before


def test_an_unknown_identifier_erases_nothing(world: World) -> None:
    for identifier in ("nobody@nowhere.nl", "no-such-conversation"):
        assert forget(identifier, world.leads_engine, world.tracker_engine) == ForgetReport()
    assert len(world.references()) == 3 and world.senders() == set(CONVERSATIONS)


def test_without_a_tracker_store_only_leads_are_erased(world: World) -> None:
    report = forget("JAN@pixelwerk.nl", world.leads_engine, None)
    assert report == ForgetReport((world.jan.reference,), 2, 0, 0)
    assert world.senders() == set(CONVERSATIONS)


def test_a_tracker_database_without_events_is_fine(world: World, tmp_path: Path) -> None:
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True)
    assert forget("conv-jan", world.leads_engine, empty).leads_deleted == 1
    empty.dispose()


def test_a_leads_database_without_tables_is_migrated_first(tmp_path: Path) -> None:
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert forget("jan@pixelwerk.nl", fresh, None) == ForgetReport()
    with fresh.connect() as connection:
        assert connection.execute(select(func.count()).select_from(leads)).scalar_one() == 0
    fresh.dispose()


def test_an_empty_identifier_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="identifier"):
        forget("  ", world.leads_engine, world.tracker_engine)


def test_identifiers_are_masked() -> None:
    assert mask_identifier("jan@voorbeeld.nl") == "j***@voorbeeld.nl"
    assert mask_identifier("8f14e45fceea167a5a36dedd4bea2543") == "8f14***"
    assert mask_identifier("short") == "***"


def test_the_cli_erases_and_prints_only_a_masked_identifier(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", str(world.leads_engine.url))
    monkeypatch.setenv("TRACKER_DB", world.tracker_path.name)  # relative to the working dir
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: ${TRACKER_DB}\n")
    jan_events = world.event_count("conv-jan", "conv-jan-earlier")

    assert cli.main(["forget", "Jan@Pixelwerk.nl", "--endpoints", str(endpoints)]) == 0

    output = capsys.readouterr()
    assert "J***@Pixelwerk.nl" in output.out
    assert "jan@pixelwerk.nl" not in (output.out + output.err).lower()
    assert f"leads deleted: 1 ({world.jan.reference})" in output.out
    assert "outbox rows deleted: 2" in output.out
    assert "conversations deleted: 2" in output.out
    assert f"events deleted: {jan_events}" in output.out
    assert world.references() == [world.piet.reference, world.marjan.reference]
    assert "conv-jan" not in world.senders()
    entry = recent_entries(get_console_engine(str(world.leads_engine.url)), limit=1)[0]
    assert (entry.actor, entry.action) == ("cli", "forget")
    assert entry.target is not None and entry.target.startswith("gewist-")
    assert f"recorded in the audit log as: {entry.target}" in output.out
    assert world.jan.reference in (entry.detail or "")


def test_the_cli_says_when_no_tracker_store_was_erased(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", str(world.leads_engine.url))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    assert cli.main(["forget", "conv-piet", "--endpoints", str(endpoints)]) == 0
    output = capsys.readouterr().out
    assert "conv***" in output and "leads deleted: 1" in output
    assert "no SQL tracker store" in output
    assert "conv-piet" in world.senders()


def test_tracker_url_of_the_repository_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # The action server's secret is not needed to find the conversations.
    monkeypatch.delenv("CYBERBOT_ACTION_TOKEN", raising=False)
    assert tracker_database_url(REPO / "endpoints.yml") == f"sqlite:///{tmp_path}/var/tracker.db"
    assert open_tracker_engine(f"sqlite:///{tmp_path}/var/tracker.db") is None
    assert not (tmp_path / "var" / "tracker.db").exists()


@pytest.mark.parametrize(
    ("store", "expected"),
    [
        (
            "type: SQL\n  dialect: postgresql\n  url: db.example.nl:5433\n  db: rasa\n"
            "  username: rasa\n  password: ${TRACKER_PASSWORD}\n  query:\n    sslmode: require",
            "postgresql://rasa:p%40ss@db.example.nl:5433/rasa?sslmode=require",
        ),
        (
            "type: sql\n  dialect: postgresql\n  host: db.example.nl\n  port: 5432\n  db: rasa",
            "postgresql://db.example.nl:5432/rasa",
        ),
        ("type: SQL\n  url: postgresql://u:p@db/rasa", "postgresql://u:p@db/rasa"),
        ("type: SQL\n  dialect: sqlite\n  db: /data/tracker.db", "sqlite:////data/tracker.db"),
        ("type: redis\n  url: localhost", None),
    ],
)
def test_tracker_url_is_read_as_rasa_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: str, expected: str | None
) -> None:
    monkeypatch.setenv("TRACKER_PASSWORD", "p@ss")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  {store}\n")
    assert tracker_database_url(endpoints) == expected
    endpoints.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    assert tracker_database_url(endpoints) is None


def test_an_unset_variable_in_the_tracker_store_is_a_clear_error(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  db: ${NO_SUCH_VARIABLE_SET}\n")
    with pytest.raises(ValueError, match="NO_SUCH_VARIABLE_SET"):
        tracker_database_url(endpoints)


@pytest.mark.parametrize("typed", ["06 87654321", "+31 6 8765 4321", "0031687654321",
                                   "31687654321"])
def test_forgetting_a_phone_number_finds_its_leads_and_its_whatsapp_conversation(
    world: World, typed: str
) -> None:
    asyncio.run(save_conversation(world.tracker_store, "31687654321", ["Bel me terug"]))
    called = queue_lead(world.leads_engine, make_draft(
        kind="callback", conversation_id="web-" + "a" * 32, contact_name="Els",
        contact_email=None, contact_phone="+31687654321"), ["webhook"])
    report = forget(typed, world.leads_engine, world.tracker_engine)
    assert report.lead_references == (called.reference,)
    assert "31687654321" not in world.senders()
    assert called.reference not in world.references()
    assert len(world.references()) == 3


def test_the_audit_log_keeps_a_pseudonym_not_the_erased_id(world: World) -> None:
    console = get_console_engine(str(world.leads_engine.url))
    save_review(console, "31612345678", reviewed=True, tags=(), note="",
                operator="ops@voorbeeld.nl")
    save_review(console, "conv-anoniem", reviewed=True, tags=(), note="",
                operator="ops@voorbeeld.nl")
    report = forget("31612345678", world.leads_engine, world.tracker_engine)
    targets = [entry.target for entry in recent_entries(console, limit=10)]
    assert "31612345678" not in targets
    assert report.pseudonym in targets and "conv-anoniem" in targets
    other = forget("conv-anoniem", world.leads_engine, world.tracker_engine)
    assert other.pseudonym != report.pseudonym


def test_what_the_whatsapp_channel_keeps_of_a_conversation_is_erased_too(world: World) -> None:
    # Imported here: the rest of this file predates the WhatsApp channel.
    from datetime import datetime, timezone

    from cyberbot.channels.whatsapp.store import (
        get_whatsapp_engine,
        inbox,
        last_inbound,
        record_inbound,
    )

    whatsapp = get_whatsapp_engine(str(world.leads_engine.url))
    received = datetime(2025, 3, 14, 12, 0, tzinfo=timezone.utc)
    # On WhatsApp the conversation id is the user's number.
    for message_id, number in (("wamid.a", "31612345678"), ("wamid.b", "31612345678"),
                               ("wamid.c", "31687654321")):
        record_inbound(whatsapp, message_id, number, received, {"text": "Bel me terug"})

    report = forget("31612345678", world.leads_engine, world.tracker_engine)

    assert report.whatsapp_rows_deleted == 2 + 1  # two inbox messages, one window entry
    assert last_inbound(whatsapp, "31612345678") is None
    assert last_inbound(whatsapp, "31687654321") == received
    with whatsapp.connect() as connection:
        assert connection.execute(select(inbox.c.message_id)).scalars().all() == ["wamid.c"]
    assert forget("conv-piet", world.leads_engine, None).whatsapp_rows_deleted == 0

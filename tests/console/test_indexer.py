"""The conversation index follows the tracker store: incrementally, idempotently, one
process at a time, and without missing events that became visible late."""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, insert, select, update
from sqlalchemy.engine import Engine

from cyberbot.console import indexer
from cyberbot.console.indexer import sync_conversations
from cyberbot.console.models import (
    INDEX_VERSION,
    conversation_counts,
    conversations,
    get_console_engine,
    missed_messages,
    schema_versions,
    sync_state,
    upgrade_index,
)
from cyberbot.db.rasa_tables import events
from cyberbot.privacy.forget import forget
from cyberbot.tracker_events import load_events
from tests.console.tracker_fixtures import (
    DEFAULT_START,
    KINDS,
    ConversationBuilder,
    create_tracker_engine,
    event_row,
    fallback_conversation,
    faq_conversation,
    summarise,
    write_events,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.fixture()
def tracker_engine(tmp_path: Path) -> Engine:
    return create_tracker_engine(tmp_path / "tracker.db")


def write_all_kinds(tracker_engine: Engine) -> None:
    for n, (kind, build) in enumerate(sorted(KINDS.items())):
        write_events(tracker_engine, f"conv-{kind}", build(DEFAULT_START + timedelta(minutes=n)))


def stored(console_engine: Engine) -> dict[str, dict[str, Any]]:
    with console_engine.connect() as connection:
        rows = connection.execute(select(conversations)).mappings()
        return {row["conversation_id"]: dict(row) for row in rows}


def sync_row(console_engine: Engine) -> dict[str, Any]:
    with console_engine.connect() as connection:
        return dict(connection.execute(select(sync_state)).mappings().one())


def expected(tracker_engine: Engine, conversation_id: str) -> dict[str, Any]:
    summary = summarise(conversation_id, load_events(tracker_engine, conversation_id))
    assert summary is not None
    return asdict(summary)


def test_without_rasas_table_nothing_happens(tmp_path: Path, console_engine: Engine) -> None:
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True)

    assert sync_conversations(empty, console_engine) == 0
    assert stored(console_engine) == {}


def test_every_conversation_is_indexed(tracker_engine: Engine, console_engine: Engine) -> None:
    write_all_kinds(tracker_engine)

    assert sync_conversations(tracker_engine, console_engine, now=NOW) == len(KINDS)

    rows = stored(console_engine)
    assert set(rows) == {f"conv-{kind}" for kind in KINDS}
    for conversation_id, row in rows.items():
        assert row == expected(tracker_engine, conversation_id)
    state = sync_row(console_engine)
    assert state["watermark"] == max(row["last_event_id"] for row in rows.values())
    assert (state["lease_until"], state["lease_owner"]) == (None, None)


def test_syncing_again_changes_nothing(tracker_engine: Engine, console_engine: Engine) -> None:
    write_all_kinds(tracker_engine)
    sync_conversations(tracker_engine, console_engine, now=NOW)
    before = stored(console_engine)

    assert sync_conversations(tracker_engine, console_engine, now=NOW) == 0
    assert stored(console_engine) == before


def test_new_events_update_their_conversation(
    tracker_engine: Engine, console_engine: Engine
) -> None:
    write_events(tracker_engine, "conv-1", faq_conversation())
    write_events(tracker_engine, "conv-2", faq_conversation())
    sync_conversations(tracker_engine, console_engine, now=NOW)

    later = DEFAULT_START + timedelta(hours=1)
    write_events(tracker_engine, "conv-1", fallback_conversation(later, channel="socketio"))

    assert sync_conversations(tracker_engine, console_engine, now=NOW) == 1
    row = stored(console_engine)["conv-1"]
    assert row == expected(tracker_engine, "conv-1")
    assert (row["turns"], row["fallback_hit"], row["channel"]) == (2, True, "rest")
    assert row["last_activity"] > later


def test_batches_move_the_watermark_forward(tracker_engine: Engine, console_engine: Engine) -> None:
    for n in range(30):
        write_events(tracker_engine, f"conv-{n:02}", faq_conversation())
    total_events = 30 * len(faq_conversation())

    indexed = sync_conversations(
        tracker_engine, console_engine, batch_size=50, max_batches=2, now=NOW
    )

    assert sync_row(console_engine)["watermark"] == 100
    assert 0 < indexed < 30
    assert sync_conversations(tracker_engine, console_engine, batch_size=7, now=NOW) > 0
    assert sync_row(console_engine)["watermark"] == total_events
    assert len(stored(console_engine)) == 30


def test_a_batch_smaller_than_the_overlap_still_advances(
    tracker_engine: Engine, console_engine: Engine
) -> None:
    for n in range(25):
        write_events(tracker_engine, f"conv-{n:02}", faq_conversation())

    sync_conversations(tracker_engine, console_engine, batch_size=1, max_batches=150, now=NOW)
    assert sync_row(console_engine)["watermark"] == 150
    sync_conversations(tracker_engine, console_engine, batch_size=1, now=NOW)

    assert sync_row(console_engine)["watermark"] == 25 * len(faq_conversation())
    assert len(stored(console_engine)) == 25


def test_an_event_that_became_visible_late_is_not_missed(
    tracker_engine: Engine, console_engine: Engine
) -> None:
    rows = [event_row("conv-early", event) for event in faq_conversation()]
    with tracker_engine.begin() as connection:
        connection.execute(insert(events), [{**row, "id": 500 + n} for n, row in enumerate(rows)])
    sync_conversations(tracker_engine, console_engine, now=NOW)
    assert sync_row(console_engine)["watermark"] == 500 + len(rows) - 1

    # Ids handed out earlier, committed after the sync: within the overlap below the mark.
    late = [event_row("conv-late", event) for event in fallback_conversation()]
    with tracker_engine.begin() as connection:
        connection.execute(insert(events), [{**row, "id": 400 + n} for n, row in enumerate(late)])

    assert sync_conversations(tracker_engine, console_engine, now=NOW) == 1
    assert stored(console_engine)["conv-late"] == expected(tracker_engine, "conv-late")
    assert sync_row(console_engine)["watermark"] == 500 + len(rows) - 1


def test_a_lease_held_elsewhere_stops_the_sync(
    tracker_engine: Engine, console_engine: Engine
) -> None:
    write_all_kinds(tracker_engine)
    sync_conversations(tracker_engine, console_engine, max_batches=0, now=NOW)
    with console_engine.begin() as connection:
        connection.execute(
            update(sync_state).values(lease_until=NOW + timedelta(seconds=30), lease_owner="x")
        )

    assert sync_conversations(tracker_engine, console_engine, now=NOW) == 0
    assert stored(console_engine) == {}
    assert sync_row(console_engine)["lease_owner"] == "x"

    later = NOW + timedelta(seconds=31)
    assert sync_conversations(tracker_engine, console_engine, now=later) == len(KINDS)


def test_two_syncs_at_once_one_indexes(
    tracker_engine: Engine, console_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_all_kinds(tracker_engine)
    inside, release = threading.Event(), threading.Event()
    index_senders = indexer._index_senders

    def held_up(engine: Engine, senders: set[str]) -> Any:
        inside.set()
        assert release.wait(10)
        return index_senders(engine, senders)

    monkeypatch.setattr(indexer, "_index_senders", held_up)
    results: list[int] = []
    first = threading.Thread(
        target=lambda: results.append(sync_conversations(tracker_engine, console_engine))
    )
    first.start()
    try:
        assert inside.wait(10)
        assert sync_conversations(tracker_engine, console_engine) == 0
    finally:
        release.set()
        first.join(10)

    assert results == [len(KINDS)]
    assert len(stored(console_engine)) == len(KINDS)


def test_a_lost_lease_writes_nothing(
    tracker_engine: Engine, console_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_all_kinds(tracker_engine)
    index_senders = indexer._index_senders

    def taken_over(engine: Engine, senders: set[str]) -> Any:
        with console_engine.begin() as connection:
            connection.execute(update(sync_state).values(lease_owner="someone-else"))
        return index_senders(engine, senders)

    monkeypatch.setattr(indexer, "_index_senders", taken_over)

    assert sync_conversations(tracker_engine, console_engine, now=NOW) == 0
    assert stored(console_engine) == {}
    assert sync_row(console_engine)["watermark"] == 0
    assert sync_row(console_engine)["lease_owner"] == "someone-else"


def test_a_conversation_erased_meanwhile_leaves_the_index(
    tracker_engine: Engine, console_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_events(tracker_engine, "conv-gone", faq_conversation())
    sync_conversations(tracker_engine, console_engine, now=NOW)
    write_events(tracker_engine, "conv-gone", ConversationBuilder().user("nog iets", "faq").events)
    read_batch = indexer._read_batch

    def erased_after_reading(engine: Engine, watermark: int, size: int) -> Any:
        batch = read_batch(engine, watermark, size)
        with engine.begin() as connection:
            connection.execute(delete(events).where(events.c.sender_id == "conv-gone"))
        return batch

    monkeypatch.setattr(indexer, "_read_batch", erased_after_reading)

    assert sync_conversations(tracker_engine, console_engine, now=NOW) == 1
    assert stored(console_engine) == {}


def test_a_conversation_erased_while_being_indexed_does_not_come_back(
    tracker_engine: Engine, console_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_events(tracker_engine, "conv-gone", faq_conversation())
    write_events(tracker_engine, "conv-kept", faq_conversation())
    index_senders = indexer._index_senders

    def erased_after_loading(engine: Engine, senders: set[str]) -> Any:
        summaries = index_senders(engine, senders)
        # An erasure as ``forget`` does it: the events, then the console's row.
        with engine.begin() as connection:
            connection.execute(delete(events).where(events.c.sender_id == "conv-gone"))
        with console_engine.begin() as connection:
            connection.execute(
                delete(conversations).where(conversations.c.conversation_id == "conv-gone")
            )
        return summaries

    monkeypatch.setattr(indexer, "_index_senders", erased_after_loading)

    sync_conversations(tracker_engine, console_engine, now=NOW)

    assert set(stored(console_engine)) == {"conv-kept"}


def test_the_batch_size_must_be_positive(tracker_engine: Engine, console_engine: Engine) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        sync_conversations(tracker_engine, console_engine, batch_size=0)


def details(console_engine: Engine) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """(conversation, kind, name, count) and (conversation, event, text) rows."""
    with console_engine.connect() as connection:
        counts = {tuple(row) for row in connection.execute(select(conversation_counts))}
        missed = {
            (row.conversation_id, row.event_id, row.text)
            for row in connection.execute(select(missed_messages))
        }
    return counts, missed


def test_counts_and_missed_messages_follow_the_conversation(
    tracker_engine: Engine, console_engine: Engine
) -> None:
    ids = write_events(tracker_engine, "conv-1", fallback_conversation())
    write_events(tracker_engine, "conv-2", faq_conversation())
    sync_conversations(tracker_engine, console_engine, now=NOW)

    counts, missed = details(console_engine)
    assert counts == {("conv-2", "faq", "kosten", 1)}
    assert missed == {("conv-1", ids[3], "blabla qwerty")}

    # The visitor goes on: the conversation's details are read anew, not added twice.
    more = faq_conversation(DEFAULT_START + timedelta(minutes=5))[3:]
    write_events(tracker_engine, "conv-1", more)
    write_events(tracker_engine, "conv-2", more)
    sync_conversations(tracker_engine, console_engine, now=NOW)

    counts, missed = details(console_engine)
    assert counts == {("conv-1", "faq", "kosten", 1), ("conv-2", "faq", "kosten", 2)}
    assert missed == {("conv-1", ids[3], "blabla qwerty")}


def test_an_erased_conversation_loses_its_details(
    tracker_engine: Engine, console_engine: Engine
) -> None:
    write_events(tracker_engine, "conv-1", fallback_conversation())
    write_events(tracker_engine, "conv-2", faq_conversation())
    sync_conversations(tracker_engine, console_engine, now=NOW)

    forget("conv-1", console_engine, tracker_engine)

    assert set(stored(console_engine)) == {"conv-2"}
    assert details(console_engine) == ({("conv-2", "faq", "kosten", 1)}, set())


def test_an_index_of_an_older_version_is_rebuilt(
    tracker_engine: Engine, console_engine: Engine
) -> None:
    write_all_kinds(tracker_engine)
    sync_conversations(tracker_engine, console_engine, now=NOW)
    with console_engine.begin() as connection:
        connection.execute(update(schema_versions).values(version=INDEX_VERSION - 1))
        connection.execute(update(conversations).values(turns=99))

    assert upgrade_index(console_engine)
    assert not upgrade_index(console_engine)

    assert stored(console_engine) == {}
    assert sync_conversations(tracker_engine, console_engine, now=NOW) == len(KINDS)
    assert {row["turns"] for row in stored(console_engine).values()} != {99}


def test_an_index_of_the_old_layout_gets_the_new_one(tmp_path: Path) -> None:
    """A database from before the index had a version: its table lacks columns."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url, future=True)
    with old.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE console_conversations (conversation_id VARCHAR(255) PRIMARY KEY)"
        )
        connection.exec_driver_sql("INSERT INTO console_conversations VALUES ('conv-old')")
    old.dispose()

    engine = get_console_engine(url)

    with engine.connect() as connection:
        assert connection.execute(select(conversations)).all() == []
        assert connection.execute(select(schema_versions.c.version)).scalar() == INDEX_VERSION

"""Operators' corrections: one per message, a second replaces the first, labels checked."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from cyberbot.console.corrections import (
    Correction,
    UnknownLabelError,
    all_corrections,
    corrections_for,
    count_corrections,
    delete_correction,
    record_correction,
)
from cyberbot.console.labels import OUT_OF_SCOPE, Labels, load_labels

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def labels() -> Labels:
    return load_labels(ROOT)


def correct(
    engine: Engine,
    labels: Labels,
    *,
    conversation_id: str = "conv-1",
    event_id: int = 7,
    corrected: str = "faq/kosten",
    operator: str = "ans@example.nl",
    now: datetime = NOW,
) -> Correction:
    return record_correction(
        engine,
        conversation_id=conversation_id,
        event_id=event_id,
        text="wat kost zoiets",
        predicted="faq/dekking",
        predicted_confidence=0.42,
        corrected=corrected,
        operator=operator,
        labels=labels,
        now=now,
    )


def test_record_and_read_back(console_engine: Engine, labels: Labels) -> None:
    stored = correct(console_engine, labels)
    assert stored == Correction(
        id=stored.id,
        conversation_id="conv-1",
        event_id=7,
        text="wat kost zoiets",
        predicted="faq/dekking",
        predicted_confidence=0.42,
        corrected="faq/kosten",
        operator="ans@example.nl",
        created_at=NOW,
    )
    assert corrections_for(console_engine, "conv-1") == {7: stored}
    assert corrections_for(console_engine, "conv-other") == {}
    assert all_corrections(console_engine) == [stored]
    assert count_corrections(console_engine) == 1


def test_second_correction_of_a_message_replaces_the_first(
    console_engine: Engine, labels: Labels
) -> None:
    first = correct(console_engine, labels)
    later = NOW + timedelta(hours=1)
    second = correct(
        console_engine, labels, corrected=OUT_OF_SCOPE, operator="bert@example.nl", now=later
    )
    assert second.id == first.id
    assert (second.corrected, second.operator, second.created_at) == (
        OUT_OF_SCOPE,
        "bert@example.nl",
        later,
    )
    assert all_corrections(console_engine) == [second]


def test_unknown_label_is_refused_and_nothing_stored(
    console_engine: Engine, labels: Labels
) -> None:
    for label in ("faq", "nlu_fallback", "faq/bestaat_niet", ""):
        with pytest.raises(UnknownLabelError, match="Onbekend label"):
            correct(console_engine, labels, corrected=label)
    assert count_corrections(console_engine) == 0


def test_default_time_is_now(console_engine: Engine) -> None:
    labels = Labels(intents=("greet", OUT_OF_SCOPE), faq_keys=())
    before = datetime.now(timezone.utc)
    stored = record_correction(
        console_engine,
        conversation_id="c",
        event_id=1,
        text="hoi",
        predicted=None,
        predicted_confidence=None,
        corrected="greet",
        operator="ans@example.nl",
        labels=labels,
    )
    assert before <= stored.created_at <= datetime.now(timezone.utc)
    assert stored.predicted is None and stored.predicted_confidence is None


def test_all_corrections_oldest_first_and_delete(console_engine: Engine, labels: Labels) -> None:
    newer = correct(console_engine, labels, conversation_id="b", now=NOW + timedelta(minutes=5))
    older = correct(console_engine, labels, conversation_id="a", event_id=3)
    same_conversation = correct(console_engine, labels, conversation_id="a", event_id=4)
    assert all_corrections(console_engine) == [older, same_conversation, newer]
    assert corrections_for(console_engine, "a") == {3: older, 4: same_conversation}

    assert delete_correction(console_engine, "a", 3) is True
    assert delete_correction(console_engine, "a", 3) is False
    assert delete_correction(console_engine, "b", 3) is False
    assert all_corrections(console_engine) == [same_conversation, newer]
    assert count_corrections(console_engine) == 2


# --- PostgreSQL ---------------------------------------------------------------------------


def test_corrections_on_postgresql(postgres_engine: Engine, labels: Labels) -> None:
    first = correct(postgres_engine, labels)
    assert first.created_at == NOW
    second = correct(postgres_engine, labels, corrected="greet", now=NOW + timedelta(seconds=1))
    assert second.id == first.id and second.corrected == "greet"

    # Operators correcting the same message at the same moment: one row, no error.
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def racing(operator: str) -> None:
        start.wait()
        try:
            correct(postgres_engine, labels, event_id=9, corrected=OUT_OF_SCOPE, operator=operator)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=racing, args=(f"op{number}@example.nl",)) for number in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(corrections_for(postgres_engine, "conv-1")) == [7, 9]
    assert count_corrections(postgres_engine) == 2
    assert delete_correction(postgres_engine, "conv-1", 9) is True
    assert [item.event_id for item in all_corrections(postgres_engine)] == [7]

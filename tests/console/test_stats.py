"""The dashboard's numbers from recorded conversations of every outcome: exact counts,
periods (Dutch days, the end exclusive), filters, models, and the same on PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from cyberbot.console.dashboard_texts import load_dashboard_texts
from cyberbot.console.indexer import sync_conversations
from cyberbot.console.stats import Stats, StatsFilter, api_body, compute_stats, stats_csv
from cyberbot.leads.models import outbox
from tests.console.tracker_fixtures import (
    DEFAULT_START,
    KINDS,
    create_tracker_engine,
    with_model,
    write_events,
)
from tests.leads_support import make_draft, queue_lead

ROOT = Path(__file__).resolve().parents[2]
TEXTS = load_dashboard_texts(ROOT)
DAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
# The kinds served by a second model; the others by the fixtures' model.
NEW_MODEL = "7d2e9b1c4a5f4e3d"
OLD_MODEL = "5f1c0a8e6d9b4c2f"
NEW_MODEL_KINDS = ("quote", "callback", "handoff", "fallback_loop", "html")

# What the recorded conversations add up to (see tests/console/tracker_fixtures.py).
EXPECTED_API_COUNTS = {
    "conversations": 10,
    "faq_answered": 3,  # faq, low_confidence, html
    "advice_started": 2,  # advice, abandoned
    "advice_completed": 1,
    "quotes": 1,
    "callbacks": 1,
    "handoffs": 1,
    "not_understood": 2,  # fallback, fallback_loop
}
EXPECTED_OUTCOMES = {
    "faq_answered": 3,
    "advice_started": 2,
    "advice_given": 1,
    "quote_requested": 1,
    "callback_requested": 1,
    "lead_requested": 2,
    "lead_delivered": 1,  # the quote's webhook delivered, the call-back's still pending
    "handoff": 1,
    "fallback_hit": 2,
    "fallback_loop": 1,
    "low_confidence": 4,  # 0.35, 0.42, 0.61 and 0.31 below 0.7
    "abandoned": 1,
    "contained": 7,  # all but the call-back, the hand-off and the fallback loop
}


def record_all(tracker: Engine, console: Engine, day_offset: int = 0) -> None:
    """One conversation of each kind a minute apart, on DAY (plus ``day_offset`` days),
    and the leads of the quote (delivered) and the call-back (not yet)."""
    for n, (kind, build) in enumerate(KINDS.items()):
        start = DEFAULT_START + timedelta(days=day_offset, minutes=n)
        events = build(start, "socketio") if kind in ("faq", "html") else build(start)
        model = NEW_MODEL if kind in NEW_MODEL_KINDS else OLD_MODEL
        write_events(tracker, f"conv-{kind}", with_model(events, model))
    sync_conversations(tracker, console, now=NOW)
    quote = queue_lead(console, make_draft(conversation_id="conv-quote"), ["webhook"])
    queue_lead(console, make_draft(kind="callback", conversation_id="conv-callback",
                                    contact_email="piet@bakker.nl"), ["webhook"])
    with console.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.lead_id == quote.id)
                           .values(status="delivered", delivered_at=NOW))


def stats_of(console: Engine, start: date = DAY, end: date = DAY + timedelta(days=1),
             **filters: Any) -> Stats:
    return compute_stats(console, StatsFilter(start, end, **filters), TEXTS,
                         low_confidence_threshold=0.7, abandoned_after=timedelta(minutes=30),
                         now=NOW)


@pytest.fixture()
def recorded(tmp_path: Path, console_engine: Engine) -> Engine:
    record_all(create_tracker_engine(tmp_path / "tracker.db"), console_engine)
    return console_engine


def test_every_outcome_counted_exactly(recorded: Engine) -> None:
    stats = stats_of(recorded)

    assert stats.totals.conversations == 10
    assert dict(stats.totals.counts) == EXPECTED_OUTCOMES
    body = api_body(stats)
    assert {key: body[key] for key in EXPECTED_API_COUNTS} == EXPECTED_API_COUNTS
    assert body["containment_rate"] == 0.7


def test_the_api_body_has_exactly_the_contracted_fields(recorded: Engine) -> None:
    body = api_body(stats_of(recorded))

    assert list(body) == [
        "conversations", "faq_answered", "advice_started", "advice_completed", "quotes",
        "callbacks", "handoffs", "not_understood", "containment_rate", "form_dropoff",
        "top_unanswered", "by_model",
    ]
    assert all(type(body[key]) is int for key in EXPECTED_API_COUNTS)


def test_drop_off_and_re_asks_per_question(recorded: Engine) -> None:
    stats = stats_of(recorded)

    # Every question of the domain's forms, in their order, even when nobody left there.
    assert list(stats.form_dropoff) == list(TEXTS.questions)
    assert {q: n for q, n in stats.form_dropoff.items() if n} == {"advice_form.sector": 1}
    asked = {figures.question: figures.asked for figures in stats.questions if figures.asked}
    assert asked == {
        "advice_form.sector": 2,
        "advice_form.employees": 1,
        "quote_form.contact_name": 1,
        "quote_form.contact_email": 1,
        "callback_form.contact_name": 1,
    }
    assert sum(figures.reasks for figures in stats.questions) == 0
    sector = next(f for f in stats.questions if f.question == "advice_form.sector")
    assert sector.label == "Advies: sector"


def test_faq_topics_and_missed_messages(recorded: Engine) -> None:
    stats = stats_of(recorded)

    assert [(t.key, t.label, t.answers, t.conversations) for t in stats.faq_topics] == [
        ("kosten", "Kosten", 2, 2),
        ("verplicht", "Verplicht", 1, 1),
    ]
    assert sorted((group.text, group.count) for group in stats.missed) == [
        ("Dekt dat mijn kassasysteem?", 1),
        ("blabla qwerty", 1),
        ("mijn kassa systeem dus", 1),
    ]
    assert api_body(stats)["top_unanswered"] == [
        {"text": group.text, "count": group.count} for group in stats.missed
    ]


def test_split_by_model(recorded: Engine) -> None:
    models = {entry["model_id"]: entry for entry in api_body(stats_of(recorded))["by_model"]}

    assert set(models) == {OLD_MODEL, NEW_MODEL}
    assert models[OLD_MODEL] == {
        "model_id": OLD_MODEL, "conversations": 5, "faq_answered": 2, "advice_started": 2,
        "advice_completed": 1, "quotes": 0, "callbacks": 0, "handoffs": 0,
        "not_understood": 1, "containment_rate": 1.0,
    }
    assert models[NEW_MODEL] == {
        "model_id": NEW_MODEL, "conversations": 5, "faq_answered": 1, "advice_started": 0,
        "advice_completed": 0, "quotes": 1, "callbacks": 1, "handoffs": 1,
        "not_understood": 1, "containment_rate": 0.4,
    }
    only_new = api_body(stats_of(recorded, model_id=NEW_MODEL))
    assert (only_new["conversations"], only_new["quotes"]) == (5, 1)


def test_an_empty_period(recorded: Engine) -> None:
    body = api_body(stats_of(recorded, DAY - timedelta(days=7), DAY))

    assert {key: body[key] for key in EXPECTED_API_COUNTS} == dict.fromkeys(EXPECTED_API_COUNTS, 0)
    assert body["containment_rate"] is None
    assert set(body["form_dropoff"].values()) == {0}
    assert (body["top_unanswered"], body["by_model"]) == ([], [])


def test_a_period_with_one_conversation(tmp_path: Path, console_engine: Engine) -> None:
    tracker = create_tracker_engine(tmp_path / "tracker.db")
    write_events(tracker, "conv-1", KINDS["quote"](DEFAULT_START))
    sync_conversations(tracker, console_engine, now=NOW)

    body = api_body(stats_of(console_engine))

    assert body["conversations"] == body["quotes"] == 1
    assert body["faq_answered"] == body["not_understood"] == body["handoffs"] == 0
    assert body["containment_rate"] == 1.0
    assert [entry["conversations"] for entry in body["by_model"]] == [1]


def test_days_are_dutch_and_the_end_is_exclusive(tmp_path: Path, console_engine: Engine) -> None:
    tracker = create_tracker_engine(tmp_path / "tracker.db")
    # 23:30 UTC on 26 November is 00:30 on the 27th in Amsterdam (the events begin a
    # second later).
    late = datetime(2026, 11, 26, 23, 30, tzinfo=timezone.utc)
    write_events(tracker, "conv-night", KINDS["faq"](late))
    sync_conversations(tracker, console_engine, now=NOW)

    assert stats_of(console_engine, DAY, DAY + timedelta(days=1)).totals.conversations == 1
    assert stats_of(console_engine, DAY - timedelta(days=1), DAY).totals.conversations == 0


def test_the_channel_filter(recorded: Engine) -> None:
    socketio = api_body(stats_of(recorded, channel="socketio"))
    rest = api_body(stats_of(recorded, channel="rest"))

    assert (socketio["conversations"], socketio["faq_answered"]) == (2, 2)
    assert rest["conversations"] == 8
    assert api_body(stats_of(recorded, channel="whatsapp"))["conversations"] == 0


def test_conversations_per_day_and_per_month(recorded: Engine) -> None:
    week = stats_of(recorded, DAY - timedelta(days=3), DAY + timedelta(days=2))
    assert week.series_unit == "dag"
    assert [(p.label, p.conversations, p.not_understood) for p in week.series] == [
        ("24 nov", 0, 0), ("25 nov", 0, 0), ("26 nov", 0, 0), ("27 nov", 10, 2), ("28 nov", 0, 0),
    ]

    year = stats_of(recorded, date(2026, 1, 1), date(2027, 1, 1))
    assert year.series_unit == "maand"
    assert len(year.series) == 12
    assert [(p.label, p.conversations) for p in year.series if p.conversations] == [
        ("nov 2026", 10)
    ]


def test_a_period_must_move_forward() -> None:
    with pytest.raises(ValueError, match="exclusive"):
        StatsFilter(DAY, DAY)


def test_the_csv_holds_the_same_numbers(recorded: Engine) -> None:
    stats = stats_of(recorded)
    rows = list(csv.DictReader(io.StringIO(stats_csv(stats))))
    values = {(row["section"], row["key"], row["metric"]): row["value"] for row in rows}

    assert values[("period", "", "from")] == "2026-11-27"
    assert values[("period", "", "to")] == "2026-11-28"
    for name, count in EXPECTED_API_COUNTS.items():
        assert values[("totals", "", name)] == str(count)
    assert values[("totals", "", "containment_rate")] == "0.7"
    assert values[("form_dropoff", "advice_form.sector", "count")] == "1"
    assert values[("top_unanswered", "blabla qwerty", "count")] == "1"
    assert values[("by_model", NEW_MODEL, "containment_rate")] == "0.4"


def test_csv_cells_never_run_as_formulas(tmp_path: Path, console_engine: Engine) -> None:
    tracker = create_tracker_engine(tmp_path / "tracker.db")
    events = KINDS["fallback"](DEFAULT_START)
    for event in events:
        if event["event"] == "user":
            event["text"] = "=HYPERLINK(\"https://evil.example\")"
    write_events(tracker, "conv-1", events)
    sync_conversations(tracker, console_engine, now=NOW)

    text = stats_csv(stats_of(console_engine))

    assert "\n=" not in text and ",=" not in text
    assert "'=HYPERLINK" in text


def test_the_same_numbers_on_postgresql(tmp_path: Path, postgres_engine: Engine) -> None:
    record_all(create_tracker_engine(tmp_path / "tracker.db"), postgres_engine)

    stats = stats_of(postgres_engine)

    assert dict(stats.totals.counts) == EXPECTED_OUTCOMES
    assert [(p.label, p.conversations) for p in stats.series if p.conversations] == [
        ("27 nov", 10)
    ]
    assert api_body(stats) == api_body(stats_of(postgres_engine))

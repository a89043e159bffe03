"""The transcript page's entries: messages, grouped slots, forms, sessions, Dutch times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cyberbot.console.transcript import (
    BotEntry,
    FormEntry,
    SessionEntry,
    SlotsEntry,
    TranscriptEntry,
    UserEntry,
    build_transcript,
    format_time,
)
from cyberbot.tracker_events import TrackerEvent
from tests.console.tracker_fixtures import (
    DEFAULT_START,
    HTML_TEXT,
    ConversationBuilder,
    advice_conversation,
    faq_conversation,
    html_conversation,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def transcript(conversation: Sequence[dict[str, Any]]) -> list[TranscriptEntry]:
    return build_transcript([TrackerEvent(n, data) for n, data in enumerate(conversation, 1)])


def test_an_faq_conversation() -> None:
    entries = transcript(faq_conversation(channel="socketio"))

    assert [entry.kind for entry in entries] == ["session", "user", "bot"]
    session, user, bot = entries
    assert session == SessionEntry(DEFAULT_START.astimezone(AMSTERDAM) + timedelta(seconds=2))
    assert user == UserEntry(
        event_id=4,
        time=DEFAULT_START.astimezone(AMSTERDAM) + timedelta(seconds=4),
        text="Wat kost een cyberverzekering?",
        intent="faq",
        confidence=0.98,
        faq_key="faq/kosten",
        faq_confidence=0.93,
        entities=(),
        channel="socketio",
    )
    assert bot == BotEntry(
        event_id=7,
        time=DEFAULT_START.astimezone(AMSTERDAM) + timedelta(seconds=7),
        text="De premie hangt af van uw omzet en sector.",
        buttons=(("Advies krijgen", "/request_advice"), ("Is het verplicht?", "/faq/verplicht")),
        utter_action="utter_faq/kosten",
    )


def test_times_are_dutch_local_times() -> None:
    entries = transcript(faq_conversation())

    assert entries[1].time is not None
    assert entries[1].time.tzinfo == AMSTERDAM
    assert entries[1].time.utcoffset() == timedelta(hours=1)
    summer = transcript(faq_conversation(datetime(2026, 7, 1, 12, tzinfo=timezone.utc)))
    assert summer[1].time is not None
    assert (summer[1].time.hour, summer[1].time.utcoffset()) == (14, timedelta(hours=2))


def test_another_time_zone_can_be_asked_for() -> None:
    events = [TrackerEvent(1, data) for data in faq_conversation()]

    entry = build_transcript(events, timezone="UTC")[0]

    assert entry.time == DEFAULT_START + timedelta(seconds=2)


def test_a_form_with_its_slots_between_the_messages() -> None:
    entries = transcript(advice_conversation())

    assert [entry.kind for entry in entries] == [
        "session",
        "user",
        "form",
        "bot",
        "user",
        "slots",
        "bot",
        "user",
        "slots",
        "form",
        "slots",
        "bot",
    ]
    assert entries[2] == FormEntry(entries[2].time, "advice_form", started=True)
    assert entries[9] == FormEntry(entries[9].time, "advice_form", started=False)
    assert isinstance(entries[4], UserEntry)
    assert entries[4].entities == (("sector", "webwinkel"),)
    assert isinstance(entries[8], SlotsEntry)
    assert entries[8].slots == (("employees", 12.0), ("priority", "incident_help"))
    assert isinstance(entries[10], SlotsEntry)
    assert entries[10].slots == (("recommended_insurers", ["hiscox", "aig"]),)


def test_slots_requested_slot_and_empty_values_are_left_out_but_resets_shown() -> None:
    builder = ConversationBuilder()
    builder.slot("requested_slot", "sector").slot("sector", None).slot("sector", "bouw")
    builder.bot("Dank u.").slot("sector", None).slot("employees", None)
    builder.slot("requested_slot", None)

    entries = transcript(builder.events)

    assert [entry.kind for entry in entries] == ["slots", "bot", "slots"]
    assert isinstance(entries[0], SlotsEntry)
    assert entries[0].slots == (("sector", "bouw"),)
    # The time of the first slot shown.
    assert entries[0].time == DEFAULT_START + timedelta(seconds=3)
    assert isinstance(entries[2], SlotsEntry)
    assert entries[2].slots == (("sector", None),)


def test_a_new_session_forgets_the_slots_and_the_form() -> None:
    builder = ConversationBuilder().slot("sector", "bouw").loop("quote_form")
    builder.session_start().slot("sector", None).loop(None).slot("sector", "horeca")

    entries = transcript(builder.events)

    assert [entry.kind for entry in entries] == ["slots", "form", "session", "slots"]
    assert isinstance(entries[3], SlotsEntry)
    assert entries[3].slots == (("sector", "horeca"),)


def test_a_button_click() -> None:
    entries = transcript(ConversationBuilder().button("/faq/verplicht").events)

    assert isinstance(entries[0], UserEntry)
    assert (entries[0].text, entries[0].intent, entries[0].confidence) == (
        "/faq/verplicht",
        "faq",
        1.0,
    )
    assert (entries[0].faq_key, entries[0].faq_confidence) == ("faq/verplicht", 1.0)


def test_the_faq_key_only_for_the_faq_intent() -> None:
    builder = ConversationBuilder().user("ik wil advies", "request_advice", faq_key="faq/kosten")

    entry = transcript(builder.events)[0]

    assert isinstance(entry, UserEntry)
    assert (entry.faq_key, entry.faq_confidence) == (None, None)


def test_html_is_passed_on_as_text() -> None:
    entries = transcript(html_conversation())

    assert isinstance(entries[1], UserEntry)
    assert entries[1].text == HTML_TEXT


def test_actions_and_other_events_are_left_out() -> None:
    builder = ConversationBuilder().action("action_listen").action("utter_faq")
    builder.events.append({"event": "restart", "timestamp": 1.0})

    assert transcript(builder.events) == []


def test_odd_events_do_not_break_the_transcript() -> None:
    events = [
        TrackerEvent(1, {"event": "user", "text": None, "parse_data": None, "timestamp": "x"}),
        TrackerEvent(2, {"event": "bot", "data": {"buttons": "nee"}, "metadata": None}),
        TrackerEvent(3, {"event": "active_loop", "name": None}),
        TrackerEvent(4, {"event": "user", "parse_data": {"entities": [{"entity": "n"}, 5]}}),
    ]

    entries = build_transcript(events)

    assert entries == [
        UserEntry(1, None, "", None, None, None, None, (), None),
        BotEntry(2, None, None, (), None),
        UserEntry(4, None, "", None, None, None, None, (("n", "None"),), None),
    ]


def test_format_time_in_dutch() -> None:
    moment = datetime(2026, 11, 27, 13, 5, 9, tzinfo=timezone.utc)

    assert format_time(moment) == "27-11-2026 14:05:09"
    assert format_time(moment.astimezone(AMSTERDAM)) == "27-11-2026 14:05:09"
    assert format_time(datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc)) == "01-07-2026 10:00:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 11, 27, 13, 5, 9))

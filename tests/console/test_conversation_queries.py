"""The conversation list: every filter, a safe search, and paging both ways that shows
every row exactly once."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from cyberbot.console.conversation_queries import (
    ConversationFilter,
    ConversationPage,
    channels,
    decode_cursor,
    encode_cursor,
    get_summary,
    list_conversations,
)
from cyberbot.console.indexer import sync_conversations
from cyberbot.console.models import conversations, reviews
from tests.console.tracker_fixtures import (
    DEFAULT_START,
    KINDS,
    create_tracker_engine,
    write_events,
)

# Long after every fixture conversation: a form still open then counts as abandoned.
NOW = DEFAULT_START + timedelta(days=1)
SETTINGS: dict[str, Any] = {
    "low_confidence_threshold": 0.5,
    "abandoned_after": timedelta(minutes=30),
    "now": NOW,
}


def listing(engine: Engine, conversation_filter: ConversationFilter, **options: Any) -> list[str]:
    page = list_conversations(engine, conversation_filter, **{**SETTINGS, **options})
    return [item.conversation_id for item in page.items]


def add_row(engine: Engine, conversation_id: str, last_activity: datetime, **values: Any) -> None:
    row: dict[str, Any] = {
        "conversation_id": conversation_id,
        "channel": "rest",
        "started_at": last_activity - timedelta(minutes=5),
        "last_activity": last_activity,
        "turns": 1,
        "faq_answered": False,
        "advice_started": False,
        "advice_given": False,
        "quote_requested": False,
        "callback_requested": False,
        "handoff": False,
        "fallback_hit": False,
        "fallback_loop": False,
        "min_confidence": 0.9,
        "form_open": False,
        "first_message": "hallo",
        "search_text": "hallo",
        "last_event_id": 1,
    }
    with engine.begin() as connection:
        connection.execute(insert(conversations).values({**row, **values}))


def add_review(engine: Engine, conversation_id: str, reviewed: bool) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(reviews).values(
                conversation_id=conversation_id,
                reviewed_at=NOW if reviewed else None,
                reviewed_by="operator@example.nl" if reviewed else None,
                tags=[],
                note=None,
                updated_at=NOW,
            )
        )


@pytest.fixture()
def indexed(tmp_path: Path, console_engine: Engine) -> Engine:
    """One conversation of each kind, "conv-<kind>", a minute apart (in KINDS order)."""
    tracker = create_tracker_engine(tmp_path / "tracker.db")
    for n, (kind, build) in enumerate(KINDS.items()):
        write_events(tracker, f"conv-{kind}", build(DEFAULT_START + timedelta(minutes=n)))
    sync_conversations(tracker, console_engine)
    return console_engine


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"faq_answered"}, {"conv-faq", "conv-low_confidence", "conv-html"}),
        ({"advice_given"}, {"conv-advice"}),
        ({"advice_started"}, {"conv-advice", "conv-abandoned"}),
        ({"quote_requested"}, {"conv-quote"}),
        ({"callback_requested"}, {"conv-callback"}),
        ({"fallback_hit"}, {"conv-fallback", "conv-fallback_loop"}),
        ({"fallback_loop"}, {"conv-fallback_loop"}),
        ({"handoff"}, {"conv-handoff"}),
        ({"low_confidence"}, {"conv-fallback", "conv-low_confidence", "conv-fallback_loop"}),
        ({"abandoned"}, {"conv-abandoned"}),
        ({"faq_answered", "low_confidence"}, {"conv-low_confidence"}),
        ({"advice_given", "quote_requested"}, set()),
    ],
)
def test_tag_filters(indexed: Engine, tags: set[str], expected: set[str]) -> None:
    found = listing(indexed, ConversationFilter(tags=frozenset(tags)))

    assert set(found) == expected


def test_each_item_carries_its_tags_in_order(indexed: Engine) -> None:
    page = list_conversations(indexed, ConversationFilter(), **SETTINGS)
    tags = {item.conversation_id: item.tags for item in page.items}

    assert tags == {
        "conv-faq": ("faq_answered",),
        "conv-advice": ("advice_started", "advice_given"),
        "conv-quote": ("quote_requested",),
        "conv-callback": ("callback_requested",),
        "conv-fallback": ("fallback_hit", "low_confidence"),
        "conv-low_confidence": ("faq_answered", "low_confidence"),
        "conv-abandoned": ("advice_started", "abandoned"),
        "conv-html": ("faq_answered",),
        "conv-handoff": ("handoff",),
        "conv-fallback_loop": ("fallback_hit", "fallback_loop", "low_confidence"),
    }
    assert page.total == len(KINDS)
    assert page.items[0].conversation_id == f"conv-{list(KINDS)[-1]}"


def test_the_thresholds_are_settings(indexed: Engine) -> None:
    strict = {**SETTINGS, "low_confidence_threshold": 0.99}
    abandoned = ConversationFilter(tags=frozenset({"abandoned"}))
    summary = get_summary(indexed, "conv-abandoned", **SETTINGS)
    assert summary is not None
    just_after = summary.last_activity + timedelta(minutes=10)

    assert len(listing(indexed, ConversationFilter(tags=frozenset({"low_confidence"})), **strict))
    assert listing(indexed, abandoned, now=just_after) == []
    assert listing(indexed, abandoned, now=just_after, abandoned_after=timedelta(0)) == [
        "conv-abandoned"
    ]
    assert get_summary(indexed, "conv-abandoned", **{**SETTINGS, "now": just_after}) == (
        replace(summary, tags=("advice_started",))
    )


def test_channel_filter_and_choices(indexed: Engine) -> None:
    add_row(indexed, "conv-none", NOW, channel=None)

    assert listing(indexed, ConversationFilter(channel="socketio")) == ["conv-html"]
    assert listing(indexed, ConversationFilter(channel="whatsapp")) == []
    assert channels(indexed) == ["rest", "socketio"]


def test_reviewed_filter(indexed: Engine) -> None:
    add_review(indexed, "conv-faq", reviewed=True)
    add_review(indexed, "conv-quote", reviewed=False)

    assert listing(indexed, ConversationFilter(reviewed=True)) == ["conv-faq"]
    not_reviewed = listing(indexed, ConversationFilter(reviewed=False))
    assert set(not_reviewed) == {f"conv-{kind}" for kind in KINDS} - {"conv-faq"}
    reviewed_flags = {
        item.conversation_id: item.reviewed
        for item in list_conversations(indexed, ConversationFilter(), **SETTINGS).items
    }
    assert reviewed_flags["conv-faq"] is True
    assert reviewed_flags["conv-quote"] is False


def test_dates_are_dutch_calendar_days(console_engine: Engine) -> None:
    utc = timezone.utc
    starts = {
        "late-26th": datetime(2026, 11, 26, 22, 59, tzinfo=utc),  # 23:59 in Amsterdam
        "early-27th": datetime(2026, 11, 26, 23, 0, tzinfo=utc),  # 00:00 on the 27th
        "late-27th": datetime(2026, 11, 27, 22, 59, 59, tzinfo=utc),
        "early-28th": datetime(2026, 11, 27, 23, 0, tzinfo=utc),
        "summer": datetime(2026, 7, 1, 21, 59, tzinfo=utc),  # 23:59, summer time
    }
    for conversation_id, start in starts.items():
        add_row(console_engine, conversation_id, start + timedelta(hours=5), started_at=start)

    def between(start: date | None, end: date | None) -> set[str]:
        found = listing(console_engine, ConversationFilter(started_from=start, started_to=end))
        return set(found)

    assert between(date(2026, 11, 27), date(2026, 11, 27)) == {"early-27th", "late-27th"}
    assert between(date(2026, 11, 27), None) == {"early-27th", "late-27th", "early-28th"}
    assert between(None, date(2026, 11, 26)) == {"late-26th", "summer"}
    assert between(date(2026, 7, 1), date(2026, 7, 1)) == {"summer"}
    assert between(date(2026, 7, 2), date(2026, 7, 1)) == set()


@pytest.fixture()
def texts(console_engine: Engine) -> Engine:
    rows = {
        "cafe": "is mijn cafe verzekerd?",
        "percent": "korting van 50% op de premie?",
        "underscore": "mijn wachtwoord is geheim_123",
        "backslash": "map c:\\data is weg",
        "quote": "it's the o'brien policy",
        "plain": "wat kost een verzekering voor 50 medewerkers",
    }
    for n, (conversation_id, text) in enumerate(rows.items()):
        add_row(console_engine, conversation_id, NOW - timedelta(minutes=n), search_text=text)
    return console_engine


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("café", {"cafe"}),
        ("CAFE verzekerd", {"cafe"}),
        ("verzekerd cafe", {"cafe"}),
        ("cafe medewerkers", set()),
        ("verzeker", {"cafe", "plain"}),
        ("%", {"percent"}),
        ("50%", {"percent"}),
        ("_", {"underscore"}),
        ("a_e", set()),
        ("\\", {"backslash"}),
        ("' OR 1=1 --", set()),
        ("o'brien", {"quote"}),
        ("'", {"quote"}),
        ("   ", {"cafe", "percent", "underscore", "backslash", "quote", "plain"}),
    ],
)
def test_search(texts: Engine, search: str, expected: set[str]) -> None:
    assert set(listing(texts, ConversationFilter(search=search))) == expected


def test_filters_combine(indexed: Engine) -> None:
    add_review(indexed, "conv-low_confidence", reviewed=True)
    combined = ConversationFilter(
        channel="rest",
        tags=frozenset({"faq_answered"}),
        reviewed=False,
        started_from=DEFAULT_START.date(),
        started_to=DEFAULT_START.date(),
        search="cyberverzekering",
    )

    page = list_conversations(indexed, combined, **SETTINGS)

    assert [item.conversation_id for item in page.items] == ["conv-faq"]
    assert page.total == 1


@pytest.fixture()
def many(console_engine: Engine) -> Engine:
    """23 conversations; groups of three share their last activity, to test the ties."""
    for n in range(23):
        add_row(
            console_engine,
            f"conv-{n:02}",
            NOW - timedelta(minutes=n // 3),
            fallback_hit=n % 2 == 0,
        )
    return console_engine


def walk_forwards(
    engine: Engine, conversation_filter: ConversationFilter, size: int
) -> Iterator[ConversationPage]:
    page = list_conversations(engine, conversation_filter, page_size=size, **SETTINGS)
    yield page
    while page.next_cursor is not None:
        page = list_conversations(
            engine, conversation_filter, page_size=size, after=page.next_cursor, **SETTINGS
        )
        yield page


def ids(page: ConversationPage) -> list[str]:
    return [item.conversation_id for item in page.items]


@pytest.mark.parametrize("size", [1, 4, 5, 23, 50])
@pytest.mark.parametrize("fallback_only", [False, True])
def test_paging_forwards_and_backwards_shows_every_row_once(
    many: Engine, size: int, fallback_only: bool
) -> None:
    conversation_filter = ConversationFilter(
        tags=frozenset({"fallback_hit"}) if fallback_only else frozenset()
    )
    expected = [
        f"conv-{n:02}"
        for n in sorted(range(23), key=lambda n: (n // 3, -n))
        if not fallback_only or n % 2 == 0
    ]

    pages = list(walk_forwards(many, conversation_filter, size))

    assert [conversation_id for page in pages for conversation_id in ids(page)] == expected
    assert pages[0].previous_cursor is None
    assert all(page.previous_cursor is not None for page in pages[1:])
    assert all(len(page.items) == size for page in pages[:-1])
    assert {page.total for page in pages} == {len(expected)}

    back = [pages[-1]]
    while back[-1].previous_cursor is not None:
        back.append(
            list_conversations(
                many,
                conversation_filter,
                page_size=size,
                before=back[-1].previous_cursor,
                **SETTINGS,
            )
        )
    assert [ids(page) for page in reversed(back)] == [ids(page) for page in pages]
    assert back[-1].previous_cursor is None
    assert [page.next_cursor for page in reversed(back)] == [page.next_cursor for page in pages]


def test_an_empty_list(console_engine: Engine) -> None:
    page = list_conversations(console_engine, ConversationFilter(), **SETTINGS)

    assert page == ConversationPage(items=(), next_cursor=None, previous_cursor=None, total=0)


def test_a_cursor_older_than_every_row(many: Engine) -> None:
    oldest = list_conversations(many, ConversationFilter(), **SETTINGS).items[-1]
    cursor = encode_cursor(replace(oldest, last_activity=oldest.last_activity - timedelta(days=1)))

    page = list_conversations(many, ConversationFilter(), page_size=5, after=cursor, **SETTINGS)

    assert page == ConversationPage(items=(), next_cursor=None, previous_cursor=None, total=23)


def test_cursors_round_trip(many: Engine) -> None:
    item = list_conversations(many, ConversationFilter(), **SETTINGS).items[0]

    assert decode_cursor(encode_cursor(item)) == (item.last_activity, item.conversation_id)
    assert "=" not in encode_cursor(item)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "a",
        b64(b"not json"),
        b64(b"[1, 2]"),
        b64(b'{"t": "2026-11-27T10:00:00+00:00"}'),
        b64(b'{"t": "gisteren", "id": "conv"}'),
        b64(b'{"t": "2026-11-27T10:00:00", "id": "conv"}'),
        b64(b'{"t": "2026-11-27T10:00:00+00:00", "id": 5}'),
        b64(b'{"t": 5, "id": "conv"}'),
        b64(b'{"t": "2026-11-27T10:00:00+00:00", "id": "conv", "x": 1}'),
        b64("\u00e9".encode("latin-1")),
    ],
)
def test_a_malformed_cursor_is_refused(many: Engine, cursor: str) -> None:
    with pytest.raises(ValueError, match="malformed page cursor"):
        list_conversations(many, ConversationFilter(), after=cursor, **SETTINGS)
    with pytest.raises(ValueError, match="malformed page cursor"):
        list_conversations(many, ConversationFilter(), before=cursor, **SETTINGS)


def test_wrong_arguments_are_refused(many: Engine) -> None:
    cursor = encode_cursor(list_conversations(many, ConversationFilter(), **SETTINGS).items[0])

    with pytest.raises(ValueError, match="not both"):
        list_conversations(many, ConversationFilter(), after=cursor, before=cursor, **SETTINGS)
    with pytest.raises(ValueError, match="unknown tags: nonsense"):
        list_conversations(many, ConversationFilter(tags=frozenset({"nonsense"})), **SETTINGS)
    with pytest.raises(ValueError, match="page_size"):
        list_conversations(many, ConversationFilter(), page_size=0, **SETTINGS)


def test_get_summary(indexed: Engine) -> None:
    add_review(indexed, "conv-quote", reviewed=True)

    item = get_summary(indexed, "conv-quote", **SETTINGS)

    assert item is not None
    assert (item.conversation_id, item.tags, item.reviewed) == (
        "conv-quote",
        ("quote_requested",),
        True,
    )
    assert item.first_message == "/request_quote"
    assert get_summary(indexed, "conv-unknown", **SETTINGS) is None

"""When a visitor asking for a call-back can expect contact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from cyberbot.leads.office_hours import (
    MESSAGE_KEYS,
    OFFICE_HOURS_FILE,
    WEEKDAYS,
    ContactPromise,
    OfficeHoursError,
    contact_promise,
    format_moment,
    load_office_hours,
    parse_office_hours,
)

OFFICE = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc
HOURS = load_office_hours()

OPEN = "Ons kantoor is nu open. Een adviseur neemt binnen twee uur contact met u op."
CLOSING_SOON = "Ons kantoor is nu open, maar sluit vandaag om 17:30 uur. Een adviseur neemt "
CLOSED = (
    "Ons kantoor is nu gesloten. Een adviseur neemt op de eerstvolgende werkdag contact met u op: "
)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment on the office's wall clock."""
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE)


# (now, within_hours, earliest, message)
CASES = [
    pytest.param(at(2026, 11, 30, 10), True, at(2026, 11, 30, 10), OPEN, id="weekday-morning"),
    pytest.param(at(2026, 11, 30, 9), True, at(2026, 11, 30, 9), OPEN, id="at-opening"),
    pytest.param(
        at(2026, 11, 30, 15, 30), True, at(2026, 11, 30, 15, 30), OPEN, id="two-hours-left"
    ),
    pytest.param(
        at(2026, 11, 30, 15, 31),
        True,
        at(2026, 12, 1, 9),
        CLOSING_SOON + "morgen (dinsdag 1 december) vanaf 09:00 uur contact met u op.",
        id="too-little-time-left",
    ),
    pytest.param(
        at(2026, 11, 30, 17, 29),
        True,
        at(2026, 12, 1, 9),
        CLOSING_SOON + "morgen (dinsdag 1 december) vanaf 09:00 uur contact met u op.",
        id="just-before-closing",
    ),
    pytest.param(
        at(2026, 11, 27, 17),
        True,
        at(2026, 11, 30, 9),
        CLOSING_SOON + "maandag 30 november vanaf 09:00 uur contact met u op.",
        id="friday-before-closing",
    ),
    pytest.param(
        at(2026, 11, 30, 17, 30),
        False,
        at(2026, 12, 1, 9),
        CLOSED + "morgen (dinsdag 1 december) vanaf 09:00 uur.",
        id="at-closing",
    ),
    pytest.param(
        at(2026, 11, 30, 7),
        False,
        at(2026, 11, 30, 9),
        "Ons kantoor is nu nog gesloten. Een adviseur neemt vandaag vanaf 09:00 uur "
        "contact met u op.",
        id="weekday-early",
    ),
    pytest.param(
        at(2026, 11, 27, 20),
        False,
        at(2026, 11, 30, 9),
        CLOSED + "maandag 30 november vanaf 09:00 uur.",
        id="friday-evening",
    ),
    pytest.param(
        at(2026, 11, 28, 12),
        False,
        at(2026, 11, 30, 9),
        CLOSED + "maandag 30 november vanaf 09:00 uur.",
        id="saturday",
    ),
    pytest.param(
        at(2026, 11, 29, 12),
        False,
        at(2026, 11, 30, 9),
        CLOSED + "morgen (maandag 30 november) vanaf 09:00 uur.",
        id="sunday",
    ),
    pytest.param(
        at(2026, 4, 27, 11),
        False,
        at(2026, 4, 28, 9),
        "Ons kantoor is vandaag gesloten vanwege Koningsdag. Een adviseur neemt op de "
        "eerstvolgende werkdag contact met u op: morgen (dinsdag 28 april) vanaf 09:00 uur.",
        id="holiday",
    ),
    pytest.param(
        at(2026, 5, 13, 18),
        False,
        at(2026, 5, 15, 9),
        CLOSED + "vrijdag 15 mei vanaf 09:00 uur.",
        id="evening-before-ascension",
    ),
    pytest.param(at(2026, 5, 5, 11), True, at(2026, 5, 5, 11), OPEN, id="liberation-day-open-2026"),
    pytest.param(
        at(2026, 12, 24, 20),
        False,
        at(2026, 12, 28, 9),
        CLOSED + "maandag 28 december vanaf 09:00 uur.",
        id="christmas-eve",
    ),
    pytest.param(
        at(2026, 12, 31, 20),
        False,
        at(2027, 1, 4, 9),
        CLOSED + "maandag 4 januari vanaf 09:00 uur.",
        id="new-years-eve",
    ),
    pytest.param(
        at(2027, 3, 25, 17),
        True,
        at(2027, 3, 26, 9),
        CLOSING_SOON + "morgen (vrijdag 26 maart) vanaf 09:00 uur contact met u op.",
        id="good-friday-is-a-working-day",
    ),
    # Daylight saving time starts on Sunday 29 March 2026 at 02:00 (+01:00 -> +02:00).
    pytest.param(
        at(2026, 3, 27, 17),
        True,
        at(2026, 3, 30, 9),
        CLOSING_SOON + "maandag 30 maart vanaf 09:00 uur contact met u op.",
        id="friday-before-dst-start",
    ),
    pytest.param(
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        False,
        at(2026, 3, 30, 9),
        CLOSED + "morgen (maandag 30 maart) vanaf 09:00 uur.",
        id="dst-start-night",
    ),
    # Daylight saving time ends on Sunday 25 October 2026 at 03:00 (+02:00 -> +01:00).
    pytest.param(
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        False,
        at(2026, 10, 26, 9),
        CLOSED + "morgen (maandag 26 oktober) vanaf 09:00 uur.",
        id="dst-end-night",
    ),
    pytest.param(
        at(2026, 10, 23, 20),
        False,
        at(2026, 10, 26, 9),
        CLOSED + "maandag 26 oktober vanaf 09:00 uur.",
        id="friday-before-dst-end",
    ),
    # 16:00 UTC on Friday 27 November is 17:00 in Amsterdam and Brussels.
    pytest.param(
        datetime(2026, 11, 27, 16, tzinfo=UTC),
        True,
        at(2026, 11, 30, 9),
        CLOSING_SOON + "maandag 30 november vanaf 09:00 uur contact met u op.",
        id="utc-friday-before-closing",
    ),
    # 08:30 UTC on Monday 30 March is 10:30 in summer time: open, not before opening.
    pytest.param(
        datetime(2026, 3, 30, 8, 30, tzinfo=UTC),
        True,
        at(2026, 3, 30, 10, 30),
        OPEN,
        id="utc-in-summer-time",
    ),
    # 10:00 in New York is 16:00 in Amsterdam: too late for the two-hour promise.
    pytest.param(
        datetime(2026, 11, 30, 10, tzinfo=timezone(timedelta(hours=-5))),
        True,
        at(2026, 12, 1, 9),
        CLOSING_SOON + "morgen (dinsdag 1 december) vanaf 09:00 uur contact met u op.",
        id="visitor-in-new-york",
    ),
]


@pytest.mark.parametrize(("now", "within_hours", "earliest", "message"), CASES)
def test_contact_promise(
    now: datetime, within_hours: bool, earliest: datetime, message: str
) -> None:
    promise = contact_promise(now, HOURS)
    assert promise == ContactPromise(within_hours, earliest, message)
    # Equal instants can still differ in offset; the promise is on the office's clock.
    assert promise.earliest.tzinfo == OFFICE
    assert promise.earliest.utcoffset() == earliest.utcoffset()


def test_earliest_is_at_the_right_instant_across_dst() -> None:
    assert contact_promise(at(2026, 3, 27, 17), HOURS).earliest == datetime(
        2026, 3, 30, 7, tzinfo=UTC
    )
    assert contact_promise(at(2026, 10, 23, 20), HOURS).earliest == datetime(
        2026, 10, 26, 8, tzinfo=UTC
    )


def test_default_hours_are_the_content_file() -> None:
    now = at(2026, 12, 24, 20)
    assert contact_promise(now) == contact_promise(now, HOURS)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        contact_promise(datetime(2026, 11, 30, 10), HOURS)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (at(2026, 11, 30, 9), "maandag 30 november om 09:00 uur"),
        (at(2026, 12, 1, 14, 5), "dinsdag 1 december om 14:05 uur"),
        (at(2027, 1, 3, 17, 30), "zondag 3 januari om 17:30 uur"),
        (at(2026, 5, 14, 0), "donderdag 14 mei om 00:00 uur"),
    ],
)
def test_format_moment(moment: datetime, text: str) -> None:
    assert format_moment(moment) == text


# --- the content file ---------------------------------------------------------------


def raw_content() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(OFFICE_HOURS_FILE.read_text(encoding="utf-8"))
    return data


def easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


def dutch_holidays(year: int) -> dict[date, str]:
    """The closing days the office keeps, computed from the rules."""
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = date(year, 4, 26)
    sunday = easter(year)
    liberation = {date(year, 5, 5): "Bevrijdingsdag"} if year % 5 == 0 else {}
    return {
        **liberation,
        date(year, 1, 1): "Nieuwjaarsdag",
        sunday + timedelta(days=1): "Tweede Paasdag",
        kings_day: "Koningsdag",
        sunday + timedelta(days=39): "Hemelvaartsdag",
        sunday + timedelta(days=50): "Tweede Pinksterdag",
        date(year, 12, 25): "Eerste Kerstdag",
        date(year, 12, 26): "Tweede Kerstdag",
    }


def test_easter_rule() -> None:
    assert easter(2025) == date(2025, 4, 20)
    assert easter(2026) == date(2026, 4, 5)
    assert easter(2027) == date(2027, 3, 28)
    assert dutch_holidays(2025)[date(2025, 4, 26)] == "Koningsdag"


@pytest.mark.parametrize("year", range(2025, 2046))
def test_the_office_closes_on_the_dutch_public_holidays_of_every_year(year: int) -> None:
    """The holidays package against the rules computed here, for years nobody typed in:
    Sundays are closed anyway, so only the other days are compared."""
    closed = {}
    day = date(year, 1, 1)
    while day.year == year:
        name = HOURS.closing_day(day)
        if name is not None and day.weekday() != 6:
            closed[day] = name.casefold()
        day += timedelta(days=1)
    expected = {day: name.casefold() for day, name in dutch_holidays(year).items()
                if day.weekday() != 6}
    assert closed == expected


def test_the_office_is_open_on_good_friday_and_on_liberation_day_between_lustra() -> None:
    assert HOURS.closing_day(date(2026, 4, 3)) is None  # Goede Vrijdag
    assert HOURS.opening_on(date(2026, 5, 5)) is not None
    assert HOURS.closing_day(date(2030, 5, 5)) == "Bevrijdingsdag"


def test_the_offices_own_closing_days_come_first() -> None:
    data = raw_content()
    data["closing_days"] = {date(2026, 6, 12): "Personeelsuitje"}
    own = parse_office_hours(data)
    assert own.closing_day(date(2026, 6, 12)) == "Personeelsuitje"
    assert own.opening_on(date(2026, 6, 12)) is None
    assert own.closing_day(date(2026, 12, 25)) == "Eerste Kerstdag"


@pytest.mark.parametrize("weekday", WEEKDAYS)
def test_weekday_entry_is_well_formed(weekday: str) -> None:
    entry = raw_content()["opening_hours"][weekday]
    if entry == "closed":
        return
    assert set(entry) == {"opens", "closes"}
    opens, closes = time.fromisoformat(entry["opens"]), time.fromisoformat(entry["closes"])
    assert opens < closes


def test_content_file_is_as_documented() -> None:
    data = raw_content()
    assert list(data["opening_hours"]) == list(WEEKDAYS)
    assert data["timezone"] == "Europe/Amsterdam"
    assert HOURS.timezone == OFFICE
    assert HOURS.response_minutes == 120
    assert HOURS.response_phrase == "binnen twee uur"
    assert set(data["messages"]) == set(MESSAGE_KEYS)
    assert HOURS.opening_on(date(2026, 11, 28)) is None


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda data: data["opening_hours"].pop("sunday"), "opening_hours"),
        (lambda data: data["opening_hours"].update(monday={"opens": "09:00"}), "monday"),
        (
            lambda data: data["opening_hours"].update(monday={"opens": "09:00", "closes": 1050}),
            "quoted time",
        ),
        (
            lambda data: data["opening_hours"].update(monday={"opens": "18:00", "closes": "09:00"}),
            "before closes",
        ),
        (
            lambda data: data.update(opening_hours=dict.fromkeys(WEEKDAYS, "closed")),
            "at least one",
        ),
        (lambda data: data["response_time"].update(minutes=0), "response_time"),
        (lambda data: data["messages"].pop("tomorrow"), "messages"),
        (lambda data: data.update(closing_days={"2026-13-01": "Fout"}), "not a date"),
        (lambda data: data.update(closing_days={date(2026, 6, 1): ""}), "needs a name"),
        (lambda data: data["public_holidays"].update(country="XX"), "no public holidays"),
        (lambda data: data["public_holidays"].update(open_on=["Sinterklaas"]), "not a holiday"),
        (lambda data: data.pop("public_holidays"), "public_holidays"),
    ],
)
def test_malformed_content_is_refused(
    change: Callable[[dict[str, Any]], object], complaint: str
) -> None:
    data = raw_content()
    change(data)
    with pytest.raises(ValueError, match=complaint):
        parse_office_hours(data)


def test_every_problem_is_named_at_once_with_the_file() -> None:
    data = raw_content()
    data["opening_hours"]["monday"] = {"opens": "09:00", "closes": 1050}
    data["opening_hours"]["tuesday"] = "gesloten"
    data["response_time"]["minutes"] = True
    data["messages"]["open"] = " "
    data["holidays"] = "NL"
    with pytest.raises(OfficeHoursError) as error:
        parse_office_hours(data)
    assert str(error.value).split("; ") == [
        "office_hours.yml: opening_hours.monday.closes: "
        "expected a quoted time like '09:00', got 1050",
        "opening_hours.tuesday: expected {opens, closes} or 'closed'",
        "response_time.minutes: expected a whole number of minutes above 0, got True",
        "messages.open: expected non-empty text",
        "(top level): unknown key(s) holidays",
    ]

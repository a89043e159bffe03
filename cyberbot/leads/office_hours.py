"""When can a visitor who asks for a call-back expect contact?

The opening hours, the promised response time, the closing days and the texts live in
``content/office_hours.yml``. Public holidays come from the maintained ``holidays``
package for every year, so nothing there needs a yearly update; the file names only
the holidays the office works on and its own extra closing days.
:func:`contact_promise` turns a moment into a promise: the response time when the office
is open long enough, otherwise the next opening.

Times are computed on the office's wall clock (``datetime.combine`` with the office time
zone) and compared as instants, so daylight-saving changes need no special care.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import yaml

from cyberbot.content import content_path
from cyberbot.dutch_dates import day_and_date

OFFICE_HOURS_FILE = content_path("office_hours.yml")
# Keys of opening_hours in the YAML, in the order of date.weekday().
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOSED = "closed"
MESSAGE_KEYS = (
    "open",
    "open_closing_soon",
    "closed_opens_today",
    "closed",
    "closed_holiday",
    "tomorrow",
)
# How far ahead to look for an opening; only a broken configuration needs this much.
_SEARCH_DAYS = 366


@dataclass(frozen=True)
class Opening:
    """Opening hours of one day, on the office's wall clock."""

    opens: time
    closes: time


@dataclass(frozen=True)
class OfficeHours:
    """The contents of ``content/office_hours.yml``."""

    timezone: ZoneInfo
    # By date.weekday(); a missing weekday is closed.
    weekly: Mapping[int, Opening]
    response_minutes: int
    response_phrase: str
    # The office's own closing days besides the weekly ones and the public holidays.
    closing_days: Mapping[date, str]
    messages: Mapping[str, str]
    # The country whose public holidays close the office (ISO code), and the holidays
    # (by Dutch name, case-insensitive) it is open on all the same.
    holiday_country: str = "NL"
    open_on: frozenset[str] = frozenset()

    def closing_day(self, day: date) -> str | None:
        """The name of the holiday or closing day ``day`` is, if the office closes for it."""
        own = self.closing_days.get(day)
        if own is not None:
            return own
        name = public_holidays(self.holiday_country, day.year).get(day)
        if name is None or name.casefold() in self.open_on:
            return None
        return name

    def opening_on(self, day: date) -> Opening | None:
        """The opening hours of ``day``, or None when the office is closed all day."""
        if self.closing_day(day) is not None:
            return None
        return self.weekly.get(day.weekday())


@dataclass(frozen=True)
class ContactPromise:
    """What a visitor asking for a call-back is told."""

    within_hours: bool  # office open right now
    earliest: datetime  # aware datetime in the office timezone: when contact can start
    message: str  # Dutch sentence(s) for the visitor


def _parse_time(value: Any, where: str) -> time:
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a quoted time like '09:00', got {value!r}")
    try:
        return time.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"{where}: {value!r} is not a time like '09:00'") from error


def _parse_opening(value: Any, weekday: str) -> Opening | None:
    if value == CLOSED:
        return None
    if not isinstance(value, dict) or set(value) != {"opens", "closes"}:
        raise ValueError(f"opening_hours.{weekday}: expected {{opens, closes}} or {CLOSED!r}")
    opening = Opening(
        opens=_parse_time(value["opens"], f"opening_hours.{weekday}.opens"),
        closes=_parse_time(value["closes"], f"opening_hours.{weekday}.closes"),
    )
    if opening.opens >= opening.closes:
        raise ValueError(f"opening_hours.{weekday}: opens must be before closes")
    return opening


@lru_cache(maxsize=32)
def public_holidays(country: str, year: int) -> Mapping[date, str]:
    """The public holidays of ``country`` in ``year``, with their Dutch names (several
    holidays on one day are joined by the package with "; ")."""
    return dict(holidays.country_holidays(country, years=year, language="nl"))


def _parse_public_holidays(value: Any) -> tuple[str, frozenset[str]]:
    if not isinstance(value, dict) or not isinstance(value.get("country"), str):
        raise ValueError("public_holidays: expected a country code and the holidays to work on")
    country = value["country"].upper()
    if country not in holidays.list_supported_countries():
        raise ValueError(f"public_holidays: no public holidays known for {country!r}")
    open_on = value.get("open_on") or []
    if not isinstance(open_on, list) or not all(isinstance(n, str) for n in open_on):
        raise ValueError("public_holidays.open_on: expected a list of holiday names")
    known = {name.casefold() for year in (2024, 2025, 2026, 2030)
             for name in public_holidays(country, year).values()}
    unknown = [name for name in open_on if name.casefold() not in known]
    if unknown:
        raise ValueError(f"public_holidays.open_on: not a holiday of {country}: {unknown}")
    return country, frozenset(name.casefold() for name in open_on)


def _parse_closing_days(value: Any) -> dict[date, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("closing_days: expected a mapping of dates to names")
    days = {}
    for day, name in value.items():
        # An unquoted YYYY-MM-DD key is read as a date (and an impossible date fails).
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValueError(f"closing_days: {day!r} is not a date like 2026-12-25")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"closing_days.{day}: needs a name")
        days[day] = name
    return days


def parse_office_hours(data: Any) -> OfficeHours:
    """Build OfficeHours from the parsed YAML; raise ValueError on any malformed part."""
    if not isinstance(data, dict):
        raise ValueError("expected a mapping at the top level")
    opening_hours = data.get("opening_hours")
    if not isinstance(opening_hours, dict) or set(opening_hours) != set(WEEKDAYS):
        raise ValueError(f"opening_hours: expected exactly the keys {', '.join(WEEKDAYS)}")
    weekly = {}
    for index, weekday in enumerate(WEEKDAYS):
        opening = _parse_opening(opening_hours[weekday], weekday)
        if opening is not None:
            weekly[index] = opening
    if not weekly:
        raise ValueError("opening_hours: the office must be open on at least one weekday")
    response = data.get("response_time")
    if (
        not isinstance(response, dict)
        or not isinstance(response.get("minutes"), int)
        or response["minutes"] <= 0
        or not isinstance(response.get("phrase"), str)
    ):
        raise ValueError("response_time: expected a positive number of minutes and a phrase")
    country, open_on = _parse_public_holidays(data.get("public_holidays"))
    messages = data.get("messages")
    if not isinstance(messages, dict) or not all(
        isinstance(messages.get(key), str) for key in MESSAGE_KEYS
    ):
        raise ValueError(f"messages: expected texts for {', '.join(MESSAGE_KEYS)}")
    return OfficeHours(
        timezone=ZoneInfo(str(data.get("timezone"))),
        weekly=weekly,
        response_minutes=response["minutes"],
        response_phrase=response["phrase"],
        closing_days=_parse_closing_days(data.get("closing_days")),
        messages={key: messages[key] for key in MESSAGE_KEYS},
        holiday_country=country,
        open_on=open_on,
    )


def load_office_hours(path: Path | None = None) -> OfficeHours:
    """Read the office hours, by default from ``content/office_hours.yml``."""
    source = OFFICE_HOURS_FILE if path is None else path
    return parse_office_hours(yaml.safe_load(source.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _default_office_hours() -> OfficeHours:
    return load_office_hours()


def _day_text(day: date) -> str:
    return day_and_date(day)


def format_moment(moment: datetime) -> str:
    """Dutch, on the wall clock of ``moment``: "maandag 30 november om 09:00 uur"."""
    return f"{_day_text(moment.date())} om {moment:%H:%M} uur"


def _next_opening(hours: OfficeHours, after: date) -> datetime:
    """The start of the first opening on a day after ``after``."""
    for offset in range(1, _SEARCH_DAYS + 1):
        day = after + timedelta(days=offset)
        opening = hours.opening_on(day)
        if opening is not None:
            return datetime.combine(day, opening.opens, tzinfo=hours.timezone)
    raise ValueError(f"the office does not open within {_SEARCH_DAYS} days after {after}")


def _day_label(moment: datetime, today: date, hours: OfficeHours) -> str:
    """ "maandag 30 november", or "morgen (dinsdag 1 december)" when it is tomorrow."""
    text = _day_text(moment.date())
    if moment.date() == today + timedelta(days=1):
        return hours.messages["tomorrow"].format(date=text)
    return text


def _instant(moment: datetime) -> datetime:
    # Aware datetimes that share a tzinfo compare on the wall clock, which is wrong
    # around a daylight-saving change; in UTC they compare as instants.
    return moment.astimezone(timezone.utc)


def contact_promise(now: datetime, hours: OfficeHours | None = None) -> ContactPromise:
    """When a visitor asking for a call-back at ``now`` can expect contact.

    ``now`` must be timezone-aware (any time zone); it is converted to the office's.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    office = _default_office_hours() if hours is None else hours
    local = now.astimezone(office.timezone)
    today = local.date()
    opening = office.opening_on(today)
    if opening is not None:
        opens_at = datetime.combine(today, opening.opens, tzinfo=office.timezone)
        closes_at = datetime.combine(today, opening.closes, tzinfo=office.timezone)
        if _instant(local) < _instant(opens_at):
            message = office.messages["closed_opens_today"].format(time=f"{opens_at:%H:%M}")
            return ContactPromise(within_hours=False, earliest=opens_at, message=message)
        if _instant(local) < _instant(closes_at):
            deadline = _instant(local) + timedelta(minutes=office.response_minutes)
            if deadline <= _instant(closes_at):
                message = office.messages["open"].format(response=office.response_phrase)
                return ContactPromise(within_hours=True, earliest=local, message=message)
            following = _next_opening(office, today)
            message = office.messages["open_closing_soon"].format(
                closes=f"{closes_at:%H:%M}",
                day=_day_label(following, today, office),
                time=f"{following:%H:%M}",
            )
            return ContactPromise(within_hours=True, earliest=following, message=message)
    following = _next_opening(office, today)
    holiday = office.closing_day(today)
    template = office.messages["closed" if holiday is None else "closed_holiday"]
    message = template.format(
        day=_day_label(following, today, office), time=f"{following:%H:%M}", holiday=holiday
    )
    return ContactPromise(within_hours=False, earliest=following, message=message)

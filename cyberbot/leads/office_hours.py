"""When can a visitor who asks for a call-back expect contact?

The opening hours, the promised response time, the closing days and the texts live in
``content/office_hours.yml``. Public holidays come from the maintained ``holidays``
package for every year, so nothing there needs a yearly update; the file names only
the holidays the office works on and its own extra closing days. The structure of the
file is the pydantic model ``_OfficeHoursFile``; callers get the frozen dataclasses below.
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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from pydantic import root_validator, validator

from cyberbot.content import Checked, ContentModel, Text, content_path, key_check, parse_content
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


class OfficeHoursError(ValueError):
    """The office hours file is invalid; the message names the file and the place."""


@lru_cache(maxsize=32)
def public_holidays(country: str, year: int) -> Mapping[date, str]:
    """The public holidays of ``country`` in ``year``, with their Dutch names (several
    holidays on one day are joined by the package with "; ")."""
    return dict(holidays.country_holidays(country, years=year, language="nl"))


# --- the file as pydantic models ---------------------------------------------------------


class _Opening(ContentModel):
    opens: time
    closes: time

    @validator("opens", "closes", pre=True)
    def _quoted(cls, value: Any) -> time:  # noqa: N805 (pydantic passes the class)
        """YAML reads an unquoted 17:30 as the number 1050."""
        if not isinstance(value, str):
            raise ValueError(f"expected a quoted time like '09:00', got {value!r}")
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time like '09:00'") from None

    @root_validator(skip_on_failure=True)
    def _in_order(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["opens"] >= values["closes"]:
            raise ValueError("opens must be before closes")
        return values


class _ResponseTime(ContentModel):
    minutes: int
    phrase: Text

    @validator("minutes", pre=True)
    def _positive(cls, minutes: Any) -> Any:  # noqa: N805
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise ValueError(f"expected a whole number of minutes above 0, got {minutes!r}")
        return minutes


class _PublicHolidays(ContentModel):
    country: Text
    open_on: tuple[Text, ...] | None = None

    @validator("country")
    def _supported(cls, country: str) -> str:  # noqa: N805
        country = country.upper()
        if country not in holidays.list_supported_countries():
            raise ValueError(f"no public holidays known for {country!r}")
        return country

    @validator("open_on")
    def _holidays(
        cls, names: tuple[str, ...] | None, values: dict[str, Any]  # noqa: N805
    ) -> tuple[str, ...] | None:
        country = values.get("country")
        if country is None or names is None:
            return names
        known = {name.casefold() for year in (2024, 2025, 2026, 2030)
                 for name in public_holidays(country, year).values()}
        unknown = [name for name in names if name.casefold() not in known]
        if unknown:
            raise ValueError(f"not a holiday of {country}: {unknown}")
        return names


class _Day(date, Checked):
    """YAML reads an unquoted YYYY-MM-DD key as a date (and an impossible date fails)."""

    @staticmethod
    def check(value: Any) -> date:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError(f"{value!r} is not a date like 2026-12-25")
        return value


class _OfficeHoursFile(ContentModel):
    timezone: Text
    opening_hours: dict[str, _Opening | None]
    response_time: _ResponseTime
    public_holidays: _PublicHolidays
    closing_days: dict[_Day, str] | None = None
    messages: dict[str, Text]

    _weekdays = key_check("opening_hours", WEEKDAYS, "weekday")
    _message_keys = key_check("messages", MESSAGE_KEYS, "message")

    @validator("timezone")
    def _known_zone(cls, name: str) -> str:  # noqa: N805
        try:
            ZoneInfo(name)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"expected a time zone like Europe/Amsterdam, got {name!r}") from None
        return name

    @validator("opening_hours", pre=True, each_item=True)
    def _closed(cls, day: Any) -> Any:  # noqa: N805
        if day == CLOSED:
            return None
        if not isinstance(day, dict):
            raise ValueError(f"expected {{opens, closes}} or {CLOSED!r}")
        return day

    @validator("opening_hours")
    def _open_some_day(
        cls, days: dict[str, _Opening | None]  # noqa: N805
    ) -> dict[str, _Opening | None]:
        if not any(days.values()):
            raise ValueError("the office must be open on at least one weekday")
        return days

    @validator("closing_days", pre=True, each_item=True)
    def _named(cls, name: Any) -> Any:  # noqa: N805
        if not isinstance(name, str) or not name.strip():
            raise ValueError("needs a name")
        return name


def parse_office_hours(data: Any, source: str = OFFICE_HOURS_FILE.name) -> OfficeHours:
    """Build OfficeHours from the parsed YAML of the file ``source``; raise
    OfficeHoursError (a ValueError) that names every problem."""
    file = parse_content(_OfficeHoursFile, data, source, OfficeHoursError)
    days = file.opening_hours.values()  # in the order of WEEKDAYS
    return OfficeHours(
        timezone=ZoneInfo(file.timezone),
        weekly={index: Opening(**day.dict()) for index, day in enumerate(days) if day is not None},
        response_minutes=file.response_time.minutes,
        response_phrase=file.response_time.phrase,
        closing_days=dict((file.closing_days or {}).items()),  # a dict of plain dates
        messages=file.messages,
        holiday_country=file.public_holidays.country,
        open_on=frozenset(name.casefold() for name in file.public_holidays.open_on or ()),
    )


def load_office_hours(path: Path | None = None) -> OfficeHours:
    """Read the office hours, by default from ``content/office_hours.yml``."""
    source = OFFICE_HOURS_FILE if path is None else path
    return parse_office_hours(yaml.safe_load(source.read_text(encoding="utf-8")), source.name)


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

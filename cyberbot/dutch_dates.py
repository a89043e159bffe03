"""Dutch names of weekdays and months (no locale needed on the server)."""

from __future__ import annotations

from datetime import date

# In the order of date.weekday() and of month numbers.
DAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTH_NAMES = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def day_and_date(day: date) -> str:
    """ "maandag 30 november" """
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"


def full_date(day: date) -> str:
    """ "30 november 2026" """
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"

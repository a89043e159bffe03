"""The pure parts of access control and rendering."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cyberbot.console.access import safe_next
from cyberbot.console.rendering import dutch_time, percentage


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/operator/leads?status=nieuw", "/operator/leads?status=nieuw"),
        (None, "/operator/conversations"),
        ("", "/operator/conversations"),
        ("https://evil.example/operator/", "/operator/conversations"),
        ("//evil.example/operator/", "/operator/conversations"),
        ("/operator/\\evil", "/operator/conversations"),
        ("/operator/login?next=/operator/", "/operator/conversations"),
        ("/elders", "/operator/conversations"),
    ],
)
def test_safe_next_stays_inside_the_console(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_dutch_time_in_winter_and_summer() -> None:
    assert dutch_time(datetime(2026, 11, 27, 13, 5, 9, tzinfo=timezone.utc)) == "27-11-2026 14:05"
    summer = datetime(2026, 7, 1, 13, 5, 9, tzinfo=timezone.utc)
    assert dutch_time(summer, seconds=True) == "01-07-2026 15:05:09"
    assert dutch_time(None) == ""


def test_percentage() -> None:
    assert percentage(0.974) == "97%"
    assert percentage(None) == ""

"""Console settings from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cyberbot.console.settings import ConsoleSettings, SettingsError, load_settings


def test_defaults() -> None:
    assert load_settings({}) == ConsoleSettings()
    assert ConsoleSettings().low_confidence_threshold == 0.7


def test_values_from_the_environment() -> None:
    settings = load_settings({
        "CYBERBOT_LOW_CONFIDENCE": "0.5",
        "CYBERBOT_ABANDONED_AFTER_MINUTES": "90",
        "CYBERBOT_CONSOLE_SECURE_COOKIE": "0",
        "CYBERBOT_ENDPOINTS": "/etc/cyberbot/endpoints.yml",
    })
    assert settings.low_confidence_threshold == 0.5
    assert settings.abandoned_after == timedelta(minutes=90)
    assert settings.secure_cookie is False
    assert settings.endpoints == Path("/etc/cyberbot/endpoints.yml")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CYBERBOT_LOW_CONFIDENCE", "hoog"),
        ("CYBERBOT_LOW_CONFIDENCE", "0"),
        ("CYBERBOT_LOW_CONFIDENCE", "1.5"),
        ("CYBERBOT_ABANDONED_AFTER_MINUTES", "-5"),
        ("CYBERBOT_CONSOLE_SECURE_COOKIE", "misschien"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})

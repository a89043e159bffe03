"""security.yml and its environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cyberbot.security.settings import SecurityConfigError, load_settings, parse_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_project_file_is_valid_and_strict_by_default() -> None:
    settings = load_settings({"CYBERBOT_SECURITY_CONFIG": str(ROOT / "security.yml")})
    assert settings.allowed_origins == ("http://localhost:8080", "http://127.0.0.1:8080")
    assert settings.trusted_proxies == ()
    assert settings.limits.messages_per_minute_per_conversation == 20
    assert settings.limits.leads_per_hour_per_conversation == 2
    assert settings.max_message_chars == 5000
    data = yaml.safe_load((ROOT / "security.yml").read_text())
    assert set(data) == set(settings.__fields__)


def test_the_environment_overrides_the_file() -> None:
    settings = parse_settings(
        {"allowed_origins": ["https://a.nl"]},
        {
            "CYBERBOT_ALLOWED_ORIGINS": "https://www.voorbeeld.nl, https://www.voorbeeld.be/",
            "CYBERBOT_TRUSTED_PROXIES": "10.0.0.0/8,::1",
            "CYBERBOT_LIMIT_LEADS_PER_HOUR_PER_CLIENT": "9",
            "CYBERBOT_MAX_MESSAGE_CHARS": "800",
        },
        "test",
    )
    assert settings.allowed_origins == ("https://www.voorbeeld.nl", "https://www.voorbeeld.be")
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1/128")
    assert settings.limits.leads_per_hour_per_client == 9
    assert settings.max_message_chars == 800


@pytest.mark.parametrize(
    ("data", "environ", "field"),
    [
        ({"allowed_origins": ["*"]}, {}, "allowed_origins"),
        ({}, {"CYBERBOT_ALLOWED_ORIGINS": "evil.example"}, "allowed_origins"),
        ({"allowed_origins": ["https://a.nl/path"]}, {}, "allowed_origins"),
        ({"trusted_proxies": ["not-an-ip"]}, {}, "trusted_proxies"),
        ({"limits": {"messages_per_minute_per_client": -1}}, {}, "limits.messages_per_minute"),
        ({"limits": {"typo": 3}}, {}, "limits.typo"),
        ({}, {"CYBERBOT_MAX_MESSAGE_CHARS": "lots"}, "max_message_chars"),
        ({"unknown": 1}, {}, "unknown"),
    ],
)
def test_a_wrong_value_names_the_file_and_the_field(
    data: dict[str, object], environ: dict[str, str], field: str
) -> None:
    with pytest.raises(SecurityConfigError, match=f"security.yml: .*{field}"):
        parse_settings(data, environ, "security.yml")


def test_a_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SecurityConfigError, match="not found"):
        load_settings({"CYBERBOT_SECURITY_CONFIG": str(tmp_path / "nope.yml")})

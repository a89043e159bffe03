"""WhatsAppConfig: credentials.yml, environment overrides, validation, no secrets shown."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml

from cyberbot.channels.whatsapp.config import (
    ENVIRONMENT_VARIABLES,
    ConfigError,
    TemplateConfig,
    WhatsAppConfig,
)

VERIFY_TOKEN = "verify-token-Zq81"
APP_SECRET = "app-secret-Xk2209"
ACCESS_TOKEN = "EAAJBaccess-token-Wp3377"
SECRETS = (VERIFY_TOKEN, APP_SECRET, ACCESS_TOKEN)


def credentials(**overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "apology": "Excuses, er ging iets mis.",  # the channel's own key, ignored here
        "verify_token": VERIFY_TOKEN,
        "app_secret": APP_SECRET,
        "access_token": ACCESS_TOKEN,
        "phone_number_id": "106540352242922",
    }
    settings.update(overrides)
    return {key: value for key, value in settings.items() if value is not None}


def test_settings_from_credentials_with_defaults() -> None:
    config = WhatsAppConfig.from_credentials(credentials(), {})
    assert config.verify_token == VERIFY_TOKEN
    assert config.app_secret == APP_SECRET
    assert config.access_token == ACCESS_TOKEN
    assert config.phone_number_id == "106540352242922"
    assert config.graph_version == "v21.0"
    assert config.base_url == "https://graph.facebook.com"
    assert config.request_timeout_seconds == 10
    assert config.max_attempts == 4
    assert dict(config.templates) == {}
    assert config.messages_url == "https://graph.facebook.com/v21.0/106540352242922/messages"


def test_the_environment_wins_over_credentials() -> None:
    environ = {
        "CYBERBOT_WHATSAPP_VERIFY_TOKEN": "env-verify",
        "CYBERBOT_WHATSAPP_APP_SECRET": "env-secret",
        "CYBERBOT_WHATSAPP_ACCESS_TOKEN": "env-access",
        "CYBERBOT_WHATSAPP_PHONE_NUMBER_ID": "999",
        "CYBERBOT_WHATSAPP_GRAPH_VERSION": "v23.0",
        "CYBERBOT_WHATSAPP_BASE_URL": "http://127.0.0.1:8089/",
    }
    config = WhatsAppConfig.from_credentials(credentials(graph_version="v19.0"), environ)
    assert (config.verify_token, config.app_secret, config.access_token) == (
        "env-verify",
        "env-secret",
        "env-access",
    )
    assert config.messages_url == "http://127.0.0.1:8089/v23.0/999/messages"


def test_everything_can_come_from_the_environment_alone() -> None:
    environ = {
        "CYBERBOT_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "CYBERBOT_WHATSAPP_APP_SECRET": APP_SECRET,
        "CYBERBOT_WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
        "CYBERBOT_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    }
    sections: tuple[dict[str, Any] | None, ...] = (None, {})
    for section in sections:
        assert WhatsAppConfig.from_credentials(section, environ).app_secret == APP_SECRET


def test_an_empty_variable_counts_as_unset_and_whitespace_is_dropped() -> None:
    environ = {"CYBERBOT_WHATSAPP_APP_SECRET": "", "CYBERBOT_WHATSAPP_ACCESS_TOKEN": " tok\n"}
    config = WhatsAppConfig.from_credentials(credentials(), environ)
    assert config.app_secret == APP_SECRET
    assert config.access_token == "tok"


@pytest.mark.parametrize(
    "setting", ["verify_token", "app_secret", "access_token", "phone_number_id"]
)
def test_a_missing_required_setting_names_setting_and_variable(setting: str) -> None:
    for value in (None, "", "   "):
        with pytest.raises(ConfigError) as raised:
            WhatsAppConfig.from_credentials(credentials(**{setting: value}), {})
        message = str(raised.value)
        assert setting in message
        assert ENVIRONMENT_VARIABLES[setting] in message
        assert not any(secret in message for secret in SECRETS)


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_no_secret_in_repr_str_or_errors() -> None:
    config = WhatsAppConfig.from_credentials(credentials(), {})
    for shown in (repr(config), str(config), f"{config}"):
        assert not any(secret in shown for secret in SECRETS)
        assert "106540352242922" in shown
    with pytest.raises(ConfigError) as raised:
        WhatsAppConfig.from_credentials(credentials(graph_version=APP_SECRET), {})
    # Only the graph version itself is quoted back, never another setting.
    assert VERIFY_TOKEN not in str(raised.value)
    assert ACCESS_TOKEN not in str(raised.value)


def test_an_invalid_secret_and_other_errors_quote_no_secret() -> None:
    for section in (
        credentials(access_token=[ACCESS_TOKEN], app_secret={"secret": APP_SECRET}),
        credentials(verify_token=12.5, max_attempts=0, base_url="ftp://x"),
    ):
        with pytest.raises(ConfigError) as raised:
            WhatsAppConfig.from_credentials(section, {})
        assert not any(secret in str(raised.value) for secret in SECRETS)
    with pytest.raises(ConfigError) as raised:
        WhatsAppConfig(VERIFY_TOKEN, APP_SECRET, ACCESS_TOKEN, "12/34", max_attempts=0)
    assert "phone_number_id" in str(raised.value) and "max_attempts" in str(raised.value)
    assert not any(secret in str(raised.value) for secret in SECRETS)


def test_the_config_is_frozen_and_hashable() -> None:
    config = WhatsAppConfig.from_credentials(credentials(), {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.app_secret = "other"  # type: ignore[misc]
    assert hash(config) == hash(WhatsAppConfig.from_credentials(credentials(), {}))


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://graph.facebook.com", "https://graph.facebook.com/v21.0/42/messages"),
        ("https://graph.facebook.com/", "https://graph.facebook.com/v21.0/42/messages"),
        ("http://127.0.0.1:8089//", "http://127.0.0.1:8089/v21.0/42/messages"),
        ("http://localhost:9000/fake-graph", "http://localhost:9000/fake-graph/v21.0/42/messages"),
    ],
)
def test_messages_url_has_no_double_slashes(base_url: str, expected: str) -> None:
    config = WhatsAppConfig.from_credentials(
        credentials(base_url=base_url, phone_number_id="42"), {}
    )
    assert config.messages_url == expected


@pytest.mark.parametrize(
    "version", ["21.0", "v21", "V21.0", "v21.0.1", "v21.x", " v21.0x", "latest"]
)
def test_a_malformed_graph_version_is_refused(version: str) -> None:
    with pytest.raises(ConfigError, match="graph_version"):
        WhatsAppConfig.from_credentials(credentials(graph_version=version), {})


@pytest.mark.parametrize(
    "url", ["graph.facebook.com", "ftp://graph.facebook.com", "https://", "file:///etc", "x"]
)
def test_a_base_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        WhatsAppConfig.from_credentials(credentials(base_url=url), {})


@pytest.mark.parametrize("phone_number_id", ["12/34", "../v1", "12 34", "12?x=1"])
def test_a_phone_number_id_that_is_no_path_segment_is_refused(phone_number_id: str) -> None:
    with pytest.raises(ConfigError, match="phone_number_id"):
        WhatsAppConfig.from_credentials(credentials(phone_number_id=phone_number_id), {})


def test_an_unquoted_yaml_phone_number_id_is_read_as_text() -> None:
    section = yaml.safe_load("phone_number_id: 106540352242922\nmax_attempts: 2\n")
    config = WhatsAppConfig.from_credentials({**credentials(), **section}, {})
    assert config.phone_number_id == "106540352242922"
    assert config.max_attempts == 2


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("app_secret", ["not", "text"]),
        ("verify_token", True),
        ("request_timeout_seconds", "10"),
        ("request_timeout_seconds", 0),
        ("request_timeout_seconds", -1.5),
        ("request_timeout_seconds", float("inf")),
        ("request_timeout_seconds", float("nan")),
        ("request_timeout_seconds", True),
        ("max_attempts", 0),
        ("max_attempts", 2.5),
        ("max_attempts", "3"),
    ],
)
def test_wrong_kinds_of_values_are_refused(setting: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=setting):
        WhatsAppConfig.from_credentials(credentials(**{setting: value}), {})


def test_numbers_from_credentials() -> None:
    config = WhatsAppConfig.from_credentials(
        credentials(request_timeout_seconds=2.5, max_attempts=7), {}
    )
    assert (config.request_timeout_seconds, config.max_attempts) == (2.5, 7)


def test_templates_from_credentials_only() -> None:
    section = yaml.safe_load(
        """
        templates:
          utter_contact_confirmation:
            name: contact_bevestiging
            parameters: [naam, datum]
          utter_reminder:
            name: herinnering
            language: nl_BE
        """
    )
    environ = {"CYBERBOT_WHATSAPP_TEMPLATES": "ignored"}
    config = WhatsAppConfig.from_credentials({**credentials(), **section}, environ)
    assert dict(config.templates) == {
        "utter_contact_confirmation": TemplateConfig(
            "contact_bevestiging", "nl", ("naam", "datum")
        ),
        "utter_reminder": TemplateConfig("herinnering", "nl_BE", ()),
    }
    with pytest.raises(TypeError):
        config.templates["new"] = TemplateConfig("x")  # type: ignore[index]


@pytest.mark.parametrize(
    "templates",
    [
        ["not", "a", "mapping"],
        {"utter_x": "just-a-name"},
        {"utter_x": {}},
        {"utter_x": {"name": ""}},
        {"utter_x": {"name": "x", "language": ""}},
        {"utter_x": {"name": "x", "language": 5}},
        {"utter_x": {"name": "x", "parameters": "naam"}},
        {"utter_x": {"name": "x", "parameters": ["naam", 3]}},
        {"utter_x": {"name": "x", "parameters": [""]}},
        {5: {"name": "x"}},
    ],
)
def test_malformed_templates_are_refused(templates: Any) -> None:
    with pytest.raises(ConfigError, match="template"):
        WhatsAppConfig.from_credentials(credentials(templates=templates), {})


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ConfigError, match="CYBERBOT_WHATSAPP_APP_SECRET"):
        WhatsAppConfig("verify", "", "access", "42")
    with pytest.raises(ConfigError, match="graph_version"):
        WhatsAppConfig("verify", "secret", "access", "42", graph_version="21")
    assert WhatsAppConfig("verify", "secret", "access", "42").templates == {}

"""Settings of live chat (cyberbot/live/config.py) and the texts a visitor reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from cyberbot.live.config import (
    CONFIG_FILE,
    CONFIG_VARIABLE,
    LIVE_CHANNELS,
    LiveChatConfig,
    LiveConfigError,
    live_buttons,
    live_text,
    load_live_config,
    parse_live_config,
)

DEFAULTS = LiveChatConfig(
    enabled=True,
    hours="office",
    channels=("socketio", "whatsapp"),
    claim_timeout=timedelta(seconds=180),
    idle_after=timedelta(minutes=10),
    cooldown=timedelta(minutes=30),
    minutes_per_visitor=2,
    max_message_chars=2000,
    sweep_seconds=2.0,
)


# --- defaults and the file -------------------------------------------------------------


@pytest.mark.parametrize("data", [None, {}])
def test_nothing_set_gives_the_defaults(data: Any) -> None:
    assert parse_live_config(data, {}) == LiveChatConfig() == DEFAULTS


def test_the_committed_live_chat_yml_parses() -> None:
    assert CONFIG_FILE.name == "live_chat.yml" and CONFIG_FILE.is_file()
    data = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    assert parse_live_config(data, {}) == DEFAULTS
    assert load_live_config({}) == DEFAULTS


def test_every_value_of_the_file_is_read() -> None:
    data = {
        "enabled": False,
        "hours": "always",
        "channels": ["whatsapp"],
        "claim_timeout_seconds": 45,
        "idle_minutes": 5,
        "cooldown_minutes": 1.5,
        "minutes_per_visitor": 3,
        "max_message_chars": 500,
        "sweep_seconds": 0.5,
    }
    assert parse_live_config(data, {}) == LiveChatConfig(
        enabled=False,
        hours="always",
        channels=("whatsapp",),
        claim_timeout=timedelta(seconds=45),
        idle_after=timedelta(minutes=5),
        cooldown=timedelta(seconds=90),
        minutes_per_visitor=3,
        max_message_chars=500,
        sweep_seconds=0.5,
    )


def test_load_live_config_reads_the_file_named_by_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "live.yml"
    path.write_text("hours: always\nclaim_timeout_seconds: 60\n", encoding="utf-8")
    config = load_live_config({CONFIG_VARIABLE: str(path), "CYBERBOT_LIVE_ENABLED": "no"})
    assert (config.hours, config.claim_timeout, config.enabled) == (
        "always", timedelta(seconds=60), False)


def test_load_live_config_without_the_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_live_config({CONFIG_VARIABLE: str(tmp_path / "absent.yml")}) == DEFAULTS


# --- the environment ---------------------------------------------------------------------


def test_variables_override_the_file() -> None:
    data = {"hours": "office", "claim_timeout_seconds": 180, "enabled": True,
            "idle_minutes": 10, "cooldown_minutes": 30, "sweep_seconds": 2}
    config = parse_live_config(data, {
        "CYBERBOT_LIVE_HOURS": "always",
        "CYBERBOT_LIVE_CLAIM_TIMEOUT_SECONDS": "20",
        "CYBERBOT_LIVE_ENABLED": "false",
        "CYBERBOT_LIVE_IDLE_MINUTES": "3",
        "CYBERBOT_LIVE_COOLDOWN_MINUTES": "7",
        "CYBERBOT_LIVE_SWEEP_SECONDS": "0.25",
    })
    assert (config.hours, config.claim_timeout, config.enabled) == (
        "always", timedelta(seconds=20), False)
    assert (config.idle_after, config.cooldown, config.sweep_seconds) == (
        timedelta(minutes=3), timedelta(minutes=7), 0.25)


@pytest.mark.parametrize(("raw", "enabled"), [
    ("1", True), ("true", True), ("YES", True), (" True ", True),
    ("0", False), ("false", False), ("No", False),
])
def test_the_enabled_variable(raw: str, enabled: bool) -> None:
    config = parse_live_config({"enabled": not enabled}, {"CYBERBOT_LIVE_ENABLED": raw})
    assert config.enabled is enabled


def test_an_empty_variable_leaves_the_file_value() -> None:
    config = parse_live_config(
        {"hours": "always", "claim_timeout_seconds": 60, "enabled": False},
        {"CYBERBOT_LIVE_HOURS": "", "CYBERBOT_LIVE_CLAIM_TIMEOUT_SECONDS": "  ",
         "CYBERBOT_LIVE_ENABLED": ""})
    assert (config.hours, config.claim_timeout, config.enabled) == (
        "always", timedelta(seconds=60), False)


def test_keys_without_a_variable_ignore_the_environment() -> None:
    config = parse_live_config({}, {"CYBERBOT_LIVE_MAX_MESSAGE_CHARS": "5",
                                    "CYBERBOT_LIVE_MINUTES_PER_VISITOR": "9"})
    assert (config.max_message_chars, config.minutes_per_visitor) == (2000, 2)


# --- errors --------------------------------------------------------------------------


def test_unknown_keys_are_refused_by_name() -> None:
    with pytest.raises(LiveConfigError, match="claim_timeout, hour"):
        parse_live_config({"hour": "always", "claim_timeout": 5}, {})


@pytest.mark.parametrize("data", [["enabled"], "enabled: true", 3])
def test_the_file_must_be_a_mapping(data: Any) -> None:
    with pytest.raises(LiveConfigError, match="mapping"):
        parse_live_config(data, {})


@pytest.mark.parametrize(("data", "environ"), [
    ({"hours": "sometimes"}, {}),
    ({"hours": "Office"}, {}),
    ({"hours": True}, {}),
    ({}, {"CYBERBOT_LIVE_HOURS": "24/7"}),
    ({"hours": "always"}, {"CYBERBOT_LIVE_HOURS": "never"}),
])
def test_bad_hours_are_refused(data: dict[str, Any], environ: dict[str, str]) -> None:
    with pytest.raises(LiveConfigError, match="hours"):
        parse_live_config(data, environ)


@pytest.mark.parametrize("key", [
    "claim_timeout_seconds", "idle_minutes", "cooldown_minutes", "minutes_per_visitor",
    "max_message_chars", "sweep_seconds",
])
@pytest.mark.parametrize("number", [-1, 0, -0.5])
def test_numbers_must_be_positive(key: str, number: float) -> None:
    with pytest.raises(LiveConfigError, match=key):
        parse_live_config({key: number}, {})


@pytest.mark.parametrize(("variable", "raw"), [
    ("CYBERBOT_LIVE_CLAIM_TIMEOUT_SECONDS", "-30"),
    ("CYBERBOT_LIVE_CLAIM_TIMEOUT_SECONDS", "0"),
    ("CYBERBOT_LIVE_CLAIM_TIMEOUT_SECONDS", "three minutes"),
    ("CYBERBOT_LIVE_IDLE_MINUTES", "-1"),
    ("CYBERBOT_LIVE_COOLDOWN_MINUTES", "abc"),
    ("CYBERBOT_LIVE_SWEEP_SECONDS", "0"),
])
def test_bad_numbers_in_variables_are_refused(variable: str, raw: str) -> None:
    with pytest.raises(LiveConfigError):
        parse_live_config({}, {variable: raw})


@pytest.mark.parametrize("raw", [[180], {"seconds": 180}, "soon"])
def test_numbers_must_be_numbers(raw: Any) -> None:
    with pytest.raises(LiveConfigError, match="must be a number"):
        parse_live_config({"claim_timeout_seconds": raw}, {})


@pytest.mark.parametrize("raw", ["maybe", 2, "on"])
def test_enabled_must_be_true_or_false(raw: Any) -> None:
    with pytest.raises(LiveConfigError, match="enabled"):
        parse_live_config({"enabled": raw}, {})
    with pytest.raises(LiveConfigError, match="enabled"):
        parse_live_config({}, {"CYBERBOT_LIVE_ENABLED": str(raw)})


@pytest.mark.parametrize("channels", [
    ["sms"], ["socketio", "rest"], "socketio", None, {"socketio": True},
])
def test_bad_channels_are_refused(channels: Any) -> None:
    with pytest.raises(LiveConfigError, match="channels"):
        parse_live_config({"channels": channels}, {})


def test_channels_may_be_a_subset() -> None:
    for channel in LIVE_CHANNELS:
        assert parse_live_config({"channels": [channel]}, {}).channels == (channel,)


@pytest.mark.parametrize("key", ["minutes_per_visitor", "max_message_chars"])
def test_a_fraction_never_becomes_zero(key: str) -> None:
    with pytest.raises(LiveConfigError, match="whole number"):
        parse_live_config({key: 0.5}, {})


# --- texts ---------------------------------------------------------------------------


def test_the_claimed_text_names_the_operator() -> None:
    text = live_text("claimed", name="Eva")
    assert "Eva" in text
    assert "{" not in text


@pytest.mark.parametrize(("key", "values"), [
    ("connecting", {"minutes": 4}),
    ("connecting_again", {"minutes": 4}),
    ("released", {"name": "Eva"}),
    ("withdrawn", {}),
])
def test_every_text_fills_in(key: str, values: dict[str, Any]) -> None:
    text = live_text(key, **values)
    assert text.strip() and "{" not in text
    for value in values.values():
        assert str(value) in text


def test_the_withdrawn_buttons_offer_a_call_back_or_no() -> None:
    buttons = live_buttons("withdrawn_buttons")
    assert [button["payload"] for button in buttons] == ["/request_human", "/deny"]
    assert all(button["title"].strip() for button in buttons)
    buttons[0]["payload"] = "/changed"  # a copy: the loaded content is not touched
    assert live_buttons("withdrawn_buttons")[0]["payload"] == "/request_human"

"""Settings of live chat (``live_chat.yml``, overridden by the environment)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cyberbot.content import load_content

CONFIG_FILE = Path(__file__).resolve().parents[2] / "live_chat.yml"
CONFIG_VARIABLE = "CYBERBOT_LIVE_CHAT_CONFIG"
HOURS = ("office", "always")
LIVE_CHANNELS = ("socketio", "whatsapp")


class LiveConfigError(ValueError):
    """live_chat.yml or a variable holds a value live chat cannot use."""


@dataclass(frozen=True)
class LiveChatConfig:
    enabled: bool = True
    hours: str = "office"
    channels: tuple[str, ...] = LIVE_CHANNELS
    claim_timeout: timedelta = timedelta(seconds=180)
    idle_after: timedelta = timedelta(minutes=10)
    cooldown: timedelta = timedelta(minutes=30)
    minutes_per_visitor: int = 2
    max_message_chars: int = 2000
    sweep_seconds: float = 2.0


def parse_live_config(data: Any, environ: Mapping[str, str]) -> LiveChatConfig:
    """The settings of ``data`` (the YAML file's mapping) with the variables applied."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LiveConfigError("live_chat.yml must be a mapping")
    unknown = set(data) - {
        "enabled", "hours", "channels", "claim_timeout_seconds", "idle_minutes",
        "cooldown_minutes", "minutes_per_visitor", "max_message_chars", "sweep_seconds",
    }
    if unknown:
        raise LiveConfigError(f"live_chat.yml has unknown keys: {', '.join(sorted(unknown))}")

    def value(key: str, variable: str | None = None) -> Any:
        raw = environ.get(variable, "").strip() if variable else ""
        return raw if raw else data.get(key)

    defaults = LiveChatConfig()
    enabled = _flag(value("enabled", "CYBERBOT_LIVE_ENABLED"), defaults.enabled)
    hours = str(value("hours", "CYBERBOT_LIVE_HOURS") or defaults.hours)
    if hours not in HOURS:
        raise LiveConfigError(f"live chat hours must be one of {', '.join(HOURS)}")
    channels = data.get("channels", list(defaults.channels))
    if not isinstance(channels, list) or not set(channels) <= set(LIVE_CHANNELS):
        raise LiveConfigError(f"live chat channels must be a list of {', '.join(LIVE_CHANNELS)}")
    return LiveChatConfig(
        enabled=enabled,
        hours=hours,
        channels=tuple(channels),
        claim_timeout=timedelta(seconds=_positive(
            value("claim_timeout_seconds", "CYBERBOT_LIVE_CLAIM_TIMEOUT_SECONDS"),
            defaults.claim_timeout.total_seconds(), "claim_timeout_seconds")),
        idle_after=timedelta(minutes=_positive(
            value("idle_minutes", "CYBERBOT_LIVE_IDLE_MINUTES"),
            defaults.idle_after.total_seconds() / 60, "idle_minutes")),
        cooldown=timedelta(minutes=_positive(
            value("cooldown_minutes", "CYBERBOT_LIVE_COOLDOWN_MINUTES"),
            defaults.cooldown.total_seconds() / 60, "cooldown_minutes")),
        minutes_per_visitor=_whole(value("minutes_per_visitor"),
                                   defaults.minutes_per_visitor, "minutes_per_visitor"),
        max_message_chars=_whole(value("max_message_chars"),
                                 defaults.max_message_chars, "max_message_chars"),
        sweep_seconds=_positive(value("sweep_seconds", "CYBERBOT_LIVE_SWEEP_SECONDS"),
                                defaults.sweep_seconds, "sweep_seconds"),
    )


def load_live_config(environ: Mapping[str, str] | None = None) -> LiveChatConfig:
    environ = os.environ if environ is None else environ
    path = Path(environ.get(CONFIG_VARIABLE) or CONFIG_FILE)
    return _cached(path, tuple(sorted((k, v) for k, v in environ.items()
                                      if k.startswith("CYBERBOT_LIVE_"))))


@lru_cache(maxsize=8)
def _cached(path: Path, variables: tuple[tuple[str, str], ...]) -> LiveChatConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return parse_live_config(data, dict(variables))


def live_text(key: str, **values: Any) -> str:
    """A visitor-facing text of ``content/live_chat_messages.yml``."""
    return str(load_content("live_chat_messages.yml")[key]).format(**values)


def live_buttons(key: str) -> list[dict[str, str]]:
    return [dict(button) for button in load_content("live_chat_messages.yml")[key]]


def _flag(raw: Any, default: bool) -> bool:
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes"}:
        return True
    if text in {"0", "false", "no"}:
        return False
    raise LiveConfigError(f"live chat 'enabled' must be true or false, not {raw!r}")


def _positive(raw: Any, default: float, name: str) -> float:
    if raw is None:
        return float(default)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise LiveConfigError(f"live chat {name} must be a number, not {raw!r}") from None
    if number <= 0:
        raise LiveConfigError(f"live chat {name} must be positive")
    return number


def _whole(raw: Any, default: int, name: str) -> int:
    number = _positive(raw, default, name)
    if number != int(number):
        raise LiveConfigError(f"live chat {name} must be a whole number")
    return int(number)

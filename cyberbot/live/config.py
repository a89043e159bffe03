"""Settings of live chat.

The structure of ``live_chat.yml`` (path in CYBERBOT_LIVE_CHAT_CONFIG, default the one at
the repository root) is the pydantic model ``_LiveFile``; the CYBERBOT_LIVE_* variables in
``_VARIABLES`` override its keys. Callers get the frozen dataclass ``LiveChatConfig``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Extra, ValidationError, validator
from pydantic.fields import ModelField

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


# The keys of live_chat.yml a variable overrides; an empty variable counts as unset.
_VARIABLES = {
    "enabled": "CYBERBOT_LIVE_ENABLED",
    "hours": "CYBERBOT_LIVE_HOURS",
    "claim_timeout_seconds": "CYBERBOT_LIVE_CLAIM_TIMEOUT_SECONDS",
    "idle_minutes": "CYBERBOT_LIVE_IDLE_MINUTES",
    "cooldown_minutes": "CYBERBOT_LIVE_COOLDOWN_MINUTES",
    "sweep_seconds": "CYBERBOT_LIVE_SWEEP_SECONDS",
}
_DEFAULT = LiveChatConfig()
_MINUTE = timedelta(minutes=1)


class _LiveFile(BaseModel):
    """live_chat.yml with the variables applied; a key set to nothing keeps its default."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    enabled: bool = _DEFAULT.enabled
    hours: str = _DEFAULT.hours
    channels: tuple[str, ...] = _DEFAULT.channels
    claim_timeout_seconds: float = _DEFAULT.claim_timeout.total_seconds()
    idle_minutes: float = _DEFAULT.idle_after / _MINUTE
    cooldown_minutes: float = _DEFAULT.cooldown / _MINUTE
    minutes_per_visitor: int = _DEFAULT.minutes_per_visitor
    max_message_chars: int = _DEFAULT.max_message_chars
    sweep_seconds: float = _DEFAULT.sweep_seconds

    @validator("enabled", pre=True)
    def _flag(cls, value: Any) -> bool:  # noqa: N805 (pydantic passes the class)
        if value is None or isinstance(value, bool):
            return value is not False
        text = str(value).strip().lower()
        if text in {"1", "true", "yes"}:
            return True
        if text in {"0", "false", "no"}:
            return False
        raise ValueError(f"must be true or false, not {value!r}")

    @validator("hours", pre=True)
    def _hours(cls, value: Any) -> str:  # noqa: N805
        hours = str(value or _DEFAULT.hours)
        if hours not in HOURS:
            raise ValueError(f"must be one of {', '.join(HOURS)}")
        return hours

    @validator("channels", pre=True)
    def _channels(cls, value: Any) -> tuple[str, ...]:  # noqa: N805
        if not isinstance(value, list) or any(item not in LIVE_CHANNELS for item in value):
            raise ValueError(f"must be a list of {', '.join(LIVE_CHANNELS)}")
        return tuple(value)

    @validator("claim_timeout_seconds", "idle_minutes", "cooldown_minutes",
               "minutes_per_visitor", "max_message_chars", "sweep_seconds", pre=True)
    def _positive(cls, value: Any, field: ModelField) -> Any:  # noqa: N805
        if value is None:
            return field.default
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(f"must be a number, not {value!r}")
        if number <= 0:
            raise ValueError("must be positive")
        if field.type_ is int and not number.is_integer():
            raise ValueError("must be a whole number")
        return number


def parse_live_config(data: Any, environ: Mapping[str, str]) -> LiveChatConfig:
    """The settings of ``data`` (the YAML file's mapping) with the variables applied."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LiveConfigError("live_chat.yml must be a mapping")
    values = dict(data)
    for key, variable in _VARIABLES.items():
        if environ.get(variable, "").strip():
            values[key] = environ[variable].strip()
    try:
        live = _LiveFile.parse_obj(values)
    except ValidationError as error:
        raise LiveConfigError(_problems(error)) from None
    return LiveChatConfig(
        enabled=live.enabled,
        hours=live.hours,
        channels=live.channels,
        claim_timeout=timedelta(seconds=live.claim_timeout_seconds),
        idle_after=timedelta(minutes=live.idle_minutes),
        cooldown=timedelta(minutes=live.cooldown_minutes),
        minutes_per_visitor=live.minutes_per_visitor,
        max_message_chars=live.max_message_chars,
        sweep_seconds=live.sweep_seconds,
    )


def _problems(error: ValidationError) -> str:
    """The unknown keys together, then "live chat <key> <reason>" per other problem."""
    unknown, problems = [], []
    for problem in error.errors():
        key = str(problem["loc"][0])
        if problem["type"] == "value_error.extra":
            unknown.append(key)
        else:
            problems.append(f"live chat {key} {problem['msg']}")
    if unknown:
        problems.insert(0, f"live_chat.yml has unknown keys: {', '.join(unknown)}")
    return "; ".join(problems)


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


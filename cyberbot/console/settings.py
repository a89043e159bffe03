"""Settings of the operator console, from the environment (defaults suit ``make run``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

LOW_CONFIDENCE_VARIABLE = "CYBERBOT_LOW_CONFIDENCE"
ABANDONED_VARIABLE = "CYBERBOT_ABANDONED_AFTER_MINUTES"
SECURE_COOKIE_VARIABLE = "CYBERBOT_CONSOLE_SECURE_COOKIE"
ENDPOINTS_VARIABLE = "CYBERBOT_ENDPOINTS"
# The models folder the model gate keeps (cyberbot.model_gate): names for model ids.
MODELS_DIR_VARIABLE = "CYBERBOT_MODELS_DIR"


class SettingsError(ValueError):
    """A setting in the environment has a value the console cannot use."""


@dataclass(frozen=True)
class ConsoleSettings:
    # A user message below this intent confidence tags its conversation "low confidence".
    # Above the FallbackClassifier's 0.55, so that it also shows guesses that passed.
    low_confidence_threshold: float = 0.7
    # A form left open this long is "abandoned".
    abandoned_after: timedelta = timedelta(minutes=30)
    # Browsers accept Secure cookies over plain HTTP on localhost only; set the variable
    # to 0 to run the console over plain HTTP on another host name (never in production).
    secure_cookie: bool = True
    endpoints: Path = Path("endpoints.yml")
    project_root: Path = Path(".")
    models_dir: Path = Path("models")


def load_settings(environ: Mapping[str, str] | None = None) -> ConsoleSettings:
    environ = os.environ if environ is None else environ
    defaults = ConsoleSettings()
    threshold = _number(environ, LOW_CONFIDENCE_VARIABLE, defaults.low_confidence_threshold)
    if not 0.0 < threshold <= 1.0:
        raise SettingsError(f"{LOW_CONFIDENCE_VARIABLE} must be between 0 and 1")
    minutes = _number(environ, ABANDONED_VARIABLE, defaults.abandoned_after.total_seconds() / 60)
    if minutes <= 0:
        raise SettingsError(f"{ABANDONED_VARIABLE} must be a positive number of minutes")
    secure = environ.get(SECURE_COOKIE_VARIABLE, "1").strip().lower()
    if secure not in {"0", "1", "true", "false"}:
        raise SettingsError(f"{SECURE_COOKIE_VARIABLE} must be 1 or 0")
    return ConsoleSettings(
        low_confidence_threshold=threshold,
        abandoned_after=timedelta(minutes=minutes),
        secure_cookie=secure in {"1", "true"},
        endpoints=Path(environ.get(ENDPOINTS_VARIABLE) or defaults.endpoints),
        models_dir=Path(environ.get(MODELS_DIR_VARIABLE) or defaults.models_dir),
    )


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None

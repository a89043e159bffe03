"""Where leads go: a signed webhook, e-mail to the advisors, both or neither.

Read from ``handoff.yml`` (path in CYBERBOT_HANDOFF_CONFIG, default ``./handoff.yml``; a
missing default file means "nothing configured"), then overridden by the environment:

    CYBERBOT_WEBHOOK_URL, CYBERBOT_WEBHOOK_SECRET, CYBERBOT_WEBHOOK_TIMEOUT (seconds),
    CYBERBOT_SMTP_HOST, CYBERBOT_SMTP_PORT, CYBERBOT_SMTP_USER, CYBERBOT_SMTP_PASSWORD,
    CYBERBOT_SMTP_STARTTLS (true/false), CYBERBOT_SMTP_FROM, CYBERBOT_SMTP_TO (comma-separated),
    CYBERBOT_OUTBOX_MAX_ATTEMPTS, CYBERBOT_OUTBOX_POLL_SECONDS.

Secrets (the webhook secret, the SMTP password) are accepted from the environment only and
never appear in a repr or a log. An empty variable counts as unset.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

logger = logging.getLogger(__name__)

CONFIG_VARIABLE = "CYBERBOT_HANDOFF_CONFIG"
DEFAULT_CONFIG_FILE = "handoff.yml"
# The outbox lease must outlast a delivery, so the webhook timeout is bounded.
MAX_WEBHOOK_TIMEOUT_SECONDS = 120.0
MIN_SECRET_LENGTH = 16
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}

_SECTIONS: dict[str, set[str]] = {
    "webhook": {"url", "timeout_seconds"},
    "email": {"host", "port", "username", "starttls", "from", "to"},
    "outbox": {"max_attempts", "poll_seconds"},
}
_SECRET_KEYS = {
    ("webhook", "secret"): "CYBERBOT_WEBHOOK_SECRET",
    ("email", "password"): "CYBERBOT_SMTP_PASSWORD",
}
# (section, key) that each variable overrides
_OVERRIDES = {
    "CYBERBOT_WEBHOOK_URL": ("webhook", "url"),
    "CYBERBOT_WEBHOOK_TIMEOUT": ("webhook", "timeout_seconds"),
    "CYBERBOT_SMTP_HOST": ("email", "host"),
    "CYBERBOT_SMTP_PORT": ("email", "port"),
    "CYBERBOT_SMTP_USER": ("email", "username"),
    "CYBERBOT_SMTP_STARTTLS": ("email", "starttls"),
    "CYBERBOT_SMTP_FROM": ("email", "from"),
    "CYBERBOT_SMTP_TO": ("email", "to"),
    "CYBERBOT_OUTBOX_MAX_ATTEMPTS": ("outbox", "max_attempts"),
    "CYBERBOT_OUTBOX_POLL_SECONDS": ("outbox", "poll_seconds"),
}


class HandoffConfigError(ValueError):
    """The hand-off configuration cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str
    timeout_seconds: float = 10.0

    def __repr__(self) -> str:
        # Query strings and user info of hook URLs often carry tokens too.
        parts = urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        shown = f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
        return f"WebhookConfig(url={shown!r}, secret=***, timeout_seconds={self.timeout_seconds})"


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None
    password: str | None = None
    starttls: bool = True

    def __repr__(self) -> str:
        return (
            f"EmailConfig(host={self.host!r}, port={self.port}, sender={self.sender!r}, "
            f"recipients={len(self.recipients)}, username={self.username!r}, "
            f"password={'***' if self.password else None}, starttls={self.starttls})"
        )


@dataclass(frozen=True)
class HandoffConfig:
    webhook: WebhookConfig | None = None
    email: EmailConfig | None = None
    max_attempts: int = 12
    poll_seconds: float = 2.0

    @property
    def destinations(self) -> list[str]:
        """The configured destinations, in delivery order."""
        configured = [("webhook", self.webhook), ("email", self.email)]
        return [name for name, settings in configured if settings is not None]


def load_handoff_config(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> HandoffConfig:
    """The configuration from ``path`` (or the default file) and ``environ`` (default: os)."""
    env = {
        key: value for key, value in (os.environ if environ is None else environ).items() if value
    }
    if path is None and CONFIG_VARIABLE in env:
        path = Path(env[CONFIG_VARIABLE])
        if not path.is_file():
            raise HandoffConfigError(f"{CONFIG_VARIABLE} names {path}, which is not a file")
    settings = _read_file(path or Path.cwd() / DEFAULT_CONFIG_FILE)
    for variable, (section, key) in _OVERRIDES.items():
        if variable in env:
            settings.setdefault(section, {})[key] = env[variable]
    webhook = _webhook(settings.get("webhook", {}), env.get("CYBERBOT_WEBHOOK_SECRET"))
    email = _email(settings.get("email", {}), env.get("CYBERBOT_SMTP_PASSWORD"))
    outbox = settings.get("outbox", {})
    return HandoffConfig(
        webhook=webhook,
        email=email,
        max_attempts=_integer(outbox, "outbox", "max_attempts", 12, minimum=1),
        poll_seconds=_number(outbox, "outbox", "poll_seconds", 2.0, minimum=0.1),
    )


def _read_file(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise HandoffConfigError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(content, dict):
        raise HandoffConfigError(f"{path} must be a mapping of sections")
    settings: dict[str, dict[str, Any]] = {}
    for section, values in content.items():
        if section not in _SECTIONS:
            raise HandoffConfigError(
                f"{path}: unknown section {section!r} (expected {', '.join(_SECTIONS)})"
            )
        values = values or {}
        if not isinstance(values, dict):
            raise HandoffConfigError(f"{path}: section {section!r} must be a mapping")
        for key in values:
            if (section, key) in _SECRET_KEYS:
                raise HandoffConfigError(
                    f"{path}: {section}.{key} does not belong in a file; "
                    f"set {_SECRET_KEYS[section, key]} in the environment instead"
                )
            if key not in _SECTIONS[section]:
                raise HandoffConfigError(f"{path}: unknown key {section}.{key}")
        settings[section] = {key: value for key, value in values.items() if value not in ("", None)}
    return settings


def _webhook(values: dict[str, Any], secret: str | None) -> WebhookConfig | None:
    url = str(values.get("url") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HandoffConfigError("webhook.url must be an http:// or https:// URL")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        logger.warning("The webhook URL is plain http: personal data travels unencrypted")
    if not secret:
        raise HandoffConfigError(
            "A webhook URL is configured but CYBERBOT_WEBHOOK_SECRET is not set: every request "
            "is signed with that secret, so set it in the environment (or remove the URL)"
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise HandoffConfigError(
            f"CYBERBOT_WEBHOOK_SECRET is too short: use at least {MIN_SECRET_LENGTH} characters"
        )
    timeout = _number(values, "webhook", "timeout_seconds", 10.0, minimum=0.1)
    if timeout > MAX_WEBHOOK_TIMEOUT_SECONDS:
        raise HandoffConfigError(
            f"webhook.timeout_seconds may be at most {MAX_WEBHOOK_TIMEOUT_SECONDS:g}"
        )
    return WebhookConfig(url=url, secret=secret, timeout_seconds=timeout)


def _email(values: dict[str, Any], password: str | None) -> EmailConfig | None:
    host = str(values.get("host") or "").strip()
    if not host:
        return None
    starttls = _boolean(values.get("starttls", True), "email.starttls")
    sender = str(values.get("from") or "").strip()
    recipients = _addresses(values.get("to"))
    if "@" not in sender:
        raise HandoffConfigError("email.from (CYBERBOT_SMTP_FROM) must be an e-mail address")
    if not recipients or any("@" not in address for address in recipients):
        raise HandoffConfigError(
            "email.to (CYBERBOT_SMTP_TO) must list the advisors' e-mail addresses"
        )
    username = str(values.get("username") or "").strip() or None
    if bool(username) != bool(password):
        raise HandoffConfigError(
            "Set both the SMTP user (email.username or CYBERBOT_SMTP_USER) and "
            "CYBERBOT_SMTP_PASSWORD, or neither"
        )
    if username and not starttls:
        logger.warning("SMTP login without STARTTLS sends the password unencrypted")
    port = _integer(values, "email", "port", 587 if starttls else 25, minimum=1)
    return EmailConfig(
        host=host,
        port=port,
        sender=sender,
        recipients=recipients,
        username=username,
        password=password,
        starttls=starttls,
    )


def _addresses(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return tuple(str(item).strip() for item in items if str(item).strip())


def _number(
    values: dict[str, Any], section: str, key: str, default: float, minimum: float
) -> float:
    raw = values.get(key, default)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise HandoffConfigError(f"{section}.{key} must be a number, not {raw!r}") from None
    if number < minimum:
        raise HandoffConfigError(f"{section}.{key} must be at least {minimum:g}")
    return number


def _integer(values: dict[str, Any], section: str, key: str, default: int, minimum: int) -> int:
    number = _number(values, section, key, default, minimum)
    if not number.is_integer():
        raise HandoffConfigError(f"{section}.{key} must be a whole number")
    return int(number)


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise HandoffConfigError(f"{name} must be true or false, not {value!r}")

"""Where leads go: a signed webhook, e-mail to the advisors, both or neither.

The structure of ``handoff.yml`` is the pydantic model ``_HandoffFile`` (sections webhook,
email and outbox); its path is in CYBERBOT_HANDOFF_CONFIG (default ``./handoff.yml``; a
missing default file means "nothing configured"). The environment overrides the file:

    CYBERBOT_WEBHOOK_URL, CYBERBOT_WEBHOOK_SECRET, CYBERBOT_WEBHOOK_TIMEOUT (seconds),
    CYBERBOT_SMTP_HOST, CYBERBOT_SMTP_PORT, CYBERBOT_SMTP_USER, CYBERBOT_SMTP_PASSWORD,
    CYBERBOT_SMTP_STARTTLS (true/false), CYBERBOT_SMTP_FROM, CYBERBOT_SMTP_TO (comma-separated),
    CYBERBOT_OUTBOX_MAX_ATTEMPTS, CYBERBOT_OUTBOX_POLL_SECONDS.

Secrets (the webhook secret, the SMTP password) are accepted from the environment only and
never appear in a repr, an error or a log. An empty variable counts as unset. A section
without its address (webhook.url, email.host) is off and its other values are not looked at.
Callers get the frozen dataclasses below, built from the validated model.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    Extra,
    Field,
    SecretStr,
    ValidationError,
    root_validator,
    validator,
)
from pydantic.fields import ModelField

logger = logging.getLogger(__name__)

CONFIG_VARIABLE = "CYBERBOT_HANDOFF_CONFIG"
DEFAULT_CONFIG_FILE = "handoff.yml"
# The outbox lease must outlast a delivery, so the webhook timeout is bounded.
MAX_WEBHOOK_TIMEOUT_SECONDS = 120.0
MIN_SECRET_LENGTH = 16
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}

_SECRET_KEYS = {
    ("webhook", "secret"): "CYBERBOT_WEBHOOK_SECRET",
    ("email", "password"): "CYBERBOT_SMTP_PASSWORD",
}
# (section, key) that each variable overrides
_OVERRIDES = {
    "CYBERBOT_WEBHOOK_URL": ("webhook", "url"),
    "CYBERBOT_WEBHOOK_SECRET": ("webhook", "secret"),
    "CYBERBOT_WEBHOOK_TIMEOUT": ("webhook", "timeout_seconds"),
    "CYBERBOT_SMTP_HOST": ("email", "host"),
    "CYBERBOT_SMTP_PORT": ("email", "port"),
    "CYBERBOT_SMTP_USER": ("email", "username"),
    "CYBERBOT_SMTP_PASSWORD": ("email", "password"),
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


# --- the file and the environment, as pydantic models ---------------------------------------


class _Section(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False
        anystr_strip_whitespace = True
        error_msg_templates = {  # noqa: RUF012 (pydantic reads it from the class)
            "value_error.number.not_ge": "must be at least {limit_value:g}",
            "value_error.number.not_le": "may be at most {limit_value:g}",
            "type_error.dict": "must be a mapping",
            "type_error.tuple": "must be a list",
        }


def _number(cls: type, value: Any, field: ModelField) -> float:
    """A number as the file or a variable writes it: 3, 2.5, "0.5"; whole for int fields."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if math.isnan(number):
        raise ValueError(f"must be a number, not {value!r}")
    if issubclass(field.type_, int) and not number.is_integer():
        raise ValueError("must be a whole number")
    return number


class _Switched(_Section):
    """A section that is off without its address: its other values are then not read."""

    address: ClassVar[str]

    @root_validator(pre=True)
    def _off_without_address(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if str(values.get(cls.address) or "").strip():
            return values
        known = {field.alias for field in cls.__fields__.values()}
        return {key: value for key, value in values.items() if key not in known}


class _WebhookSection(_Switched):
    address = "url"
    url: str = ""
    secret: SecretStr | None = None  # CYBERBOT_WEBHOOK_SECRET only
    timeout_seconds: float = Field(default=10.0, ge=0.1, le=MAX_WEBHOOK_TIMEOUT_SECONDS)

    _timeout = validator("timeout_seconds", pre=True, allow_reuse=True)(_number)

    @validator("url")
    def _http(cls, url: str) -> str:  # noqa: N805 (pydantic passes the class)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL")
        return url

    @validator("secret", always=True)
    def _signing_secret(
        cls, secret: SecretStr | None, values: dict[str, Any]  # noqa: N805
    ) -> SecretStr | None:
        if not values.get("url"):
            return secret
        if secret is None:
            raise ValueError(
                "is required with a webhook URL: every request is signed with it, so set "
                "CYBERBOT_WEBHOOK_SECRET in the environment (or remove the URL)"
            )
        if len(secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"CYBERBOT_WEBHOOK_SECRET is too short: use at least {MIN_SECRET_LENGTH} "
                "characters"
            )
        return secret


class _EmailSection(_Switched):
    address = "host"
    host: str = ""
    starttls: bool = True
    port: int | None = Field(default=None, ge=1)  # unset: 587 with STARTTLS, 25 without
    username: str | None = None
    password: SecretStr | None = None  # CYBERBOT_SMTP_PASSWORD only
    sender: str = Field(default="", alias="from")
    to: tuple[str, ...] = ()

    _port = validator("port", pre=True, allow_reuse=True)(_number)

    @validator("starttls", pre=True)
    def _boolean(cls, value: Any) -> bool:  # noqa: N805
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "on", "1"):
            return True
        if text in ("false", "no", "off", "0"):
            return False
        raise ValueError(f"must be true or false, not {value!r}")

    @validator("sender", always=True)
    def _sender(cls, sender: str, values: dict[str, Any]) -> str:  # noqa: N805
        if values.get("host") and "@" not in sender:
            raise ValueError("must be an e-mail address (CYBERBOT_SMTP_FROM)")
        return sender

    @validator("to", pre=True)
    def _split(cls, value: Any) -> Any:  # noqa: N805
        return value.split(",") if isinstance(value, str) else value

    @validator("to", always=True)
    def _recipients(cls, to: tuple[str, ...], values: dict[str, Any]) -> tuple[str, ...]:  # noqa: N805
        to = tuple(address for address in to if address)
        if values.get("host") and (not to or any("@" not in address for address in to)):
            raise ValueError("must list the advisors' e-mail addresses (CYBERBOT_SMTP_TO)")
        return to

    @root_validator(skip_on_failure=True)
    def _login(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["host"] and bool(values["username"]) != bool(values["password"]):
            raise ValueError(
                "set both the SMTP user (email.username or CYBERBOT_SMTP_USER) and "
                "CYBERBOT_SMTP_PASSWORD, or neither"
            )
        return values


class _OutboxSection(_Section):
    max_attempts: int = Field(default=12, ge=1)
    poll_seconds: float = Field(default=2.0, ge=0.1)

    _numbers = validator("max_attempts", "poll_seconds", pre=True, allow_reuse=True)(_number)


class _HandoffFile(_Section):
    webhook: _WebhookSection = _WebhookSection()
    email: _EmailSection = _EmailSection()
    outbox: _OutboxSection = _OutboxSection()


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
    path = path or Path.cwd() / DEFAULT_CONFIG_FILE
    settings = _read_file(path)
    for variable, (section, key) in _OVERRIDES.items():
        if variable in env:
            settings.setdefault(section, {})[key] = env[variable]
    try:
        parsed = _HandoffFile.parse_obj(settings)
    except ValidationError as error:
        raise HandoffConfigError(f"{path}: {_problems(error)}") from None
    return HandoffConfig(
        webhook=_webhook(parsed.webhook),
        email=_email(parsed.email),
        max_attempts=parsed.outbox.max_attempts,
        poll_seconds=parsed.outbox.poll_seconds,
    )


def _read_file(path: Path) -> dict[str, Any]:
    """The file's sections without empty values; secrets in it are refused."""
    if not path.is_file():
        return {}
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise HandoffConfigError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(content, dict):
        raise HandoffConfigError(f"{path} must be a mapping of sections")
    settings: dict[str, Any] = {}
    for section, values in content.items():
        values = values or {}
        if isinstance(values, dict):
            for key in values:
                if (section, key) in _SECRET_KEYS:
                    raise HandoffConfigError(
                        f"{path}: {section}.{key} does not belong in a file; "
                        f"set {_SECRET_KEYS[section, key]} in the environment instead"
                    )
            values = {key: value for key, value in values.items() if value not in ("", None)}
        elif section in _HandoffFile.__fields__:  # an unknown one is named by the model
            raise HandoffConfigError(f"{path}: section {section!r} must be a mapping")
        settings[section] = values
    return settings


def _problems(error: ValidationError) -> str:
    """The validation errors as "key: reason", unknown sections and keys named as such."""
    problems = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"] if part != "__root__")
        if problem["type"] != "value_error.extra":
            problems.append(f"{where}: {problem['msg']}")
        elif "." in where:
            problems.append(f"unknown key {where}")
        else:
            sections = ", ".join(_HandoffFile.__fields__)
            problems.append(f"unknown section {where!r} (expected {sections})")
    return "; ".join(problems)


def _webhook(section: _WebhookSection) -> WebhookConfig | None:
    if not section.url or section.secret is None:
        return None
    parts = urlsplit(section.url)
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        logger.warning("The webhook URL is plain http: personal data travels unencrypted")
    return WebhookConfig(section.url, section.secret.get_secret_value(), section.timeout_seconds)


def _email(section: _EmailSection) -> EmailConfig | None:
    if not section.host:
        return None
    if section.username and not section.starttls:
        logger.warning("SMTP login without STARTTLS sends the password unencrypted")
    return EmailConfig(
        host=section.host,
        port=section.port or (587 if section.starttls else 25),
        sender=section.sender,
        recipients=section.to,
        username=section.username or None,
        password=section.password.get_secret_value() if section.password else None,
        starttls=section.starttls,
    )

"""Settings of the WhatsApp Business Cloud API channel.

Read from the channel's section in credentials.yml; the environment overrides it:

    CYBERBOT_WHATSAPP_VERIFY_TOKEN, CYBERBOT_WHATSAPP_APP_SECRET,
    CYBERBOT_WHATSAPP_ACCESS_TOKEN, CYBERBOT_WHATSAPP_PHONE_NUMBER_ID,
    CYBERBOT_WHATSAPP_GRAPH_VERSION, CYBERBOT_WHATSAPP_BASE_URL.

An empty variable counts as unset, and surrounding whitespace is dropped (a secret pasted
with a trailing newline would otherwise never match). Message templates come from
credentials.yml only. Keys this module does not know are left alone: the channel keeps
its own settings (such as the apology) in the same section.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

DEFAULT_GRAPH_VERSION = "v21.0"
DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_TEMPLATE_LANGUAGE = "nl"

# setting -> the variable that overrides it
ENVIRONMENT_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "verify_token": "CYBERBOT_WHATSAPP_VERIFY_TOKEN",
        "app_secret": "CYBERBOT_WHATSAPP_APP_SECRET",
        "access_token": "CYBERBOT_WHATSAPP_ACCESS_TOKEN",
        "phone_number_id": "CYBERBOT_WHATSAPP_PHONE_NUMBER_ID",
        "graph_version": "CYBERBOT_WHATSAPP_GRAPH_VERSION",
        "base_url": "CYBERBOT_WHATSAPP_BASE_URL",
    }
)
_REQUIRED = ("verify_token", "app_secret", "access_token", "phone_number_id")
_GRAPH_VERSION = re.compile(r"v\d+\.\d+")
# The phone number id becomes a path segment of every request URL.
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


class ConfigError(ValueError):
    """The WhatsApp settings cannot be used; the message says what to fix (never a value)."""


@dataclass(frozen=True)
class TemplateConfig:
    """An approved message template that stands in for a reply outside the 24-hour window."""

    name: str
    language: str = DEFAULT_TEMPLATE_LANGUAGE
    # Names of the values filled into the template body, in order.
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class WhatsAppConfig:
    verify_token: str = field(repr=False)
    app_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    phone_number_id: str
    graph_version: str = DEFAULT_GRAPH_VERSION
    base_url: str = DEFAULT_BASE_URL
    request_timeout_seconds: float = 10
    max_attempts: int = 4
    templates: Mapping[str, TemplateConfig] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def __post_init__(self) -> None:
        for name in _REQUIRED:
            if not getattr(self, name):
                raise ConfigError(_missing(name))
        if not _PATH_SEGMENT.fullmatch(self.phone_number_id):
            raise ConfigError(
                "WhatsApp phone_number_id must consist of letters, digits, '-' or '_' only"
            )
        if not _GRAPH_VERSION.fullmatch(self.graph_version):
            raise ConfigError(
                f"WhatsApp graph_version must look like 'v21.0', got {self.graph_version!r}"
            )
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                "WhatsApp base_url must be an http(s) URL such as 'https://graph.facebook.com'"
            )
        timeout = self.request_timeout_seconds
        if not math.isfinite(timeout) or timeout <= 0:
            raise ConfigError("WhatsApp request_timeout_seconds must be a number above 0")
        if self.max_attempts < 1:
            raise ConfigError("WhatsApp max_attempts must be at least 1")

    @property
    def messages_url(self) -> str:
        """The Graph API endpoint that sends messages from this phone number."""
        return f"{self.base_url.rstrip('/')}/{self.graph_version}/{self.phone_number_id}/messages"

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, environ: Mapping[str, str]
    ) -> WhatsAppConfig:
        """The settings from the credentials.yml section, overridden by ``environ``."""
        credentials = credentials or {}
        strings: dict[str, str] = {}
        for name, variable in ENVIRONMENT_VARIABLES.items():
            value = (environ.get(variable) or "").strip() or _string(credentials, name)
            if value:
                strings[name] = value
        for name in _REQUIRED:
            if name not in strings:
                raise ConfigError(_missing(name))
        return cls(
            verify_token=strings["verify_token"],
            app_secret=strings["app_secret"],
            access_token=strings["access_token"],
            phone_number_id=strings["phone_number_id"],
            graph_version=strings.get("graph_version", DEFAULT_GRAPH_VERSION),
            base_url=strings.get("base_url", DEFAULT_BASE_URL),
            request_timeout_seconds=_number(credentials, "request_timeout_seconds", 10),
            max_attempts=int(_number(credentials, "max_attempts", 4, integer=True)),
            templates=_templates(credentials.get("templates")),
        )


def _missing(name: str) -> str:
    return (
        f"WhatsApp setting '{name}' is missing: set {ENVIRONMENT_VARIABLES[name]} "
        f"or '{name}' in credentials.yml"
    )


def _string(credentials: Mapping[str, Any], name: str) -> str:
    """A text setting; YAML reads an unquoted id such as 106540352242922 as a number."""
    value = credentials.get(name)
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ConfigError(f"WhatsApp setting '{name}' in credentials.yml must be text")
    return value.strip()


def _number(
    credentials: Mapping[str, Any], name: str, default: float, integer: bool = False
) -> float:
    value = credentials.get(name)
    if value is None:
        return default
    wrong_kind = integer and not isinstance(value, int)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or wrong_kind:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"WhatsApp setting '{name}' in credentials.yml must be {kind}")
    return value


def _templates(raw: Any) -> Mapping[str, TemplateConfig]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping):
        raise ConfigError("WhatsApp 'templates' in credentials.yml must map keys to templates")
    templates: dict[str, TemplateConfig] = {}
    for key, settings in raw.items():
        if not isinstance(key, str) or not key:
            raise ConfigError("WhatsApp template keys in credentials.yml must be non-empty text")
        templates[key] = _template(key, settings)
    return MappingProxyType(templates)


def _template(key: str, settings: Any) -> TemplateConfig:
    where = f"WhatsApp template '{key}' in credentials.yml"
    if not isinstance(settings, Mapping):
        raise ConfigError(f"{where} must have a 'name'")
    name = settings.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where} must have a 'name'")
    language = settings.get("language", DEFAULT_TEMPLATE_LANGUAGE)
    if not isinstance(language, str) or not language.strip():
        raise ConfigError(f"{where}: 'language' must be a language code such as 'nl'")
    parameters = settings.get("parameters") or []
    if not isinstance(parameters, list) or not all(
        isinstance(parameter, str) and parameter for parameter in parameters
    ):
        raise ConfigError(f"{where}: 'parameters' must be a list of value names")
    return TemplateConfig(name.strip(), language.strip(), tuple(parameters))

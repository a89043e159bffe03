"""Settings of the WhatsApp Business Cloud API channel.

Their structure is the pydantic model ``_Settings``: read from the channel's section in
credentials.yml, the environment overrides it:

    CYBERBOT_WHATSAPP_VERIFY_TOKEN, CYBERBOT_WHATSAPP_APP_SECRET,
    CYBERBOT_WHATSAPP_ACCESS_TOKEN, CYBERBOT_WHATSAPP_PHONE_NUMBER_ID,
    CYBERBOT_WHATSAPP_GRAPH_VERSION, CYBERBOT_WHATSAPP_BASE_URL.

An empty variable counts as unset, and surrounding whitespace is dropped (a secret pasted
with a trailing newline would otherwise never match). Message templates come from
credentials.yml only. Keys this module does not know are left alone: the channel keeps
its own settings (such as the apology) in the same section. Callers get the frozen
dataclass ``WhatsAppConfig``, which the model checks however it is built.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConstrainedStr, Extra, Field, ValidationError, validator
from pydantic.fields import ModelField

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
        try:
            settings = _Settings.parse_obj({item.name: getattr(self, item.name)
                                            for item in fields(self)})
        except ValidationError as error:
            raise ConfigError("; ".join(
                f"WhatsApp setting '{'.'.join(str(part) for part in problem['loc'])}' "
                f"{problem['msg']}" for problem in error.errors()
            )) from None
        for name, value in settings:
            object.__setattr__(self, name, value)

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
        values: dict[str, Any] = dict.fromkeys(_REQUIRED, "")  # reported as missing
        values.update((item.name, credentials[item.name]) for item in fields(cls)
                      if credentials.get(item.name) is not None)
        for name, variable in ENVIRONMENT_VARIABLES.items():
            if (environ.get(variable) or "").strip():
                values[name] = environ[variable]
        return cls(**values)


class _Text(ConstrainedStr):
    strict = True
    strip_whitespace = True
    min_length = 1


class _Name(ConstrainedStr):
    strict = True
    min_length = 1


class _Template(BaseModel):
    """A template of credentials.yml, or a TemplateConfig built in code."""

    class Config:
        orm_mode = True

    name: _Text
    language: _Text = _Text(DEFAULT_TEMPLATE_LANGUAGE)
    parameters: tuple[_Name, ...] = ()

    @validator("parameters", pre=True)
    def _none(cls, parameters: Any) -> Any:  # noqa: N805 (pydantic passes the class)
        return parameters or ()


class _Settings(BaseModel):
    """The checks of every WhatsAppConfig; the channel's other keys are not in here."""

    class Config:
        extra = Extra.ignore
        error_msg_templates = {  # noqa: RUF012 (pydantic reads it from the class)
            "value_error.missing": "is missing",
            "type_error.tuple": "must be a list of value names",
            "type_error.str": "must be text",
            "type_error.none.not_allowed": "must not be empty",
            "value_error.any_str.min_length": "must not be empty",
        }

    verify_token: str = Field(repr=False)
    app_secret: str = Field(repr=False)
    access_token: str = Field(repr=False)
    phone_number_id: str
    graph_version: str = DEFAULT_GRAPH_VERSION
    base_url: str = DEFAULT_BASE_URL
    request_timeout_seconds: float = 10
    max_attempts: int = 4
    templates: dict[_Name, _Template] = {}

    @validator(*ENVIRONMENT_VARIABLES, pre=True)
    def _text(cls, value: Any, field: ModelField) -> Any:  # noqa: N805
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # YAML reads an unquoted id such as 106540352242922 as a number
        if not isinstance(value, str):
            raise ValueError("must be text")
        if not value.strip() and field.required:
            raise ValueError(
                f"is missing: set {ENVIRONMENT_VARIABLES[field.name]} "
                f"or '{field.name}' in credentials.yml"
            )
        return value.strip() or field.default

    @validator("phone_number_id")
    def _path_segment(cls, value: str) -> str:  # noqa: N805
        if not _PATH_SEGMENT.fullmatch(value):
            raise ValueError("must consist of letters, digits, '-' or '_' only")
        return value

    @validator("graph_version")
    def _graph_version(cls, value: str) -> str:  # noqa: N805
        if not _GRAPH_VERSION.fullmatch(value):
            raise ValueError(f"must look like 'v21.0', got {value!r}")
        return value

    @validator("base_url")
    def _http(cls, value: str) -> str:  # noqa: N805
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL such as 'https://graph.facebook.com'")
        return value

    @validator("request_timeout_seconds", pre=True)
    def _timeout(cls, value: Any) -> Any:  # noqa: N805
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("must be a number")
        if not math.isfinite(value) or value <= 0:
            raise ValueError("must be a number above 0")
        return value

    @validator("max_attempts", pre=True)
    def _attempts(cls, value: Any) -> Any:  # noqa: N805
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @validator("templates", pre=True)
    def _mapping(cls, templates: Any) -> Any:  # noqa: N805
        if templates is not None and not isinstance(templates, Mapping):
            raise ValueError("must map keys to templates")
        return templates or {}

    @validator("templates")
    def _frozen(cls, templates: dict[str, _Template]) -> Mapping[str, TemplateConfig]:  # noqa: N805
        return MappingProxyType({
            key: TemplateConfig(template.name, template.language, template.parameters)
            for key, template in templates.items()
        })

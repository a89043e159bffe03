"""The security settings: allowed origins, trusted proxies, abuse limits and input bounds.

Read once per process from ``security.yml`` (path in CYBERBOT_SECURITY_CONFIG, default
``./security.yml``), then overridden by the environment variables the file names. A
wrong value stops the process at start with the file, the field and the reason.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Extra, ValidationError, validator

CONFIG_VARIABLE = "CYBERBOT_SECURITY_CONFIG"
DEFAULT_CONFIG_FILE = "security.yml"


class SecurityConfigError(ValueError):
    """The security settings cannot be used; the message names the field to fix."""


class Limits(BaseModel, extra=Extra.forbid):
    """How much one conversation or one client address may do; 0 switches a limit off."""

    messages_per_minute_per_conversation: int = 20
    messages_per_minute_per_client: int = 60
    leads_per_hour_per_conversation: int = 2
    leads_per_hour_per_client: int = 5

    @validator("*")
    def _not_negative(cls, value: int) -> int:  # noqa: N805 (pydantic passes the class)
        if value < 0:
            raise ValueError("must be 0 (off) or more")
        return value


class SecuritySettings(BaseModel, extra=Extra.forbid):
    allowed_origins: tuple[str, ...] = ("http://localhost:8080", "http://127.0.0.1:8080")
    trusted_proxies: tuple[str, ...] = ()
    client_ip_header: str = "X-Forwarded-For"
    limits: Limits = Limits()
    max_message_chars: int = 5000
    max_metadata_bytes: int = 1024

    @validator("max_message_chars")
    def _message_bound(cls, value: int) -> int:  # noqa: N805
        if not 1 <= value <= 100_000:
            raise ValueError("must be between 1 and 100000")
        return value

    @validator("max_metadata_bytes")
    def _metadata_bound(cls, value: int) -> int:  # noqa: N805
        if not 0 <= value <= 65_536:
            raise ValueError("must be between 0 and 65536")
        return value

    @validator("allowed_origins", each_item=True)
    def _origin(cls, origin: str) -> str:  # noqa: N805 (pydantic passes the class)
        origin = origin.strip().rstrip("/")
        if origin == "*":
            raise ValueError("'*' would let every website drive the chat; list the sites")
        if not re.fullmatch(r"https?://[^/\s?#]+", origin):
            raise ValueError(f"{origin!r} is not an origin such as https://www.example.nl")
        return origin

    @validator("trusted_proxies", each_item=True)
    def _network(cls, network: str) -> str:  # noqa: N805
        try:
            return str(ipaddress.ip_network(network.strip(), strict=False))
        except ValueError as error:
            raise ValueError(f"{network!r} is not an address or network: {error}") from None

    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(network) for network in self.trusted_proxies)


# Variable -> (path in the settings, kind of value)
_OVERRIDES: dict[str, tuple[tuple[str, ...], str]] = {
    "CYBERBOT_ALLOWED_ORIGINS": (("allowed_origins",), "list"),
    "CYBERBOT_TRUSTED_PROXIES": (("trusted_proxies",), "list"),
    "CYBERBOT_CLIENT_IP_HEADER": (("client_ip_header",), "text"),
    "CYBERBOT_MAX_MESSAGE_CHARS": (("max_message_chars",), "text"),
    "CYBERBOT_MAX_METADATA_BYTES": (("max_metadata_bytes",), "text"),
    **{
        f"CYBERBOT_LIMIT_{name.upper()}": (("limits", name), "text")
        for name in Limits.__fields__
    },
}


def parse_settings(
    data: Mapping[str, Any] | None, environ: Mapping[str, str], source: str
) -> SecuritySettings:
    """Settings from the file's ``data`` with the environment's overrides applied."""
    merged: dict[str, Any] = dict(data or {})
    merged["limits"] = dict(merged.get("limits") or {})
    for variable, (path, kind) in _OVERRIDES.items():
        raw = environ.get(variable, "").strip()
        if not raw and not (kind == "list" and variable in environ):
            continue
        value: Any = raw
        if kind == "list":
            value = [item.strip() for item in raw.split(",") if item.strip()]
        target = merged
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    try:
        return SecuritySettings.parse_obj(merged)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise SecurityConfigError(f"{source}: {problems}") from None


def config_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get(CONFIG_VARIABLE) or DEFAULT_CONFIG_FILE)


def load_settings(environ: Mapping[str, str] | None = None) -> SecuritySettings:
    """The settings of this process: the file (if present) and the environment."""
    environ = os.environ if environ is None else environ
    path = config_path(environ)
    data: Any = None
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data is not None and not isinstance(data, dict):
            raise SecurityConfigError(f"{path}: expected a mapping of settings")
    elif CONFIG_VARIABLE in environ:
        raise SecurityConfigError(f"{path}: file not found ({CONFIG_VARIABLE})")
    return parse_settings(data, environ, str(path))


@lru_cache(maxsize=1)
def settings() -> SecuritySettings:
    """The settings, read once per process."""
    return load_settings()

"""The texts of the forms' custom actions, from ``content/form_messages.yml``."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cyberbot.content import content_path

MESSAGES_FILE = content_path("form_messages.yml")


@lru_cache(maxsize=1)
def form_messages(path: Path = MESSAGES_FILE) -> dict[str, Any]:
    messages: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return messages


def text(*keys: str, **values: Any) -> str:
    """The message at ``keys`` (e.g. ``text("why", "revenue")``) with placeholders filled."""
    node: Any = form_messages()
    for key in keys:
        node = node[key]
    return str(node).format(**values) if values else str(node)


def privacy_url() -> str:
    return os.environ.get("CYBERBOT_PRIVACY_URL") or str(form_messages()["privacy_url"])

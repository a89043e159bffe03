"""The WhatsApp channel's own texts and the short labels of the bot's button titles.

They live in ``content/whatsapp_labels.yml``. WhatsApp rejects a whole message when one
button title is too long, so every title goes out through ``button_label`` or
``row_label``. A title without a label that does not fit is cut after a whole word rather
than failing the message; tests/whatsapp/test_whatsapp_labels.py keeps that from
happening to any title the bot can send.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cyberbot.channels.whatsapp.formatting import TEXT_MAX, shorten
from cyberbot.content import content_path

LABELS_FILE = content_path("whatsapp_labels.yml")

BUTTON_TITLE_MAX = 20  # a reply button's title
ROW_TITLE_MAX = 24  # a list row's title
LIST_BUTTON_MAX = 20  # the button that opens a list
SECTION_TITLE_MAX = 24  # a list section's title
INTERACTIVE_BODY_MAX = 1024  # the text of a message with reply buttons or a list

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Labels:
    buttons: Mapping[str, str]  # full title -> label on a reply button
    rows: Mapping[str, str]  # full title -> label on a list row
    list_button: str
    section_title: str
    more_options: str  # body of the second and later lists of one message
    choose: str  # body of options whose text went out before them
    unsupported: str  # reply to a photo, voice message, sticker, ...
    empty: str  # reply to a message without text


def load_labels(path: Path | None = None) -> Labels:
    """The labels in ``path``; without one, the shipped file, read once per process."""
    return _shipped() if path is None else _read(path)


@lru_cache(maxsize=1)
def _shipped() -> Labels:
    return _read(LABELS_FILE)


def button_label(title: str) -> str:
    """The text on a reply button for the bot's button ``title``."""
    return _label(title, load_labels().buttons, BUTTON_TITLE_MAX, "button")


def row_label(title: str) -> str:
    """The title of a list row for the bot's button ``title``."""
    return _label(title, load_labels().rows, ROW_TITLE_MAX, "list row")


def _label(title: str, labels: Mapping[str, str], limit: int, kind: str) -> str:
    if title in labels:
        return labels[title]
    if len(title) <= limit:
        return title
    logger.warning(
        "WhatsApp: a %s title of %d characters has no label in %s; it is cut to %d",
        kind,
        len(title),
        LABELS_FILE.name,
        limit,
    )
    return shorten(title, limit)


def _read(path: Path) -> Labels:
    try:
        return _parse(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (AttributeError, KeyError, TypeError, ValueError, yaml.YAMLError) as error:
        raise ValueError(f"{path.name}: {error}") from None


def _parse(data: Any) -> Labels:
    buttons: dict[str, str] = {}
    rows: dict[str, str] = {}
    for title, entry in (data.get("labels") or {}).items():
        where = f"labels[{title!r}]"
        if not isinstance(title, str):
            raise ValueError(f"{where}: a title must be quoted text")
        if isinstance(entry, Mapping):
            buttons[title] = _text(entry["button"], f"{where}.button", BUTTON_TITLE_MAX)
            rows[title] = _text(entry["row"], f"{where}.row", ROW_TITLE_MAX)
        else:
            buttons[title] = rows[title] = _text(entry, where, BUTTON_TITLE_MAX)
    options, replies = data["list"], data["replies"]
    return Labels(
        buttons=buttons,
        rows=rows,
        list_button=_text(options["button"], "list.button", LIST_BUTTON_MAX),
        section_title=_text(options["section"], "list.section", SECTION_TITLE_MAX),
        more_options=_text(options["more"], "list.more", INTERACTIVE_BODY_MAX),
        choose=_text(options["choose"], "list.choose", INTERACTIVE_BODY_MAX),
        unsupported=_text(replies["unsupported"], "replies.unsupported", TEXT_MAX),
        empty=_text(replies["empty"], "replies.empty", TEXT_MAX),
    )


def _text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected a text")
    if len(value) > limit:
        raise ValueError(f"{where}: longer than {limit} characters: {value!r}")
    return value

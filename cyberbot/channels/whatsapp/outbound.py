"""Request bodies for the Cloud API's ``POST /{phone-number-id}/messages``. Pure: no I/O.

The Cloud API rejects a whole message that breaks one of its limits, so the bot's
messages are fitted to them here: long texts become several messages, 1 to 3 buttons
reply buttons, more a list (several lists beyond 10 options), and options that cannot be
buttons at all a numbered list in the text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cyberbot.channels.whatsapp.formatting import (
    shorten,
    split_off_last_sentence,
    split_text,
    to_whatsapp_markdown,
)
from cyberbot.channels.whatsapp.labels import (
    INTERACTIVE_BODY_MAX,
    button_label,
    load_labels,
    row_label,
)

MAX_REPLY_BUTTONS = 3
MAX_LIST_ROWS = 10  # in all sections of one list together
BUTTON_ID_MAX = 256
ROW_ID_MAX = 200
ROW_DESCRIPTION_MAX = 72
CAPTION_MAX = 1024

_URL = re.compile(r"https?://\S")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Option:
    title: str  # as the bot sends it
    payload: str
    label: str  # the title on WhatsApp


def text_messages(to: str, text: str) -> list[dict[str, Any]]:
    """The text, formatted for WhatsApp, in as many messages as it needs (none if empty)."""
    return _texts(to, to_whatsapp_markdown(text))


def interactive_message(
    to: str, text: str, buttons: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The text with the bot's buttons ({title, payload}) as WhatsApp options.

    A text too long for an interactive message goes first as text messages, and the options
    follow with its last sentence (or "Maak een keuze:") as their text.
    """
    body = to_whatsapp_markdown(text)
    options = _options(buttons)
    if not options:
        return _texts(to, body)
    as_buttons = len(options) <= MAX_REPLY_BUTTONS
    problem = _unusable(options, BUTTON_ID_MAX if as_buttons else ROW_ID_MAX)
    if problem:
        logger.warning(
            "WhatsApp: %d options sent as a numbered list in the text: %s", len(options), problem
        )
        numbered = "\n".join(f"{n}. {option.title}" for n, option in enumerate(options, 1))
        return _texts(to, f"{body}\n\n{numbered}".strip())
    lead, body = _split_body(body)
    messages = _texts(to, lead)
    if as_buttons:
        messages.append(_reply_buttons(to, body, options))
        return messages
    more = load_labels().more_options
    for n, rows in enumerate(_list_chunks(options)):
        messages.append(_list(to, body if n == 0 else more, rows))
    return messages


def template_message(
    to: str, template_name: str, language: str, parameters: Sequence[str]
) -> dict[str, Any]:
    """An approved template, its body's {{1}}, {{2}}, ... filled with ``parameters``.

    The Cloud API refuses a parameter with a line break, a tab or more than four spaces in
    a row, so each run of whitespace becomes one space.
    """
    template: dict[str, Any] = {"name": template_name, "language": {"code": language}}
    if parameters:
        values = [{"type": "text", "text": " ".join(value.split())} for value in parameters]
        template["components"] = [{"type": "body", "parameters": values}]
    return _envelope(to, "template", template)


def image_message(to: str, url: str, caption: str | None = None) -> dict[str, Any]:
    image = {"link": url}
    text = to_whatsapp_markdown(caption or "")
    if len(text) > CAPTION_MAX:
        logger.warning("WhatsApp: an image caption of %d characters is cut", len(text))
        text = shorten(text, CAPTION_MAX)
    if text:
        image["caption"] = text
    return _envelope(to, "image", image)


def read_receipt(message_id: str, typing: bool = True) -> dict[str, Any]:
    """Marks the user's message read; with ``typing`` WhatsApp also shows "typing…" until
    the reply arrives or 25 seconds have passed."""
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": message_id,
    }
    if typing:
        body["typing_indicator"] = {"type": "text"}
    return body


def unsupported_reply(to: str) -> dict[str, Any]:
    """The answer to a photo, voice message, sticker or other message without text."""
    return _text(to, to_whatsapp_markdown(load_labels().unsupported))


def notice_reply(to: str, text: str) -> dict[str, Any]:
    """A short notice of the channel's own (a limit, a message too long)."""
    return _text(to, to_whatsapp_markdown(text))


def empty_reply(to: str) -> dict[str, Any]:
    return _text(to, to_whatsapp_markdown(load_labels().empty))


def _envelope(to: str, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: content,
    }


def _texts(to: str, formatted: str) -> list[dict[str, Any]]:
    return [_text(to, part) for part in split_text(formatted)]


def _text(to: str, body: str) -> dict[str, Any]:
    return _envelope(to, "text", {"body": body, "preview_url": bool(_URL.search(body))})


def _options(buttons: Sequence[Mapping[str, Any]]) -> list[_Option]:
    """The buttons with their labels; one without a title shows its payload, one with
    neither is left out."""
    choices = []
    for button in buttons:
        payload = str(button.get("payload") or "")
        title = str(button.get("title") or "").strip() or payload
        if title:
            choices.append((title, payload or title))
    label = button_label if len(choices) <= MAX_REPLY_BUTTONS else row_label
    return [_Option(title, payload, label(title)) for title, payload in choices]


def _unusable(options: Sequence[_Option], id_max: int) -> str | None:
    """Why the options cannot be WhatsApp buttons or list rows, or None when they can."""
    if any(len(option.payload) > id_max for option in options):
        return f"a payload longer than {id_max} characters"
    if len({option.payload for option in options}) < len(options):
        return "the same payload twice"
    if len({option.label for option in options}) < len(options):
        return "the same label twice"
    return None


def _split_body(formatted: str) -> tuple[str, str]:
    """The text to send before the options, and the text of the options' message."""
    if not formatted:
        return "", load_labels().choose
    if len(formatted) <= INTERACTIVE_BODY_MAX:
        return "", formatted
    lead, last = split_off_last_sentence(formatted)
    if lead and len(last) <= INTERACTIVE_BODY_MAX:
        return lead, last
    return formatted, load_labels().choose


def _reply_buttons(to: str, body: str, options: Sequence[_Option]) -> dict[str, Any]:
    buttons = [
        {"type": "reply", "reply": {"id": option.payload, "title": option.label}}
        for option in options
    ]
    return _envelope(
        to,
        "interactive",
        {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}},
    )


def _list_chunks(options: Sequence[_Option]) -> list[Sequence[_Option]]:
    """The options in as few lists as the row limit allows, their lengths one apart at most."""
    count = -(-len(options) // MAX_LIST_ROWS)
    size, longer = divmod(len(options), count)
    chunks, start = [], 0
    for n in range(count):
        end = start + size + (n < longer)
        chunks.append(options[start:end])
        start = end
    return chunks


def _list(to: str, body: str, options: Sequence[_Option]) -> dict[str, Any]:
    labels = load_labels()
    section = {"title": labels.section_title, "rows": [_row(option) for option in options]}
    action = {"button": labels.list_button, "sections": [section]}
    return _envelope(to, "interactive", {"type": "list", "body": {"text": body}, "action": action})


def _row(option: _Option) -> dict[str, str]:
    row = {"id": option.payload, "title": option.label}
    if option.label != option.title and len(option.title) <= ROW_DESCRIPTION_MAX:
        row["description"] = option.title
    return row

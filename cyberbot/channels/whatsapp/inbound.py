"""What a Cloud API webhook POST body says: the users' messages and our messages' statuses.

The parser is pure and total: any JSON value yields a ParsedDelivery, in delivery order
(entries, their changes, their messages). Whatever cannot be used is skipped and described
in ``problems``, which are meant for logs and so name positions and field names only:
never text, phone numbers, profile names or message ids (a wamid encodes the user's phone
number).

A message with a usable id, sender and timestamp is always kept, so the channel can answer
it; content it cannot read (an image, a reaction, a malformed text) becomes kind
"unsupported" with the message's type in ``original_type``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

WHATSAPP_OBJECT = "whatsapp_business_account"
MESSAGES_FIELD = "messages"
UNKNOWN_TYPE = "unknown"
MAX_PROBLEMS = 20

MessageKind = Literal["text", "button", "list", "unsupported"]
# kind, text, title and original type of a message
_Content = tuple[MessageKind, str, str | None, str]

_REPLY_KINDS: dict[str, MessageKind] = {"button_reply": "button", "list_reply": "list"}
# Generous bounds: wamids are about 60 characters, unix times 10 digits.
_MAX_ID_LENGTH = 512
_WA_ID = re.compile(r"[0-9]{5,20}")
_MAX_TIMESTAMP_DIGITS = 12
# Field names worth quoting in a problem; anything else is described by its JSON kind.
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    sender: str  # the "from": the user's WhatsApp id, where replies go
    timestamp: datetime  # aware, UTC
    kind: MessageKind
    # The body of a text; for a button or list reply, the id the bot gave that choice.
    text: str
    title: str | None  # the label the user saw on the chosen button or row
    original_type: str  # the Cloud API message type, e.g. "text", "interactive", "image"
    phone_number_id: str | None  # the business number the message was sent to
    profile_name: str | None


@dataclass(frozen=True)
class GraphErrorInfo:
    code: int | None
    title: str
    message: str
    details: str


@dataclass(frozen=True)
class StatusUpdate:
    message_id: str
    status: str  # sent, delivered, read, failed, ...; their order is not guaranteed
    timestamp: datetime  # aware, UTC
    recipient_id: str | None
    errors: tuple[GraphErrorInfo, ...]


@dataclass(frozen=True)
class ParsedDelivery:
    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass
class _Found:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unreported: int = 0

    def note(self, problem: str) -> None:
        """Keeps the first problems; a garbage delivery must not flood the log."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.unreported += 1

    def result(self) -> ParsedDelivery:
        problems = list(self.problems)
        if self.unreported:
            problems.append(f"{self.unreported} more problem(s) not listed")
        return ParsedDelivery(tuple(self.messages), tuple(self.statuses), tuple(problems))


def parse_webhook(body: Any) -> ParsedDelivery:
    """The messages and statuses of a decoded webhook POST body; never raises."""
    found = _Found()
    if not isinstance(body, dict):
        found.note(f"body is {_kind(body)}, not an object")
    elif body.get("object") != WHATSAPP_OBJECT:
        found.note(f"ignored object {_describe(body.get('object'))}")
    else:
        for i, entry in enumerate(_list(body.get("entry"), "entry list", found)):
            _entry(entry, f"entry {i}", found)
    return found.result()


def _entry(entry: Any, where: str, found: _Found) -> None:
    if not isinstance(entry, dict):
        found.note(f"{where}: is {_kind(entry)}, not an object")
        return
    for j, change in enumerate(_list(entry.get("changes"), f"{where}: changes", found)):
        _change(change, f"{where} change {j}", found)


def _change(change: Any, where: str, found: _Found) -> None:
    if not isinstance(change, dict):
        found.note(f"{where}: is {_kind(change)}, not an object")
        return
    if change.get("field") != MESSAGES_FIELD:
        found.note(f"{where}: ignored field {_describe(change.get('field'))}")
        return
    value = change.get("value")
    if not isinstance(value, dict):
        found.note(f"{where}: value is {_kind(value)}, not an object")
        return
    for error in _errors(value.get("errors")):
        found.note(f"{where}: Graph API error {error.code}")
    if not any(key in value for key in ("messages", "statuses", "errors")):
        found.note(f"{where}: neither messages nor statuses")
    metadata = value.get("metadata")
    phone_number_id = _id(metadata.get("phone_number_id")) if isinstance(metadata, dict) else None
    names = _profile_names(value.get("contacts"))
    if "messages" in value:
        for k, raw in enumerate(_list(value["messages"], f"{where}: messages", found)):
            _message(raw, f"{where} message {k}", phone_number_id, names, found)
    if "statuses" in value:
        for k, raw in enumerate(_list(value["statuses"], f"{where}: statuses", found)):
            _status(raw, f"{where} status {k}", found)


def _message(
    raw: Any, where: str, phone_number_id: str | None, names: dict[str, str], found: _Found
) -> None:
    if not isinstance(raw, dict):
        found.note(f"{where}: is {_kind(raw)}, not an object")
        return
    message_id = _id(raw.get("id"))
    sender = _wa_id(raw.get("from"))
    timestamp = _timestamp(raw.get("timestamp"))
    if message_id is None or sender is None or timestamp is None:
        _skip(where, found, id=message_id, **{"from": sender}, timestamp=timestamp)
        return
    kind, text, title, original_type = _content(raw, where, found)
    found.messages.append(
        InboundMessage(
            message_id=message_id,
            sender=sender,
            timestamp=timestamp,
            kind=kind,
            text=text,
            title=title,
            original_type=original_type,
            phone_number_id=phone_number_id,
            profile_name=_profile_name(names, sender),
        )
    )


def _skip(where: str, found: _Found, **fields: object) -> None:
    """Note a message or status skipped for the fields (in order) that could not be read."""
    unusable = ", ".join(name for name, parsed in fields.items() if parsed is None)
    found.note(f"{where}: skipped, missing or malformed {unusable}")


def _content(raw: dict[str, Any], where: str, found: _Found) -> _Content:
    message_type = raw.get("type")
    if not isinstance(message_type, str) or not _NAME.fullmatch(message_type):
        found.note(f"{where}: type {_describe(message_type)} treated as unsupported")
        return "unsupported", "", None, UNKNOWN_TYPE
    if message_type == "text":
        text = raw.get("text")
        body = text.get("body", "") if isinstance(text, dict) else None
        if isinstance(body, str):
            return "text", body, None, message_type
        found.note(f"{where}: text without a readable body, treated as unsupported")
    elif message_type == "interactive":
        return _interactive(raw.get("interactive"), where, found)
    elif message_type == "button":
        button = raw.get("button")
        if isinstance(button, dict):
            label = _text(button.get("text"))
            payload = _text(button.get("payload")) or label
            if payload:
                return "button", payload, label, message_type
        found.note(f"{where}: button without a payload, treated as unsupported")
    return "unsupported", "", None, message_type


def _interactive(interactive: Any, where: str, found: _Found) -> _Content:
    """A reply to our buttons or list; other interactive replies (flows) are unsupported."""
    reply_type = interactive.get("type") if isinstance(interactive, dict) else None
    if not isinstance(reply_type, str):
        found.note(f"{where}: interactive without a type, treated as unsupported")
    elif reply_type in _REPLY_KINDS:
        reply = interactive.get(reply_type)
        reply_id = _text(reply.get("id")) if isinstance(reply, dict) else None
        if isinstance(reply, dict) and reply_id:
            return _REPLY_KINDS[reply_type], reply_id, _text(reply.get("title")), "interactive"
        found.note(f"{where}: {reply_type} without an id, treated as unsupported")
    return "unsupported", "", None, "interactive"


def _status(raw: Any, where: str, found: _Found) -> None:
    if not isinstance(raw, dict):
        found.note(f"{where}: is {_kind(raw)}, not an object")
        return
    message_id = _id(raw.get("id"))
    status = _id(raw.get("status"))
    timestamp = _timestamp(raw.get("timestamp"))
    if message_id is None or status is None or timestamp is None:
        _skip(where, found, id=message_id, status=status, timestamp=timestamp)
        return
    found.statuses.append(
        StatusUpdate(
            message_id=message_id,
            status=status,
            timestamp=timestamp,
            recipient_id=_id(raw.get("recipient_id")),
            errors=_errors(raw.get("errors")),
        )
    )


def _errors(raw: Any) -> tuple[GraphErrorInfo, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(_error(item) for item in raw if isinstance(item, dict))


def _error(raw: dict[str, Any]) -> GraphErrorInfo:
    code = raw.get("code")
    if isinstance(code, str) and code.isascii() and code.isdecimal() and len(code) <= 12:
        code = int(code)
    data = raw.get("error_data")
    return GraphErrorInfo(
        code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        title=_text(raw.get("title")) or "",
        message=_text(raw.get("message")) or "",
        details=(_text(data.get("details")) if isinstance(data, dict) else None) or "",
    )


def _profile_names(contacts: Any) -> dict[str, str]:
    """Profile names by WhatsApp id; the key "" holds the name of a lone contact."""
    names: dict[str, str] = {}
    if not isinstance(contacts, list):
        return names
    for contact in contacts:
        if not isinstance(contact, dict):
            continue
        profile = contact.get("profile")
        name = _text(profile.get("name")) if isinstance(profile, dict) else None
        wa_id = _id(contact.get("wa_id"))
        if name and wa_id:
            names[wa_id] = name
        if name and len(contacts) == 1:
            names[""] = name
    return names


def _profile_name(names: dict[str, str], sender: str) -> str | None:
    # Meta warns that a user's id and phone number need not match; a lone contact is
    # the sender all the same.
    return names.get(sender) or names.get("")


def _list(value: Any, what: str, found: _Found) -> list[Any]:
    if isinstance(value, list):
        return value
    found.note(f"{what} is {_kind(value)}, not a list")
    return []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _id(value: Any) -> str | None:
    text = _text(value)
    return text if text is not None and len(text) <= _MAX_ID_LENGTH else None


def _wa_id(value: Any) -> str | None:
    """A WhatsApp user id: the phone number's digits. Nothing else may name a WhatsApp
    conversation, so its ids never meet those of the other channels (``web-…``, ``rest-…``)."""
    text = _text(value)
    return text if text is not None and _WA_ID.fullmatch(text) else None


def _timestamp(value: Any) -> datetime | None:
    """A unix time in seconds, as the Cloud API sends it (a string of digits)."""
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        if len(value) > _MAX_TIMESTAMP_DIGITS:
            return None
        seconds = int(value)
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        seconds = value
    else:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _kind(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "not JSON"


def _describe(value: Any) -> str:
    """A field name quoted when it looks like one, otherwise only its kind."""
    if isinstance(value, str) and _NAME.fullmatch(value):
        return f"'{value}'"
    return f"({_kind(value)})"

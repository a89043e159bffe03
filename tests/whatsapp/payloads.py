"""Cloud API webhook bodies in the shape Meta documents, for unit and end-to-end tests.

Shapes follow Meta's "messages webhook reference" pages (text, interactive, button, image,
audio, location, sticker, reaction, unsupported, status and errors); the fixed example
values (ids, numbers, "Sheena Nelson", 1739321024) are the ones those pages use.

Message builders (``text_message`` ...) give one entry of ``messages[]``; webhook builders
(``text_webhook`` ...) give a whole POST body. Unless told otherwise every message gets a
fresh wamid, so two builders never collide in the channel's deduplication, and the
current time, so a message is always inside the 24-hour window. ``sample_payloads()``
returns Meta's examples with their fixed values.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from typing import Any

WABA_ID = "102290129340398"
DISPLAY_PHONE_NUMBER = "15550783881"
PHONE_NUMBER_ID = "106540352242922"
USER_WA_ID = "16505551234"
PROFILE_NAME = "Sheena Nelson"
EXAMPLE_MESSAGE_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="
# The business message a reply or reaction refers to.
CONTEXT_MESSAGE_ID = "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="
EXAMPLE_TIMESTAMP = 1739321024
ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

Json = dict[str, Any]


def new_message_id() -> str:
    """A fresh id shaped like a wamid."""
    return "wamid." + base64.b64encode(secrets.token_bytes(30)).decode()


def _envelope(
    sender: str, message_id: str | None, timestamp: int | None, message_type: str
) -> Json:
    return {
        "from": sender,
        "id": message_id or new_message_id(),
        "timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "type": message_type,
    }


def _media(mime_type: str, media_id: str) -> Json:
    return {
        "mime_type": mime_type,
        "sha256": "81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3",
        "id": media_id,
        "url": f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={media_id}",
    }


# ----- one message (an element of value.messages) ------------------------------------


def text_message(
    body: str = "Hallo",
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    return {**_envelope(sender, message_id, timestamp, "text"), "text": {"body": body}}


def button_reply_message(
    reply_id: str = "/affirm",
    title: str = "Ja",
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    """The user tapped a reply button of an interactive message we sent."""
    return {
        "context": {"from": DISPLAY_PHONE_NUMBER, "id": CONTEXT_MESSAGE_ID},
        **_envelope(sender, message_id, timestamp, "interactive"),
        "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
    }


def list_reply_message(
    reply_id: str = "hiscox",
    title: str = "Hiscox",
    description: str = "Cyberverzekering voor het mkb",
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    """The user chose a row of an interactive list message we sent."""
    return {
        "context": {"from": DISPLAY_PHONE_NUMBER, "id": CONTEXT_MESSAGE_ID},
        **_envelope(sender, message_id, timestamp, "interactive"),
        "interactive": {
            "type": "list_reply",
            "list_reply": {"id": reply_id, "title": title, "description": description},
        },
    }


def quick_reply_button_message(
    payload: str = "Unsubscribe",
    text: str = "Unsubscribe",
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    """The user tapped a quick-reply button of a template message (type "button")."""
    return {
        "context": {"from": DISPLAY_PHONE_NUMBER, "id": CONTEXT_MESSAGE_ID},
        **_envelope(sender, message_id, timestamp, "button"),
        "button": {"payload": payload, "text": text},
    }


def image_message(
    caption: str | None = "Mijn polis",
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    image = _media("image/jpeg", "1003383421387256")
    if caption is not None:
        image = {"caption": caption, **image}
    return {**_envelope(sender, message_id, timestamp, "image"), "image": image}


def audio_message(
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    """A voice note recorded in WhatsApp."""
    audio = {**_media("audio/ogg; codecs=opus", "1003383421387257"), "voice": True}
    return {**_envelope(sender, message_id, timestamp, "audio"), "audio": audio}


def location_message(
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    location = {
        "address": "101 Forest Ave, Palo Alto, CA 94301",
        "latitude": 37.44221496582,
        "longitude": -122.16108703613,
        "name": "Philz Coffee",
        "url": "https://www.philzcoffee.com/",
    }
    return {**_envelope(sender, message_id, timestamp, "location"), "location": location}


def sticker_message(
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    sticker = {**_media("image/webp", "1003383421387258"), "animated": False}
    return {**_envelope(sender, message_id, timestamp, "sticker"), "sticker": sticker}


def reaction_message(
    emoji: str | None = "\N{THUMBS UP SIGN}",
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    """A reaction to one of our messages; ``emoji=None`` is a removed reaction."""
    reaction: Json = {"message_id": CONTEXT_MESSAGE_ID}
    if emoji is not None:
        reaction["emoji"] = emoji
    return {**_envelope(sender, message_id, timestamp, "reaction"), "reaction": reaction}


def unsupported_message(
    unsupported_type: str = "poll_update",
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> Json:
    """A message type Cloud API does not pass on (error 131051)."""
    return {
        **_envelope(sender, message_id, timestamp, "unsupported"),
        "errors": [
            graph_error(
                131051,
                "Message type unknown",
                "Message type is currently not supported.",
            )
        ],
        "unsupported": {"type": unsupported_type},
    }


# Builders of messages the bot cannot read, by type; all take sender, message_id, timestamp.
UNREADABLE_MESSAGES: dict[str, Callable[..., Json]] = {
    "image": image_message,
    "audio": audio_message,
    "location": location_message,
    "sticker": sticker_message,
    "reaction": reaction_message,
    "unsupported": unsupported_message,
}


# ----- one status (an element of value.statuses) -------------------------------------


def graph_error(
    code: int = 131047,
    title: str = "Re-engagement message",
    details: str = (
        "Message failed to send because more than 24 hours have passed since the "
        "customer last replied to this number."
    ),
) -> Json:
    """An element of ``errors[]``; Meta repeats the title as the message."""
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_CODES_URL,
    }


def status_update(
    status: str = "delivered",
    *,
    message_id: str = CONTEXT_MESSAGE_ID,
    recipient_id: str = USER_WA_ID,
    timestamp: int | None = None,
    errors: list[Json] | None = None,
) -> Json:
    """The status of a message we sent; a "failed" one carries ``errors``."""
    update: Json = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "recipient_id": recipient_id,
    }
    if status in ("sent", "delivered"):
        update["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    if status == "sent":
        expires = int(update["timestamp"]) + 24 * 3600
        update["conversation"] = {
            "id": "a75d17ad06104c51166f948319b03c6a",
            "expiration_timestamp": str(expires),
            "origin": {"type": "service"},
        }
    if errors is not None:
        update["errors"] = errors
    return update


# ----- whole POST bodies --------------------------------------------------------------


def _body(value: Json, waba_id: str) -> Json:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def _value(phone_number_id: str) -> Json:
    return {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": DISPLAY_PHONE_NUMBER,
            "phone_number_id": phone_number_id,
        },
    }


def messages_webhook(
    *messages: Json,
    phone_number_id: str = PHONE_NUMBER_ID,
    profile_name: str = PROFILE_NAME,
    waba_id: str = WABA_ID,
) -> Json:
    """One entry with one change carrying ``messages``, and a contact per sender."""
    senders = list(dict.fromkeys(message["from"] for message in messages))
    contacts = [{"profile": {"name": profile_name}, "wa_id": sender} for sender in senders]
    value = {**_value(phone_number_id), "contacts": contacts, "messages": list(messages)}
    return _body(value, waba_id)


def statuses_webhook(
    *statuses: Json, phone_number_id: str = PHONE_NUMBER_ID, waba_id: str = WABA_ID
) -> Json:
    return _body({**_value(phone_number_id), "statuses": list(statuses)}, waba_id)


def batch_webhook(*bodies: Json) -> Json:
    """One delivery holding the entries of all ``bodies``, in order."""
    return {
        "object": "whatsapp_business_account",
        "entry": [entry for body in bodies for entry in body["entry"]],
    }


def webhook(message: Json, **envelope: str) -> Json:
    """One message in a delivery of its own (``messages_webhook`` with one message)."""
    return messages_webhook(message, **envelope)


def text_webhook(
    body: str = "Hallo",
    *,
    sender: str = USER_WA_ID,
    message_id: str | None = None,
    timestamp: int | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    profile_name: str = PROFILE_NAME,
) -> Json:
    message = text_message(body, sender=sender, message_id=message_id, timestamp=timestamp)
    return messages_webhook(message, phone_number_id=phone_number_id, profile_name=profile_name)


def status_webhook(
    status_name: str = "delivered",
    *,
    message_id: str = CONTEXT_MESSAGE_ID,
    recipient_id: str = USER_WA_ID,
    timestamp: int | None = None,
    errors: list[Json] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
) -> Json:
    update = status_update(
        status_name,
        message_id=message_id,
        recipient_id=recipient_id,
        timestamp=timestamp,
        errors=errors,
    )
    return statuses_webhook(update, phone_number_id=phone_number_id)


def failed_status_webhook(
    code: int = 131047,
    title: str = "Re-engagement message",
    details: str = (
        "Message failed to send because more than 24 hours have passed since the "
        "customer last replied to this number."
    ),
    *,
    message_id: str = CONTEXT_MESSAGE_ID,
    recipient_id: str = USER_WA_ID,
    timestamp: int | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
) -> Json:
    return status_webhook(
        "failed",
        message_id=message_id,
        recipient_id=recipient_id,
        timestamp=timestamp,
        errors=[graph_error(code, title, details)],
        phone_number_id=phone_number_id,
    )


# ----- Meta's examples ----------------------------------------------------------------

SECOND_USER_WA_ID = "31612345678"


def sample_payloads() -> dict[str, Json]:
    """Meta's documented examples by name, freshly built (safe to mutate)."""
    fixed: Json = {"sender": USER_WA_ID, "timestamp": EXAMPLE_TIMESTAMP}

    def one(message: Json) -> Json:
        return messages_webhook(message)

    def example_id(n: int) -> str:
        return EXAMPLE_MESSAGE_ID if n == 0 else f"{EXAMPLE_MESSAGE_ID[:-4]}{n:02d}AA="

    samples = {
        "text": one(text_message("Hallo", message_id=example_id(0), **fixed)),
        "empty_text": one(text_message("", message_id=example_id(1), **fixed)),
        "button_reply": one(
            button_reply_message("cancel-button", "Cancel", message_id=example_id(2), **fixed)
        ),
        "list_reply": one(
            list_reply_message(
                "priority_express",
                "Priority Mail Express",
                "Next Day to 2 Days",
                message_id=example_id(3),
                **fixed,
            )
        ),
        "quick_reply_button": one(quick_reply_button_message(message_id=example_id(4), **fixed)),
        "image": one(image_message(message_id=example_id(5), **fixed)),
        "audio": one(audio_message(message_id=example_id(6), **fixed)),
        "location": one(location_message(message_id=example_id(7), **fixed)),
        "sticker": one(sticker_message(message_id=example_id(8), **fixed)),
        "reaction": one(reaction_message(message_id=example_id(9), **fixed)),
        "reaction_removed": one(reaction_message(None, message_id=example_id(10), **fixed)),
        "unsupported": one(unsupported_message(message_id=example_id(11), **fixed)),
    }
    for name in ("sent", "delivered", "read"):
        samples[f"status_{name}"] = status_webhook(name, timestamp=EXAMPLE_TIMESTAMP)
    samples["status_failed"] = failed_status_webhook(timestamp=EXAMPLE_TIMESTAMP)
    samples["batch"] = _two_entry_batch(example_id(12), example_id(13), example_id(14))
    return samples


def _two_entry_batch(first_id: str, second_id: str, third_id: str) -> Json:
    """Entry 0: two messages of one user; entry 1: a list reply of another user and, in a
    second change, a status."""
    first = messages_webhook(
        text_message("Goedemorgen", message_id=first_id, timestamp=EXAMPLE_TIMESTAMP),
        button_reply_message("/affirm", "Ja", message_id=second_id, timestamp=EXAMPLE_TIMESTAMP),
    )
    second = messages_webhook(
        list_reply_message(
            "hiscox",
            "Hiscox",
            sender=SECOND_USER_WA_ID,
            message_id=third_id,
            timestamp=EXAMPLE_TIMESTAMP + 1,
        ),
        profile_name="Jan de Vries",
    )
    read = status_webhook("read", timestamp=EXAMPLE_TIMESTAMP + 2)
    second["entry"][0]["changes"].extend(read["entry"][0]["changes"])
    return batch_webhook(first, second)

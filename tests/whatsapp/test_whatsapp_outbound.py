"""Cloud API request bodies: every one within Meta's limits, whatever the bot says."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import pytest

from cyberbot.channels.whatsapp.formatting import TEXT_MAX
from cyberbot.channels.whatsapp.labels import load_labels
from cyberbot.channels.whatsapp.outbound import (
    empty_reply,
    image_message,
    interactive_message,
    read_receipt,
    template_message,
    text_messages,
    unsupported_reply,
)
from tests.whatsapp.test_whatsapp_labels import Group, button_groups

TO = "31612345678"
OUTBOUND_LOGGER = "cyberbot.channels.whatsapp.outbound"

Body = dict[str, Any]


def assert_valid(body: Body) -> None:
    """The limits of the Cloud API's messages endpoint for the types the channel sends."""
    assert body["messaging_product"] == "whatsapp"
    assert body["recipient_type"] == "individual"
    assert body["to"] == TO
    kind = body["type"]
    if kind == "text":
        assert 0 < len(body["text"]["body"]) <= TEXT_MAX
        return
    assert kind == "interactive"
    interactive = body["interactive"]
    assert 0 < len(interactive["body"]["text"]) <= 1024
    action = interactive["action"]
    if interactive["type"] == "button":
        replies = [button["reply"] for button in action["buttons"]]
        assert 1 <= len(replies) <= 3
        assert all(button["type"] == "reply" for button in action["buttons"])
        assert all(0 < len(reply["title"]) <= 20 for reply in replies)
        assert all(0 < len(reply["id"]) <= 256 for reply in replies)
        assert len({reply["title"] for reply in replies}) == len(replies)
        assert len({reply["id"] for reply in replies}) == len(replies)
        return
    assert interactive["type"] == "list"
    assert 0 < len(action["button"]) <= 20
    rows = [row for section in action["sections"] for row in section["rows"]]
    assert 1 <= len(rows) <= 10
    assert all(0 < len(section["title"]) <= 24 for section in action["sections"])
    assert all(0 < len(row["title"]) <= 24 for row in rows)
    assert all(0 < len(row["id"]) <= 200 for row in rows)
    assert all(len(row.get("description", "")) <= 72 for row in rows)
    assert len({row["id"] for row in rows}) == len(rows)


def visible(text: str) -> str:
    return re.sub(r"\s+", "", text)


def options(count: int, payload_length: int = 0) -> list[dict[str, str]]:
    return [
        {"title": f"Optie {n}", "payload": f"/optie{n}".ljust(payload_length, "x")}
        for n in range(1, count + 1)
    ]


def interactive_texts(bodies: Sequence[Body]) -> list[str]:
    return [body["interactive"]["body"]["text"] for body in bodies if body["type"] == "interactive"]


def rows_of(body: Body) -> list[dict[str, str]]:
    sections = body["interactive"]["action"]["sections"]
    return [row for section in sections for row in section["rows"]]


# --- Text -----------------------------------------------------------------------------


def test_a_text_is_formatted() -> None:
    [body] = text_messages(TO, "Dit is **niet verplicht**.")
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": TO,
        "type": "text",
        "text": {"body": "Dit is *niet verplicht*.", "preview_url": False},
    }


def test_a_link_asks_for_a_preview() -> None:
    [body] = text_messages(TO, "Lees de [privacyverklaring](https://x.nl/privacy).")
    assert body["text"] == {
        "body": "Lees de privacyverklaring (https://x.nl/privacy).",
        "preview_url": True,
    }


def test_a_long_text_becomes_several_messages() -> None:
    paragraph = "Een cyberverzekering dekt schade door een hack. " * 40
    text = "\n\n".join([paragraph] * 5)
    bodies = text_messages(TO, text)
    assert len(bodies) > 1
    for body in bodies:
        assert_valid(body)
    assert visible("".join(body["text"]["body"] for body in bodies)) == visible(text)


def test_an_empty_text_sends_nothing() -> None:
    assert text_messages(TO, " \n ") == []


# --- Buttons --------------------------------------------------------------------------


def test_up_to_three_buttons_are_reply_buttons() -> None:
    buttons = [
        {"title": "Ja, ik geef toestemming", "payload": "/affirm"},
        {"title": "Nee", "payload": "/deny"},
    ]
    [body] = interactive_message(TO, "Geeft u daarvoor **toestemming**?", buttons)
    assert_valid(body)
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Geeft u daarvoor *toestemming*?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "/affirm", "title": "Ja, ik stem toe"}},
                {"type": "reply", "reply": {"id": "/deny", "title": "Nee"}},
            ]
        },
    }


def test_four_to_ten_buttons_are_one_list() -> None:
    buttons = [
        {"title": "AIG", "payload": "aig"},
        {"title": "Hiscox", "payload": "hiscox"},
        {"title": "Chubb", "payload": "chubb"},
        {"title": "Ja, ik geef toestemming", "payload": "/affirm"},
    ]
    [body] = interactive_message(TO, "Heeft u een voorkeur?", buttons)
    assert_valid(body)
    labels = load_labels()
    interactive = body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["body"] == {"text": "Heeft u een voorkeur?"}
    assert interactive["action"]["button"] == labels.list_button
    assert [section["title"] for section in interactive["action"]["sections"]] == [
        labels.section_title
    ]
    assert rows_of(body) == [
        {"id": "aig", "title": "AIG"},
        {"id": "hiscox", "title": "Hiscox"},
        {"id": "chubb", "title": "Chubb"},
        {"id": "/affirm", "title": "Ja, ik stem toe", "description": "Ja, ik geef toestemming"},
    ]


@pytest.mark.parametrize(("count", "sizes"), [(11, [6, 5]), (13, [7, 6]), (25, [9, 8, 8])])
def test_more_than_ten_buttons_are_several_lists(count: int, sizes: list[int]) -> None:
    bodies = interactive_message(TO, "Kies de sector die het best past:", options(count))
    for body in bodies:
        assert_valid(body)
    assert [len(rows_of(body)) for body in bodies] == sizes
    more = load_labels().more_options
    assert interactive_texts(bodies) == ["Kies de sector die het best past:"] + [more] * (
        len(sizes) - 1
    )
    assert [row["id"] for body in bodies for row in rows_of(body)] == [
        option["payload"] for option in options(count)
    ]


def test_a_long_text_goes_before_the_buttons_without_repeating_itself() -> None:
    text = "Een cyberverzekering dekt schade door een hack. " * 30 + "Wat wilt u weten?"
    bodies = interactive_message(TO, text, options(2))
    for body in bodies:
        assert_valid(body)
    *texts, buttons = bodies
    assert texts and all(body["type"] == "text" for body in texts)
    assert interactive_texts([buttons]) == ["Wat wilt u weten?"]
    sent = "".join(body["text"]["body"] for body in texts) + "Wat wilt u weten?"
    assert visible(sent) == visible(text)


def test_a_long_text_without_sentences_gets_a_short_choice_text() -> None:
    text = "woord " * 400
    *texts, buttons = interactive_message(TO, text, options(5))
    assert visible("".join(body["text"]["body"] for body in texts)) == visible(text)
    assert interactive_texts([buttons]) == [load_labels().choose]
    assert_valid(buttons)


def test_buttons_without_a_text_get_a_short_choice_text() -> None:
    [body] = interactive_message(TO, "", options(2))
    assert interactive_texts([body]) == [load_labels().choose]


def test_no_buttons_is_a_text_message() -> None:
    assert interactive_message(TO, "Tot ziens!", []) == text_messages(TO, "Tot ziens!")


def test_a_button_without_a_payload_answers_with_its_title() -> None:
    [body] = interactive_message(TO, "Kies:", [{"title": "Nog een vraag"}])
    assert body["interactive"]["action"]["buttons"][0]["reply"] == {
        "id": "Nog een vraag",
        "title": "Nog een vraag",
    }


def test_a_button_without_a_title_shows_its_payload() -> None:
    buttons = [{"title": "", "payload": "/stop"}, {"title": " ", "payload": ""}]
    [body] = interactive_message(TO, "Kies:", buttons)
    assert body["interactive"]["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "/stop", "title": "/stop"}}
    ]


@pytest.mark.parametrize(
    "buttons",
    [
        options(2, payload_length=257),  # longer than a reply button's id
        options(4, payload_length=201),  # longer than a list row's id
        [{"title": "Ja", "payload": "/affirm"}, {"title": "Ja, graag", "payload": "/affirm"}],
        [{"title": "Eén", "payload": "/een"}, {"title": "Eén", "payload": "/ander"}],
    ],
)
def test_options_that_cannot_be_buttons_become_a_numbered_list(
    buttons: list[dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=OUTBOUND_LOGGER)
    bodies = interactive_message(TO, "Maak een keuze.", buttons)
    assert all(body["type"] == "text" for body in bodies)
    for body in bodies:
        assert_valid(body)
    text = "\n".join(body["text"]["body"] for body in bodies)
    assert text.startswith("Maak een keuze.\n\n1. ")
    assert len(caplog.records) == 1


def test_payloads_of_up_to_256_characters_fit_reply_buttons() -> None:
    [body] = interactive_message(TO, "Kies:", options(3, payload_length=256))
    assert_valid(body)


@pytest.mark.parametrize("group", button_groups(), ids=lambda group: group[0][:40])
def test_every_message_of_the_bot_fits(group: Group, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    text, buttons = group
    bodies = interactive_message(TO, text, buttons)
    for body in bodies:
        assert_valid(body)
    assert bodies[-1]["type"] == "interactive"
    assert not caplog.records


# --- Other bodies ---------------------------------------------------------------------


def test_a_template_fills_its_body_parameters() -> None:
    body = template_message(
        TO, "terugbelverzoek", "nl", ["Jan de Vries", "CB-1234\nmorgen   \tom 10 uur"]
    )
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": TO,
        "type": "template",
        "template": {
            "name": "terugbelverzoek",
            "language": {"code": "nl"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Jan de Vries"},
                        {"type": "text", "text": "CB-1234 morgen om 10 uur"},
                    ],
                }
            ],
        },
    }


def test_a_template_without_parameters_has_no_components() -> None:
    assert template_message(TO, "hallo", "nl", [])["template"] == {
        "name": "hallo",
        "language": {"code": "nl"},
    }


def test_an_image_with_and_without_a_caption() -> None:
    assert image_message(TO, "https://x.nl/a.png")["image"] == {"link": "https://x.nl/a.png"}
    image = image_message(TO, "https://x.nl/a.png", "Het **schema**")
    assert image["type"] == "image"
    assert image["image"] == {"link": "https://x.nl/a.png", "caption": "Het *schema*"}


def test_a_long_caption_is_cut(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=OUTBOUND_LOGGER)
    caption = image_message(TO, "https://x.nl/a.png", "woord " * 300)["image"]["caption"]
    assert len(caption) <= 1024 and caption.endswith("woord…")
    assert len(caplog.records) == 1


def test_a_read_receipt_shows_typing() -> None:
    assert read_receipt("wamid.ABC") == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.ABC",
        "typing_indicator": {"type": "text"},
    }
    assert "typing_indicator" not in read_receipt("wamid.ABC", typing=False)


def test_the_channel_replies_come_from_the_labels_file() -> None:
    labels = load_labels()
    for body, text in (
        (unsupported_reply(TO), labels.unsupported),
        (empty_reply(TO), labels.empty),
    ):
        assert_valid(body)
        assert body["text"]["body"] == text

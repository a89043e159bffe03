"""End-to-end over the REST channel against the real Rasa and action servers (Dutch)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from cyberbot.training_data import default_variation, faq_responses, variation_for
from tests.e2e.servers import BotServers, rest_conversation

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
# The answers as a visitor whose country is not known gets them.
FAQ = {name: [default_variation(variations)] for name, variations in faq_responses().items()}
CREDENTIALS = yaml.safe_load((ROOT / "credentials.yml").read_text())
APOLOGY = CREDENTIALS["cyberbot.channels.rest.RestInput"]["apology"]


FALLBACK = yaml.safe_load((ROOT / "content" / "fallback_messages.yml").read_text())["messages"]


def fallback_text(reason: str | None) -> str:
    """The fallback message for a reason (None: the default one)."""
    return str(FALLBACK[reason or "default"]["text"])


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [reply["text"] for reply in replies if "text" in reply]


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


def test_faq_question_gets_its_answer_with_buttons(bot: BotServers) -> None:
    replies = bot.say(new_sender(), "Is een cyberverzekering verplicht?")
    assert texts(replies) == [FAQ["utter_faq/verplicht"][0]["text"]]
    assert [b["title"] for b in replies[0]["buttons"]] == [
        b["title"] for b in FAQ["utter_faq/verplicht"][0]["buttons"]
    ]


def test_flemish_question_gets_the_belgian_answer(bot: BotServers) -> None:
    sender = new_sender()
    replies = bot.say(sender, "Hoe kan ik als kmo mijn premie verlagen?")
    belgian = variation_for(faq_responses()["utter_faq/premie_verlagen"], "be")
    assert texts(replies) == [belgian["text"]]
    assert bot.tracker(rest_conversation(sender))["slots"]["country"] == "be"


def test_faq_button_payload_answers_that_faq(bot: BotServers) -> None:
    assert texts(bot.say(new_sender(), "/faq/kosten")) == [FAQ["utter_faq/kosten"][0]["text"]]


def test_small_talk(bot: BotServers) -> None:
    sender = new_sender()
    assert texts(bot.say(sender, "hallo")) == [DOMAIN["utter_greet"][0]["text"]]
    assert texts(bot.say(sender, "ben ik nu met een robot aan het praten?")) == [
        DOMAIN["utter_iamabot"][0]["text"]
    ]
    assert texts(bot.say(sender, "bedankt!")) == [DOMAIN["utter_you_are_welcome"][0]["text"]]


def test_gibberish_gets_the_fallback_and_a_second_miss_offers_a_person(bot: BotServers) -> None:
    sender = new_sender()
    first = bot.say(sender, "qwzx plork vrumm")
    assert texts(first) == [fallback_text(None)]
    assert first[0]["buttons"]
    second = bot.say(sender, "blargh fnord zzkt")
    assert texts(second) == [fallback_text("offer_human")]
    assert "/request_human" in [b["payload"] for b in second[0]["buttons"]]
    # understood again: the count starts over
    assert texts(bot.say(sender, "wat kost een cyberverzekering?")) == [
        FAQ["utter_faq/kosten"][0]["text"]
    ]
    assert texts(bot.say(sender, "xkcd qwrtz")) == [fallback_text(None)]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("😀🔥👍", "no_words"),
        ("Hello, is cyber insurance mandatory for my company in the Netherlands?", "foreign"),
        ("Bonjour, est-ce que cette assurance est obligatoire pour une PME?", "foreign"),
    ],
)
def test_bad_input_gets_a_polite_dutch_reply(
    bot: BotServers, message: str, reason: str | None
) -> None:
    assert texts(bot.say(new_sender(), message)) == [fallback_text(reason)]


def test_markup_is_answered_politely_like_any_text(bot: BotServers) -> None:
    markup = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    replies = texts(bot.say(new_sender(), markup))
    # Not understood, out of scope, or "Bedoelt u ...?": an answer, never an error.
    assert replies in ([fallback_text(None)], [DOMAIN["utter_out_of_scope"][0]["text"]],
                       [DOMAIN["utter_faq_unknown"][0]["text"]],
                       [DOMAIN["utter_faq_clarify"][0]["text"]])


def test_a_5000_character_message_gets_a_reply(bot: BotServers) -> None:
    story = "Wij zijn een kleine webshop en maken ons zorgen over hackers. " * 90
    message = (story + "Is een cyberverzekering verplicht?")[-5000:]
    assert len(message) == 5000
    replies = bot.say(new_sender(), message)
    assert texts(replies) and all(texts(replies))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"message": "hoi"}, 400),  # no sender
        ({"sender": "", "message": "hoi"}, 400),
        ({"sender": "x", "message": 42}, 400),
        ({"sender": "x", "message": "a" * 5001}, 413),
        ({"sender": "x\ny", "message": "hoi"}, 400),
        ({"sender": "x", "message": "hoi", "metadata": "tekst"}, 400),
        ({"sender": "x", "message": "hoi", "metadata": {"a": "b" * 2000}}, 413),
    ],
)
def test_malformed_requests_are_refused_in_english(
    bot: BotServers, body: dict[str, Any], status: int
) -> None:
    reply = requests.post(f"{bot.url}/webhooks/rest/webhook", json=body,
                          headers=bot.rest_headers, timeout=30)
    assert reply.status_code == status
    assert any(field in reply.text for field in ("message", "sender", "metadata"))


def test_invalid_json_is_refused(bot: BotServers) -> None:
    reply = requests.post(
        f"{bot.url}/webhooks/rest/webhook", data="{not json",
        headers={"Content-Type": "application/json", **bot.rest_headers}, timeout=30,
    )
    assert reply.status_code == 400


def test_http_api_needs_the_token(bot: BotServers) -> None:
    sender = new_sender()
    bot.say(sender, "hallo")
    conversation = rest_conversation(sender)
    anonymous = requests.get(f"{bot.url}/conversations/{conversation}/tracker", timeout=30)
    assert anonymous.status_code == 401
    assert bot.tracker(conversation)["sender_id"] == conversation


def test_a_restart_keeps_the_conversation(bot: BotServers) -> None:
    sender = new_sender()
    bot.say(sender, "Wat dekt een cyberverzekering?")
    bot.say(sender, "qwzx plork vrumm")  # first miss
    before = [e for e in bot.tracker(rest_conversation(sender))["events"] if e["event"] == "user"]
    bot.stop_rasa()
    bot.start_rasa()
    after = [e for e in bot.tracker(rest_conversation(sender))["events"] if e["event"] == "user"]
    assert [e["text"] for e in after] == [e["text"] for e in before]
    # the second miss in a row is counted across the restart
    assert texts(bot.say(sender, "blargh fnord zzkt")) == [fallback_text("offer_human")]


def test_action_server_down_gives_the_apology_not_silence(bot: BotServers) -> None:
    bot.stop_actions()
    try:
        assert texts(bot.say(new_sender(), "qwzx plork vrumm")) == [APOLOGY]
        # FAQ answers need the action server (it decides whether to answer): an apology
        assert texts(bot.say(new_sender(), "Is een cyberverzekering verplicht?")) == [APOLOGY]
        # responses that need no custom action still work
        assert texts(bot.say(new_sender(), "hallo")) == [DOMAIN["utter_greet"][0]["text"]]
    finally:
        bot.start_actions()
    assert texts(bot.say(new_sender(), "qwzx plork vrumm")) == [fallback_text(None)]

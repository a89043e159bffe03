"""The WhatsApp channel's own logic against the fake Graph API, without Rasa: the output
channel (splitting, buttons, the 24-hour window) and the inbox (duplicates, recovery)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy.engine import Engine

from cyberbot.channels.whatsapp.channel import (
    MAX_ATTEMPTS,
    WhatsAppInput,
    log_id,
    message_from_payload,
    message_payload,
)
from cyberbot.channels.whatsapp.config import TemplateConfig, WhatsAppConfig
from cyberbot.channels.whatsapp.inbound import parse_webhook
from cyberbot.channels.whatsapp.output import WhatsAppOutput
from cyberbot.channels.whatsapp.store import (
    claim,
    get_whatsapp_engine,
    pending_ids,
    record_inbound,
)
from tests.whatsapp import payloads
from tests.whatsapp.fake_graph import PHONE_NUMBER_ID, TOKEN, FakeGraphAPI
from tests.whatsapp.settings import APP_SECRET, VERIFY_TOKEN

USER = "31612345678"
SENTENCE = "Een cyberverzekering dekt de kosten van een hack, een datalek of ransomware. "


@pytest.fixture()
def graph() -> Iterator[FakeGraphAPI]:
    with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture()
def engine(tmp_path: Path) -> Engine:
    return get_whatsapp_engine(f"sqlite:///{tmp_path / 'leads.db'}")


def config(graph: FakeGraphAPI) -> WhatsAppConfig:
    return WhatsAppConfig(
        verify_token=VERIFY_TOKEN, app_secret=APP_SECRET, access_token=TOKEN,
        phone_number_id=PHONE_NUMBER_ID, base_url=graph.url, request_timeout_seconds=5,
        templates={"callback_confirmation": TemplateConfig("terugbelverzoek_ontvangen", "nl",
                                                           ("name", "reference"))},
    )


def inbound(engine: Engine, user: str = USER, hours_ago: float = 0.0) -> str:
    """Record a message from ``user``; returns its id."""
    message_id = payloads.new_message_id()
    at = datetime.now(timezone.utc) - timedelta(hours=hours_ago)
    assert record_inbound(engine, message_id, user, at, {"text": "hallo"})
    return message_id


def channel(graph: FakeGraphAPI, engine: Engine) -> WhatsAppInput:
    return WhatsAppInput(config(graph), "Excuses.", engine=engine)


async def send(graph: FakeGraphAPI, engine: Engine, message: dict[str, Any]) -> None:
    whatsapp = channel(graph, engine)
    output = whatsapp.get_output_channel()
    assert isinstance(output, WhatsAppOutput)
    try:
        await output.send_response(USER, message)
    finally:
        await whatsapp.client.close()


def test_a_long_answer_is_split_on_sentences(graph: FakeGraphAPI, engine: Engine) -> None:
    inbound(engine)
    text = SENTENCE * 120  # about 9,000 characters
    asyncio.run(send(graph, engine, {"text": text}))
    parts = [body["text"]["body"] for body in graph.sent_to(USER)]
    assert len(parts) == 3
    assert all(len(part) <= 4096 for part in parts)
    assert all(part.endswith("ransomware.") for part in parts)
    assert re.sub(r"\s+", "", "".join(parts)) == re.sub(r"\s+", "", text)


def test_buttons_become_reply_buttons_or_a_list(graph: FakeGraphAPI, engine: Engine) -> None:
    inbound(engine)
    three = [{"title": t, "payload": f"/{t.lower()}"} for t in ("Ja", "Nee", "Misschien")]
    asyncio.run(send(graph, engine, {"text": "Klopt dat?", "buttons": three}))
    five = [{"title": f"Keuze {n}", "payload": f"k{n}"} for n in range(5)]
    asyncio.run(send(graph, engine, {"text": "Kies maar.", "buttons": five}))
    first, second = graph.sent_to(USER)
    assert first["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in first["interactive"]["action"]["buttons"]] == [
        "/ja", "/nee", "/misschien"]
    assert second["interactive"]["type"] == "list"
    rows = second["interactive"]["action"]["sections"][0]["rows"]
    assert [row["id"] for row in rows] == [f"k{n}" for n in range(5)]


def test_outside_the_window_only_a_configured_template_goes_out(
    graph: FakeGraphAPI, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    inbound(engine, hours_ago=25)
    asyncio.run(send(graph, engine, {"text": "Goedemorgen!", "utter_action": "utter_greet"}))
    assert graph.sent_to(USER) == []
    assert "utter_greet not sent" in caplog.text
    asyncio.run(send(graph, engine, {
        "text": "Bedankt, we bellen u.", "whatsapp_template": "callback_confirmation",
        "template_values": {"name": "Fatima", "reference": "CV-2026-000042"}}))
    (template,) = graph.sent_to(USER)
    assert template["type"] == "template"
    assert template["template"]["name"] == "terugbelverzoek_ontvangen"
    assert USER not in caplog.text


def test_graph_saying_the_window_closed_falls_back_to_the_template(
    graph: FakeGraphAPI, engine: Engine
) -> None:
    inbound(engine)  # our clock says open, Meta's says closed
    graph.outside_window_for(USER)
    asyncio.run(send(graph, engine, {
        "text": "Bedankt.", "whatsapp_template": "callback_confirmation",
        "template_values": {"name": "Fatima", "reference": "CV-2026-000042"}}))
    assert [body["type"] for body in graph.sent_to(USER)] == ["template"]


def answer_with(text: str) -> Any:
    async def handler(message: UserMessage) -> None:
        assert message.output_channel is not None
        await message.output_channel.send_text_message(message.sender_id or "", text)
    return handler


def test_an_interrupted_message_is_answered_by_the_recovery(
    graph: FakeGraphAPI, engine: Engine
) -> None:
    five_minutes_ago = int((datetime.now(timezone.utc) - timedelta(minutes=5)).timestamp())
    delivery = parse_webhook(payloads.text_webhook("Wat kost het?", sender=USER,
                                                   timestamp=five_minutes_ago))
    (message,) = delivery.messages
    whatsapp = channel(graph, engine)

    assert record_inbound(engine, message.message_id, USER, message.timestamp,
                          message_payload(message))
    # Another process claimed it and died: its lease runs out after two minutes.
    assert claim(engine, message.message_id, "dead-process",
                 now=datetime.now(timezone.utc) - timedelta(minutes=5)) is not None

    async def recover() -> int:
        try:
            return await whatsapp.recover(answer_with("De premie hangt af van uw omzet."))
        finally:
            await whatsapp.client.close()

    assert asyncio.run(recover()) == 1
    assert [body["text"]["body"] for body in graph.sent_to(USER)] == [
        "De premie hangt af van uw omzet."]
    assert pending_ids(engine, timedelta(0)) == []
    assert asyncio.run(recover()) == 0  # done: never answered twice


def test_a_message_that_keeps_failing_is_given_up(graph: FakeGraphAPI, engine: Engine) -> None:
    delivery = parse_webhook(payloads.text_webhook("Hallo", sender=USER))
    (message,) = delivery.messages
    whatsapp = channel(graph, engine)

    record_inbound(engine, message.message_id, USER, message.timestamp,
                   message_payload(message))

    async def broken(_: UserMessage) -> None:
        raise RuntimeError("the dialogue failed")

    async def attempt() -> None:
        try:
            claimed = claim(engine, message.message_id, whatsapp.owner,
                            now=datetime.now(timezone.utc) + timedelta(hours=1))
            assert claimed is not None
            await whatsapp._handle_claimed(message_from_payload(claimed), broken)
        finally:
            await whatsapp.client.close()

    for _ in range(MAX_ATTEMPTS):
        asyncio.run(attempt())
    assert pending_ids(engine, timedelta(0), now=datetime.now(timezone.utc) + timedelta(days=1)) \
        == []


def test_log_ids_do_not_reveal_the_number() -> None:
    message_id = payloads.EXAMPLE_MESSAGE_ID
    assert len(log_id(message_id)) == 12
    assert message_id not in log_id(message_id)

"""never_silent: an unanswered visitor message gets the apology."""

from __future__ import annotations

import asyncio
import logging

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from cyberbot.channels.guard import conversation_ref, never_silent

APOLOGY = "Excuses, er ging iets mis."


def handle(reply: str | None, fail: bool = False) -> list[dict]:
    async def on_new_message(message: UserMessage) -> None:
        if reply is not None:
            await message.output_channel.send_text_message(message.sender_id, reply)
        if fail:
            raise RuntimeError("action server down")

    collector = CollectingOutputChannel()
    guarded = never_silent(on_new_message, APOLOGY)
    asyncio.run(guarded(UserMessage("hoi", collector, "visitor")))
    return collector.messages


def test_a_reply_passes_through_untouched() -> None:
    assert [m["text"] for m in handle("Goedendag!")] == ["Goedendag!"]


def test_silence_becomes_the_apology() -> None:
    assert handle(None) == [{"recipient_id": "visitor", "text": APOLOGY}]


def test_a_failure_without_reply_still_gets_the_apology() -> None:
    assert [m["text"] for m in handle(None, fail=True)] == [APOLOGY]


def test_a_failure_after_a_reply_adds_nothing() -> None:
    assert [m["text"] for m in handle("Deel 1", fail=True)] == ["Deel 1"]


def test_the_real_channel_name_is_kept() -> None:
    names: list[str] = []

    async def on_new_message(message: UserMessage) -> None:
        names.append(message.output_channel.name())
        await message.output_channel.send_text_message(message.sender_id, "ok")

    asyncio.run(never_silent(on_new_message, APOLOGY)(
        UserMessage("hoi", CollectingOutputChannel(), "visitor")))
    assert names == ["collector"]


@pytest.mark.parametrize("reply", ["", "tekst"])
def test_every_sent_message_counts(reply: str) -> None:
    assert len(handle(reply)) == 1


def test_failures_are_logged_without_text_or_conversation_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def on_new_message(message: UserMessage) -> None:
        raise RuntimeError("geheime tekst van de bezoeker")

    collector = CollectingOutputChannel()
    with caplog.at_level(logging.WARNING):
        asyncio.run(never_silent(on_new_message, APOLOGY)(
            UserMessage("mijn telefoon is 0612345678", collector, "+31612345678")))
    assert collector.messages[0]["text"] == APOLOGY
    logged = caplog.text
    assert "RuntimeError" in logged and conversation_ref("+31612345678") in logged
    assert "0612345678" not in logged and "geheime" not in logged


def test_conversation_ref_is_stable_and_short() -> None:
    assert conversation_ref("abc") == conversation_ref("abc") != conversation_ref("abd")
    assert len(conversation_ref(None)) == 12

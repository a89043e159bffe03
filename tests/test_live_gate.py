"""The channels' live gate: the bot answers unless a person has the conversation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from cyberbot.live import gate


def message(sender: str = "web-1") -> UserMessage:
    return UserMessage("Is het verplicht?", CollectingOutputChannel(), sender)


@pytest.fixture()
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    calls: dict[str, list[str]] = {"bot": [], "recorded": []}

    async def recorded(msg: UserMessage) -> None:
        calls["recorded"].append(msg.sender_id)

    monkeypatch.setattr(gate, "record_only", recorded)
    monkeypatch.setattr(gate, "get_live_engine", lambda: None)
    return calls


def run(handled: dict[str, list[str]], msg: UserMessage) -> None:
    async def bot(incoming: UserMessage) -> Any:
        handled["bot"].append(incoming.sender_id)

    asyncio.run(gate.live_gate(bot)(msg))


def test_the_bot_answers_when_nobody_holds_the_conversation(
    monkeypatch: pytest.MonkeyPatch, seen: dict[str, list[str]]
) -> None:
    monkeypatch.setattr(gate, "is_paused", lambda engine, sender: False)
    run(seen, message())
    assert seen == {"bot": ["web-1"], "recorded": []}


def test_while_an_operator_holds_it_the_message_is_only_recorded(
    monkeypatch: pytest.MonkeyPatch, seen: dict[str, list[str]]
) -> None:
    monkeypatch.setattr(gate, "is_paused", lambda engine, sender: sender == "web-held")
    run(seen, message("web-held"))
    run(seen, message("web-free"))
    assert seen == {"bot": ["web-free"], "recorded": ["web-held"]}


def test_an_unreadable_state_lets_the_bot_answer(
    monkeypatch: pytest.MonkeyPatch, seen: dict[str, list[str]]
) -> None:
    def broken(engine: Any, sender: str) -> bool:
        raise ConnectionError("database down")

    monkeypatch.setattr(gate, "is_paused", broken)
    run(seen, message())
    assert seen == {"bot": ["web-1"], "recorded": []}

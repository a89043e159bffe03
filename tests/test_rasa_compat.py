"""The fence around Rasa's internals (cyberbot/rasa_compat): the names the project relies
on still exist and are still called, and each patch behaves as the code it replaces."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import AsyncMock

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from cyberbot import rasa_compat
from cyberbot.rasa_compat.action_validation import validate_action_result

GOOD: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "sector", "value": "detailhandel"}],
     "responses": [{"text": "Genoteerd.", "buttons": []}]},
    {"events": [{"event": "active_loop", "name": None}], "responses": []},
]
BAD: list[Any] = [
    {"events": "geen lijst"},
    {"events": [{"event": "slot", "name": 3}]},
    {"responses": ["tekst"]},
    [],
]


def rasa_accepts(result: Any) -> bool:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except ValidationError:
        return False
    return True


@pytest.fixture()
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The patches applied as at the server's start-up, undone after the test."""
    monkeypatch.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction._validate_action_result)
    rasa_compat.install()


def test_every_rasa_name_the_project_relies_on_is_still_there() -> None:
    assert rasa_compat.missing_names() == []


def test_a_missing_or_changed_name_is_reported_with_who_needs_it() -> None:
    gone = rasa_compat.RasaName("rasa.core.processor", "MessageProcessor.no_such_method",
                                "cyberbot/example.py", "an example")
    changed = rasa_compat.RasaName("rasa.core.processor", "MessageProcessor.log_message",
                                   "cyberbot/example.py", "an example", ("message", "nope"))
    assert rasa_compat.missing_names((gone, changed)) == [
        "rasa.core.processor.MessageProcessor.no_such_method is gone; cyberbot/example.py "
        "relies on it: an example",
        "rasa.core.processor.MessageProcessor.log_message no longer takes nope; "
        "cyberbot/example.py relies on it: an example",
    ]


def test_importing_the_project_patches_nothing() -> None:
    import cyberbot.channels.rest
    import cyberbot.channels.socketio  # noqa: F401

    assert RemoteAction._validate_action_result is not validate_action_result


@pytest.mark.usefixtures("installed")
@pytest.mark.parametrize("result", GOOD + BAD)
def test_the_same_replies_are_accepted_as_by_rasa(result: Any) -> None:
    action = RemoteAction("action_x", None)
    if rasa_accepts(result):
        assert action._validate_action_result(result) is True
    else:
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(result)


@pytest.mark.usefixtures("installed")
def test_rasa_still_validates_every_action_reply_through_the_patched_method(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If RemoteAction.run stopped calling _validate_action_result, the patch would
    silently do nothing: run a remote action against a stub endpoint and see it called."""
    seen: list[Any] = []

    def spy(action: RemoteAction, result: dict[str, Any]) -> bool:
        seen.append(result)
        return validate_action_result(action, result)

    monkeypatch.setattr(RemoteAction, "_validate_action_result", spy)
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
    monkeypatch.setattr(endpoint, "request", AsyncMock(return_value=GOOD[1]))
    domain = Domain.from_dict({"slots": {"sector": {"type": "text", "mappings": []}},
                               "actions": ["action_x"]})
    tracker = DialogueStateTracker.from_events("compat", [], domain.slots)
    events = asyncio.run(RemoteAction("action_x", endpoint).run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain))
    assert seen == [GOOD[1]]
    assert [event.as_dict()["name"] for event in events if event.type_name == "slot"] == [
        "sector"]

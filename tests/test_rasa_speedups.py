"""The cached validation of action-server replies accepts and refuses what Rasa's does."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import cyberbot.channels.rest  # noqa: F401  (installs the fix, as Rasa's start-up does)
from cyberbot.rasa_speedups import validate_action_result

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


@pytest.mark.parametrize("result", GOOD + BAD)
def test_the_same_replies_are_accepted_as_by_rasa(result: Any) -> None:
    action = RemoteAction("action_x", None)
    if rasa_accepts(result):
        assert action._validate_action_result(result) is True
    else:
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(result)


def test_rasa_uses_the_cached_validation() -> None:
    assert RemoteAction._validate_action_result is validate_action_result

"""A fix for a cost in Rasa 3.6 that has nothing to do with the assistant's work.

Rasa checks every reply of the action server against a JSON schema with
``jsonschema.validate``, which first validates the (large, constant) schema itself and
builds a new validator, on every call: about 40 ms of CPU per custom action here, more
than half of a form turn. ``install`` makes Rasa validate with one validator built once;
what is accepted and the error raised are unchanged.

Installed by :func:`cyberbot.rasa_compat.install`, which the Rasa server calls at start-up
(``cyberbot.servers.rasa_server``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a validator built once."""
    error = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Make ``RemoteAction.run`` validate replies with :func:`validate_action_result`."""
    RemoteAction._validate_action_result = validate_action_result

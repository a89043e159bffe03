"""Rasa sends its domain only to the actions that read it (``enable_selective_domain`` in
the endpoints files): the form validators, whose names start with ``validate_``, which Rasa
sends it to by itself. Every other action must do without: no method of the project's own
classes of such an action reads ``domain``."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.actions.action import RemoteAction
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.forms import ValidationAction

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def registered_actions() -> dict[str, Action]:
    """The action server's actions by name, as it registers them."""
    executor = ActionExecutor()
    executor.register_package("actions")
    return {name: run.__self__ for name, run in executor.actions.items()}


ACTIONS = registered_actions()


def reads_domain(action: Action) -> bool:
    """Whether a method of the project's own classes of ``action`` reads ``domain``."""
    for cls in type(action).__mro__:
        if not cls.__module__.startswith("actions."):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        if any(isinstance(node, ast.Name) and node.id == "domain"
               and isinstance(node.ctx, ast.Load) for node in ast.walk(tree)):
            return True
    return False


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_both_profiles_send_the_domain_selectively(endpoints: str) -> None:
    config = yaml.safe_load((ROOT / endpoints).read_text())["action_endpoint"]
    assert config["enable_selective_domain"] is True


def test_every_custom_action_of_the_domain_is_served() -> None:
    custom = {name for name in DOMAIN.user_actions if not name.startswith("utter_")}
    assert custom == set(ACTIONS)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_an_action_gets_the_domain_exactly_when_it_reads_it(name: str) -> None:
    action = ACTIONS[name]
    sent = DOMAIN.does_custom_action_explicitly_need_domain(name)
    if isinstance(action, ValidationAction):  # rasa-sdk reads the forms and slots
        assert sent, f"{name} validates a form: Rasa must send it the domain"
    assert sent == reads_domain(action) or isinstance(action, ValidationAction), (
        f"{name}: {'reads' if reads_domain(action) else 'does not read'} the domain, "
        f"which Rasa {'sends' if sent else 'does not send'}")


def test_the_check_finds_a_method_that_reads_the_domain() -> None:
    readers = [action for action in ACTIONS.values() if reads_domain(action)]
    assert readers and all(isinstance(action, ValidationAction) for action in readers)


def call_body(name: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("CYBERBOT_ACTION_TOKEN", "test-token")
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    tracker = DialogueStateTracker.from_events("selective", [
        ActionExecuted("action_listen"), UserUttered("hallo", {"name": "greet"})])
    body: dict[str, Any] = RemoteAction(name, endpoints.action)._action_call_format(
        tracker, DOMAIN)
    return body


def test_rasa_leaves_the_domain_out_of_a_call_to_an_answering_action(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "domain" not in call_body("action_answer_faq", monkeypatch)
    sent = call_body("validate_quote_form", monkeypatch)["domain"]
    assert sent["forms"]["quote_form"] and sent["slots"]["consent"]

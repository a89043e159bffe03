"""The fence around Rasa's internals (cyberbot/rasa_compat): the names the project relies
on still exist and are still called, and each patch behaves as the code it replaces."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest.mock import AsyncMock

import jsonschema
import pytest
import tensorflow as tf
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.core.training import load_data
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.models import RasaModel

from cyberbot import rasa_compat
from cyberbot.rasa_compat.action_validation import validate_action_result
from cyberbot.rasa_compat.model_loading import load_for_prediction
from tests.rasa_patches import patches_undone

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
def installed() -> Iterator[None]:
    """The patches applied as at the server's start-up, undone after the test."""
    with patches_undone():
        rasa_compat.install()
        yield


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


TINY_DOMAIN = """
version: "3.1"
intents: [greet, ask_price, bye]
slots:
  sector: {type: categorical, values: [bakker, it], mappings: [{type: from_entity, entity: sector}]}
entities: [sector]
responses:
  utter_greet: [{text: hallo}]
  utter_price: [{text: prijs}]
  utter_bye: [{text: dag}]
"""
TINY_STORIES = """
version: "3.1"
stories:
- story: greet then price
  steps: [{intent: greet}, {action: utter_greet}, {intent: ask_price}, {action: utter_price}]
- story: price then bye
  steps:
  - intent: ask_price
    entities: [{sector: bakker}]
  - slot_was_set: [{sector: bakker}]
  - action: utter_price
  - intent: bye
  - action: utter_bye
"""


@dataclass
class TrainedTed:
    policy: TEDPolicy
    domain: Domain
    trackers: list[TrackerWithCachedStates]
    storage: LocalModelStorage
    config: dict[str, Any]

    def load(self) -> TEDPolicy:
        return TEDPolicy.load(self.config, self.storage, Resource("ted"),
                              ExecutionContext(GraphSchema({}), "compat"))


@pytest.fixture(scope="module")
def trained_ted(tmp_path_factory: pytest.TempPathFactory) -> TrainedTed:
    """A small TED policy trained for two epochs (eagerly: seconds, not a minute) and
    stored as Rasa stores a model's TED."""
    folder = tmp_path_factory.mktemp("ted")
    (folder / "stories.yml").write_text(TINY_STORIES)
    (folder / "storage").mkdir()
    domain = Domain.from_yaml(TINY_DOMAIN)
    trackers = load_data(str(folder / "stories.yml"), domain, augmentation_factor=0)
    config = {**TEDPolicy.get_default_config(), "epochs": 2, "random_seed": 7}
    storage = LocalModelStorage(folder / "storage")
    policy = TEDPolicy.create(config, storage, Resource("ted"),
                              ExecutionContext(GraphSchema({}), "compat"))
    tf.config.run_functions_eagerly(True)
    try:
        policy.train(trackers, domain)
    finally:
        tf.config.run_functions_eagerly(False)
    return TrainedTed(policy, domain, trackers, storage, config)


def _values(model: RasaModel) -> list[bytes]:
    return sorted(variable.numpy().tobytes() for variable in model.weights)


@pytest.mark.usefixtures("installed")
def test_a_ted_policy_loaded_for_prediction_predicts_as_the_trained_one(
    trained_ted: TrainedTed,
) -> None:
    """Every prediction equals the trained policy's, and every weight of the loaded model
    is a trained one: none was left at its random start."""
    loaded = trained_ted.load()
    assert loaded.model is not None and trained_ted.policy.model is not None
    for tracker in trained_ted.trackers:
        expected = trained_ted.policy.predict_action_probabilities(tracker, trained_ted.domain)
        got = loaded.predict_action_probabilities(tracker, trained_ted.domain)
        assert got.probabilities == pytest.approx(expected.probabilities, abs=1e-6)
    # After a prediction: each sparse layer zeroes its masked weights when it is called.
    assert _values(loaded.model) == _values(trained_ted.policy.model)


@pytest.mark.usefixtures("installed")
def test_ted_still_loads_through_the_patched_method_and_traces_no_training_step(
    trained_ted: TrainedTed, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If TEDPolicy stopped loading through RasaModel.load, the patch would silently do
    nothing; if it still fitted the model, the 20 s of tracing would be back."""
    calls: list[bool] = []
    patched = RasaModel.load.__func__

    def spy(cls: type[RasaModel], *args: Any, **kwargs: Any) -> RasaModel:
        calls.append(bool(kwargs.get("finetune_mode")))
        model: RasaModel = patched(cls, *args, **kwargs)
        return model

    monkeypatch.setattr(RasaModel, "load", classmethod(spy))
    loaded = trained_ted.load()
    assert calls == [False]
    assert loaded.model is not None and loaded.model.train_function is None


@pytest.mark.usefixtures("installed")
def test_rasas_command_line_runs_with_the_patches_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``python -m cyberbot.rasa_compat test core …`` is ``rasa test core …`` with the
    model loaded as the server loads it."""
    from cyberbot.rasa_compat import __main__ as command_line

    monkeypatch.setattr(RasaModel, "load", RasaModel.__dict__["load"])
    seen: list[tuple[list[str], bool]] = []
    monkeypatch.setattr(command_line, "rasa_main", lambda: seen.append(
        (list(sys.argv), RasaModel.__dict__["load"].__func__ is load_for_prediction)))
    monkeypatch.setattr(sys, "argv", ["cyberbot.rasa_compat", "test", "core", "--stories", "x"])
    command_line.main()
    assert seen == [(["rasa", "test", "core", "--stories", "x"], True)]

"""TED and the memoization policy predict only when their prediction can win
(cyberbot/rasa_compat/policy_deferral.py):
the graph change, the rule, and, with the trained model, the same choice as Rasa's own
graph on every state of the project's stories, rules and test stories."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.core.policies.unexpected_intent_policy import UnexpecTEDIntentPolicy
from rasa.core.training import load_data
from rasa.engine import loader
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.engine.graph import ExecutionContext, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

from cyberbot import heldout
from cyberbot.rasa_compat import policy_deferral
from cyberbot.rasa_compat.policy_deferral import DECIDED_BY, cannot_win, deferring_schema
from tests.rasa_patches import patches_undone

ROOT = Path(__file__).resolve().parents[1]
PROVIDERS = {"tracker": "__tracker__", "rule_only_data": "rule_only_data_provider",
             "domain": "domain_provider"}


def policy_node(uses: type) -> SchemaNode:
    return SchemaNode(needs=dict(PROVIDERS), uses=uses, constructor_name="load",
                      fn="predict_action_probabilities", config={}, eager=True)


def recipe_schema(*policies: type) -> GraphSchema:
    """The policy part of a prediction graph as Rasa's default recipe builds it."""
    nodes = {f"run_{uses.__name__}{index}": policy_node(uses)
             for index, uses in enumerate(policies)}
    nodes["select_prediction"] = SchemaNode(
        needs={**{f"policy{index}": name for index, name in enumerate(nodes)},
               "domain": "domain_provider", "tracker": "__tracker__"},
        uses=DefaultPolicyPredictionEnsemble, constructor_name="load",
        fn="combine_predictions_from_kwargs", config={}, eager=True)
    return GraphSchema(nodes)


def decided_by(*names: str) -> dict[str, str]:
    return {f"{DECIDED_BY}{name}": name for name in names}


def test_ted_and_memoization_run_after_the_policies_they_can_lose_to() -> None:
    schema = recipe_schema(MemoizationPolicy, RulePolicy, TEDPolicy)
    changed = deferring_schema(schema)
    assert changed.nodes["run_TEDPolicy2"].needs == {
        **PROVIDERS, **decided_by("run_MemoizationPolicy0", "run_RulePolicy1")}
    assert changed.nodes["run_MemoizationPolicy0"].needs == {
        **PROVIDERS, **decided_by("run_RulePolicy1")}
    assert changed.nodes["run_RulePolicy1"] == schema.nodes["run_RulePolicy1"]
    assert changed.nodes["select_prediction"] == schema.nodes["select_prediction"]
    # The model's own schema is kept.
    assert all(node.needs == PROVIDERS for name, node in schema.nodes.items()
               if name.startswith("run_"))


def test_a_graph_where_nobody_can_wait_is_left_alone() -> None:
    for policies in [(RulePolicy,), (TEDPolicy,), (MemoizationPolicy,),
                     (TEDPolicy, TEDPolicy), (RulePolicy, UnexpecTEDIntentPolicy)]:
        schema = recipe_schema(*policies)
        assert deferring_schema(schema) is schema, policies


def test_only_exactly_ted_and_memoization_wait_and_never_for_each_other_or_themselves(
) -> None:
    schema = deferring_schema(recipe_schema(RulePolicy, TEDPolicy, UnexpecTEDIntentPolicy,
                                            TEDPolicy, MemoizationPolicy, MemoizationPolicy))
    everything_but_ted = decided_by("run_RulePolicy0", "run_UnexpecTEDIntentPolicy2",
                                    "run_MemoizationPolicy4", "run_MemoizationPolicy5")
    assert schema.nodes["run_TEDPolicy1"].needs == {**PROVIDERS, **everything_but_ted}
    assert schema.nodes["run_TEDPolicy3"].needs == {**PROVIDERS, **everything_but_ted}
    for memoization in ("run_MemoizationPolicy4", "run_MemoizationPolicy5"):
        assert schema.nodes[memoization].needs == {
            **PROVIDERS, **decided_by("run_RulePolicy0", "run_UnexpecTEDIntentPolicy2")}
    # RulePolicy is a subclass of MemoizationPolicy, UnexpecTEDIntentPolicy of TEDPolicy.
    assert schema.nodes["run_RulePolicy0"].needs == PROVIDERS
    assert schema.nodes["run_UnexpecTEDIntentPolicy2"].needs == PROVIDERS


def ted(*, priority: int = 1, fake_features: dict[str, Any] | None = None,
        only_e2e: bool = False) -> TEDPolicy:
    return cast(TEDPolicy, SimpleNamespace(priority=priority, only_e2e=only_e2e,
                                           fake_features=fake_features or {"intent": []}))


def prediction(best: float, priority: int, **flags: bool) -> PolicyPrediction:
    return PolicyPrediction([0.0, best, 1.0 - best], "Other", priority, **flags)


def listening() -> DialogueStateTracker:
    return DialogueStateTracker.from_events("deferral", [
        ActionExecuted("action_listen"), UserUttered("hallo", {"name": "greet"})])


@pytest.mark.parametrize(("decided", "expected"), [
    ([prediction(1.0, 6)], True),                                   # a rule
    ([prediction(0.3, 6), prediction(1.0, 3)], True),               # a memorised story
    ([prediction(0.3, 6)], False),                                  # the core fallback
    ([prediction(0.99, 6)], False),                                 # TED could be higher
    ([prediction(1.0, 1)], False),                                  # a tie TED could win
    ([prediction(1.0, 0)], False),
    ([prediction(0.5, 6, is_no_user_prediction=True)], True),       # overrules everything
    ([prediction(0.5, 6, is_end_to_end_prediction=True)], True),    # overrules intents
    ([], False),
])
def test_ted_is_skipped_only_when_another_prediction_wins_whatever_it_predicts(
    decided: list[PolicyPrediction], expected: bool,
) -> None:
    assert cannot_win(ted(), decided, listening()) is expected


def test_ted_still_predicts_where_it_could_win_end_to_end_or_after_a_rejection() -> None:
    rule = [prediction(1.0, 6)]
    assert cannot_win(ted(fake_features={TEXT: []}), rule, listening()) is False
    assert cannot_win(ted(only_e2e=True), rule, listening()) is False
    rejected = listening()
    rejected.update(ActionExecutionRejected("utter_greet"))
    assert cannot_win(ted(), rule, rejected) is False
    rejected.update(ActionExecuted("utter_greet"))  # a later action counts, not the old one
    assert cannot_win(ted(), rule, rejected) is True
    assert cannot_win(ted(priority=7), rule, listening()) is False


def memoization(priority: int = 3) -> MemoizationPolicy:
    return cast(MemoizationPolicy, SimpleNamespace(priority=priority))


@pytest.mark.parametrize(("decided", "expected"), [
    ([prediction(1.0, 6)], True),                                   # a rule
    ([prediction(0.3, 6)], False),                                  # the core fallback
    ([prediction(1.0, 3)], False),                                  # a tie it could win
    ([prediction(1.0, 2)], False),                                  # UnexpecTED's priority
    ([prediction(0.5, 2, is_no_user_prediction=True)], True),
])
def test_memoization_is_skipped_only_when_another_prediction_wins_whatever_it_predicts(
    decided: list[PolicyPrediction], expected: bool,
) -> None:
    assert cannot_win(memoization(), decided, listening()) is expected
    rejected = listening()
    rejected.update(ActionExecutionRejected("utter_greet"))
    assert cannot_win(memoization(), decided, rejected) is False


def test_install_and_undo() -> None:
    rasa_predict = {policy: policy.__dict__["predict_action_probabilities"]
                    for policy in (TEDPolicy, MemoizationPolicy, RulePolicy)}
    rasa_load = loader.load_predict_graph_runner
    with patches_undone():
        policy_deferral.install()
        for policy in (TEDPolicy, MemoizationPolicy):
            assert policy.__dict__["predict_action_probabilities"] is (
                policy_deferral.predict_unless_decided)
        assert RulePolicy.__dict__["predict_action_probabilities"] is rasa_predict[RulePolicy]
        assert loader.load_predict_graph_runner is policy_deferral.load_predict_graph_runner
        # Each waiting policy falls back on its own class's method of Rasa.
        assert policy_deferral.rasa_predict(cast(TEDPolicy, object.__new__(TEDPolicy))) is (
            rasa_predict[TEDPolicy])
        assert policy_deferral.rasa_predict(
            cast(MemoizationPolicy, object.__new__(MemoizationPolicy))) is (
            rasa_predict[MemoizationPolicy])
    for policy, method in rasa_predict.items():
        assert policy.__dict__["predict_action_probabilities"] is method
    assert loader.load_predict_graph_runner is rasa_load


# --- With the trained model ------------------------------------------------------------


class Runners:
    """Rasa's prediction graph as trained and as deferring, on one unpacked model."""

    def __init__(self, storage_path: Path, model: Path) -> None:
        storage, self.metadata = LocalModelStorage.from_model_archive(storage_path, model)
        schema = self.metadata.predict_schema
        context = ExecutionContext(graph_schema=schema, model_id=self.metadata.model_id)
        self.rasa = DaskGraphRunner(self.core_part(schema), storage, context)
        self.deferring = DaskGraphRunner(deferring_schema(self.core_part(schema)), storage,
                                         context)
        self.domain = self.metadata.domain

    def core_part(self, schema: GraphSchema) -> GraphSchema:
        """Only the nodes the dialogue prediction needs (no NLU pipeline to load)."""
        return schema.minimal_graph_schema([self.metadata.core_target])

    def predict(self, runner: DaskGraphRunner, tracker: DialogueStateTracker) -> Any:
        target = self.metadata.core_target
        return runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[target])[target]


@pytest.fixture(scope="module")
def runners(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runners]:
    try:
        model = heldout.latest_model(ROOT / "models")
    except FileNotFoundError:
        pytest.fail("no trained model: `make test` trains one before the tests run")
    with patches_undone():
        policy_deferral.install()
        yield Runners(tmp_path_factory.mktemp("model"), model)


def every_state(domain: Domain) -> Iterator[DialogueStateTracker]:
    """The conversation before each action of every story, rule and test story."""
    for source in (ROOT / "data", ROOT / "tests" / "test_stories.yml"):
        for story in load_data(str(source), domain, augmentation_factor=0):
            for prior, _ in story.generate_all_prior_trackers():
                if prior.events:  # a plain tracker: the graph has its own Domain object
                    yield DialogueStateTracker.from_events(prior.sender_id,
                                                           list(prior.events), domain.slots)


def summary(prediction: PolicyPrediction) -> dict[str, Any]:
    return {"probabilities": prediction.probabilities, "policy": prediction.policy_name,
            "priority": prediction.policy_priority,
            "events": [{key: value for key, value in event.as_dict().items()
                        if key != "timestamp"} for event in prediction.events],
            "no_user": prediction.is_no_user_prediction,
            "end_to_end": prediction.is_end_to_end_prediction,
            "hide_rule_turn": prediction.hide_rule_turn,
            "action_metadata": prediction.action_metadata}


@pytest.mark.xdist_group("understanding_floor")  # the worker that has the model's files hot
def test_the_trained_model_chooses_as_rasas_own_graph_in_every_state(
    runners: Runners, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran = Counter[tuple[str, str]]()
    graph = ""

    def counting(policy: type, method: Any) -> Any:
        def count(self: Any, *args: Any, **kwargs: Any) -> PolicyPrediction:
            ran[graph, policy.__name__] += 1
            result: PolicyPrediction = method(self, *args, **kwargs)
            return result
        return count

    for waiting, method in dict(policy_deferral._RASA_PREDICT).items():
        monkeypatch.setitem(policy_deferral._RASA_PREDICT, waiting, counting(waiting, method))
    winners = Counter[str]()
    states = 0
    for tracker in every_state(runners.domain):
        graph = "rasa"
        expected = summary(runners.predict(runners.rasa, tracker))
        graph = "deferring"
        assert summary(runners.predict(runners.deferring, tracker)) == expected, (
            tracker.sender_id, [event.as_dict() for event in list(tracker.events)[-4:]])
        winners[expected["policy"]] += 1
        states += 1
    assert states > 500
    # Rasa's own graph ran both policies every time; the deferring one only where they
    # could win, which each did at least once: both paths were compared.
    print(f"{states} states; ran: {dict(ran)}; won: {dict(winners)}")
    for name in ("TEDPolicy", "MemoizationPolicy"):
        assert ran["rasa", name] == states
        assert 0 < ran["deferring", name] < states / 2, (name, ran)
        assert winners[name] > 0, winners

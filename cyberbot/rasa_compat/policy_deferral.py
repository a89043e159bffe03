"""TED predicts only when its prediction can win.

Rasa runs every policy for every prediction and only then lets the ensemble pick one: the
highest confidence wins, a tie goes to the higher priority. Rules and memorised stories
predict with confidence 1.0 at priorities 6 and 3; TED's confidences are a softmax (at
most 1.0) at priority 1. So whenever one of them predicts with 1.0, TED's prediction is
thrown away. On this assistant's benchmark conversations that is every prediction, and
TED's is the most expensive: about 8 ms of CPU, a third of a message's policy work.

:func:`install` makes the prediction graph run TED after the other policies, with their
predictions as extra inputs. TED then returns an all-zero prediction, which cannot win,
when the ensemble (``DefaultPolicyPredictionEnsemble._pick_best_policy``) would pick
another policy whatever TED predicted:

- another policy of higher priority predicts an action with confidence 1.0;
- or another policy's prediction is a "no user" prediction or an end-to-end one, which
  overrule TED's (TED here never predicts end to end).

It predicts as before when it could make an end-to-end prediction itself, or when the
last action was rejected (the ensemble then zeroes that action in every prediction, which
can change the winner). The chosen action, policy and confidence are Rasa's own in every
case; ``tests/test_policy_deferral.py`` checks that on every state of the project's
stories and rules with the trained model, against Rasa's graph as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine import loader
from rasa.engine.graph import ExecutionContext, GraphNodeHook, GraphSchema
from rasa.engine.runner.interface import GraphRunner
from rasa.engine.storage.storage import ModelMetadata, ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

PREDICT = "predict_action_probabilities"
# TED's extra inputs: the prediction of another policy node, named after the node.
DECIDED_BY = "decided_by_"

_RASA_PREDICT = TEDPolicy.__dict__[PREDICT]
_RASA_LOAD = loader.load_predict_graph_runner


def deferring_schema(schema: GraphSchema) -> GraphSchema:
    """The prediction graph with each TED node depending on every other policy node."""
    policies = {name: node for name, node in schema.nodes.items()
                if node.fn == PREDICT and issubclass(node.uses, Policy)}
    deciders = {f"{DECIDED_BY}{name}": name for name, node in policies.items()
                if not issubclass(node.uses, TEDPolicy)}
    # Exactly TED: a subclass (UnexpecTEDIntentPolicy) predicts something else.
    deferring = [name for name, node in policies.items() if node.uses is TEDPolicy]
    if not deciders or not deferring:
        return schema
    nodes = dict(schema.nodes)
    for name in deferring:
        nodes[name] = dataclasses.replace(nodes[name], needs={**nodes[name].needs, **deciders})
    return GraphSchema(nodes)


def last_action_rejected(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, (ActionExecutionRejected, ActionExecuted)):
            return isinstance(event, ActionExecutionRejected)
    return False


def cannot_win(policy: TEDPolicy, decided: Iterable[PolicyPrediction],
               tracker: DialogueStateTracker) -> bool:
    """Whether the ensemble would pick one of ``decided`` whatever ``policy`` predicted."""
    if policy.only_e2e or TEXT in policy.fake_features or last_action_rejected(tracker):
        return False
    return any(
        prediction.is_no_user_prediction
        or prediction.is_end_to_end_prediction
        or (prediction.policy_priority > policy.priority and prediction.max_confidence >= 1.0)
        for prediction in decided
    )


def predict_unless_decided(
    self: TEDPolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    rule_only_data: dict[str, Any] | None = None,
    precomputations: Any = None,
    **kwargs: Any,
) -> PolicyPrediction:
    """``TEDPolicy.predict_action_probabilities``, skipped when it cannot win."""
    decided = [kwargs.pop(name) for name in list(kwargs) if name.startswith(DECIDED_BY)]
    predictions = [value for value in decided if isinstance(value, PolicyPrediction)]
    if predictions and cannot_win(self, predictions, tracker):
        return PolicyPrediction([0.0] * domain.num_actions, type(self).__name__,
                                self.priority)
    prediction: PolicyPrediction = _RASA_PREDICT(
        self, tracker, domain, rule_only_data=rule_only_data,
        precomputations=precomputations, **kwargs)
    return prediction


@dataclasses.dataclass(frozen=True)
class _DeferringRunnerFactory:
    """Stands in for the graph runner class: creates it on the deferring schema."""

    runner_class: type[GraphRunner]

    def create(self, graph_schema: GraphSchema, model_storage: ModelStorage,
               execution_context: ExecutionContext,
               hooks: list[GraphNodeHook] | None = None) -> GraphRunner:
        return self.runner_class.create(deferring_schema(graph_schema), model_storage,
                                        execution_context, hooks)


def load_predict_graph_runner(
    storage_path: Path,
    model_archive_path: Path,
    model_storage_class: type[ModelStorage],
    graph_runner_class: type[GraphRunner],
) -> tuple[ModelMetadata, GraphRunner]:
    """Rasa's loader, creating the runner on the deferring schema (the model's metadata
    keeps the schema as it was trained)."""
    factory = cast(type[GraphRunner], _DeferringRunnerFactory(graph_runner_class))
    metadata, runner = _RASA_LOAD(storage_path, model_archive_path, model_storage_class,
                                  factory)
    return metadata, runner


def install() -> None:
    setattr(TEDPolicy, PREDICT, predict_unless_decided)
    loader.load_predict_graph_runner = load_predict_graph_runner

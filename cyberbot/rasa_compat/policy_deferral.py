"""TED and the memoization policy predict only when their prediction can win.

Rasa runs every policy for every prediction and only then lets the ensemble pick one: the
highest confidence wins, a tie goes to the higher priority. Rules and memorised stories
predict with confidence 1.0 at priorities 6 and 3; TED's confidences are a softmax (at
most 1.0) at priority 1. So whenever the rule policy predicts with 1.0, the memoization
policy's and TED's predictions are thrown away, and TED's whenever either predicts with
1.0. On this assistant's benchmark conversations TED's is thrown away at every step; it
is the most expensive (about 8 ms of CPU), the memoization policy's about 1 ms.

:func:`install` makes the prediction graph run each of them after the policies it can lose
to: TED after every other policy, the memoization policy after every policy but TED and
itself (RulePolicy is a subclass, but not itself). Their predictions come in as extra
inputs, and the waiting policy returns an all-zero prediction, which cannot win, when the
ensemble (``DefaultPolicyPredictionEnsemble._pick_best_policy``) would pick another
policy whatever it predicted:

- another policy of higher priority predicts an action with confidence 1.0;
- or another policy's prediction is a "no user" prediction or an end-to-end one, which
  overrule intent-based ones (TED here never predicts end to end).

A policy predicts as before when it could make an end-to-end prediction itself (TED's
``only_e2e``, or text in its features), or when the last action was rejected (the ensemble
then zeroes that action in every prediction, which can change the winner). The chosen
action, policy and confidence are Rasa's own in every case; ``tests/test_policy_deferral.py``
checks that on every state of the project's stories and rules with the trained model,
against Rasa's graph as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

from rasa.core.policies.memoization import MemoizationPolicy
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
# The extra inputs of a waiting policy: the prediction of another policy node, by its name.
DECIDED_BY = "decided_by_"
# The policies that wait, each exactly this class (not a subclass, which may predict
# something else), in order: each waits for every policy node except those of its own
# class and of the classes before it, so no two nodes wait for each other.
DEFERRING: tuple[type[Policy], ...] = (TEDPolicy, MemoizationPolicy)

PredictFunction = Callable[..., PolicyPrediction]
_RASA_PREDICT: dict[type[Policy], PredictFunction] = {
    policy: policy.__dict__[PREDICT] for policy in DEFERRING}
_RASA_LOAD = loader.load_predict_graph_runner


def deferring_schema(schema: GraphSchema) -> GraphSchema:
    """The prediction graph with each node of a :data:`DEFERRING` class depending on the
    policy nodes it can lose to."""
    policies = {name: node for name, node in schema.nodes.items()
                if node.fn == PREDICT and issubclass(node.uses, Policy)}
    nodes = dict(schema.nodes)
    for rank, waiting in enumerate(DEFERRING):
        deciders = {f"{DECIDED_BY}{name}": name for name, node in policies.items()
                    if node.uses not in DEFERRING[:rank + 1]}
        for name, node in policies.items():
            if node.uses is waiting and deciders:
                nodes[name] = dataclasses.replace(node, needs={**node.needs, **deciders})
    return schema if nodes == schema.nodes else GraphSchema(nodes)


def last_action_rejected(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, (ActionExecutionRejected, ActionExecuted)):
            return isinstance(event, ActionExecutionRejected)
    return False


def may_predict_end_to_end(policy: Policy) -> bool:
    """Whether ``policy`` could make an end-to-end prediction itself (only TED has the
    attributes that say so)."""
    return bool(getattr(policy, "only_e2e", False)) or (
        TEXT in getattr(policy, "fake_features", {}))


def cannot_win(policy: Policy, decided: Iterable[PolicyPrediction],
               tracker: DialogueStateTracker) -> bool:
    """Whether the ensemble would pick one of ``decided`` whatever ``policy`` predicted."""
    if may_predict_end_to_end(policy) or last_action_rejected(tracker):
        return False
    return any(
        prediction.is_no_user_prediction
        or prediction.is_end_to_end_prediction
        or (prediction.policy_priority > policy.priority and prediction.max_confidence >= 1.0)
        for prediction in decided
    )


def rasa_predict(policy: Policy) -> PredictFunction:
    """Rasa's own ``predict_action_probabilities`` for ``policy``'s deferring class."""
    return next(_RASA_PREDICT[cls] for cls in type(policy).__mro__ if cls in _RASA_PREDICT)


def predict_unless_decided(self: Policy, tracker: DialogueStateTracker, domain: Domain,
                           **kwargs: Any) -> PolicyPrediction:
    """Rasa's ``predict_action_probabilities`` of TED or the memoization policy, skipped
    when it cannot win."""
    decided = [kwargs.pop(name) for name in list(kwargs) if name.startswith(DECIDED_BY)]
    predictions = [value for value in decided if isinstance(value, PolicyPrediction)]
    if predictions and cannot_win(self, predictions, tracker):
        return PolicyPrediction([0.0] * domain.num_actions, type(self).__name__,
                                self.priority)
    return rasa_predict(self)(self, tracker, domain, **kwargs)


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
    for policy in DEFERRING:
        setattr(policy, PREDICT, predict_unless_decided)
    loader.load_predict_graph_runner = load_predict_graph_runner

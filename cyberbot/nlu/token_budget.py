"""Rasa NLU component that bounds how many tokens of a message the classifiers see.

The sentence encoder is a transformer: its cost grows with the square of a message's
length, so one long message (a pasted e-mail, a flood) would cost far more than a chat
message. Placed right after the tokenizer, this keeps the first ``head_tokens`` and the
last ``max_tokens - head_tokens`` tokens for every featurizer and classifier after it:
visitors who give context first ask their question at the end. The whole text stays in
the message for the readers of answers (numbers, names) and for the conversation's record.
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
DEFAULT_HEAD_TOKENS = 40


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class TokenBudget(GraphComponent):
    """Keeps the first ``head_tokens`` and the last tokens of a message, ``max_tokens`` in all."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_tokens": DEFAULT_MAX_TOKENS, "head_tokens": DEFAULT_HEAD_TOKENS}

    def __init__(self, max_tokens: int, head_tokens: int = DEFAULT_HEAD_TOKENS) -> None:
        if max_tokens < 1 or not 0 <= head_tokens <= max_tokens:
            raise ValueError("TokenBudget needs max_tokens >= 1 and 0 <= head_tokens <= max_tokens")
        self.max_tokens = max_tokens
        self.head_tokens = head_tokens

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TokenBudget:
        return cls(int(config["max_tokens"]), int(config["head_tokens"]))

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
            tail = self.max_tokens - self.head_tokens
            kept = tokens[: self.head_tokens] + (tokens[-tail:] if tail else [])
            message.set(TOKENS_NAMES[TEXT], kept)

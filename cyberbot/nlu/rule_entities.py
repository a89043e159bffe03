"""Base of the NLU components whose entities follow from fixed rules on the text alone
(a list of names, a list of cues): nothing to train, nothing to configure."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


@dataclass(frozen=True)
class Found:
    value: str
    start: int
    end: int


class RuleEntities(GraphComponent, ABC):
    """Adds an entity ``entity`` for every ``Found`` of ``find`` in a typed message
    (button payloads, starting with "/", carry their own entities)."""

    entity: ClassVar[str]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleEntities:
        return cls()

    @abstractmethod
    def find(self, text: str) -> Sequence[Found]:
        """Where the text names a value of the entity."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            found = [{"entity": self.entity, "value": item.value, "start": item.start,
                      "end": item.end, "extractor": type(self).__name__, "confidence": 1.0}
                     for item in self.find(text)]
            if found:
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), *found],
                            add_to_output=True)
        return messages

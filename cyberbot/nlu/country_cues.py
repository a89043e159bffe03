"""Rasa NLU component that notes which country a message shows the visitor is in.

It adds the entity ``country`` (``nl`` or ``be``) when the message has clear cues
(cyberbot.advice.country), spanning the strongest cue ("Gent", "KvK", "+32 …"); the slot
``country`` is filled from it on every message, so answers and the comparison use the
visitor's country's facts from then on.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from cyberbot.advice.country import find_country

ENTITY_NAME = "country"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class CountryCues(GraphComponent):
    """Adds the entity ``country`` for messages that say which country."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CountryCues:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = find_country(text) if not text.startswith("/") else None
            if found is None:
                continue
            entity = {"entity": ENTITY_NAME, "value": found.country, "start": found.start,
                      "end": found.end, "extractor": type(self).__name__, "confidence": 1.0}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages

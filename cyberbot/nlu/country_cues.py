"""Rasa NLU component that notes which country a message shows the visitor is in.

It adds the entity ``country`` (``nl`` or ``be``) when the message has clear cues
(cyberbot.reading.country), spanning the strongest cue ("Gent", "KvK", "+32 …"); the slot
``country`` is filled from it on every message, so answers and the comparison use the
visitor's country's facts from then on.
"""

from __future__ import annotations

from collections.abc import Sequence

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from cyberbot.nlu.rule_entities import Found, RuleEntities
from cyberbot.reading.country import find_country

ENTITY_NAME = "country"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class CountryCues(RuleEntities):
    """Adds the entity ``country`` for messages that say which country."""

    entity = ENTITY_NAME

    def find(self, text: str) -> Sequence[Found]:
        found = find_country(text)
        return [] if found is None else [Found(found.country, found.start, found.end)]

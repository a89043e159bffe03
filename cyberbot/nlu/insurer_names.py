"""Rasa NLU component that finds the insurers a message names (entity ``insurer``).

The three insurers and the ways visitors write them ("Hiscox", "hiscocks", "CyberEdge")
are a short list in content/answer_words.yml; a fixed list reads them surely, where a
learnt extractor needs every spelling annotated in every intent, and misses the ones
that are not.
"""

from __future__ import annotations

from collections.abc import Sequence

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from cyberbot.nlu.rule_entities import Found, RuleEntities
from cyberbot.reading.answers import insurer_mentions

ENTITY_NAME = "insurer"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class InsurerNames(RuleEntities):
    """Adds an entity ``insurer`` (aig, hiscox or chubb) per insurer the message names."""

    entity = ENTITY_NAME

    def find(self, text: str) -> Sequence[Found]:
        return [Found(mention.insurer, mention.start, mention.end)
                for mention in insurer_mentions(text)]

"""Rasa NLU component that makes buttons like ``/faq/kosten`` answer that FAQ directly.

Rasa's ``/intent`` payload shortcut only knows domain intents, so a payload naming a
retrieval sub-intent (``/faq/kosten``) would be classified as free text. This component
turns such a payload into the prediction the label classifier makes when it is certain:
intent ``faq`` and the selected response ``utter_faq/kosten``. Only
response keys seen in the training data are accepted.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from cyberbot.nlu.learnt_strings import LearntStringsComponent

_PAYLOAD_RE = re.compile(r"^/(?P<intent>[\w-]+)/(?P<key>[\w-]+)$")


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class RetrievalPayload(LearntStringsComponent):
    """Resolves ``/<retrieval intent>/<key>`` button payloads."""

    learnt_file = "retrieval_keys.json"

    def learn(self, training_data: TrainingData) -> set[str]:
        """Response names look like ``utter_faq/kosten``; keep ``faq/kosten``."""
        return {name.removeprefix("utter_") for name in training_data.responses}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            match = _PAYLOAD_RE.match((message.get(TEXT) or "").strip())
            if not match:
                continue
            intent, key = match["intent"], match["key"]
            full_key = f"{intent}/{key}"
            if full_key not in self.learnt:
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

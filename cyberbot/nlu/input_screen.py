"""Rasa NLU component that catches messages no intent classifier should be trusted with.

Empty text, emoji-only text, text in another language and pure gibberish all get some
intent from a classifier, sometimes with high confidence. This component runs after the
classifiers: for such messages it predicts ``nlu_fallback`` and records why in the
entity ``input_issue`` (empty, no_words, foreign, unknown_words), so that the fallback
action can answer the visitor appropriately. Foreign text is never trusted to the
classifier: trained on Dutch, it can label English questions with near-certain and
wrong confidence. Words it does not know are left to the classifier only when the
classifier is very sure (informal spellings such as "hallooo").

Known words are spaCy's Dutch lexicon (spacy-lookups-data lemma table) plus every word
of the training data, collected at training time.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy.lang
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.lookups import Table, load_lookups

from cyberbot.content import load_content
from cyberbot.nlu.input_check import Assessment, InputIssue, Lexicon, assess, words
from cyberbot.nlu.learnt_strings import LearntStringsComponent

ENTITY_NAME = "input_issue"


@lru_cache(maxsize=4)
def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words of ``language``, read from its ``stop_words`` module alone.

    ``import spacy.lang.fr.stop_words`` would first import ``spacy.lang.fr``, which builds
    French's tokenizer exceptions: 3 s of every Rasa server's start.
    """
    path = Path(spacy.lang.__file__).parent / language / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"{__name__}.stop_words_{language}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no spaCy stop words for {language!r} at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


@lru_cache(maxsize=1)
def _lemma_table() -> Table:
    return load_lookups("nl", ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=1)
def _lemmas_and_stop_words() -> frozenset[str]:
    lemmas = {str(lemma).lower() for lemma in _lemma_table().values()}
    return frozenset(lemmas | stop_words("nl"))


def is_dutch_word(word: str) -> bool:
    """Whether spaCy's Dutch data knows ``word``: an inflected form, a lemma or a stop word.

    The lookup table's keys (inflected forms) are stored hashed, so they are tested by
    lookup rather than collected.
    """
    return word in _lemmas_and_stop_words() or word in _lemma_table()


@lru_cache(maxsize=1)
def foreign_words() -> dict[str, frozenset[str]]:
    """Stop words of English, French and German that are neither Dutch stop words nor
    words Dutch and Flemish visitors use every day (content/everyday_words.yml)."""
    dutch = stop_words("nl")
    sources = {language: stop_words(language) for language in ("en", "fr", "de")}
    everyday = set(load_content("everyday_words.yml")["not_foreign"])
    return {lang: frozenset(w for w in stop if w not in dutch and w not in everyday)
            for lang, stop in sources.items()}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class InputScreen(LearntStringsComponent):
    """Predicts ``nlu_fallback`` for empty, wordless, foreign or gibberish messages."""

    learnt_file = "vocabulary.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # a message is foreign when it has at least this many foreign stop words
            "foreign_min_hits": 2,
            # Unknown words ("hallooo", "daaag") are left to the classifier when it is at
            # least this sure of the intent: its character n-grams and sentence embedding
            # read informal spellings that no lexicon has.
            "trust_classifier_above": 0.9,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        learnt: frozenset[str],
    ) -> None:
        super().__init__(config, model_storage, resource, learnt)
        self._lexicon = Lexicon(
            is_known=lambda word: word in learnt or is_dutch_word(word),
            foreign_words=foreign_words(),
            is_dutch=is_dutch_word,
        )

    def learn(self, training_data: TrainingData) -> set[str]:
        """Every word of the training examples counts as known."""
        vocabulary: set[str] = set()
        for example in training_data.training_examples:
            vocabulary.update(words(example.get(TEXT) or ""))
        return vocabulary

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # button payloads are handled by the payload handlers
            assessment = assess(text, self._lexicon, self._config["foreign_min_hits"])
            if assessment.issue is None:
                continue
            if (assessment.issue is InputIssue.UNKNOWN_WORDS
                    and _confidence(message) >= self._config["trust_classifier_above"]):
                continue
            self._apply(message, assessment)
        return messages

    def _apply(self, message: Message, assessment: Assessment) -> None:
        assert assessment.issue is not None
        text = message.get(TEXT) or ""
        entity = {
            "entity": ENTITY_NAME,
            "value": assessment.issue.value,
            "start": 0,
            "end": len(text),
            "confidence_entity": 1.0,
            "extractor": type(self).__name__,
        }
        fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                    PREDICTED_CONFIDENCE_KEY: 1.0}
        # Set as output properties: Rasa passes on only those, and no classifier may
        # have registered them (an empty message reaches no classifier).
        message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [fallback], add_to_output=True)


def _confidence(message: Message) -> float:
    """The classifier's confidence in the message's intent (0 when there is none)."""
    intent = message.get(INTENT) or {}
    return float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)

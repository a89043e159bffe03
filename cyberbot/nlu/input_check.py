"""Classify a visitor's message before the intent is trusted.

Pure logic, no Rasa: given the text and what counts as a known word, decide whether
the message is empty, has no words at all (emoji, punctuation), is written in another
language, or consists only of words nobody uses in Dutch or in our training data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")  # straight or typographic apostrophe
_LETTER_RE = re.compile(r"[^\W\d_]")


class InputIssue(str, Enum):
    """Why a message cannot be classified as it stands."""

    EMPTY = "empty"
    NO_WORDS = "no_words"
    FOREIGN = "foreign"
    UNKNOWN_WORDS = "unknown_words"


@dataclass(frozen=True)
class Assessment:
    issue: InputIssue | None
    language: str | None = None


@dataclass(frozen=True)
class Lexicon:
    """What the check knows about words.

    ``is_known`` answers whether a lower-cased word is Dutch or used in our domain;
    ``foreign_words`` maps a language code to words typical of that language and not
    of Dutch (the stop words of that language minus the Dutch stop words). ``is_dutch``,
    when given, is what weighs against another language: the training data has English
    and French words mixed into Dutch sentences, and a sentence made of such words is
    still English or French.
    """

    is_known: Callable[[str], bool]
    foreign_words: Mapping[str, frozenset[str]]
    is_dutch: Callable[[str], bool] | None = None


def words(text: str) -> list[str]:
    """Lower-cased words of a text (letters or digits, with inner apostrophes)."""
    return [match.group(0).lower() for match in _WORD_RE.finditer(text)]


def assess(text: str, lexicon: Lexicon, foreign_min_hits: int = 2) -> Assessment:
    """Return the first issue found in ``text``, or an assessment without issue."""
    if not text or not text.strip():
        return Assessment(InputIssue.EMPTY)
    tokens = words(text)
    if not tokens:
        return Assessment(InputIssue.NO_WORDS)
    lettered = [token for token in tokens if _LETTER_RE.search(token)]
    if not lettered:
        # Digits only ("12", "85000") are answers to questions, not noise.
        return Assessment(None)

    foreign = _dominant_foreign_language(lettered, lexicon, foreign_min_hits)
    if foreign is not None:
        return Assessment(InputIssue.FOREIGN, language=foreign)
    if not any(lexicon.is_known(token) for token in lettered):
        return Assessment(InputIssue.UNKNOWN_WORDS)
    return Assessment(None)


def _dominant_foreign_language(
    tokens: list[str], lexicon: Lexicon, min_hits: int
) -> str | None:
    """The language whose typical words, with the unknown words, outweigh the Dutch ones."""
    neutral = [
        token for token in tokens
        if not any(token in vocab for vocab in lexicon.foreign_words.values())
    ]
    # Words known only from the training data weigh on neither side: the data mixes
    # English into Dutch, so they say nothing about the language of the message.
    is_dutch = lexicon.is_dutch or lexicon.is_known
    dutch_hits = sum(1 for token in neutral if is_dutch(token))
    unknown = sum(1 for token in neutral if not lexicon.is_known(token))
    best_language, best_hits = None, 0
    for language, vocab in lexicon.foreign_words.items():
        hits = sum(1 for token in tokens if token in vocab)
        if hits > best_hits:
            best_language, best_hits = language, hits
    if best_hits >= min_hits and best_hits + unknown > dutch_hits:
        return best_language
    return None

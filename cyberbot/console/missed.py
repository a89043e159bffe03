"""Grouping the messages the assistant did not understand, so that an operator can label
a question once however many visitors asked it, in whatever words.

Three steps, from cheap to fuzzy:

1. ``normalise_missed`` (stored in the index): lower case, no accents, no punctuation.
   "Kan ik met Bitcoin betalen?" and "kan ik met bitcoin betalen" become one text.
2. The content key: the words of that text without filler words (``filler_words`` in
   ``content/dashboard.yml``), sorted. "betalen met bitcoin kan dat" joins them.
3. Typos: content keys with the same number of words, each word within one or two
   letter edits of the other's ("bitcion" for "bitcoin"; words with digits must be
   the same), join the larger group. Only the largest groups are compared, which keeps
   this fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cyberbot.text import strip_accents

NORMALISED_MAX = 200
# Groups compared for typos; smaller ones only join a group with the same content.
FUZZY_LIMIT = 200
# Letter edits allowed in a word of at least this many letters (shorter: none).
_EDITS_FROM_LENGTH = ((9, 2), (5, 1))
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_missed(text: str) -> str:
    """The text lower-cased, without accents and punctuation, spaces collapsed."""
    return _NOT_WORD.sub(" ", strip_accents(text.lower())).strip()[:NORMALISED_MAX]


@dataclass(frozen=True)
class Variant:
    """Missed messages with one normalised text, as the index counts them."""

    normalised: str
    count: int
    # The newest such message (its tracker event id), as the group's example.
    latest_event_id: int


@dataclass
class MissedGroup:
    """Messages that say the same thing."""

    count: int
    # The normalised texts in the group, most asked first: how it is labelled.
    keys: list[str]
    # The newest message of the most asked wording: the group's example.
    example_event_id: int


def content_key(normalised: str, filler_words: frozenset[str]) -> str:
    """The sorted words that carry the meaning; all words when every one is a filler."""
    words = set(normalised.split())
    return " ".join(sorted(words - filler_words or words))


def group_missed(
    variants: Iterable[Variant], filler_words: frozenset[str], limit: int
) -> list[MissedGroup]:
    """The ``limit`` largest groups of missed messages, largest first."""
    by_content: dict[str, list[Variant]] = {}
    for variant in variants:
        if variant.normalised:
            by_content.setdefault(content_key(variant.normalised, filler_words), []).append(variant)
    ranked = sorted(by_content.items(), key=lambda item: (-_total(item[1]), item[0]))
    groups: list[tuple[MissedGroup, tuple[str, ...]]] = []
    for position, (key, members) in enumerate(ranked):
        members = sorted(members, key=lambda member: (-member.count, member.normalised))
        words = tuple(key.split())
        target = None
        if position < FUZZY_LIMIT:
            target = next((group for group, seen in groups if _similar(seen, words)), None)
        if target is None:
            target = MissedGroup(0, [], members[0].latest_event_id)
            groups.append((target, words))
        target.count += _total(members)
        target.keys.extend(member.normalised for member in members)
    ordered = sorted((group for group, _ in groups), key=lambda g: (-g.count, g.keys[0]))
    return ordered[:limit]


def _total(members: Sequence[Variant]) -> int:
    return sum(member.count for member in members)


def _similar(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    """Each word of one has its own word in the other at most a typo away."""
    if len(first) != len(second):
        return False
    unused = list(second)
    for word in first:
        match = next((other for other in unused if _close(word, other)), None)
        if match is None:
            return False
        unused.remove(match)
    return True


def _close(first: str, second: str) -> bool:
    if first == second:
        return True
    if any(char.isdigit() for char in first + second):
        return False
    shorter = min(len(first), len(second))
    allowed = next((edits for length, edits in _EDITS_FROM_LENGTH if shorter >= length), 0)
    return abs(len(first) - len(second)) <= allowed and _edits(first, second) <= allowed


def _edits(first: str, second: str) -> int:
    """Letters inserted, deleted, replaced or swapped with a neighbour to turn one word
    into the other (optimal string alignment distance)."""
    before: list[int] = []
    previous = list(range(len(second) + 1))
    for i, char in enumerate(first, 1):
        current = [i]
        for j, other in enumerate(second, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == second[j - 2] and first[i - 2] == other:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        before, previous = previous, current
    return previous[-1]

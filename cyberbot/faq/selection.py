"""Whether to answer an FAQ question, ask "Bedoelt u …?", or say plainly there is no answer.

A confident wrong answer is worse than "dat weet ik niet": the answer selection's ranking
is read with thresholds measured on held-out data (``content/faq_thresholds.yml``, written
by ``make eval``). The top topic is answered when it is confident and clearly ahead of the
next; close topics are offered as buttons; without a plausible topic the visitor is told
so and offered the topic list and an adviser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from cyberbot.content import load_content


@dataclass(frozen=True)
class Candidate:
    key: str  # the FAQ key, e.g. "kosten"
    confidence: float


@dataclass(frozen=True)
class Thresholds:
    answer: float  # the top topic's confidence needed to answer it
    margin: float  # ... and its lead over the second
    suggest: float  # a topic's confidence needed to be offered in "Bedoelt u …?"
    max_suggestions: int = 3


@dataclass(frozen=True)
class Decision:
    kind: Literal["answer", "clarify", "unknown"]
    keys: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def thresholds() -> Thresholds:
    data: Mapping[str, Any] = load_content("faq_thresholds.yml")["thresholds"]
    return Thresholds(float(data["answer"]), float(data["margin"]), float(data["suggest"]),
                      int(data.get("max_suggestions", 3)))


def decide(candidates: Sequence[Candidate], limits: Thresholds) -> Decision:
    """What to do with ``candidates`` (best first)."""
    if not candidates:
        return Decision("unknown")
    top = candidates[0]
    lead = top.confidence - (candidates[1].confidence if len(candidates) > 1 else 0.0)
    if top.confidence >= limits.answer and lead >= limits.margin:
        return Decision("answer", (top.key,))
    offered = tuple(candidate.key for candidate in candidates[: limits.max_suggestions]
                    if candidate.confidence >= limits.suggest)
    if offered:
        return Decision("clarify", offered)
    return Decision("unknown")


def candidates_from(
    parse_data: Mapping[str, Any], retrieval_intent: str = "faq"
) -> list[Candidate]:
    """The answer selection's ranking in a message's parse data, scaled by how sure the
    intent classifier was that the message is an FAQ question at all."""
    intent = parse_data.get("intent") or {}
    intent_confidence = float(intent.get("confidence") or 0.0)
    if intent.get("name") != retrieval_intent:
        return []
    selector = (parse_data.get("response_selector") or {}).get(retrieval_intent) or {}
    ranking = selector.get("ranking") or []
    found: list[Candidate] = []
    for entry in ranking:
        full_key = str(entry.get("intent_response_key") or "")
        prefix, _, key = full_key.partition("/")
        if prefix == retrieval_intent and key:
            found.append(Candidate(key, intent_confidence * float(entry.get("confidence") or 0)))
    return sorted(found, key=lambda candidate: -candidate.confidence)

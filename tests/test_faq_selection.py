"""When the assistant answers an FAQ question, asks "Bedoelt u …?" or says it has no answer."""

from __future__ import annotations

from typing import Any

import pytest

from cyberbot.faq.selection import (
    Candidate,
    Decision,
    Thresholds,
    candidates_from,
    decide,
    thresholds,
)

LIMITS = Thresholds(answer=0.5, margin=0.1, suggest=0.15, max_suggestions=3)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([("kosten", 0.9), ("fiscaal", 0.05)], Decision("answer", ("kosten",))),
        ([("kosten", 0.55), ("fiscaal", 0.5)], Decision("clarify", ("kosten", "fiscaal"))),
        ([("kosten", 0.4), ("fiscaal", 0.3), ("premie_wijzigen", 0.2), ("acceptatie", 0.16)],
         Decision("clarify", ("kosten", "fiscaal", "premie_wijzigen"))),
        ([("kosten", 0.3), ("fiscaal", 0.1)], Decision("clarify", ("kosten",))),
        ([("kosten", 0.1), ("fiscaal", 0.05)], Decision("unknown")),
        ([], Decision("unknown")),
    ],
)
def test_decisions(scores: list[tuple[str, float]], expected: Decision) -> None:
    assert decide([Candidate(key, score) for key, score in scores], LIMITS) == expected


def parse(intent: str, confidence: float, ranking: list[tuple[str, float]]) -> dict[str, Any]:
    return {
        "intent": {"name": intent, "confidence": confidence},
        "response_selector": {"faq": {"ranking": [
            {"intent_response_key": f"faq/{key}", "confidence": score}
            for key, score in ranking
        ]}},
    }


def test_candidates_are_scaled_by_the_intent_confidence_and_sorted() -> None:
    found = candidates_from(parse("faq", 0.5, [("kosten", 0.6), ("fiscaal", 0.8)]))
    assert [(c.key, round(c.confidence, 3)) for c in found] == [("fiscaal", 0.4), ("kosten", 0.3)]
    assert candidates_from(parse("greet", 0.9, [("kosten", 0.9)])) == []
    assert candidates_from({}) == []


def test_a_button_payload_is_always_answered() -> None:
    # RetrievalPayload gives /faq/<key> full confidence.
    found = candidates_from(parse("faq", 1.0, [("kosten", 1.0)]))
    assert decide(found, thresholds()) == Decision("answer", ("kosten",))


def test_the_measured_thresholds_are_sane() -> None:
    limits = thresholds()
    assert 0 < limits.suggest < limits.answer < 1 and 0 <= limits.margin < 1

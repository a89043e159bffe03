"""The gate's comparison of two models' figures."""

from __future__ import annotations

from typing import Any

import pytest

from cyberbot.model_gate.verdict import compare, figures_table


def figures(label: float, intent: float = 0.95, story: float = 1.0,
            action: float = 1.0) -> dict[str, Any]:
    return {"heldout": {"label_accuracy": label, "intent_accuracy": intent},
            "stories": {"story_accuracy": story, "action_accuracy": action}}


def test_better_or_equal_is_accepted() -> None:
    assert compare(figures(0.88), figures(0.91), 0.02).accepted
    assert compare(figures(0.88), figures(0.88), 0.0).accepted


def test_worse_within_the_margin_is_accepted() -> None:
    verdict = compare(figures(0.90), figures(0.885), 0.02)

    assert verdict.accepted
    assert verdict.worse == ()


def test_exactly_the_margin_worse_is_still_accepted() -> None:
    assert compare(figures(0.90), figures(0.88), 0.02).accepted


def test_worse_by_more_than_the_margin_on_any_figure_is_refused() -> None:
    verdict = compare(figures(0.90, story=1.0), figures(0.93, story=0.95), 0.02)

    assert not verdict.accepted
    assert [c.label for c in verdict.worse] == ["test stories: whole story right"]
    assert verdict.worse[0].change == pytest.approx(-0.05)


def test_the_table_shows_both_models_and_marks_what_is_worse() -> None:
    verdict = compare(figures(0.90), figures(0.80), 0.02)
    table = figures_table(verdict, "old.tar.gz", "new.tar.gz")

    assert "held-out: intent and FAQ key right     0.900     0.800   -0.100  <- worse" in table
    assert "serving: old.tar.gz" in table and "new:     new.tar.gz" in table


def test_a_negative_margin_is_refused() -> None:
    with pytest.raises(ValueError):
        compare(figures(0.9), figures(0.9), -0.01)

"""Comparing a candidate model's figures with the serving model's: pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# (section, figure, what it measures): higher is better for each.
METRICS: tuple[tuple[str, str, str], ...] = (
    ("heldout", "label_accuracy", "held-out: intent and FAQ key right"),
    ("heldout", "intent_accuracy", "held-out: intent right"),
    ("stories", "story_accuracy", "test stories: whole story right"),
    ("stories", "action_accuracy", "test stories: actions right"),
)


@dataclass(frozen=True)
class Comparison:
    label: str
    serving: float
    candidate: float

    @property
    def change(self) -> float:
        return self.candidate - self.serving


@dataclass(frozen=True)
class Verdict:
    comparisons: tuple[Comparison, ...]
    # How much worse (absolute, 0.02 = 2 percentage points) a figure may get.
    margin: float

    @property
    def worse(self) -> tuple[Comparison, ...]:
        """The figures that got worse by more than the margin."""
        return tuple(c for c in self.comparisons if c.change < -self.margin - 1e-9)

    @property
    def accepted(self) -> bool:
        return not self.worse


def compare(
    serving: Mapping[str, Any], candidate: Mapping[str, Any], margin: float
) -> Verdict:
    """The verdict on ``candidate`` given ``serving``'s figures (evaluation results)."""
    if margin < 0:
        raise ValueError("the margin cannot be negative")
    return Verdict(
        tuple(
            Comparison(label, float(serving[section][figure]), float(candidate[section][figure]))
            for section, figure, label in METRICS
        ),
        margin,
    )


def figures_table(verdict: Verdict, serving_name: str, candidate_name: str) -> str:
    """The figures side by side, as the command line shows them."""
    width = max(len(c.label) for c in verdict.comparisons)
    lines = [
        f"  {'':{width}}  {'serving':>8}  {'new':>8}  {'change':>7}",
        *(
            f"  {c.label:{width}}  {c.serving:8.3f}  {c.candidate:8.3f}  {c.change:+7.3f}"
            + ("  <- worse than the margin" if c in verdict.worse else "")
            for c in verdict.comparisons
        ),
        f"  serving: {serving_name}",
        f"  new:     {candidate_name}",
    ]
    return "\n".join(lines)

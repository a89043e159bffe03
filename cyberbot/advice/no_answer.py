"""What a form does when the visitor does not know an answer or skips a question.

Every question has a way forward (content/form_messages.yml, ``no_answer.steps``): an
optional one is left out, a required one is asked again with help (an estimate, or why
it is needed and a way out), or is answered for the visitor ("Anders / weet ik niet").
A contact question the visitor still cannot answer after the help withdraws the
request: without consent and contact details nothing is filed, so the conversation is
not stuck on a question that has no answer.
The steps are taken in order, one per non-answer to that question, the last repeating;
so "weet ik niet" twice to the number of employees first offers estimate ranges, then
leaves the question out. Pure logic: the actions apply the step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("dont_know", "skip")
STEP_KINDS = frozenset({"skip", "help", "value", "copy", "decline", "withdraw"})


@dataclass(frozen=True)
class Step:
    kind: str  # one of STEP_KINDS
    value: Any = None  # the answer for "value", the slot to copy for "copy"


def parse_step(raw: Any) -> Step:
    """A step as written in the YAML: ``skip`` or ``{value: overig}``."""
    if isinstance(raw, str) and raw in STEP_KINDS - {"value", "copy"}:
        return Step(raw)
    if isinstance(raw, Mapping) and len(raw) == 1:
        (kind, value), = raw.items()
        if kind in ("value", "copy"):
            return Step(str(kind), value)
    raise ValueError(f"not a no_answer step: {raw!r}")


def next_step(steps: Mapping[str, Mapping[str, Sequence[Any]]], slot: str, kind: str,
              times_before: int) -> Step | None:
    """The step for the ``times_before + 1``-th non-answer of ``kind`` to ``slot``'s
    question; None when that question has no steps (the answer is then not understood)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of non-answer: {kind}")
    plan = (steps.get(slot) or {}).get(kind)
    if not plan:
        return None
    return parse_step(plan[min(times_before, len(plan) - 1)])

"""Non-answers: what they are, and the way forward every question has."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cyberbot.advice.no_answer import Step, next_step, parse_step
from cyberbot.content import content_path
from cyberbot.reading.answers import read_no_answer

ROOT = Path(__file__).resolve().parents[1]

STEPS = yaml.safe_load(content_path("form_messages.yml").read_text())["no_answer"]["steps"]
FORMS = yaml.safe_load((ROOT / "domain.yml").read_text())["forms"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("weet ik niet", "dont_know"), ("Geen idee", "dont_know"), ("euh, geen flauw idee hoor",
     "dont_know"), ("weet ik nie", "dont_know"), ("weet ik niet?", "dont_know"),
     ("sla over", "skip"), ("maakt niet uit", "skip"), ("geen voorkeur", "skip"),
     ("dat zeg ik liever niet", "skip"), ("weet ik echt niet", "dont_know"),
     ("ik weet het eigenlijk ook niet", "dont_know"), ("sla deze maar over", "skip"),
     ("maakt mij eigenlijk niet uit", "skip"),
     ("ik weet echt niet wat dat betekent", None),
     ("liever niet", None), ("nee", None), ("niet", None), ("", None),
     ("weet ik niet precies, een stuk of 12", None),
     ("ik weet niet of het verplicht is voor ons", None),
     ("geen idee wat een cyberverzekering is", None)],
)
def test_non_answers_are_short_and_say_so(text: str, kind: str | None) -> None:
    assert read_no_answer(text) == kind


def test_every_question_of_every_form_has_a_way_forward_for_both_kinds() -> None:
    """Asked again with help at most once: a question never comes back for ever."""
    questions = {slot for form in FORMS.values() for slot in form["required_slots"]}
    assert questions == set(STEPS)
    for slot in questions:
        for kind in ("dont_know", "skip"):
            for times in range(4):
                step = next_step(STEPS, slot, kind, times)
                assert step is not None and step.kind in {"skip", "help", "value", "copy",
                                                          "decline", "withdraw"}, (slot, kind)
            later = [next_step(STEPS, slot, kind, times) for times in range(1, 4)]
            assert Step("help") not in later, (slot, kind, later)


def test_required_contact_questions_are_never_skipped_and_profile_ones_never_loop() -> None:
    for slot in ("consent", "contact_name", "contact_email", "callback_contact"):
        first = {next_step(STEPS, slot, kind, 0) for kind in ("dont_know", "skip")}
        assert first == {Step("help")}, slot
        last = {next_step(STEPS, slot, kind, 3) for kind in ("dont_know", "skip")}
        assert last == {Step("withdraw")}, slot
    for slot in ("country", "employees", "revenue", "usa_canada", "online_sales", "priority"):
        # by the second non-answer at the latest, the question is left out
        assert next_step(STEPS, slot, "dont_know", 1) == Step("skip")
        assert next_step(STEPS, slot, "skip", 0) == Step("skip")
    assert next_step(STEPS, "employees", "dont_know", 0) == Step("help")
    assert next_step(STEPS, "sector", "dont_know", 0) == Step("value", "overig")
    assert next_step(STEPS, "company_name", "skip", 0) == Step("copy", "contact_name")


def test_steps_are_checked() -> None:
    assert parse_step("skip") == Step("skip")
    assert parse_step({"value": "none"}) == Step("value", "none")
    for bad in ("value", {"skip": 1}, {"value": 1, "copy": 2}, 3):
        with pytest.raises(ValueError):
            parse_step(bad)
    with pytest.raises(ValueError):
        next_step(STEPS, "sector", "maybe", 0)
    assert next_step(STEPS, "not_a_question", "skip", 0) is None

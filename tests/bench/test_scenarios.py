"""The simulated visitors' conversations: what they ask exists in the training data, and
what they expect in the replies is what the bot says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rasa
import yaml

from cyberbot.training_data import faq_responses, training_examples
from tests.bench.scenarios import (
    ADVICE,
    ADVICE_THEN_QUOTE,
    FAQ_SCENARIOS,
    LONG_CONVERSATION,
    MOOD_SAD,
    OURS,
    REFERENCE,
    REFERENCE_LONG_CONVERSATION,
    VISITOR,
    Scenario,
)

ROOT = Path(__file__).resolve().parents[2]
INITIAL_PROJECT = Path(rasa.__file__).parent / "cli" / "initial_project"
SMALL_TALK = {"hallo", "bedankt!", "doei"}


def examples(nlu_file: Path) -> dict[str, str]:
    """Every training example in the file, with its intent."""
    found = {}
    for item in yaml.safe_load(nlu_file.read_text())["nlu"]:
        for line in item.get("examples", "").splitlines():
            if line.strip().startswith("- "):
                found[line.strip()[2:]] = item["intent"]
    return found


def response_texts(path: Path) -> dict[str, list[str]]:
    responses: dict[str, list[dict[str, Any]]] = yaml.safe_load(path.read_text())["responses"]
    return {name: [v.get("text", "") for v in variants] for name, variants in responses.items()}


def test_every_turn_says_something_and_expects_something() -> None:
    for scenario in (*OURS, *REFERENCE):
        assert scenario.turns, scenario.name
        for turn in scenario.turns:
            assert turn.message.strip() and turn.expect.strip(), scenario.name


def test_our_visitors_ask_faq_questions_give_advice_and_ask_for_a_quote() -> None:
    assert len(FAQ_SCENARIOS) >= 3
    assert ADVICE in OURS and ADVICE_THEN_QUOTE in OURS
    assert set(FAQ_SCENARIOS) <= set(OURS)
    names = [scenario.name for scenario in (*OURS, *REFERENCE)]
    assert len(names) == len(set(names))
    questions = [t.message for s in FAQ_SCENARIOS for t in s.turns
                 if t.message not in SMALL_TALK]
    assert len(questions) == len(set(questions)), "the FAQ visitors ask different questions"
    assert "/request_quote" in [turn.message for turn in ADVICE_THEN_QUOTE.turns]


def test_faq_questions_are_training_examples_answered_with_the_expected_text() -> None:
    faq = {text: label for label, texts in training_examples().items()
           if label.startswith("faq/") for text in texts}
    answers = {name: [variation.get("text", "") for variation in variations]
               for name, variations in faq_responses().items()}
    for scenario in FAQ_SCENARIOS:
        for turn in scenario.turns:
            if turn.message in SMALL_TALK:
                continue
            assert turn.message in faq, turn.message
            assert any(turn.expect in text for text in answers[f"utter_{faq[turn.message]}"])


def test_small_talk_expects_the_domain_responses() -> None:
    texts = [t for variants in response_texts(ROOT / "domain.yml").values() for t in variants]
    for scenario in FAQ_SCENARIOS:
        for turn in scenario.turns:
            if turn.message in SMALL_TALK:
                assert any(turn.expect in text for text in texts), turn.message


def test_every_visitor_gets_an_email_address_of_its_own() -> None:
    def emails(scenario: Scenario, visitor: str) -> list[str]:
        return [t.message for t in scenario.for_visitor(visitor) if "@" in t.message]

    assert any(VISITOR in turn.message for turn in ADVICE_THEN_QUOTE.turns)
    first, second = emails(ADVICE_THEN_QUOTE, "ab12-0-0"), emails(ADVICE_THEN_QUOTE, "ab12-1-0")
    assert len(first) == 1 and first != second
    for scenario in OURS:
        for turn in scenario.for_visitor("ab12-0-0"):
            assert VISITOR not in turn.message and VISITOR not in turn.expect


def test_the_long_conversation_cycles_through_many_faq_questions() -> None:
    messages = [turn.message for turn in LONG_CONVERSATION]
    assert len(set(messages)) >= 10
    assert not SMALL_TALK & set(messages)


def test_the_reference_is_rasa_inits_moodbot_along_its_stories() -> None:
    assert [turn.message for turn in MOOD_SAD.turns] == ["hi", "I am sad", "yes", "bye"]
    moodbot = examples(INITIAL_PROJECT / "data" / "nlu.yml")
    texts = [t for v in response_texts(INITIAL_PROJECT / "domain.yml").values() for t in v]
    for turn in (*REFERENCE_LONG_CONVERSATION, *(t for s in REFERENCE for t in s.turns)):
        assert turn.message in moodbot, turn.message
        assert any(turn.expect in text for text in texts), turn.expect

"""The training data keeps its contract: intent names, FAQ keys, sizes, answers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
INTENTS = [
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "stop",
    "request_advice", "request_quote", "request_human", "ask_insurer", "ask_why", "inform",
]
FAQ_KEYS = [
    "wat_is", "verplicht", "voor_wie", "waarom", "dekking", "niet_gedekt", "datalek",
    "aansprakelijkheid", "losgeld", "omzetverlies", "crisismanagement", "menselijke_fouten",
    "kosten", "premie_wijzigen", "premie_verlagen", "preventie", "herstel",
    "gemiddelde_schade", "vergelijken", "boetes",
]
MIN_EXAMPLES = 25


def examples(path: Path) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for block in yaml.safe_load(path.read_text())["nlu"]:
        if "intent" in block:
            lines = [line[2:].strip() for line in block["examples"].splitlines()]
            result.setdefault(block["intent"], []).extend(line for line in lines if line)
    return result


def plain(text: str) -> str:
    """Example text without entity markup, lower-cased."""
    import re

    text = re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", text)
    return " ".join(text.lower().split())


TRAINING = {**examples(ROOT / "data" / "nlu.yml"), **examples(ROOT / "data" / "faq.yml")}
HELDOUT = examples(ROOT / "tests" / "nlu_heldout.yml")
RESPONSES = yaml.safe_load((ROOT / "data" / "faq_responses.yml").read_text())["responses"]


def test_exactly_the_contracted_labels() -> None:
    assert sorted(TRAINING) == sorted(INTENTS + [f"faq/{key}" for key in FAQ_KEYS])


@pytest.mark.parametrize("label", INTENTS + [f"faq/{key}" for key in FAQ_KEYS])
def test_enough_distinct_examples(label: str) -> None:
    distinct = {plain(text) for text in TRAINING[label]}
    assert len(distinct) >= MIN_EXAMPLES


def test_no_example_has_two_labels() -> None:
    counts = Counter(plain(text) for texts in TRAINING.values() for text in set(texts))
    assert [text for text, count in counts.items() if count > 1] == []


def test_heldout_covers_every_label_and_shares_no_example_with_training() -> None:
    assert sorted(HELDOUT) == sorted(TRAINING)
    trained = {plain(text) for texts in TRAINING.values() for text in texts}
    overlap = [text for texts in HELDOUT.values() for text in texts if plain(text) in trained]
    assert overlap == []


@pytest.mark.parametrize("key", FAQ_KEYS)
def test_every_faq_key_has_a_short_formal_answer(key: str) -> None:
    variations = RESPONSES[f"utter_faq/{key}"]
    assert len(variations) >= 1
    for variation in variations:
        text = variation["text"]
        sentences = [s for s in text.replace("\n- ", " ").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 6, text
        # formal "u", never the informal "je"/"jij"
        assert " je " not in f" {text.lower()} " and " jij " not in f" {text.lower()} "
        for button in variation.get("buttons", []):
            assert len(button["title"]) <= 20  # WhatsApp's reply-button limit
            assert button["payload"].startswith("/")


def test_costs_answer_offers_advice_and_a_quote() -> None:
    payloads = {b["payload"] for b in RESPONSES["utter_faq/kosten"][0]["buttons"]}
    assert {"/request_advice", "/request_quote"} <= payloads


def test_faq_buttons_point_at_existing_keys() -> None:
    for variations in RESPONSES.values():
        for variation in variations:
            for button in variation.get("buttons", []):
                payload = button["payload"]
                if payload.startswith("/faq/"):
                    assert payload.removeprefix("/faq/") in FAQ_KEYS

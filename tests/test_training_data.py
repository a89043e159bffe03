"""The training data keeps its contract: intent names, FAQ keys, sizes, answers."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from cyberbot.training_data import faq_responses, plain, training_examples, variation_for

ROOT = Path(__file__).resolve().parents[1]
INTENTS = [
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "stop",
    "request_advice", "request_quote", "request_human", "ask_insurer", "ask_why", "inform",
    "other_insurance",
]
FAQ_KEYS = [
    "wat_is", "verplicht", "voor_wie", "waarom", "dekking", "niet_gedekt", "datalek",
    "aansprakelijkheid", "losgeld", "omzetverlies", "crisismanagement", "menselijke_fouten",
    "kosten", "premie_wijzigen", "premie_verlagen", "preventie", "herstel",
    "gemiddelde_schade", "vergelijken", "boetes",
]
# The topics added with the country-aware answers (a contract too, by name).
NEW_FAQ_KEYS = [
    "eigen_risico", "incident_nu", "social_engineering", "bestaande_polissen",
    "verzekerd_bedrag", "betaling_contract", "acceptatie", "ingangsdatum", "nis2",
    "schade_melden", "leverancier_storing", "fiscaal", "over_ons", "andere_verzekeraars",
    "particulier",
]
ALL_FAQ_KEYS = FAQ_KEYS + NEW_FAQ_KEYS
MIN_EXAMPLES = 25
MIN_NEW_EXAMPLES = 35
MIN_NEW_HELDOUT = 10
COUNTRIES = {"nl", "be"}


def examples(path: Path) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for block in yaml.safe_load(path.read_text())["nlu"]:
        if "intent" in block:
            lines = [line[2:].strip() for line in block["examples"].splitlines()]
            result.setdefault(block["intent"], []).extend(line for line in lines if line)
    return result


TRAINING = training_examples()
HELDOUT = examples(ROOT / "tests" / "nlu_heldout.yml")
RESPONSES = faq_responses()
LABELS = INTENTS + [f"faq/{key}" for key in ALL_FAQ_KEYS]


def test_exactly_the_contracted_labels() -> None:
    assert sorted(TRAINING) == sorted(LABELS)
    assert sorted(RESPONSES) == sorted(f"utter_faq/{key}" for key in ALL_FAQ_KEYS)


@pytest.mark.parametrize("label", LABELS)
def test_enough_distinct_examples(label: str) -> None:
    distinct = {plain(text) for text in TRAINING[label]}
    wanted = MIN_NEW_EXAMPLES if label.removeprefix("faq/") in NEW_FAQ_KEYS else MIN_EXAMPLES
    assert len(distinct) >= wanted


@pytest.mark.parametrize("key", NEW_FAQ_KEYS)
def test_new_topics_have_enough_held_out_examples(key: str) -> None:
    assert len({plain(text) for text in HELDOUT[f"faq/{key}"]}) >= MIN_NEW_HELDOUT


def test_no_example_has_two_labels() -> None:
    counts = Counter(plain(text) for texts in TRAINING.values() for text in set(texts))
    assert [text for text, count in counts.items() if count > 1] == []
def test_heldout_covers_every_label_and_shares_no_example_with_training() -> None:
    assert sorted(HELDOUT) == sorted(TRAINING)
    trained = {plain(text) for texts in TRAINING.values() for text in texts}
    overlap = [text for texts in HELDOUT.values() for text in texts if plain(text) in trained]
    assert overlap == []


@pytest.mark.parametrize("key", ALL_FAQ_KEYS)
def test_every_faq_key_has_a_short_formal_answer_with_a_next_step(key: str) -> None:
    variations = RESPONSES[f"utter_faq/{key}"]
    assert len(variations) >= 1
    for variation in variations:
        text = variation["text"]
        lines = text.splitlines()
        items = [line for line in lines if re.match(r"^(?:- |\d+\. )", line)]
        sentences = [sentence for line in lines if line not in items
                     for sentence in re.split(r"(?<=[.?!])\s+", line) if sentence.strip()]
        # Two to five sentences, and a list (steps, exclusions) of at most seven items.
        assert 2 <= len(sentences) <= 5, text
        assert len(items) <= 7, text
        # formal "u", never the informal "je"/"jij"
        assert " je " not in f" {text.lower()} " and " jij " not in f" {text.lower()} "
        assert variation.get("buttons"), f"{key}: an answer without a next step"
        for button in variation["buttons"]:
            assert len(button["title"]) <= 20  # WhatsApp's reply-button limit
            assert button["payload"].startswith("/")


@pytest.mark.parametrize("key", ALL_FAQ_KEYS)
def test_country_variations_are_complete(key: str) -> None:
    """Either one answer for everyone, or one per country plus one for an unknown country."""
    variations = RESPONSES[f"utter_faq/{key}"]
    conditions = [variation.get("condition") for variation in variations]
    if len(variations) == 1:
        assert conditions == [None]
        return
    countries = {condition[0]["value"] for condition in conditions if condition}
    assert countries == COUNTRIES and conditions.count(None) == 1
    for condition in conditions:
        if condition:
            assert condition == [{"type": "slot", "name": "country",
                                  "value": condition[0]["value"]}]


@pytest.mark.parametrize(
    ("key", "country", "must", "must_not"),
    [
        ("fiscaal", "nl", ["21% assurantiebelasting", "bedrijfskosten"], ["9,25%"]),
        ("fiscaal", "be", ["9,25% taks", "beroepskosten"], ["assurantiebelasting"]),
        ("fiscaal", None, ["21%", "9,25%"], []),
        ("losgeld", "be", ["België", "CCB", "sanctielijst"], ["Nederland"]),
        ("losgeld", "nl", ["Nederland", "sanctielijst"], ["CCB"]),
        ("niet_gedekt", "be", ["opzet", "zware fout"], ["bewust roekeloos"]),
        ("niet_gedekt", "nl", ["bewust roekeloos"], ["zware fout"]),
        ("datalek", "be", ["GBA", "72 uur", "register", "24 uur"], ["Autoriteit Persoonsgegevens"]),
        ("datalek", "nl", ["Autoriteit Persoonsgegevens", "72 uur", "register"], ["GBA"]),
        ("nis2", "be", ["18 oktober 2024", "CCB"], ["Cyberbeveiligingswet"]),
        ("nis2", "nl", ["Cyberbeveiligingswet"], ["CCB"]),
        ("incident_nu", "be", ["CERT.be", "GBA", "losgeld"], ["Digital Trust Center"]),
        ("incident_nu", "nl", ["Digital Trust Center", "Autoriteit Persoonsgegevens"], ["GBA"]),
        ("eigen_risico", "be", ["vrijstelling"], ["eigen risico"]),
        ("eigen_risico", None, ["eigen risico of de vrijstelling"], []),
        ("boetes", "be", ["artikel 155"], ["per geval"]),
        ("kosten", "be", ["9,25%", "2021"], ["assurantiebelasting"]),
        ("kosten", "nl", ["21% assurantiebelasting", "zonder datum"], ["9,25%"]),
    ],
)
def test_each_country_gets_its_own_facts(
    key: str, country: str | None, must: list[str], must_not: list[str]
) -> None:
    text = variation_for(RESPONSES[f"utter_faq/{key}"], country)["text"]
    for fragment in must:
        assert fragment in text, (key, country, fragment)
    for fragment in must_not:
        assert fragment not in text, (key, country, fragment)


def test_no_answer_implies_cover_for_ceo_fraud_or_gives_unsourced_statistics() -> None:
    everything = " ".join(v["text"] for vs in RESPONSES.values() for v in vs)
    assert "78.000" not in everything and "8 keer" not in everything
    for variation in RESPONSES["utter_faq/social_engineering"]:
        assert "meeverzekerd" in variation["text"] and "25.000" in variation["text"]
    for variation in RESPONSES["utter_faq/menselijke_fouten"]:
        assert "CEO-fraude" in variation["text"] and "niet onder" in variation["text"]


def test_the_about_answer_takes_the_operator_from_configuration() -> None:
    for variation in RESPONSES["utter_faq/over_ons"]:
        for placeholder in ("{operator_name}", "{operator_registration}",
                            "{operator_complaints}"):
            assert placeholder in variation["text"]
        assert "AIG, Hiscox en Chubb" in variation["text"] and "niet de hele markt" in (
            variation["text"])


def test_costs_answer_offers_advice_and_a_quote() -> None:
    for variation in RESPONSES["utter_faq/kosten"]:
        payloads = {b["payload"] for b in variation["buttons"]}
        assert {"/request_advice", "/request_quote"} <= payloads


def test_faq_buttons_point_at_existing_keys() -> None:
    for variations in RESPONSES.values():
        for variation in variations:
            for button in variation.get("buttons", []):
                payload = button["payload"]
                if payload.startswith("/faq/"):
                    assert payload.removeprefix("/faq/") in ALL_FAQ_KEYS

"""Reading form answers from chat messages (cyberbot.reading.answers), without Rasa."""

from __future__ import annotations

import pytest

from cyberbot.advice.ranking import PROFILE_SLOTS
from cyberbot.reading.answers import (
    Turn,
    declines_phone,
    insurers_named,
    is_interruption,
    is_question,
    match_insurer_choice,
    match_priority,
    parse_yes_no,
    read_boolean_cue,
    read_company,
    read_context,
    read_direct,
    read_moment,
    read_name,
)


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("ja", None, True),
        ("Jazeker!", None, True),
        ("klopt", None, True),
        ("ja, geen probleem", None, True),
        ("ja, een paar klanten in Canada", "inform", True),
        ("nee", None, False),
        ("Neen", None, False),
        ("nee, geen klanten daar", None, False),
        ("helemaal niet", None, False),
        ("/affirm", "affirm", True),
        ("/deny", "deny", False),
        ("👍", "affirm", True),
        ("misschien", None, None),
        ("", None, None),
    ],
)
def test_yes_no(text: str, intent: str | None, expected: bool | None) -> None:
    assert parse_yes_no(text, intent) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wereldwijde dekking", "worldwide"),
        ("worldwide", "worldwide"),
        ("24/7 hulp bij incidenten", "incident_help"),
        ("dat menselijke fouten gedekt zijn", "human_error"),
        ("preventie vind ik belangrijk", "prevention"),
        ("risicoscans", "risk_scan"),
        ("zo breed mogelijk verzekerd", "broad_cover"),
        ("de prijs", None),
    ],
)
def test_priority(text: str, expected: str | None) -> None:
    assert match_priority(text) == expected


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        ("Hiscox", (), "hiscox"),
        ("doe maar AIG", (), "aig"),
        ("de eerste", ("chubb",), "chubb"),
        ("geen voorkeur", (), "none"),
        ("maakt niet uit", (), "none"),
        ("none", (), "none"),
        ("Allianz", (), None),
    ],
)
def test_insurer_choice(text: str, entities: tuple[str, ...], expected: str | None) -> None:
    assert match_insurer_choice(text, entities) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan de Vries", "Jan de Vries"),
        ("mijn naam is Fatima El Amrani", "Fatima El Amrani"),
        ("Ik heet Sven.", "Sven"),
        ("Anne-Marie O'Neill", "Anne-Marie O'Neill"),
        ("jan@voorbeeld.nl", None),
        ("06 12345678", None),
        ("", None),
        ("x" * 500, None),
        ("wat doet u met mijn naam en waarom wilt u die weten eigenlijk", None),
    ],
)
def test_name(text: str, expected: str | None) -> None:
    assert read_name(text) == expected


def test_company_and_moment() -> None:
    assert read_company("ons bedrijf heet Pixelwerk B.V.") == "Pixelwerk B.V"
    assert read_company("123") is None
    assert read_moment("  morgen   na 15 uur ") == "morgen na 15 uur"
    # Single-line fields: an answer cannot add lines to what the advisors read.
    assert read_company("Pixel\nTelefoonnummer: 06 99") == "Pixel Telefoonnummer: 06 99"
    assert read_moment("morgen\r\nOpmerking: bel eerst") == "morgen Opmerking: bel eerst"
    assert read_moment("...") is None
    assert len(read_moment("a" * 1000) or "") == 200


@pytest.mark.parametrize(
    ("text", "slot", "expected"),
    [
        ("we hebben een webshop", "online_sales", True),
        ("geen webshop", "online_sales", False),
        ("we hebben klanten in de VS", "usa_canada", True),
        ("geen klanten in Amerika of Canada", "usa_canada", False),
        ("we bewaren medische gegevens van patiënten", "personal_data", True),
        ("we verwerken geen persoonsgegevens", "personal_data", False),
        ("een bouwbedrijf", "usa_canada", None),
    ],
)
def test_boolean_cues(text: str, slot: str, expected: bool | None) -> None:
    assert read_boolean_cue(text, slot) is expected


def test_details_given_up_front_fill_their_slots() -> None:
    turn = Turn(
        "welke verzekeraar past bij mijn webshop met 12 medewerkers en 1,2 miljoen omzet?",
        intent="request_advice",
    )
    assert read_context(turn, PROFILE_SLOTS) == {
        "sector": "detailhandel",
        "employees": 12,
        "revenue": 1_200_000,
        "online_sales": True,
    }


def test_a_correction_while_another_question_is_open() -> None:
    turn = Turn("nee, het zijn er 15", intent="deny", requested_slot="revenue")
    assert read_direct(turn) is None
    assert read_context(turn, PROFILE_SLOTS) == {"employees": 15}


def test_context_never_overrides_the_question_asked() -> None:
    turn = Turn("12", intent="inform", requested_slot="employees")
    assert read_direct(turn) == 12
    assert "employees" not in read_context(turn, PROFILE_SLOTS)


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        ("employees", "vijftien man", 15),
        ("employees", "ik ben zzp'er", 1),
        ("revenue", "3 ton", 300_000),
        ("revenue", "€ 1,2 mln", 1_200_000),
        ("sector", "transportbedrijf", "logistiek"),
        ("usa_canada", "nee", False),
        ("priority", "Wereldwijde dekking", "worldwide"),
        ("preferred_insurer", "geen voorkeur", "none"),
        ("contact_email", "mijn mail is Jan@Voorbeeld.nl", "Jan@Voorbeeld.nl"),
        ("callback_contact", "bel me op 06-12345678", "06-12345678"),
        ("callback_contact", "geen idee", None),
    ],
)
def test_direct_answers(slot: str, text: str, expected: object) -> None:
    value = read_direct(Turn(text, intent="inform", requested_slot=slot))
    if slot in {"contact_email", "callback_contact"} and expected is not None:
        assert value is not None and str(expected).lower() in value.lower()
    else:
        assert value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Is het verplicht?", True),
        ("wat kost het", True),
        ("waarom vraagt u dat", True),
        ("Zorg en welzijn", False),
        ("3 ton", False),
        ("", False),
    ],
)
def test_is_question(text: str, expected: bool) -> None:
    assert is_question(text) is expected


@pytest.mark.parametrize(
    ("turn", "answered", "expected"),
    [
        (Turn("Is het verplicht?", "faq", "employees"), False, True),
        (Turn("Zorg en welzijn", "faq", "sector"), True, False),
        (Turn("Wat kost het bij 1 miljoen omzet?", "faq", "revenue"), True, True),
        (Turn("Hiscox", "ask_insurer", "preferred_insurer"), True, False),
        (Turn("stop", "stop", "employees"), False, True),
        (Turn("nee stop, 12", "stop", "employees"), True, True),
        (Turn("ik wil een mens spreken", "request_human", "sector"), False, True),
        (Turn("veertig", "inform", "employees"), True, False),
        (Turn("hallo", "greet", "employees"), False, False),
        # an answer is an answer, even when the classifier hears a request in it
        (Turn("geen voorkeur", "request_human", "preferred_insurer"), True, False),
        (Turn("weet ik niet", "faq", "sector"), True, False),
        (Turn("kan iemand mij bellen?", "request_human", "preferred_insurer"), True, True),
        (Turn("/request_human", "request_human", "contact_email"), True, True),
        (Turn("ik zoek een autoverzekering", "other_insurance", "sector"), False, True),
    ],
)
def test_interruptions(turn: Turn, answered: bool, expected: bool) -> None:
    assert is_interruption(turn, answered) is expected


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("liever niet", "deny", True),
        ("geen telefoonnummer", "inform", True),
        ("nee", "deny", True),
        ("06 12345678", "inform", False),
        ("0470 12 34 56", "inform", False),
    ],
)
def test_declining_the_phone_number(text: str, intent: str, expected: bool) -> None:
    assert declines_phone(Turn(text, intent, "contact_phone")) is expected


def test_a_pronoun_is_no_name_and_does_not_change_the_profile() -> None:
    assert read_name("ik") is None
    assert read_name("Nee") is None
    assert read_context(Turn("ik", "inform", "contact_name"), PROFILE_SLOTS) == {}
    turn = Turn("jan@voorbeeld.nl", "inform", "contact_name")
    assert read_context(turn, ("contact_email", "employees")) == {
        "contact_email": "jan@voorbeeld.nl"
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("verschil tussen Hiscox en Chubb", ["hiscox", "chubb"]),
        ("CyberEdge of Cyber ERM?", ["aig", "chubb"]),
        ("wat doet hiscocks", ["hiscox"]),
        ("welke verzekeraar is het best", []),
    ],
)
def test_insurers_named_in_order(text: str, expected: list[str]) -> None:
    assert insurers_named(text) == expected

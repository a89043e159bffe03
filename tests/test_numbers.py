"""Head counts and amounts as Dutch and Flemish business owners type them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cyberbot.reading.numbers import extract_employees, extract_revenue, parse_amount, parse_count

Parse = Callable[[str], "int | None"]

ANSWERS: list[tuple[Parse, str, int | None]] = [
    # --- parse_amount: digits and separators ---
    (parse_amount, "12", 12),
    (parse_amount, "40", 40),  # implausible revenue is for the caller to judge
    (parse_amount, "85.000", 85_000),
    (parse_amount, "85 000", 85_000),
    (parse_amount, "85\u00a0000", 85_000),
    (parse_amount, "85,000", 85_000),  # three digits after one comma: English thousands
    (parse_amount, "85,00", 85),  # Dutch decimal comma
    (parse_amount, "1,2", 1),  # 1.2
    (parse_amount, "1,5", 2),  # 1.5, halves round up
    (parse_amount, "1.250.000", 1_250_000),
    (parse_amount, "1.250.000,50", 1_250_001),
    (parse_amount, "1,250,000", 1_250_000),
    (parse_amount, "85.000 euro", 85_000),
    (parse_amount, "EUR 85.000", 85_000),
    (parse_amount, "EUR85.000", 85_000),
    (parse_amount, "85.000,-", 85_000),
    (parse_amount, "€ 85.000,00", 85_000),
    (parse_amount, "€ 500", 500),
    # --- parse_amount: scale words and abbreviations ---
    (parse_amount, "€ 1,2 mln", 1_200_000),
    (parse_amount, "€1,2mln", 1_200_000),
    (parse_amount, "1,2 miljoen", 1_200_000),
    (parse_amount, "2,5 miljoen", 2_500_000),
    (parse_amount, "1,250 miljoen", 1_250_000),  # a scale word keeps the comma decimal
    (parse_amount, "€ 2 miljoen", 2_000_000),  # text2num makes "€ 2 1000000" of this
    (parse_amount, "750k", 750_000),
    (parse_amount, "750K", 750_000),
    (parse_amount, "750 k", 750_000),
    (parse_amount, "1.5M", 1_500_000),
    (parse_amount, "1,5m", 1_500_000),
    (parse_amount, "1 miljard", 1_000_000_000),
    (parse_amount, "3 ton", 300_000),
    (parse_amount, "zo'n 2 ton", 200_000),
    (parse_amount, "anderhalve ton", 150_000),
    (parse_amount, "een halve ton", 50_000),
    (parse_amount, "drieënhalve ton", 350_000),
    (parse_amount, "een miljoen", 1_000_000),  # the article "een" is one times a million
    (parse_amount, "een half miljoen", 500_000),
    (parse_amount, "anderhalf miljoen", 1_500_000),
    (parse_amount, "twee miljoen", 2_000_000),
    (parse_amount, "tweeënhalf miljoen", 2_500_000),
    (parse_amount, "tweeëneenhalf miljoen", 2_500_000),
    (parse_amount, "500 duizend", 500_000),
    (parse_amount, "circa 500 duizend", 500_000),
    (parse_amount, "vijfhonderdduizend", 500_000),  # Duckling does not compose this
    (parse_amount, "twee miljoen vijfhonderdduizend", 2_500_000),
    (parse_amount, "2 miljoen 500 duizend", 2_500_000),
    (parse_amount, "ongeveer 8 miljoen per jaar", 8_000_000),
    (parse_amount, "tussen 1 en 2 miljoen", 2_000_000),
    (parse_amount, "40-50k", 50_000),
    (parse_amount, "nog geen omzet", 0),
    # --- parse_amount: no amount ---
    (parse_amount, "geen idee", None),
    (parse_amount, "15 medewerkers", None),
    (parse_amount, "sinds 2015", None),
    (parse_amount, "een paar duizend euro", None),
    (parse_amount, "20%", None),
    # --- parse_count: digits ---
    (parse_count, "12", 12),
    (parse_count, "1", 1),
    (parse_count, "0", 1),  # no staff: the owner still counts
    (parse_count, "15 man", 15),
    (parse_count, "15 medewerkers", 15),
    (parse_count, "12medewerkers", 12),
    (parse_count, "3 fte", 3),
    (parse_count, "2,5 fte", 3),  # rounded up
    (parse_count, "we zijn met 8", 8),
    # --- parse_count: number words ---
    (parse_count, "veertig", 40),
    (parse_count, "vijftien", 15),
    (parse_count, "vijftien man", 15),
    (parse_count, "tweeënveertig", 42),
    (parse_count, "tweeenveertig", 42),
    (parse_count, "honderdvijftig", 150),
    (parse_count, "vijfduizend", 5000),
    (parse_count, "tweeduizend vijfhonderd", 2500),
    (parse_count, "duizend", 1000),
    (parse_count, "honderd", 100),
    (parse_count, "elf", 11),
    (parse_count, "twaalf", 12),
    (parse_count, "dertien", 13),
    (parse_count, "één", 1),
    (parse_count, "een", 1),  # the whole answer: a numeral
    (parse_count, "een man", 1),
    # --- parse_count: the article "een" is not one ---
    (parse_count, "een stuk of tien", 10),
    (parse_count, "een man of twintig", 20),
    (parse_count, "een tiental", 10),
    (parse_count, "een twintigtal", 20),
    (parse_count, "tientallen", None),  # too vague
    (parse_count, "honderden", None),
    # --- parse_count: idioms ---
    (parse_count, "we zijn met z'n vijven", 5),
    (parse_count, "met z'n drieën", 3),
    (parse_count, "met ons vijven", 5),
    (parse_count, "alleen ikzelf", 1),
    (parse_count, "alleen ik", 1),
    (parse_count, "ik alleen", 1),
    (parse_count, "gewoon ik", 1),
    (parse_count, "ik ben zzp'er", 1),
    (parse_count, "zzp", 1),
    (parse_count, "zelfstandige zonder personeel", 1),
    (parse_count, "eenmanszaak", 1),
    (parse_count, "solo", 1),
    (parse_count, "geen personeel", 1),
    (parse_count, "geen werknemers", 1),
    (parse_count, "ik en mijn vrouw", 2),
    (parse_count, "mijn partner en ik", 2),
    (parse_count, "ik en mijn 3 medewerkers", 4),
    # --- parse_count: approximations and ranges (the upper bound) ---
    (parse_count, "ongeveer 40", 40),
    (parse_count, "zo'n 40", 40),
    (parse_count, "rond de 40", 40),
    (parse_count, "ruim 100", 100),
    (parse_count, "meer dan 250", 250),
    (parse_count, "40 à 50", 50),
    (parse_count, "40-50", 50),
    (parse_count, "tussen 40 en 50", 50),
    # --- parse_count: no count ---
    (parse_count, "geen idee", None),
    (parse_count, "nee", None),
    (parse_count, "€ 85.000", None),
    (parse_count, "1,2 miljoen", None),
    (parse_count, "we bestaan 15 jaar", None),
]


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    ANSWERS,
    ids=[f"{parse.__name__}({text!r})" for parse, text, _ in ANSWERS],
)
def test_answers(parse: Parse, text: str, expected: int | None) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("webshop met 12 medewerkers en 1,2 miljoen omzet", 12),
        ("nee, het zijn er 15", 15),
        ("het zijn er vijftien", 15),
        ("ik ben zzp'er met een omzet van 85.000 euro", 1),
        ("we hebben 12 vaste medewerkers en een omzet van 2 ton", 12),
        ("omzet 3 ton 50 medewerkers", 50),
        ("aantal medewerkers: 12", 12),
        ("er werken 25 mensen", 25),
        ("we zijn met een stuk of tien", 10),
        ("we zijn met z'n drieën en draaien 3 ton", 3),
        ("we bestaan sinds 2015 en hebben 8 man personeel", 8),
        ("een bakkerij, ik en mijn vrouw", 2),
        ("we hebben geen personeel", 1),
        ("ik ben zelfstandige zonder personeel", 1),
        # no head count
        ("1,2 miljoen", None),
        ("€ 500", None),
        ("omzet 500 duizend", None),
        ("we hebben een webshop", None),
        ("we bestaan 15 jaar", None),
        ("sinds 2015", None),
        ("we hebben 3 vestigingen", None),
        ("het zijn er 1,2 miljoen", None),
        ("", None),
    ],
)
def test_extract_employees(text: str, expected: int | None) -> None:
    assert extract_employees(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("webshop met 12 medewerkers en 1,2 miljoen omzet", 1_200_000),
        ("ik ben zzp'er met een omzet van 85.000 euro", 85_000),
        ("we hebben 12 vaste medewerkers en een omzet van 2 ton", 200_000),
        ("omzet 3 ton 50 medewerkers", 300_000),
        ("onze omzet in 2024 was 85.000", 85_000),
        ("we draaien zo'n 300.000 per jaar", 300_000),
        ("85000 aan omzet", 85_000),
        ("onze omzetten liggen rond de 400.000", 400_000),
        ("omzet tussen 500 duizend en 1 miljoen", 1_000_000),
        ("circa 500 duizend", 500_000),
        ("een webshop die ongeveer 750k doet", 750_000),
        ("we hebben nog geen omzet", 0),
        # no amount
        ("we hebben 12 medewerkers", None),
        ("we zijn met 40", None),
        ("sinds 2015", None),
        ("in 2025", None),
        ("in 2025 willen we groeien", None),
        ("we hebben 3 winkels", None),
        ("we groeien 20% per jaar", None),
        ("we hebben 40 medewerkers en 1 vestiging", None),
        ("geen idee", None),
        ("", None),
    ],
)
def test_extract_revenue(text: str, expected: int | None) -> None:
    assert extract_revenue(text) == expected


HOSTILE = [
    "",
    "   ",
    "👍🔥💶",
    "1e999",
    "∞",
    "-5",
    "€ -5",
    "99999999999999999",  # above 10^12
    "1" * 10_000,
    "a" * 10_000,
    "één" * 3_000,
    "12.05.2024",
    "<script>alert('x')</script>",
]
FUNCTIONS = [parse_count, parse_amount, extract_employees, extract_revenue]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(text[:20]) for text in HOSTILE])
@pytest.mark.parametrize("parse", FUNCTIONS, ids=[parse.__name__ for parse in FUNCTIONS])
def test_hostile_input_gives_none(parse: Parse, text: str) -> None:
    assert parse(text) is None


MIXED = "we zijn met 12 man, omzet € 1,2 mln; tweeënveertig 👍 sinds 2015 "


@pytest.mark.parametrize("parse", FUNCTIONS, ids=[parse.__name__ for parse in FUNCTIONS])
def test_long_mixed_input_is_read_as_the_sentence_it_repeats(parse: Parse) -> None:
    """The same sentence 150 times reads as it does once (speed: tests/bench/test_speed.py)."""
    assert parse(MIXED * 150) == parse(MIXED)

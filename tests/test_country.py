"""Telling a Belgian visitor from a Dutch one, and the words for each."""

from __future__ import annotations

import pytest

from cyberbot.reading.answers import read_country
from cyberbot.reading.country import detect_country, find_country, localise, term


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ik heb ne kmo in Gent", "be"),
        ("is da verplicht voor ne kmo", "be"),
        ("zit da nie al in mijn polis, allez", "be"),
        ("zit da nie al in mijn BA-polis", None),  # spelling alone decides nothing
        ("wij zijn een BVBA uit Antwerpen", "be"),
        ("moet ik dat melden bij de GBA?", "be"),
        ("mijn ondernemingsnummer is 0123.456.789", "be"),
        ("bel me op +32 470 12 34 56", "be"),
        ("mail naar els@peeters.be", "be"),
        ("wij zijn een bakkerij in Utrecht", "nl"),
        ("ik ben zzp'er in de bouw", "nl"),
        ("wat is mijn KvK-nummer daarvoor", "nl"),
        ("moet dat naar de Autoriteit Persoonsgegevens", "nl"),
        ("bel +31 6 12345678", "nl"),
        # One weak cue, nothing, or both countries: no decision.
        ("hoeveel is de vrijstelling", None),
        ("hallo", None),
        ("is het verplicht", None),
        ("wij hebben vestigingen in Gent en Amsterdam", None),
        # Words that are also ordinary Dutch are not cues.
        ("het luik herstel in de polis", None),
        ("de namen van mijn klanten", None),
        ("wij zijn een BV", None),
    ],
)
def test_clear_cues_decide_and_others_do_not(text: str, expected: str | None) -> None:
    assert detect_country(text) == expected


def test_the_finding_points_at_the_strongest_cue() -> None:
    text = "wij zijn een kmo uit Gent"
    found = find_country(text)
    assert found is not None and text[found.start:found.end] == "kmo"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("Nederland", "nl"), ("NL", "nl"), ("in Belgie", "be"), ("België", "be"),
     ("Vlaanderen", "be"), ("Leuven", "be"), ("Duitsland", None), ("weet ik niet", None)],
)
def test_answers_to_the_country_question(answer: str, expected: str | None) -> None:
    assert read_country(answer) == expected


def test_words_follow_the_country() -> None:
    assert term("eigen_risico", "be") == "vrijstelling"
    assert term("eigen_risico", "nl") == "eigen risico"
    assert term("eigen_risico", None) == "eigen risico of vrijstelling"
    assert localise("zonder {term:eigen_risico}, via een {term:adviseur}", "be") == (
        "zonder vrijstelling, via een makelaar")
    assert localise("geen markers", "nl") == "geen markers"

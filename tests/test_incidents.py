"""Noticing an incident in a message that asks for a quote."""

from __future__ import annotations

import pytest

from cyberbot.reading.incidents import mentions_incident


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("we zijn gisteren gehackt en ik wil nu snel een offerte", True),
        ("alles is versleuteld, kan ik nog een polis krijgen", True),
        ("ons account is gekaapt", True),
        ("we zijn geïnfecteerd met ransomware", True),
        ("ik wil een offerte voor mijn webshop", False),
        ("offerte graag, 12 medewerkers", False),
    ],
)
def test_incident_words(text: str, expected: bool) -> None:
    assert mentions_incident(text) is expected

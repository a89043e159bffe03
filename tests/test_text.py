"""Text normalisation shared by the answer readers."""

from __future__ import annotations

import pytest

from cyberbot.text import strip_accents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tweeënveertig", "tweeenveertig"),
        ("Café-eigenaar", "Cafe-eigenaar"),
        ("patiënt", "patient"),
        ("één", "een"),
        ("ja", "ja"),
        ("", ""),
    ],
)
def test_accents_are_stripped(text: str, expected: str) -> None:
    assert strip_accents(text) == expected

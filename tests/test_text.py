"""Text normalisation shared by the answer readers."""

from __future__ import annotations

import pytest

from cyberbot.text import single_line, strip_accents


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pixel\nTelefoonnummer: 06", "Pixel Telefoonnummer: 06"),
        ("  a\t\tb\r\n c  ", "a b c"),
        ("na\u2028tien uur", "na tien uur"),
        ("\u202eniet omgekeerd\u202c", "niet omgekeerd"),
        ("bel\x1b[31m rood\x00", "bel[31m rood"),
        ("café Zoë", "café Zoë"),
        ("", ""),
    ],
)
def test_single_line_removes_what_could_forge_or_hide_text(text: str, expected: str) -> None:
    assert single_line(text) == expected

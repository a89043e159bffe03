"""Text normalisation shared by the readers of visitors' answers."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    """The text without diacritics ("tweeënveertig" -> "tweeenveertig", "café" -> "cafe"),
    so that visitors who type with or without accents are read alike."""
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", plain)


def single_line(text: str) -> str:
    """The text as one line: control and format characters (line breaks, tabs, escape
    codes, bidirectional overrides) removed and runs of white space made one space, so
    that a visitor's value cannot forge extra lines or hide text where advisors read it."""
    kept = (
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf")
    )
    return " ".join("".join(kept).split())

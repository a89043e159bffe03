"""Text normalisation shared by the readers of visitors' answers."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    """The text without diacritics ("tweeënveertig" -> "tweeenveertig", "café" -> "cafe"),
    so that visitors who type with or without accents are read alike."""
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", plain)

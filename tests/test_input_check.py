"""The pure input check: empty, wordless, foreign and gibberish messages."""

from __future__ import annotations

import pytest

from cyberbot.nlu.input_check import InputIssue, Lexicon, assess, words

KNOWN = {"is", "een", "cyberverzekering", "verplicht", "wat", "kost", "het", "hoi", "ik", "ben"}
LEXICON = Lexicon(
    is_known=KNOWN.__contains__,
    foreign_words={
        "en": frozenset({"the", "my", "for", "what", "does", "how", "much"}),
        "fr": frozenset({"le", "la", "est", "une", "pour"}),
    },
)


@pytest.mark.parametrize(
    ("text", "issue", "language"),
    [
        ("", InputIssue.EMPTY, None),
        ("   \n\t ", InputIssue.EMPTY, None),
        ("👍👍", InputIssue.NO_WORDS, None),
        ("?!...", InputIssue.NO_WORDS, None),
        ("12", None, None),
        ("85.000", None, None),
        ("Is een cyberverzekering verplicht?", None, None),
        ("wat kost het", None, None),
        ("What does the insurance cost for my company?", InputIssue.FOREIGN, "en"),
        ("Est-ce que la assurance est obligatoire pour une PME?", InputIssue.FOREIGN, "fr"),
        ("qwzx plork vrumm", InputIssue.UNKNOWN_WORDS, None),
        ("<script>alert(1)</script>", InputIssue.UNKNOWN_WORDS, None),
        ("<b>is het verplicht</b>", None, None),
        ("Hello, is cyber insurance mandatory for my company?", InputIssue.FOREIGN, "en"),
        # one foreign stop word is not enough to call a Dutch message foreign
        ("hoi, is een cyberverzekering for zzp verplicht", None, None),
        ("wat kost een cyber insurance voor my company", None, None),
    ],
)
def test_assess(text: str, issue: InputIssue | None, language: str | None) -> None:
    assessment = assess(text, LEXICON)
    assert assessment.issue == issue
    assert assessment.language == language


def test_words_keeps_inner_apostrophes_and_lowercases() -> None:
    assert words("Ik ben ZZP'er, en u?") == ["ik", "ben", "zzp'er", "en", "u"]


def test_long_dutch_message_is_fine() -> None:
    assert assess("wat kost het " * 400, LEXICON).issue is None


def test_words_known_only_from_the_training_data_do_not_make_english_dutch() -> None:
    learnt = KNOWN | {"insurance", "company", "mandatory", "hello", "cyber"}
    lexicon = Lexicon(is_known=learnt.__contains__, foreign_words=LEXICON.foreign_words,
                      is_dutch=KNOWN.__contains__)
    english = "Hello, is cyber insurance mandatory for my company?"
    assert assess(english, lexicon).issue is InputIssue.FOREIGN
    # Without the Dutch lexicon apart, the learnt English words would outweigh it.
    without = Lexicon(is_known=learnt.__contains__, foreign_words=LEXICON.foreign_words)
    assert assess(english, without).issue is None
    assert assess("is een cyber insurance verplicht", lexicon).issue is None
    # Mixed, with Dutch words of its own: Dutch.
    mixed = "what does my company pay, is een cyberverzekering verplicht"
    assert assess(mixed, lexicon).issue is None

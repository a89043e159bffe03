"""Markdown to WhatsApp formatting, and cutting long texts into messages."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from cyberbot.channels.whatsapp.formatting import (
    shorten,
    split_off_last_sentence,
    split_text,
    to_whatsapp_markdown,
)
from cyberbot.training_data import faq_responses

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("markdown", "whatsapp"),
    [
        ("Dit is **niet verplicht**.", "Dit is *niet verplicht*."),
        ("Dit is __vet__.", "Dit is *vet*."),
        ("Een *schatting* is goed.", "Een _schatting_ is goed."),
        ("Een _schatting_ is goed.", "Een _schatting_ is goed."),
        ("Dat is ~~duur~~ betaalbaar.", "Dat is ~duur~ betaalbaar."),
        ("**Let op: *vooral* dit**", "*Let op: _vooral_ dit*"),
        ("Typ `offerte` of `**niet**`.", "Typ `offerte` of `**niet**`."),
        (
            "Lees de [privacyverklaring](https://x.nl/privacy).",
            "Lees de privacyverklaring (https://x.nl/privacy).",
        ),
        ("Zie [https://x.nl](https://x.nl).", "Zie https://x.nl."),
        ("Mail [info@x.nl](mailto:info@x.nl).", "Mail info@x.nl."),
        ("Mail [ons](mailto:info@x.nl).", "Mail ons (info@x.nl)."),
        ("**[Offerte](https://x.nl/o)**", "*Offerte (https://x.nl/o)*"),
        ("# Kosten", "*Kosten*"),
        ("## De **premie** ##", "*De premie*"),
        ("- een\n- twee", "• een\n• twee"),
        ("* een\n  + twee", "• een\n  • twee"),
        ("- **Aansprakelijkheid**: schade", "• *Aansprakelijkheid*: schade"),
        ("1. een\n2. twee", "1. een\n2. twee"),
        ("> Een citaat", "> Een citaat"),
        ("Een\n\n\n\n\nTwee\n \n\t\nDrie", "Een\n\nTwee\n\nDrie"),
        ("Een\r\nTwee", "Een\nTwee"),
        ("```\n- blijft\n**ook**\n```\n- wel", "```\n- blijft\n**ook**\n```\n• wel"),
        ("  \n Tekst \n\n", "Tekst"),
        ("", ""),
    ],
)
def test_markdown_becomes_whatsapp_formatting(markdown: str, whatsapp: str) -> None:
    assert to_whatsapp_markdown(markdown) == whatsapp


@pytest.mark.parametrize(
    "plain",
    [
        "5 * 3 = 15",
        "2*3*4 is 24",
        "een * tussen spaties * en nog een",
        "snake_case en nog_een_woord",
        "jan_de_vries@voorbeeld.nl of info@cyber-verzekering.nl",
        "https://x.nl/a__b__c?q=*x*&r=~~y~~",
        "**niet gesloten",
        "een lijn ---",
        "-5 graden en +3",
        "Prijs: €1.250,-",
        "_",
        "*",
    ],
)
def test_text_without_markdown_is_left_alone(plain: str) -> None:
    assert to_whatsapp_markdown(plain) == plain


def test_the_faq_answers_keep_no_markdown() -> None:
    texts = [
        variation["text"] for variations in faq_responses().values() for variation in variations
    ]
    assert texts
    for text in texts:
        converted = to_whatsapp_markdown(text)
        assert "**" not in converted and "](" not in converted, text
        assert not re.search(r"^- ", converted, re.MULTILINE), text


# --- Splitting ------------------------------------------------------------------------


def test_a_short_text_is_one_part() -> None:
    assert split_text("Goedendag! Waarmee kan ik u helpen?") == [
        "Goedendag! Waarmee kan ik u helpen?"
    ]


def test_an_empty_text_has_no_parts() -> None:
    assert split_text("") == []
    assert split_text(" \n\n ") == []


def test_paragraphs_are_kept_together() -> None:
    text = "Eerste alinea. Nog een zin.\n\nTweede alinea.\n\nDerde alinea is langer."
    assert split_text(text, 45) == [
        "Eerste alinea. Nog een zin.\n\nTweede alinea.",
        "Derde alinea is langer.",
    ]


def test_lines_come_before_sentences() -> None:
    text = "Dit dekt het:\n• schade aan derden. En meer.\n• eigen schade"
    assert split_text(text, 45) == [
        "Dit dekt het:\n• schade aan derden. En meer.",
        "• eigen schade",
    ]


def test_a_long_paragraph_is_cut_after_a_sentence() -> None:
    text = "De premie hangt af van uw omzet. Vraag gerust een offerte aan! Kan dat?"
    assert split_text(text, 40) == [
        "De premie hangt af van uw omzet.",
        "Vraag gerust een offerte aan! Kan dat?",
    ]


@pytest.mark.parametrize("abbreviation", ["bijv.", "o.a.", "ca.", "nr.", "mln."])
def test_an_abbreviation_does_not_end_a_sentence(abbreviation: str) -> None:
    text = f"Een zin. Verzekerd tot € 2,5 {abbreviation} voor schade aan derden"
    parts = split_text(text, len(text) - 10)
    assert parts[0] == "Een zin."


def test_a_list_number_does_not_end_a_sentence() -> None:
    text = "1. Eerste stap met veel woorden erin"
    assert split_text(text, 31)[0] == "1. Eerste stap met veel woorden"


def test_a_sentence_may_end_in_a_number() -> None:
    text = "Dat geldt sinds 2024. Daarna veranderde er veel meer"
    assert split_text(text, 40)[0] == "Dat geldt sinds 2024."


def test_a_sentence_ending_in_a_quote_or_bracket_is_cut_after_it() -> None:
    text = 'Zeg dan "offerte." (Of bel ons.) Dan helpen we u graag.'
    assert split_text(text, 35) == ['Zeg dan "offerte." (Of bel ons.)', "Dan helpen we u graag."]


def test_a_long_sentence_is_cut_between_words() -> None:
    assert split_text("een twee drie vier vijf", 9) == ["een twee", "drie vier", "vijf"]


def test_only_a_word_longer_than_the_limit_is_cut_inside() -> None:
    assert split_text("kort https://voorbeeld.nl/een-heel-lang-pad kort", 12) == [
        "kort",
        "https://voor",
        "beeld.nl/een",
        "-heel-lang-p",
        "ad kort",
    ]


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_text("tekst", 0)


VOCABULARY = [
    "de", "verzekering", "dekt", "schade", "bijv.", "o.a.", "ca.", "nr.", "mln.", "€", "2,5",
    "1.", "Dat.", "kost?", "veel!", "(zie", "bijlage.)", '"ja."', "**vet**", "_cursief_",
    "https://voorbeeld.nl/pad_met_underscores", "cyberverzekeringspremieberekening", "👍",
    "•", "-", "…", "\n", "\n\n", "\n\n\n", " ", "\t", "a" * 60,
]  # fmt: skip


def random_text(rng: random.Random) -> str:
    words = rng.choices(VOCABULARY, k=rng.randint(0, 300))
    return "".join(word + rng.choice(["", " ", " ", "  ", "\n"]) for word in words)


def visible(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("seed", range(300))
def test_splitting_keeps_every_character_within_the_limit(seed: int) -> None:
    rng = random.Random(seed)
    text = random_text(rng)
    limit = rng.choice([1, 2, 5, 13, 40, 100, 500, 4096])
    parts = split_text(text, limit)
    assert all(part and part == part.strip() for part in parts)
    assert all(len(part) <= limit for part in parts)
    assert visible("".join(parts)) == visible(text)


@pytest.mark.parametrize("seed", range(100))
def test_formatting_then_splitting_keeps_the_words(seed: int) -> None:
    rng = random.Random(seed)
    formatted = to_whatsapp_markdown(random_text(rng))
    parts = split_text(formatted, 4096 if seed % 2 else 50)
    assert visible("".join(parts)) == visible(formatted)


def test_the_last_sentence_is_split_off() -> None:
    text = "Lees meer in onze privacyverklaring. Geeft u daarvoor toestemming?"
    assert split_off_last_sentence(text) == (
        "Lees meer in onze privacyverklaring.",
        "Geeft u daarvoor toestemming?",
    )


def test_the_last_line_counts_as_a_sentence() -> None:
    assert split_off_last_sentence("Uw keuzes zijn bijv. deze\nKies er een") == (
        "Uw keuzes zijn bijv. deze",
        "Kies er een",
    )


def test_one_sentence_has_nothing_before_it() -> None:
    assert split_off_last_sentence(" Kies er een. ") == ("", "Kies er een.")


@pytest.mark.parametrize(
    ("text", "limit", "short"),
    [
        ("Wat kost het?", 20, "Wat kost het?"),
        ("Detailhandel en webwinkels", 20, "Detailhandel en…"),
        ("Detailhandel en webwinkels", 24, "Detailhandel en…"),
        ("Eén, twee, drie en vier", 12, "Eén, twee…"),
        ("Cyberverzekeringspremie", 10, "Cyberverz…"),
        ("Precies twintig tekens", 15, "Precies…"),
    ],
)
def test_shorten_cuts_after_a_whole_word(text: str, limit: int, short: str) -> None:
    assert shorten(text, limit) == short
    assert len(short) <= limit

"""Grouping missed messages: same words, other order, filler words and typos."""

from __future__ import annotations

from cyberbot.console.missed import (
    FUZZY_LIMIT,
    Variant,
    content_key,
    group_missed,
    normalise_missed,
)

FILLER = frozenset({"ik", "kan", "met", "het", "de", "dat", "wat", "een"})


def test_normalised_text() -> None:
    assert normalise_missed("  Kan ik met BITCOIN betalen?!  ") == "kan ik met bitcoin betalen"
    assert normalise_missed("Café's — e-mail_adres") == "cafe s e mail adres"
    assert normalise_missed("🙂 ???") == ""
    assert len(normalise_missed("woord " * 100)) == 200


def test_the_content_key_leaves_out_filler_but_never_everything() -> None:
    assert content_key("kan ik met bitcoin betalen", FILLER) == "betalen bitcoin"
    assert content_key("betalen met bitcoin kan dat", FILLER) == "betalen bitcoin"
    assert content_key("wat kan dat", FILLER) == "dat kan wat"


def test_same_meaning_other_words_and_typos_form_one_group() -> None:
    variants = [
        Variant("kan ik met bitcoin betalen", 5, 50),
        Variant("betalen met bitcoin kan dat", 2, 70),
        Variant("bitcion betalen", 1, 90),
        Variant("dekt het ook mijn laptop", 3, 40),
        Variant("", 9, 99),
    ]

    groups = group_missed(variants, FILLER, limit=10)

    assert [(group.count, group.keys) for group in groups] == [
        (8, ["kan ik met bitcoin betalen", "betalen met bitcoin kan dat", "bitcion betalen"]),
        (3, ["dekt het ook mijn laptop"]),
    ]
    # The example is the newest message of the most asked wording.
    assert groups[0].example_event_id == 50


def test_different_questions_stay_apart() -> None:
    variants = [Variant("is het verplicht", 2, 1), Variant("het is niet verplicht", 2, 2)]

    assert len(group_missed(variants, FILLER, limit=10)) == 2


def test_numbers_and_short_words_must_be_the_same() -> None:
    variants = [
        Variant("polis 1234", 2, 1),
        Variant("polis 1235", 1, 2),
        Variant("kost", 1, 3),
        Variant("kast", 1, 4),
    ]

    assert len(group_missed(variants, FILLER, limit=10)) == 4


def test_only_the_largest_groups_are_compared_for_typos_and_the_limit_holds() -> None:
    many = [Variant(f"vraag nummer {n:04}", 1000 - n, n + 1) for n in range(FUZZY_LIMIT)]
    early_typo = Variant("vraag numer 0000", 999, 20_000)
    late_typo = Variant("vraag numer 0001", 1, 10_000)

    groups = group_missed([*many, early_typo, late_typo], FILLER, limit=5000)

    assert groups[0].keys == ["vraag nummer 0000", "vraag numer 0000"]
    assert len(groups) == FUZZY_LIMIT + 1
    assert [group.count for group in group_missed(many, FILLER, limit=3)] == [1000, 999, 998]

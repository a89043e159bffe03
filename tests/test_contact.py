"""Checking the e-mail addresses and phone numbers visitors type."""

from __future__ import annotations

import re
import socket

import pytest

from cyberbot.reading.contact import (
    Check,
    check_email,
    check_phone,
    find_email,
    find_phone,
    problem_message,
)

# (typed, value, problem, suggestion)
EMAIL_CASES = [
    ("jan@voorbeeld.nl", "jan@voorbeeld.nl", None, None),
    ("Jan.Jansen@Voorbeeld.NL", "Jan.Jansen@voorbeeld.nl", None, None),
    ("mijn mail is Jan.Jansen@Voorbeeld.nl, bedankt", "Jan.Jansen@voorbeeld.nl", None, None),
    ("<info@bedrijf.be>", "info@bedrijf.be", None, None),
    ("info@bedrijf.be.", "info@bedrijf.be", None, None),
    ("mailto:info@bedrijf.be", "info@bedrijf.be", None, None),
    ("jan @ gmail.com", "jan@gmail.com", None, None),
    ("an.peeters+offerte@telenet.be", "an.peeters+offerte@telenet.be", None, None),
    ("o'brien@firma.be", "o'brien@firma.be", None, None),
    ("piet@live.nl", "piet@live.nl", None, None),
    ("piet@ziggo.nl", "piet@ziggo.nl", None, None),
    ("els@skynet.be", "els@skynet.be", None, None),
    ("jan@mail.bedrijf.co.uk", "jan@mail.bedrijf.co.uk", None, None),
    ("jan@voorbeeld.nl en nogmaals jan@voorbeeld.nl", "jan@voorbeeld.nl", None, None),
    ("jan@gmial.com", "jan@gmial.com", "typo_domain", "jan@gmail.com"),
    ("jan@gmai.com", "jan@gmai.com", "typo_domain", "jan@gmail.com"),
    ("jan@gmail.con", "jan@gmail.con", "typo_domain", "jan@gmail.com"),
    ("Jan@HotMial.com", "Jan@hotmial.com", "typo_domain", "Jan@hotmail.com"),
    ("jan@hotmail.con", "jan@hotmail.con", "typo_domain", "jan@hotmail.com"),
    ("jan@outlok.com", "jan@outlok.com", "typo_domain", "jan@outlook.com"),
    ("", None, "empty", None),
    ("   ", None, "empty", None),
    ("jan.voorbeeld.nl", None, "no_at", None),
    ("weet ik niet", None, "no_at", None),
    ("@voorbeeld.nl", None, "no_local", None),
    ("jan@@voorbeeld.nl", None, "several_at", None),
    ("jan@voorbeeld.nl of piet@voorbeeld.nl", None, "several_addresses", None),
    ("jan..jansen@voorbeeld.nl", None, "bad_local", None),
    (".jan@voorbeeld.nl", None, "bad_local", None),
    ("jan@", None, "bad_domain", None),
    ("jan@gmail", None, "bad_domain", None),
    ("jan@voorbeeld.n", None, "bad_domain", None),
    ("jan@voorbeeld.123", None, "bad_domain", None),
    ("jan@-voorbeeld.nl", None, "bad_domain", None),
    ("jan@voorbeeld..nl", None, "bad_domain", None),
    ("j" * 65 + "@voorbeeld.nl", None, "too_long", None),
    ("jan@" + "a" * 250 + ".nl", None, "too_long", None),
]


@pytest.mark.parametrize(("typed", "value", "problem", "suggestion"), EMAIL_CASES)
def test_check_email(
    typed: str, value: str | None, problem: str | None, suggestion: str | None
) -> None:
    assert check_email(typed) == Check(value, problem, suggestion)


def test_typo_domain_is_not_ok_but_keeps_the_typed_address() -> None:
    check = check_email("jan@gmial.com")
    assert not check.ok
    # The caller accepts it when the visitor types the same address again.
    assert check.value == "jan@gmial.com"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mijn mail is Jan.Jansen@Voorbeeld.nl, bedankt", "Jan.Jansen@Voorbeeld.nl"),
        ("Stuur het naar (info@bedrijf.be).", "info@bedrijf.be"),
        ("“els@skynet.be”", "els@skynet.be"),
        ("geen adres hier", None),
        ("", None),
    ],
)
def test_find_email(text: str, found: str | None) -> None:
    assert find_email(text) == found


# (typed, value, problem)
PHONE_CASES = [
    ("06-12345678", "+31612345678", None),
    ("06 1234 5678", "+31612345678", None),
    ("0612345678", "+31612345678", None),
    ("+31 6 12345678", "+31612345678", None),
    ("+31 (0)6 12345678", "+31612345678", None),
    ("+31 06 12345678", "+31612345678", None),
    ("0031612345678", "+31612345678", None),
    ("31612345678", "+31612345678", None),
    ("020-1234567", "+31201234567", None),
    ("010 123 45 67", "+31101234567", None),
    ("(020) 123 45 67", "+31201234567", None),
    ("070-1234567", "+31701234567", None),
    ("+31 475 123456", "+31475123456", None),
    ("0470 12 34 56", None, "ambiguous_country"),
    ("0475 123456", None, "ambiguous_country"),
    ("0492-123456", None, "ambiguous_country"),
    ("+32 470 12 34 56", "+32470123456", None),
    ("0032 470123456", "+32470123456", None),
    ("32470123456", "+32470123456", None),
    ("02 123 45 67", "+3221234567", None),
    ("09 123 45 67", "+3291234567", None),
    ("04 123 45 67", "+3241234567", None),
    ("+32 2 123 45 67", "+3221234567", None),
    ("0470/12.34.56 is mijn gsm", None, "ambiguous_country"),
    ("bel me op 06-12345678 na 17 uur", "+31612345678", None),
    ("tel.nr.: 06-12345678.", "+31612345678", None),
    ("0800-1234", None, "service_number"),
    ("0900 1234567", None, "service_number"),
    ("078 15 15 15", None, "service_number"),
    ("+32 70 12 34 56", None, "service_number"),
    ("+49 30 1234567", None, "unsupported_country"),
    ("+44 20 7946 0958", None, "unsupported_country"),
    ("0044 20 7946 0958", None, "unsupported_country"),
    ("06-1234567", None, "ambiguous_country"),
    ("+31 6 1234567", None, "too_short"),
    ("+32 61 23 45 67", "+3261234567", None),
    ("12345", None, "too_short"),
    ("+32 470 12 34 5", None, "too_short"),
    ("+31", None, "too_short"),
    ("06-123456789", None, "too_long"),
    ("+31 6 123456789", None, "too_long"),
    ("1" * 10_000, None, "too_long"),
    ("612345678", None, "bad_prefix"),
    ("+06 12345678", None, "bad_prefix"),
    ("O6-12345678", None, "not_a_number"),
    ("jan.020-1234567@voorbeeld.nl", None, "not_a_number"),
    ("06 12345678 of jan.02012345678@voorbeeld.nl", "+31612345678", None),
    ("06-1234abcd", None, "not_a_number"),
    ("geen idee", None, "not_a_number"),
    ("📞🙂", None, "not_a_number"),
    ("x" * 10_000, None, "not_a_number"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(("typed", "value", "problem"), PHONE_CASES)
def test_check_phone(typed: str, value: str | None, problem: str | None) -> None:
    assert check_phone(typed) == Check(value, problem)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("bel me op 06-12345678 na 17 uur", "06-12345678"),
        ("mijn nummer: +31 (0)6 12345678 (mobiel)", "+31 (0)6 12345678"),
        ("om 14.00 op 020 1234567", "020 1234567"),
        ("ik ben 45 jaar", None),
        ("O6-12345678", None),
        ("", None),
        # The digits of an e-mail address are no phone number.
        ("bench.02029833-3-0@pixelwerk.nl", None),
        ("jan.020-1234567@voorbeeld.nl", None),
        ("mail naar 0612345678@sms.example.nl", None),
        ("jan@voorbeeld.nl, 06-12345678", "06-12345678"),
        ("06 12345678 of jan.0201234567@voorbeeld.nl", "06 12345678"),
    ],
)
def test_find_phone(text: str, found: str | None) -> None:
    assert find_phone(text) == found


@pytest.mark.parametrize(
    "text",
    ["( " * 5_000, "0 " * 5_000, "@" * 10_000, "a@" * 5_000, "\x00\u200b\ufeff", "🙂" * 3_000],
)
def test_odd_input_never_raises(text: str) -> None:
    for check in (check_email(text), check_phone(text)):
        assert check.ok or check.problem is not None
    find_email(text)
    find_phone(text)


def test_ok_means_a_value_and_no_problem() -> None:
    assert Check("+31612345678", None).ok
    assert not Check(None, "too_short").ok
    assert not Check("jan@gmial.com", "typo_domain", "jan@gmail.com").ok


# Every problem code the checks can return, per kind.
PROBLEMS = {
    "email": sorted({problem for _, _, problem, _ in EMAIL_CASES if problem is not None}),
    "phone": sorted({problem for _, _, problem in PHONE_CASES if problem is not None}),
}
# English words that must not reach a Dutch-speaking visitor.
ENGLISH = re.compile(r"\b(the|please|number|address|invalid|error|you|your|missing)\b", re.I)
# Informal address; the assistant always says "u".
INFORMAL = re.compile(r"\b(je|jij|jou|jouw)\b", re.I)


@pytest.mark.parametrize(
    ("kind", "problem"),
    [(kind, problem) for kind, problems in PROBLEMS.items() for problem in problems],
)
def test_problem_messages_are_formal_dutch(kind: str, problem: str) -> None:
    message = problem_message(Check(None, problem, "jan@gmail.com"), kind)
    assert message.strip()
    assert message.endswith((".", "?"))
    assert not ENGLISH.search(message)
    assert not INFORMAL.search(message)
    assert "{" not in message


def test_all_problem_codes_are_covered_by_the_cases() -> None:
    email_codes = {
        "bad_domain",
        "bad_local",
        "empty",
        "no_at",
        "no_local",
        "several_addresses",
        "several_at",
        "too_long",
        "typo_domain",
    }
    phone_codes = {
        "ambiguous_country",
        "bad_prefix",
        "empty",
        "not_a_number",
        "service_number",
        "too_long",
        "too_short",
        "unsupported_country",
    }
    assert set(PROBLEMS["email"]) == email_codes
    assert set(PROBLEMS["phone"]) == phone_codes


@pytest.mark.parametrize(
    ("typed", "kind", "message"),
    [
        (
            "jan.voorbeeld.nl",
            "email",
            "Dat e-mailadres lijkt niet compleet: het @-teken ontbreekt. "
            "Een voorbeeld: naam@bedrijf.nl.",
        ),
        (
            "jan@gmial.com",
            "email",
            "Bedoelt u jan@gmail.com? Typ het adres nogmaals om het te bevestigen.",
        ),
        (
            "0470 12 34 56",
            "phone",
            "Dit nummer kan Nederlands of Belgisch zijn. Typ het met landcode: "
            "+31 voor Nederland of +32 voor België. Een voorbeeld: +32 470 12 34 56.",
        ),
        (
            "+49 30 1234567",
            "phone",
            "Wij bellen alleen naar Nederlandse en Belgische nummers. "
            "U kunt ook uw e-mailadres geven. Dan nemen wij per e-mail contact met u op.",
        ),
    ],
)
def test_problem_message_texts(typed: str, kind: str, message: str) -> None:
    check = check_email(typed) if kind == "email" else check_phone(typed)
    assert problem_message(check, kind) == message


@pytest.mark.parametrize(
    ("check", "kind"),
    [
        (Check("jan@voorbeeld.nl", None), "email"),
        (Check(None, "no_at"), "fax"),
        (Check(None, "ambiguous_country"), "email"),
    ],
)
def test_problem_message_rejects_caller_mistakes(check: Check, kind: str) -> None:
    with pytest.raises(ValueError):
        problem_message(check, kind)


# --- decided by the libraries (phonenumbers, email-validator) ------------------------

# (typed, value, problem). What the product accepts as a number to call the visitor back
# on: Dutch and Belgian fixed-line and mobile numbers (and the other numbers that reach a
# person: Dutch 085/091 VoIP, 084/087/088 personal and company numbers). Toll-free,
# premium-rate (0900, 0906, 0909; Belgian 070, 090x) and other service numbers are not
# the visitor's own number and are refused, as are short codes.
LIBRARY_PHONE_CASES = [
    # Belgian mobiles: 045 is a mobile range too, and the library knows it.
    ("+32 456 12 34 56", "+32456123456", None),
    ("0032 455 12 34 56", "+32455123456", None),
    ("0456 12 34 56", None, "ambiguous_country"),
    ("045 12 34 56", None, "too_short"),
    ("+32 45 12 34 56", None, "too_short"),
    ("+32 470 12 34 567", None, "too_long"),
    # Belgian landlines (Brussels, Ghent, Liège) in blocks the metadata lists.
    ("02 234 56 78", "+3222345678", None),
    ("+32 9 234 56 78", "+3292345678", None),
    ("04 234 56 78", "+3242345678", None),
    ("+32 2 234 56 78 9", None, "too_long"),
    # Dutch landlines and other numbers that reach a person.
    ("020-1234567", "+31201234567", None),
    ("0475 12 34 56 7", None, "too_long"),
    ("088 123 45 67", "+31881234567", None),
    ("085 123 45 67", "+31851234567", None),
    # Dutch machine-to-machine mobiles have eleven digits after +31.
    ("+31 970 1234 5678", "+3197012345678", None),
    # A landline-length number in a block the metadata does not list is accepted (the
    # visitor's own number is the authority, the metadata may lag behind).
    ("+31 12 345 6789", "+31123456789", None),
    # Service numbers, whatever their length.
    ("0800 0123", None, "service_number"),
    ("0800 1234567", None, "service_number"),
    ("+31 800 1234", None, "service_number"),
    ("0900 123 45 67", None, "service_number"),
    ("0906 1234567", None, "service_number"),
    ("0909 123456", None, "service_number"),
    ("+31 900 1234567", None, "service_number"),
    ("+32 800 12 345", None, "service_number"),
    ("+32 900 12 345", None, "service_number"),
    ("+32 78 15 15 15", None, "service_number"),
    ("+32 77 12 34 56", None, "service_number"),
    # The municipal short numbers (14 020) are valid numbers, but not a personal one.
    ("+31 14020", None, "too_short"),
]


@pytest.mark.parametrize(("typed", "value", "problem"), LIBRARY_PHONE_CASES)
def test_check_phone_with_the_numbering_plans(
    typed: str, value: str | None, problem: str | None
) -> None:
    assert check_phone(typed) == Check(value, problem)


# (typed, value, problem)
LIBRARY_EMAIL_CASES = [
    # Internationalised domains: normalised to their Unicode form, lower-cased.
    ("jan@bücher.de", "jan@bücher.de", None),
    ("jan@BÜCHER.de", "jan@bücher.de", None),
    ("jan@xn--bcher-kva.de", "jan@bücher.de", None),
    ("jan@пример.рф", "jan@пример.рф", None),
    ("jan@voorbeeld.xn--p1ai", "jan@voorbeeld.рф", None),
    # Full-width letters, as a Japanese or Chinese keyboard types them.
    ("jan@\uff27\uff2d\uff21\uff29\uff2c.com", "jan@gmail.com", None),
    # Internationalised local parts, in Unicode NFC (é typed as e + accent).
    ("jürgen@voorbeeld.de", "jürgen@voorbeeld.de", None),
    ("e\u0301lise@voorbeeld.fr", "\u00e9lise@voorbeeld.fr", None),
    # The role names of RFC 2142 are case-insensitive; other local parts keep their case.
    ("INFO@Bedrijf.be", "info@bedrijf.be", None),
    # The full stop that ends a sentence is not part of the address; one in it is wrong.
    ("Mijn adres is jan@voorbeeld.nl.", "jan@voorbeeld.nl", None),
    ("jan.@voorbeeld.nl", None, "bad_local"),
    ("jan..@voorbeeld.nl", None, "bad_local"),
    ("j\u200ban@voorbeeld.nl", None, "bad_local"),
    ("jan@voorbeeld.nl..nl", None, "bad_domain"),
    ("jan@.voorbeeld.nl", None, "bad_domain"),
    ("jan@voorbeeld-.nl", None, "bad_domain"),
    ("jan@voor_beeld.nl", None, "bad_domain"),
    ("jan@ab--cd.nl", None, "bad_domain"),
    ("jan@xn--a.nl", None, "bad_domain"),
    ("jan@voorbeeld.c0m", None, "bad_domain"),
    # Reserved names, never on the internet.
    ("jan@printer.local", None, "bad_domain"),
    ("jan@voorbeeld.test", None, "bad_domain"),
    ("jan@router.home.arpa", None, "bad_domain"),
]


@pytest.mark.parametrize(("typed", "value", "problem"), LIBRARY_EMAIL_CASES)
def test_check_email_with_the_library(typed: str, value: str | None, problem: str | None) -> None:
    assert check_email(typed) == Check(value, problem)


def test_check_email_never_goes_to_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("check_email tried to reach the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert check_email("jan@voorbeeld.nl") == Check("jan@voorbeeld.nl", None)
    assert check_email("jan@bestaat-vast-niet-7f3a9c.nl").ok

"""Check the e-mail address and phone number a visitor types in the chat.

Visitors type contact details in all sorts of ways, often inside a sentence ("mijn mail
is Jan@Voorbeeld.nl, bedankt"). These functions find the address or number, normalise
it and, when something is wrong, return a short problem code that
:func:`problem_message` turns into a Dutch explanation with an example.

E-mail validation is pragmatic, not RFC 5322: it catches what people get wrong in
practice (a missing @, a domain without extension, a typo in a well-known provider).

Phone numbers are normalised to E.164 and only Dutch (+31) and Belgian (+32) numbers are
accepted: advisors call back from the Netherlands, for visitors in the Netherlands and
Flanders. Decisions:

* Service numbers (0800, 090x; in Belgium also 070, 077 and 078) are refused with
  ``service_number``: they are not personal numbers and often cannot be called back.
* A national number is assigned to a country by its length: Dutch numbers have ten
  digits (0 + 9), Belgian landlines nine (0 + 8). Belgian mobiles have ten digits too and
  start with 046-049, where the Netherlands also has area codes (046 Sittard, 0475
  Roermond, 0492 Helmond, ...). Such numbers are ``ambiguous_country``: the visitor is
  asked to type the country code. Ten digits starting with 06 are Dutch mobiles; nine
  digits starting with 06 are ambiguous too (a Dutch mobile missing a digit, or a
  landline in Hainaut or Luxembourg).
* An international number without "+" or "00" ("31612345678") is accepted when it
  starts with 31 or 32 and has the right length, as a national number can never start
  with 3.

The find and check functions never raise on odd input (emoji, very long text): the worst
outcome is a problem code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
MAX_DOMAIN_LABEL_LENGTH = 63
# Characters that may appear in the local part besides letters and digits (RFC 5322 atext).
_LOCAL_PART_SPECIALS = frozenset("!#$%&'*+-/=?^_`{|}~.")
# Characters that cannot be part of an address: they separate it from the rest of a sentence.
_EMAIL_SEPARATORS = re.compile(r"[\s<>()\[\],;:\"“”„«»]+")
# Quotes, including the curly ones (\u2018 \u2019) that phones type.
_EMAIL_QUOTES = "'\u2018\u2019"
_EMAIL_TRAILING = ".!?" + _EMAIL_QUOTES

# Misspellings of the providers most used in the Netherlands and Flanders. Only domains
# that nobody uses for real mail belong here: the visitor is asked to confirm, not blocked.
_TYPO_DOMAINS = {
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gmal.com": "gmail.com",
    "gmaill.com": "gmail.com",
    "gmail.co": "gmail.com",
    "hotmial.com": "hotmail.com",
    "hotmai.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "hotmil.com": "hotmail.com",
    "homail.com": "hotmail.com",
    "hotmail.co": "hotmail.com",
    "hotmial.nl": "hotmail.nl",
    "outlok.com": "outlook.com",
    "outloo.com": "outlook.com",
    "otlook.com": "outlook.com",
    "outlook.co": "outlook.com",
    "yaho.com": "yahoo.com",
    "yahooo.com": "yahoo.com",
    "iclod.com": "icloud.com",
    "icoud.com": "icloud.com",
    "kpnmial.nl": "kpnmail.nl",
    "telenet.bee": "telenet.be",
}
# Top-level domains that do not exist and are slips for .com.
_TYPO_COM = frozenset({"con", "cmo", "ocm", "cpm", "vom", "xom"})

# A run of characters that can make up a written phone number; it must start with a
# digit, optionally after "+" and "(", so that scanning stays linear on long input.
_PHONE_RUN = re.compile(r"\+?\(?[0-9][0-9\s().\-/]*")
# Fewer digits than this is more likely a time, an age or a house number.
MIN_PHONE_DIGITS = 6
_NL, _BE = "31", "32"
# Significant numbers (after the country code) of services that cannot be called back.
_SERVICE_PREFIXES = {_NL: ("800", "90"), _BE: ("800", "90", "70", "77", "78")}
_BE_MOBILE_PREFIXES = ("46", "47", "48", "49")


@dataclass(frozen=True)
class Check:
    """Outcome of checking an e-mail address or phone number.

    ``value`` is the normalised value. It is set when the check is ok, and also for
    ``typo_domain``: the address as typed is valid, so a caller can accept it when the
    visitor confirms it by typing it again.
    """

    value: str | None
    problem: str | None
    suggestion: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.value is not None


# --- e-mail -------------------------------------------------------------------------


def _email_candidates(text: str) -> list[str]:
    """The distinct words of ``text`` that contain an @, without surrounding punctuation.

    Spaces around the @ are dropped first: "jan @ voorbeeld.nl" is one address.
    """
    joined = "@".join(piece.strip() for piece in text.split("@"))
    words = (
        word.rstrip(_EMAIL_TRAILING).lstrip(_EMAIL_QUOTES)
        for word in _EMAIL_SEPARATORS.split(joined)
        if "@" in word
    )
    return list(dict.fromkeys(word for word in words if word))


def find_email(text: str) -> str | None:
    """The first e-mail-like word in ``text``, as typed; :func:`check_email` validates it."""
    candidates = _email_candidates(text)
    return candidates[0] if candidates else None


def _local_part_problem(local: str) -> str | None:
    if not local:
        return "no_local"
    if len(local) > MAX_LOCAL_PART_LENGTH:
        return "too_long"
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "bad_local"
    if not all(char.isalnum() or char in _LOCAL_PART_SPECIALS for char in local):
        return "bad_local"
    return None


def _domain_is_valid(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    tld = labels[-1]
    if len(tld) < 2 or not tld.isalpha():
        return False
    return all(
        0 < len(label) <= MAX_DOMAIN_LABEL_LENGTH
        and not label.startswith("-")
        and not label.endswith("-")
        and all(char.isalnum() or char == "-" for char in label)
        for label in labels
    )


def _corrected_domain(domain: str) -> str | None:
    """The domain the visitor probably meant, if ``domain`` is a known slip."""
    if domain in _TYPO_DOMAINS:
        return _TYPO_DOMAINS[domain]
    name, _, tld = domain.rpartition(".")
    if tld in _TYPO_COM:
        return f"{name}.com"
    return None


def check_email(text: str) -> Check:
    """Validate the e-mail address the visitor typed, possibly inside a sentence.

    The domain is lower-cased; the local part is kept as typed, since some mail servers
    distinguish case there.
    """
    if not text.strip():
        return Check(None, "empty")
    if "@" not in text:
        return Check(None, "no_at")
    candidates = _email_candidates(text)
    if not candidates:
        return Check(None, "no_at")
    if len(candidates) > 1:
        return Check(None, "several_addresses")
    address = candidates[0]
    if len(address) > MAX_EMAIL_LENGTH:
        return Check(None, "too_long")
    if address.count("@") > 1:
        return Check(None, "several_at")
    local, _, domain = address.partition("@")
    domain = domain.lower()
    local_problem = _local_part_problem(local)
    if local_problem is not None:
        return Check(None, local_problem)
    if not _domain_is_valid(domain):
        return Check(None, "bad_domain")
    normalised = f"{local}@{domain}"
    corrected = _corrected_domain(domain)
    if corrected is not None:
        return Check(normalised, "typo_domain", suggestion=f"{local}@{corrected}")
    return Check(normalised, None)


# --- phone --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """A phone-number-like stretch of text."""

    text: str
    digits: str
    # Directly preceded or followed by a letter, as in "O6-12345678" or "0612abc".
    glued: bool


def _phone_runs(text: str) -> list[_Run]:
    runs = []
    for match in _PHONE_RUN.finditer(text):
        run = match.group().rstrip(" \t\r\n().-/")
        end = match.start() + len(run)
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[end] if end < len(text) else ""
        runs.append(
            _Run(
                text=run,
                digits="".join(char for char in run if char in "0123456789"),
                glued=before.isalpha() or after.isalpha(),
            )
        )
    return runs


def _most_digits(runs: list[_Run]) -> _Run | None:
    """The run with the most digits; the first one on a tie."""
    best: _Run | None = None
    for run in runs:
        if best is None or len(run.digits) > len(best.digits):
            best = run
    return best


def find_phone(text: str) -> str | None:
    """The phone-number-looking part of ``text``, as typed.

    Runs glued to letters and runs of fewer than :data:`MIN_PHONE_DIGITS` digits (times,
    ages, house numbers) are not phone numbers.
    """
    runs = [
        run for run in _phone_runs(text) if not run.glued and len(run.digits) >= MIN_PHONE_DIGITS
    ]
    best = _most_digits(runs)
    return best.text if best is not None else None


def _significant_problem(country: str, significant: str) -> str | None:
    """What is wrong with the number after the country code, if anything."""
    if significant.startswith(_SERVICE_PREFIXES[country]):
        return "service_number"
    if significant.startswith("0"):
        return "bad_prefix"
    # Nine digits after the country code; eight for Belgian landlines.
    belgian_landline = country == _BE and not significant.startswith(_BE_MOBILE_PREFIXES)
    expected = 8 if belgian_landline else 9
    if len(significant) < expected:
        return "too_short"
    if len(significant) > expected:
        return "too_long"
    return None


def _international(digits: str) -> Check:
    """Check digits that follow "+" or "00": a country code and the number."""
    if digits.startswith("0"):
        return Check(None, "bad_prefix")
    if len(digits) < 3:
        return Check(None, "too_short")
    country = digits[:2]
    if country not in (_NL, _BE):
        return Check(None, "unsupported_country")
    significant = digits[2:]
    # "+31 (0)6 ..." and "+31 06 ...": the trunk 0 does not belong after a country code.
    if significant.startswith("0"):
        significant = significant[1:]
    problem = _significant_problem(country, significant)
    if problem is not None:
        return Check(None, problem)
    return Check(f"+{country}{significant}", None)


def _national(digits: str) -> Check:
    """Check a national number (starting with a single 0): find its country by length."""
    significant = digits[1:]
    if significant.startswith(("800", "90")):
        return Check(None, "service_number")
    if len(digits) == 10:
        if significant.startswith("6"):
            return _international(_NL + significant)
        if significant.startswith(_BE_MOBILE_PREFIXES):
            return Check(None, "ambiguous_country")
        return _international(_NL + significant)
    if len(digits) == 9:
        # A Dutch mobile missing a digit looks like a landline in Hainaut or Luxembourg.
        if significant.startswith("6"):
            return Check(None, "ambiguous_country")
        return _international(_BE + significant)
    return Check(None, "too_short" if len(digits) < 9 else "too_long")


def check_phone(text: str) -> Check:
    """Validate the phone number the visitor typed; normalise to +31… or +32…."""
    if not text.strip():
        return Check(None, "empty")
    run = _most_digits(_phone_runs(text))
    if run is None or run.glued:
        return Check(None, "not_a_number")
    digits = run.digits
    if run.text.startswith("+"):
        return _international(digits)
    if digits.startswith("00"):
        return _international(digits[2:])
    if digits.startswith("0"):
        return _national(digits)
    if digits.startswith((_NL, _BE)) and 10 <= len(digits) <= 11:
        return _international(digits)
    if len(digits) < 9:
        return Check(None, "too_short")
    if len(digits) > 11:
        return Check(None, "too_long")
    return Check(None, "bad_prefix")


# --- messages -----------------------------------------------------------------------

_EMAIL_EXAMPLE = "Een voorbeeld: naam@bedrijf.nl."
_PHONE_EXAMPLE = "Een voorbeeld: 06 12345678 of 0470 12 34 56."

_EMAIL_MESSAGES = {
    "empty": "Ik heb geen e-mailadres ontvangen. Typ uw e-mailadres. " + _EMAIL_EXAMPLE,
    "no_at": "Dat e-mailadres lijkt niet compleet: het @-teken ontbreekt. " + _EMAIL_EXAMPLE,
    "several_at": "Dat e-mailadres bevat meer dan één @-teken. " + _EMAIL_EXAMPLE,
    "several_addresses": "Ik zie meer dan één e-mailadres. Typ alstublieft één adres. "
    + _EMAIL_EXAMPLE,
    "no_local": "Vóór het @-teken ontbreekt een naam. " + _EMAIL_EXAMPLE,
    "bad_local": "Vóór het @-teken staan tekens die niet in een e-mailadres passen. "
    + _EMAIL_EXAMPLE,
    "bad_domain": "Na het @-teken hoort een domeinnaam, zoals bedrijf.nl of telenet.be. "
    + _EMAIL_EXAMPLE,
    "too_long": "Dat e-mailadres is te lang. Wilt u het nog eens controleren? " + _EMAIL_EXAMPLE,
    "typo_domain": "Bedoelt u {suggestion}? Typ het adres nogmaals om het te bevestigen.",
}

_PHONE_MESSAGES = {
    "empty": "Ik heb geen telefoonnummer ontvangen. Typ uw nummer. " + _PHONE_EXAMPLE,
    "not_a_number": "Dat lijkt geen telefoonnummer. Typ alleen cijfers. " + _PHONE_EXAMPLE,
    "too_short": "Dat telefoonnummer is te kort: er ontbreken cijfers. " + _PHONE_EXAMPLE,
    "too_long": "Dat telefoonnummer is te lang: er staan te veel cijfers in. " + _PHONE_EXAMPLE,
    "bad_prefix": "Een telefoonnummer begint met 0, +31 of +32. " + _PHONE_EXAMPLE,
    "service_number": "Dat is een servicenummer, zoals 0800 of 0900. Daarop kunnen wij u "
    "niet terugbellen. Typ uw eigen vaste of mobiele nummer.",
    "ambiguous_country": "Dit nummer kan Nederlands of Belgisch zijn. Typ het met landcode: "
    "+31 voor Nederland of +32 voor België. Een voorbeeld: +32 470 12 34 56.",
    "unsupported_country": "Wij bellen alleen naar Nederlandse en Belgische nummers. "
    "U kunt ook uw e-mailadres geven. Dan nemen wij per e-mail contact met u op.",
}

_MESSAGES = {"email": _EMAIL_MESSAGES, "phone": _PHONE_MESSAGES}


def problem_message(check: Check, kind: str) -> str:
    """The Dutch explanation of ``check.problem`` for the visitor; kind is "email" or "phone".

    Raises ValueError for an ok check, an unknown kind or a problem of the other kind:
    those are mistakes of the caller, not of the visitor.
    """
    if kind not in _MESSAGES:
        raise ValueError(f"unknown kind {kind!r}; expected 'email' or 'phone'")
    if check.problem is None:
        raise ValueError("the check has no problem to explain")
    template = _MESSAGES[kind].get(check.problem)
    if template is None:
        raise ValueError(f"no {kind} message for problem {check.problem!r}")
    return template.format(suggestion=check.suggestion)

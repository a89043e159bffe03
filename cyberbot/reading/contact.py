"""Check the e-mail address and phone number a visitor types in the chat.

Visitors type contact details in all sorts of ways, often inside a sentence ("mijn mail
is Jan@Voorbeeld.nl, bedankt"). These functions find the address or number, normalise
it and, when something is wrong, return a short problem code that
:func:`problem_message` turns into a Dutch explanation with an example.

Finding the address or number in free text stays here: what counts as a candidate is a
privacy matter too (the review export drops messages with anything that looks like a
phone number), and phonenumbers' ``PhoneNumberMatcher`` only finds numbers it can
validate for one given region. Whether a candidate is valid, and its normalised form, is
decided by maintained libraries instead of hand-written rules:

* ``email-validator`` checks the syntax (RFC 5321/5322 with internationalised addresses
  and domains, IDNA, reserved names such as ``.local`` and ``.test``) and normalises
  (lower-case domain, Unicode NFC). It is called with ``check_deliverability=False``:
  nothing is looked up in DNS, nothing goes to the network. On top of it: a top-level
  domain has at least two letters (".n", ".c0m" are slips), and a typo in a well-known
  provider is asked about.
* ``phonenumbers`` (libphonenumber's metadata) knows the Dutch and Belgian numbering
  plans: which ranges are mobile, fixed line, toll-free, premium rate, and the length of
  each. That metadata is maintained with every change of the plans, which a list of
  digit counts here was not.

Phone numbers are normalised to E.164 and only Dutch (+31) and Belgian (+32) numbers are
accepted: advisors call back from the Netherlands, for visitors in the Netherlands and
Flanders. Decisions:

* Service numbers are refused with ``service_number``: they are not personal numbers and
  often cannot be called back. That is every number the library classifies as toll-free
  (0800), premium rate (0900, 0906, 0909; in Belgium 070 and 090x) or shared cost, in
  Belgium also the 078 numbers (UAN); and, for numbers the metadata does not list, every
  number in those ranges (also the Belgian 077). The Dutch 084, 087 and 088 numbers
  (personal and company numbers) are accepted, and so are the eleven-digit Dutch 097
  numbers, which the library counts as mobile.
* Only numbers with the length of a fixed-line or mobile number are accepted, so short
  codes (the municipal 14 0xx) are ``too_short``. A number the library does not know is
  ``too_short`` when it becomes a valid number with digits added, ``too_long`` when it
  becomes one with digits removed. A number with the length of a landline in a block the
  metadata does not list is accepted (the mobile ranges are listed whole): the metadata
  may lag behind the plans, and refusing a visitor's real number is worse than a failed
  call.
* A national number is assigned to a country by its length, which the library cannot do
  (it needs the country first): Dutch numbers have ten digits (0 + 9), Belgian landlines
  nine (0 + 8). Belgian mobiles have ten digits too; a ten-digit number that is a valid
  Belgian number (045-049) may also be Dutch (046 Sittard, 0475 Roermond, 0492 Helmond,
  ...) and is ``ambiguous_country``: the visitor is asked to type the country code.
  Nine digits starting with 06 are ambiguous too (a Dutch mobile missing a digit, or a
  landline in Hainaut or Luxembourg).
* An international number without "+" or "00" ("31612345678") is accepted when it
  starts with 31 or 32 and has the right length, as a national number can never start
  with 3.

The find and check functions never raise on odd input (emoji, very long text): the worst
outcome is a problem code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, ValidatedEmail, validate_email
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType, ValidationResult

# RFC 5321 limits; email-validator checks them too, these give the visitor "too_long".
MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
# A valid domain: when an address is refused, the local part is checked with this domain to
# tell which half is wrong.
_PROBE_DOMAIN = "voorbeeld.nl"
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
# A word with an @ in it: the digits of an e-mail address are no phone number.
_ADDRESS_WORD = re.compile(r"[^\s,;<>()\[\]\"]*@[^\s,;<>()\[\]\"]*")
# Fewer digits than this is more likely a time, an age or a house number.
MIN_PHONE_DIGITS = 6
_NL, _BE = "31", "32"
# Numbers of these types (phonenumbers' classification) cannot be called back.
_SERVICE_TYPES = {
    _NL: frozenset(
        {PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST}
    ),
    _BE: frozenset(
        {
            PhoneNumberType.TOLL_FREE,
            PhoneNumberType.PREMIUM_RATE,
            PhoneNumberType.SHARED_COST,
            PhoneNumberType.UAN,
        }
    ),
}
# The service ranges of the numbering plans (significant numbers, after the country code),
# for numbers in them that the metadata does not list: a mistyped service number is still
# not the visitor's own number.
_SERVICE_RANGES = {_NL: ("800", "90"), _BE: ("800", "90", "70", "77", "78")}


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


def _validated(address: str) -> ValidatedEmail | None:
    """``address`` checked and normalised by email-validator; None when it is not valid.

    Syntax only: no DNS look-up, so nothing goes to the network.
    """
    try:
        return validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None


def _is_top_level_domain(label: str) -> bool:
    """Whether ``label`` (Unicode) can be a top-level domain.

    email-validator only asks that it ends with a letter. The existing ones have at least
    two letters (with the marks of scripts such as Devanagari) and nothing else, so ".n"
    and ".c0m" are slips.
    """
    return len(label) >= 2 and all(unicodedata.category(char)[0] in "LM" for char in label)


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

    email-validator normalises it: the domain is lower-cased (an internationalised one in
    its Unicode form), the local part is kept as typed, since some mail servers distinguish
    case there, apart from Unicode NFC and the case-insensitive role names of RFC 2142
    ("Info@", "Sales@", ...), which are lower-cased.
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
    local = address.partition("@")[0]
    if not local:
        return Check(None, "no_local")
    if len(local) > MAX_LOCAL_PART_LENGTH:
        return Check(None, "too_long")
    validated = _validated(address)
    if validated is None:
        local_ok = _validated(f"{local}@{_PROBE_DOMAIN}") is not None
        return Check(None, "bad_domain" if local_ok else "bad_local")
    if not _is_top_level_domain(validated.domain.rpartition(".")[2]):
        return Check(None, "bad_domain")
    corrected = _corrected_domain(validated.domain)
    if corrected is not None:
        return Check(
            validated.normalized,
            "typo_domain",
            suggestion=f"{validated.local_part}@{corrected}",
        )
    return Check(validated.normalized, None)


# --- phone --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """A phone-number-like stretch of text."""

    text: str
    digits: str
    # Directly preceded or followed by a letter, as in "O6-12345678" or "0612abc".
    glued: bool


def _phone_runs(text: str) -> list[_Run]:
    """The phone-number-like runs of ``text``, except those inside an e-mail address
    ("jan.020-1234567@voorbeeld.nl" holds no phone number)."""
    addresses = [match.span() for match in _ADDRESS_WORD.finditer(text)]
    runs = []
    for match in _PHONE_RUN.finditer(text):
        if any(start <= match.start() < stop for start, stop in addresses):
            continue
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


def _parsed(country: str, significant: str) -> PhoneNumber | str:
    """The number after the country code as phonenumbers' object, or the problem."""
    try:
        return phonenumbers.parse(f"+{country}{significant}")
    except NumberParseException as error:
        return "too_long" if error.error_type == NumberParseException.TOO_LONG else "too_short"


def _is_service(country: str, significant: str, number: PhoneNumber) -> bool:
    return phonenumbers.number_type(number) in _SERVICE_TYPES[country] or significant.startswith(
        _SERVICE_RANGES[country]
    )


def _is_callable(number: PhoneNumber) -> bool:
    """A valid number with the length of a fixed-line or mobile number (no short code)."""
    return phonenumbers.is_valid_number(number) and (
        phonenumbers.is_possible_number_for_type_with_reason(
            number, PhoneNumberType.FIXED_LINE_OR_MOBILE
        )
        == ValidationResult.IS_POSSIBLE
    )


def _callable_when_shortened(number: PhoneNumber) -> bool:
    """Whether ``number`` without its last digit(s) is callable: digits too many."""
    significant = str(number.national_number)
    return any(
        _is_callable(PhoneNumber(country_code=number.country_code, national_number=int(start)))
        for start in (significant[:length] for length in range(len(significant) - 1, 0, -1))
    )


def _callable_when_extended(number: PhoneNumber) -> bool:
    """Whether ``number`` followed by zeros is callable: digits are missing."""
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return False
    significant = str(number.national_number)
    longest = max(metadata.general_desc.possible_length, default=0)
    return any(
        _is_callable(
            PhoneNumber(
                country_code=number.country_code,
                national_number=int(significant + "0" * missing),
            )
        )
        for missing in range(1, longest - len(significant) + 1)
    )


def _length_problem(number: PhoneNumber) -> str | None:
    """The problem ("too_short", "too_long") when ``number`` has too few or many digits."""
    if phonenumbers.is_valid_number(number):
        # A valid short code, such as the municipal 14 0xx, is too short.
        reason = phonenumbers.is_possible_number_for_type_with_reason(
            number, PhoneNumberType.FIXED_LINE_OR_MOBILE
        )
    elif _callable_when_shortened(number):
        return "too_long"
    elif _callable_when_extended(number):
        return "too_short"
    else:
        # A block the metadata does not list: accepted with the length of a landline (the
        # mobile ranges are listed whole).
        reason = phonenumbers.is_possible_number_for_type_with_reason(
            number, PhoneNumberType.FIXED_LINE
        )
    if reason == ValidationResult.IS_POSSIBLE:
        return None
    return "too_short" if reason == ValidationResult.TOO_SHORT else "too_long"


def _check_significant(country: str, significant: str) -> Check:
    """Check the number after the country code (31 or 32) and the trunk 0."""
    if significant.startswith("0"):
        return Check(None, "bad_prefix")
    number = _parsed(country, significant)
    if isinstance(number, str):
        return Check(None, number)
    if _is_service(country, significant, number):
        return Check(None, "service_number")
    problem = _length_problem(number)
    if problem is not None:
        return Check(None, problem)
    return Check(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None)


def _international(digits: str) -> Check:
    """Check digits that follow "+" or "00": a country code and the number."""
    if digits.startswith("0"):
        return Check(None, "bad_prefix")
    if len(digits) < 3:
        return Check(None, "too_short")
    # Country codes are prefix-free and none other starts with 31 or 32.
    country = digits[:2]
    if country not in (_NL, _BE):
        return Check(None, "unsupported_country")
    significant = digits[2:]
    # "+31 (0)6 ..." and "+31 06 ...": the trunk 0 does not belong after a country code.
    if significant.startswith("0"):
        significant = significant[1:]
    return _check_significant(country, significant)


def _is_valid_belgian(significant: str) -> bool:
    number = _parsed(_BE, significant)
    return isinstance(number, PhoneNumber) and phonenumbers.is_valid_number(number)


def _national(digits: str) -> Check:
    """Check a national number (starting with a single 0): find its country by length."""
    significant = digits[1:]
    # 0800 and 090x are service numbers in both countries, whatever their length.
    if significant.startswith(_SERVICE_RANGES[_NL]):
        return Check(None, "service_number")
    if len(digits) == 10:
        # A Belgian mobile (045-049) looks like a number in a Dutch 04x area.
        if _is_valid_belgian(significant):
            return Check(None, "ambiguous_country")
        return _check_significant(_NL, significant)
    if len(digits) == 9:
        # A Dutch mobile missing a digit looks like a landline in Hainaut or Luxembourg.
        if significant.startswith("6"):
            return Check(None, "ambiguous_country")
        return _check_significant(_BE, significant)
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

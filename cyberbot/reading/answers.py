"""Read the visitor's answers to the forms' questions from a chat message.

Pure functions: the form validation actions in ``actions/`` call them with the latest
message, its intent and the question that was asked (the requested slot). The words
come from ``content/answer_words.yml``.

A message either answers the question that was asked (``read_direct``), mentions other
details in passing (``read_context``: "webshop met 12 medewerkers"), or is a question of
its own that interrupts the form (``is_interruption``), which the dialogue rules answer
before the form asks again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cyberbot.advice.sectors import match_sector
from cyberbot.content import content_path
from cyberbot.reading.contact import find_email, find_phone
from cyberbot.reading.country import detect_country
from cyberbot.reading.numbers import extract_employees, extract_revenue, parse_amount, parse_count
from cyberbot.text import single_line, strip_accents

WORDS_FILE = content_path("answer_words.yml")

# Intents that may interrupt a form: they are answered by a rule, then the form resumes
# (or, for the last three, ends or hands over to another form).
INTERRUPTING_INTENTS = frozenset(
    {
        "faq",
        "ask_why",
        "ask_insurer",
        "bot_challenge",
        "out_of_scope",
        "other_insurance",
        "stop",
        "request_human",
        "request_quote",
    }
)
# Intents that always interrupt, whatever else the message contains. A request for a
# person or a quote does not: "geen voorkeur" to the insurer question is an answer even
# when the classifier hears "I want a person" in it.
ALWAYS_INTERRUPTING = frozenset({"stop", "ask_why"})
# Intents with which people answer a question: when nothing could be read from such a
# message, the visitor is told so before the question is asked again.
ANSWER_INTENTS = frozenset({"inform", "affirm", "deny", "nlu_fallback"})

CONTACT_SLOTS = frozenset(
    {
        "consent",
        "contact_name",
        "company_name",
        "contact_email",
        "contact_phone",
        "callback_contact",
        "callback_moment",
        "preferred_insurer",
    }
)
# What identifies a person: filled only after consent, in the session that gave it.
CONTACT_DETAIL_SLOTS = frozenset(
    {
        "contact_name",
        "company_name",
        "contact_email",
        "contact_phone",
        "callback_contact",
        "callback_moment",
    }
)
BOOLEAN_SLOTS = ("usa_canada", "personal_data", "online_sales", "consent")
INSURER_IDS = ("aig", "hiscox", "chubb")
MAX_NAME_CHARS = 100
MAX_COMPANY_CHARS = 120
MAX_MOMENT_CHARS = 200

# A message starting with one of these is a question even without "?".
_QUESTION_WORDS = frozenset(
    {
        "wat",
        "waarom",
        "hoe",
        "hoeveel",
        "wie",
        "welke",
        "welk",
        "wanneer",
        "waar",
        "waarvoor",
        "is",
        "zijn",
        "ben",
        "bent",
        "moet",
        "moeten",
        "kan",
        "kun",
        "kunt",
        "kunnen",
        "mag",
        "mogen",
        "dekt",
        "dekken",
        "heeft",
        "hebben",
        "heb",
        "geldt",
        "wordt",
        "zou",
    }
)
_NAME_PREFIXES = re.compile(
    r"^(?:mijn naam is|ik ben|ik heet|naam is|naam:|dit is|met)\s+", re.IGNORECASE
)
_COMPANY_PREFIXES = re.compile(
    r"^(?:(?:ons|mijn) bedrijf heet|(?:onze|mijn) (?:onderneming|zaak|firma) heet|"
    r"het bedrijf heet|de naam is|bedrijfsnaam(?: is)?:?|wij zijn|we zijn)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Turn:
    """One user message as the forms see it."""

    text: str
    intent: str | None = None
    requested_slot: str | None = None
    insurer_entities: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerWords:
    yes: tuple[str, ...]
    no: tuple[str, ...]
    cues: Mapping[str, tuple[str, ...]]
    priorities: Mapping[str, tuple[str, ...]]
    no_preference: tuple[str, ...]
    no_phone: tuple[str, ...]
    dont_know: tuple[str, ...]
    skip_question: tuple[str, ...]
    fillers: tuple[str, ...]
    not_names: frozenset[str]
    insurer_names: Mapping[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def answer_words(path: Path = WORDS_FILE) -> AnswerWords:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return AnswerWords(
        yes=tuple(data["affirmative"]),
        no=tuple(data["negative"]),
        cues={key: tuple(values) for key, values in data["cues"].items()},
        priorities={key: tuple(values) for key, values in data["priorities"].items()},
        no_preference=tuple(data["no_preference"]),
        no_phone=tuple(data["no_phone"]),
        dont_know=tuple(data["dont_know"]),
        skip_question=tuple(data["skip_question"]),
        fillers=tuple(fold(word) for word in data["no_answer_fillers"]),
        not_names=frozenset(fold(word) for word in data["not_names"]),
        insurer_names={key: tuple(values) for key, values in data["insurer_names"].items()},
    )


def fold(text: str) -> str:
    """Lower-case without accents, so that "patiënt" matches "patient"."""
    return strip_accents(text.casefold())


def _phrase_pattern(phrase: str) -> str:
    return rf"(?<![\w-]){re.escape(fold(phrase))}(?![\w-])"


def _loose_phrase_pattern(phrase: str) -> str:
    """A phrase that may have up to two filler words between its words ("weet ik echt
    niet", "ik weet het eigenlijk ook niet")."""
    fillers = "|".join(re.escape(word) for word in answer_words().fillers)
    gap = rf"\s+(?:(?:{fillers})\s+){{0,2}}"
    words = [re.escape(word) for word in fold(phrase).split()]
    return rf"(?<![\w-]){gap.join(words)}(?![\w-])"


def _contains_phrase(folded: str, phrases: Iterable[str]) -> str | None:
    for phrase in phrases:
        if re.search(_phrase_pattern(phrase), folded):
            return phrase
    return None


def _first_position(folded: str, phrases: Iterable[str]) -> int | None:
    positions = [
        match.start() for phrase in phrases if (match := re.search(_phrase_pattern(phrase), folded))
    ]
    return min(positions) if positions else None


def is_question(text: str) -> bool:
    """A message phrased as a question: a question mark or a Dutch question word first."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return True
    first = re.match(r"[\w']+", fold(stripped))
    return first is not None and first.group(0) in _QUESTION_WORDS


def is_interruption(turn: Turn, answered: bool) -> bool:
    """Whether the message is a question or request of its own rather than an answer.

    A message that does answer the question (``answered``: a value, or "weet ik niet")
    only interrupts when it is phrased as a question: "Zorg en welzijn" stays an answer
    even if the classifier takes it for an FAQ, "Wat kost het bij 1 miljoen omzet?" does
    not.
    """
    if turn.intent not in INTERRUPTING_INTENTS:
        return False
    if turn.intent in ALWAYS_INTERRUPTING or turn.text.startswith("/"):
        return True  # a button of its own ("Liever gebeld worden") is never an answer
    return not answered or is_question(turn.text)


# A non-answer is the phrase with at most a few words around it ("euh, geen idee
# eigenlijk"): "weet ik niet precies, een stuk of 12" gives an answer, "ik weet niet of
# het verplicht is" asks a question.
NO_ANSWER_WORDS_BEFORE = 3
NO_ANSWER_WORDS_AFTER = 2


def read_no_answer(text: str) -> str | None:
    """``dont_know`` or ``skip`` when the message declines to answer the question asked
    ("weet ik niet", "sla over", "maakt niet uit"); None for an answer or anything else."""
    folded = fold(text).strip()
    if not folded or re.search(r"\d", folded):
        return None
    for kind, phrases in (("dont_know", answer_words().dont_know),
                          ("skip", answer_words().skip_question)):
        for phrase in phrases:
            match = re.search(_loose_phrase_pattern(phrase), folded)
            if match and (len(re.findall(r"\w+", folded[:match.start()])) <= NO_ANSWER_WORDS_BEFORE
                          and len(re.findall(r"\w+", folded[match.end():]))
                          <= NO_ANSWER_WORDS_AFTER):
                return kind
    return None


def parse_yes_no(text: str, intent: str | None = None) -> bool | None:
    """A yes or no answer; the first yes- or no-word decides ("ja, geen probleem" is yes,
    "nee, geen klanten daar" is no)."""
    folded = fold(text)
    yes = _first_position(folded, answer_words().yes)
    no = _first_position(folded, answer_words().no)
    if yes is not None or no is not None:
        return no is None or (yes is not None and yes < no)
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    return None


def match_priority(text: str) -> str | None:
    """The priority id named in the message (exact ids from the buttons count too)."""
    folded = fold(text).strip()
    words = answer_words().priorities
    if folded in words:
        return folded
    for priority, phrases in words.items():
        if _contains_phrase(folded, phrases):
            return priority
    return None


def match_insurer_choice(text: str, entities: Iterable[str] = ()) -> str | None:
    """An insurer id, or "none" for no preference."""
    found = [value for value in entities if value in INSURER_IDS]
    if found:
        return found[0]
    folded = fold(text)
    for insurer in INSURER_IDS:
        if re.search(rf"\b{insurer}\b", folded):
            return insurer
    if folded.strip() == "none" or _contains_phrase(folded, answer_words().no_preference):
        return "none"
    return None


def insurers_named(text: str) -> list[str]:
    """The insurers a message names, in the order it names them."""
    return [mention.insurer for mention in insurer_mentions(text)]


@dataclass(frozen=True)
class InsurerMention:
    insurer: str  # aig, hiscox, chubb
    start: int
    end: int


def insurer_mentions(text: str) -> list[InsurerMention]:
    """Each insurer's first mention in the message, in the order of the message. The span
    is in ``text`` (the whole message if folding changed its length, as a ligature does)."""
    folded = fold(text)
    found = []
    for insurer, names in answer_words().insurer_names.items():
        matches = [match for name in names
                   if (match := re.search(_phrase_pattern(name), folded))]
        if not matches:
            continue
        first = min(matches, key=lambda match: match.start())
        if len(folded) == len(text):
            found.append(InsurerMention(insurer, first.start(), first.end()))
        else:
            found.append(InsurerMention(insurer, 0, len(text)))
    return sorted(found, key=lambda mention: (mention.start, mention.insurer))


def declines_phone(turn: Turn) -> bool:
    """The visitor does not want to give a phone number."""
    folded = fold(turn.text)
    if find_phone(turn.text):
        return False
    return bool(_contains_phrase(folded, answer_words().no_phone)) or turn.intent == "deny"


def read_name(text: str) -> str | None:
    """A person's name typed as an answer ("Mijn naam is Jan de Vries")."""
    name = _NAME_PREFIXES.sub("", single_line(text)).strip(" .,!")
    if not name or len(name) > MAX_NAME_CHARS:
        return None
    if not re.fullmatch(r"[^\W\d_]+(?:[ '\u2019.-]+[^\W\d_]+)*\.?", name):
        return None
    if len(name.split()) > 6 or fold(name) in answer_words().not_names:
        return None
    return name


def read_company(text: str) -> str | None:
    """A company name: anything short with a letter in it, without a leading phrase."""
    company = _COMPANY_PREFIXES.sub("", single_line(text)).strip(" .,!")
    if not company or len(company) > MAX_COMPANY_CHARS or not re.search(r"[^\W\d_]", company):
        return None
    return company


def read_moment(text: str) -> str | None:
    """A preferred moment for a call-back, kept as the visitor wrote it."""
    moment = single_line(text)
    if not moment or not re.search(r"\w", moment):
        return None
    return moment[:MAX_MOMENT_CHARS]


def read_boolean_cue(text: str, slot: str) -> bool | None:
    """A yes/no detail mentioned in passing: "geen klanten in de VS" → False."""
    folded = fold(text)
    cue = _contains_phrase(folded, answer_words().cues[slot])
    if cue is None:
        return None
    before = folded[: folded.find(fold(cue))]
    negated = re.search(r"\b(?:geen|niet|nooit|zonder)\b(?:\s+\S+){0,4}\s*$", before)
    return not negated


# Short answers to "Nederland of België?" that carry no cue on their own.
_COUNTRY_ANSWERS = {
    "nederland": "nl", "nl": "nl", "holland": "nl", "nederlands": "nl",
    "belgie": "be", "be": "be", "belgisch": "be", "vlaanderen": "be",
}


def read_country(text: str) -> str | None:
    """"nl" or "be" from an answer to the country question."""
    answer = re.sub(r"^(?:in|uit|vanuit)\s+", "", fold(text).strip(" .!?"))
    return _COUNTRY_ANSWERS.get(answer) or detect_country(text)


def read_direct(turn: Turn) -> Any:
    """The answer to the question that was asked, or None when it could not be read."""
    slot, text = turn.requested_slot, turn.text
    if slot == "country":
        return read_country(text)
    if slot == "sector":
        return match_sector(text).sector
    if slot == "employees":
        return parse_count(text)
    if slot == "revenue":
        return parse_amount(text)
    if slot in BOOLEAN_SLOTS:
        return parse_yes_no(text, turn.intent)
    if slot == "priority":
        return match_priority(text)
    if slot == "preferred_insurer":
        return match_insurer_choice(text, turn.insurer_entities)
    if slot == "contact_name":
        return read_name(text)
    if slot == "company_name":
        return read_company(text)
    if slot == "contact_email":
        return find_email(text) or text.strip() or None
    if slot == "contact_phone":
        return find_phone(text) or (text.strip() if re.search(r"\d", text) else None)
    if slot == "callback_contact":
        return find_email(text) or find_phone(text)
    if slot == "callback_moment":
        return read_moment(text)
    return None


def read_context(turn: Turn, slots: Iterable[str]) -> dict[str, Any]:
    """Details given in passing for any of ``slots`` other than the requested one.

    While a contact detail is asked, only the other contact details are looked for: a
    name such as "ik" or "Jan Vijf" must not change the business profile.
    """
    wanted = set(slots) - {turn.requested_slot}
    if turn.requested_slot in CONTACT_SLOTS:
        wanted &= {"contact_email", "contact_phone"}
    text = turn.text
    found: dict[str, Any] = {}
    readers = {
        "country": lambda: detect_country(text),
        "employees": lambda: extract_employees(text),
        "revenue": lambda: extract_revenue(text),
        "sector": lambda: _sector_in_passing(text),
        "usa_canada": lambda: read_boolean_cue(text, "usa_canada"),
        "personal_data": lambda: read_boolean_cue(text, "personal_data"),
        "online_sales": lambda: read_boolean_cue(text, "online_sales"),
        "contact_email": lambda: find_email(text),
        "contact_phone": lambda: find_phone(text),
    }
    for slot in sorted(wanted & readers.keys()):
        value = readers[slot]()
        if value is not None:
            found[slot] = value
    if found.get("online_sales") is False:
        # "geen webshop" says nothing about the sector
        found.pop("sector", None)
    return found


# Words about the insurance itself, which say nothing about the visitor's sector
# ("welke verzekeraar past bij mijn webshop").
_INSURANCE_WORDS = re.compile(
    r"\b(?:cyber)?(?:verzekeraars?|verzekeringe?n?|verzekeringsmaatschappij(?:en)?|polis(?:sen)?)\b",
    re.IGNORECASE,
)


def _sector_in_passing(text: str) -> str | None:
    if not _mentions_business(text):
        return None
    return match_sector(_INSURANCE_WORDS.sub(" ", text)).sector


def _mentions_business(text: str) -> bool:
    """Whether a sector mentioned in passing is worth taking: the whole message is short
    ("webshop") or it talks about the business ("wij zijn een transportbedrijf")."""
    folded = fold(text)
    return len(folded.split()) <= 4 or bool(
        re.search(r"\b(?:we|wij|ik|mijn|ons|onze|bedrijf|zaak|onderneming|kantoor)\b", folded)
    )

"""Head counts and euro amounts as Dutch and Flemish business owners type them in a chat.

Pure functions, no Rasa. ``parse_count`` and ``parse_amount`` read the answer to a direct
question ("how many people work in your business?", "what is your annual revenue?");
``extract_employees`` and ``extract_revenue`` pick a figure out of a longer sentence and
only take one whose context says what it is.

Why a parser of our own: Duckling's Dutch rules do not compose one-word numerals
("vijfduizend") and read the article "een" as 1; text2num turns "€ 2 miljoen" into
"€ 2 1000000".

Readings decided here (``tests/test_numbers.py`` pins them):

- "85.000", "1.250.000": a dot followed by groups of exactly three digits separates
  thousands; any other dot is a decimal point ("1.5M").
- "1,2", "2,5 miljoen", "85,00": the comma is the Dutch decimal comma. The one exception
  is "85,000" or "1,250,000" (one to three digits, then only groups of exactly three, and
  no scale word after): that is read as English thousands, because nobody states revenue
  or a head count with three decimals, while copied English figures are common.
  "1,250 miljoen" stays 1.25 million.
- With both "." and ",", the last one is the decimal separator ("€ 85.000,00").
- "ton" is 100.000, "k" a thousand, "m"/"mln"/"mio" a million, "mld"/"mrd" a billion.
- A range ("40 à 50", "40-50", "tussen 40 en 50") gives its upper bound: for insurance,
  understating the size of a business means being underinsured.
- Qualifiers ("ongeveer", "ruim", "meer dan 250") are ignored: the number stated is the
  answer.
- Head counts include the owner: "zzp'er", "geen personeel" and "0" give 1, "ik en mijn
  vrouw" 2, "ik en mijn 3 medewerkers" 4. Fractions of FTE are rounded up.
- The article "een" is the numeral one only as the whole answer, before a scale word
  ("een miljoen") or before a word for people ("een man", but not "een man of twintig").
  "één" is always the numeral.
- Vague quantities ("tientallen", "honderden", "een paar duizend") give None, and so do
  negative numbers and values above 10^12.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

from cyberbot.text import strip_accents

_MAX_VALUE = 10**12
_MAX_DIGITS = 40  # longer digit runs are not amounts, and int() would refuse very long ones
_MAX_WORD = 60  # no Dutch numeral is longer

# --- Tokens -------------------------------------------------------------------------------

_CHAR_MAP = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u2212": "-"})
_ABBREVIATIONS = (
    (re.compile(r"\bca\."), "ca"),
    (re.compile(r"\+/-|\+-"), "±"),
    (re.compile(r"\b(eur|euro)(?=[0-9])"), r"\1 "),  # "EUR85.000"
)
_TOKEN_RE = re.compile(
    r"""
    (?P<number>(?<![^\W_])(?<![0-9][.,])              # not inside a word or number
        (?:[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?:,[0-9]+)?(?![0-9]|[.,][0-9])  # 85 000
          |[0-9]+(?:[.,][0-9]+)*))                  # 85.000, 1,2, 1.250.000,00
    (?P<whole_euros>,[-=]{1,2})?                    # 85.000,-
  | (?P<word>[^\W\d_]+(?:['-][^\W\d_]+)*)
  | (?P<symbol>\S)
    """,
    re.VERBOSE,
)
_SPACES_RE = re.compile(r"[ \u00a0\u202f]")
_ONE_ACCENTED = frozenset({"één", "eén", "éen"})


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "word" or "symbol"
    text: str  # lower-case; words without accents ("één" -> "een")
    start: int
    end: int
    accented_one: bool = False  # "één": the numeral, never the article
    whole_euros: bool = False  # "85.000,-"


def _fold(text: str) -> str:
    """Lower-case text without accents ("tweeënveertig" -> "tweeenveertig")."""
    return strip_accents(text.lower().translate(_CHAR_MAP))


def _tokens(text: str) -> list[_Token]:
    lowered = unicodedata.normalize("NFC", text).lower().translate(_CHAR_MAP)
    for pattern, replacement in _ABBREVIATIONS:
        lowered = pattern.sub(replacement, lowered)
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(lowered):
        start, end = match.span()
        if match.group("number") is not None:
            tokens.append(
                _Token(
                    "number",
                    match.group("number"),
                    start,
                    end,
                    whole_euros=match.group("whole_euros") is not None,
                )
            )
        elif match.group("word") is not None:
            raw = match.group("word")
            tokens.append(_Token("word", _fold(raw), start, end, accented_one=raw in _ONE_ACCENTED))
        else:
            tokens.append(_Token("symbol", match.group("symbol"), start, end))
    return tokens


def _glued(left: _Token, right: _Token) -> bool:
    return left.end == right.start


# --- Number words --------------------------------------------------------------------------

_UNITS = {
    "een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
    "negen": 9,
}  # fmt: skip
_TEENS = {
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
    "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19,
}  # fmt: skip
_TENS = {
    "twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70,
    "tachtig": 80, "negentig": 90,
}  # fmt: skip
# Scale words inside one-word numerals, largest first ("vijfhonderdduizend").
_LEVELS = (("miljard", 10**9), ("miljoen", 10**6), ("duizend", 1000), ("honderd", 100))
_HALF_SUFFIXES = ("eneenhalve", "eneenhalf", "enhalve", "enhalf")  # longest first


def _below_hundred(word: str) -> int | None:
    """1..99 as one word: "vijf", "vijftien", "tweeenveertig"."""
    for table in (_UNITS, _TEENS, _TENS):
        if word in table:
            return table[word]
    for tens_word, tens in _TENS.items():
        if word.endswith("en" + tens_word):
            unit = _UNITS.get(word[: -len(tens_word) - 2])
            return None if unit is None else unit + tens
    return None


def _compound(word: str, level: int = 0) -> int | None:
    """A whole number written as one word, split at its scale words from the largest down."""
    if level == len(_LEVELS):
        return _below_hundred(word)
    name, scale = _LEVELS[level]
    head, found, tail = word.partition(name)
    if not found:
        return _compound(word, level + 1)
    count = 1 if not head else _compound(head, level + 1)
    rest = 0 if not tail else _compound(tail, level + 1)
    if count is None or rest is None or count == 0:
        return None
    return count * scale + rest


@lru_cache(maxsize=4096)
def _word_value(word: str) -> Fraction | None:
    """The value of one numeral word ("vijfduizend", "anderhalve", "twintigtal"), or None."""
    word = word.replace("-", "")
    if len(word) > _MAX_WORD:
        return None
    if word == "nul":
        return Fraction(0)
    if word in ("anderhalf", "anderhalve"):
        return Fraction(3, 2)
    if word in ("half", "halve"):
        return Fraction(1, 2)
    for suffix in _HALF_SUFFIXES:
        if word.endswith(suffix):
            base = _compound(word[: -len(suffix)])
            return None if base is None else base + Fraction(1, 2)
    if word.endswith("tal"):  # "een tiental", "een twintigtal": about that many
        word = word[:-3]
    value = _compound(word)
    return None if value is None else Fraction(value)


def _trailing_scale(word: str) -> int:
    """The scale a numeral word ends on: "tweeduizend" 1000, so "vijfhonderd" may follow."""
    return next((scale for name, scale in _LEVELS if word.endswith(name)), 1)


def _collective_value(word: str) -> int | None:
    """The form after "met z'n": "drieen" 3, "vijven" 5, "zessen" 6, "twaalven" 12."""
    if not word.endswith("en"):
        return None
    stem = word[:-2]
    if stem.endswith("v"):
        stem = stem[:-1] + "f"
    elif len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] != "e":
        stem = stem[:-1]
    return _below_hundred(stem)


# --- Digits --------------------------------------------------------------------------------


def _grouped(digits: str, separator: str) -> bool:
    """Whether ``separator`` splits ``digits`` into thousands: "85.000", "1,250,000"."""
    head, *groups = digits.split(separator)
    return 1 <= len(head) <= 3 and head[0] != "0" and all(len(group) == 3 for group in groups)


def _digits_value(digits: str, before_scale: bool) -> Fraction | None:
    """The value of a written number; the separator rules are in the module docstring."""
    if len(digits) > _MAX_DIGITS:
        return None
    digits = _SPACES_RE.sub("", digits)
    if "." in digits and "," in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, fraction = digits.rpartition(decimal)
        if decimal in whole or not _grouped(whole, thousands):
            return None
        return Fraction(f"{whole.replace(thousands, '')}.{fraction}")
    separator = "." if "." in digits else "," if "," in digits else ""
    if not separator:
        return Fraction(int(digits))
    if _grouped(digits, separator) and (separator == "." or not before_scale):
        return Fraction(int(digits.replace(separator, "")))
    if digits.count(separator) == 1:
        return Fraction(digits.replace(",", "."))
    return None


# --- Vocabulary ----------------------------------------------------------------------------

_SCALES = {
    "honderd": 100, "duizend": 1000, "miljoen": 10**6, "miljard": 10**9, "ton": 10**5,
    "k": 1000, "m": 10**6, "mln": 10**6, "mio": 10**6, "mld": 10**9, "mrd": 10**9,
}  # fmt: skip
_STANDALONE_SCALES = frozenset({"honderd", "duizend", "miljoen", "miljard"})
# Nobody has a million employees: these scales make a figure an amount of money.
_MONEY_SCALES = frozenset({"ton", "k", "m", "mln", "mio", "mld", "mrd", "miljoen", "miljard"})
_CURRENCY = frozenset({"€", "eur", "euro", "euros", "euro's"})
_VAGUE = frozenset({"paar", "aantal", "enkele", "meerdere", "vele", "veel", "tig"})
_PEOPLE_WORDS = frozenset(
    {
        "man", "mannen", "persoon", "personen", "fte", "fte's", "ftes", "koppen", "arbeiders",
        "bedienden", "vrijwilligers", "teamleden", "stagiairs", "stagiaires", "werkers",
    }
)  # fmt: skip
_PEOPLE_SUFFIXES = (
    "medewerker", "medewerkers", "werknemer", "werknemers", "mensen", "personeel",
    "personeelsleden", "personeelslid", "collega", "collega's", "collegas", "krachten",
)  # fmt: skip
_PEOPLE_MODIFIERS = frozenset(
    {"vaste", "vast", "fulltime", "parttime", "voltijdse", "deeltijdse", "eigen", "betaalde",
     "actieve", "extra"}
)  # fmt: skip
# Words a number may be glued to without ceasing to be a number ("750k", "85000euro").
_GLUE = frozenset(_SCALES) | _CURRENCY
_OTHER_UNITS = frozenset(
    {
        "%", "procent", "jaar", "jaren", "maand", "maanden", "week", "weken", "dag", "dagen",
        "uur", "uren", "minuten", "keer", "x",
    }
)  # fmt: skip
_YEAR_WORDS = frozenset(
    {"sinds", "sedert", "in", "vanaf", "anno", "uit", "tot", "begin", "eind", "medio", "per",
     "boekjaar"}
)  # fmt: skip
_REVENUE_WORDS = frozenset(
    {
        "draaien", "draait", "draaide", "draaiden", "draai", "opbrengst", "opbrengsten",
        "inkomsten", "turnover", "revenue", "factureren", "factureer", "factureerde",
    }
)  # fmt: skip
_SENTENCE_END = frozenset({".", "!", "?", ";"})  # "ca." is "ca" by now
_POSSESSIVES = frozenset({"z'n", "zn", "zijn", "ons", "hun", "jullie"})
_ONE_FILLERS = frozenset({"maar", "slechts", "gewoon", "alleen", "enkel", "precies"})
_RANGE_WORDS: frozenset[tuple[str, ...]] = frozenset(
    {("-",), ("\u2013",), ("\u2014",), ("a",), ("tot",), ("tot", "en", "met"), ("of",)}
)


def _is_people_word(word: str) -> bool:
    return word in _PEOPLE_WORDS or word.endswith(_PEOPLE_SUFFIXES)


# What may stand between a cue and its number: "zijn er ongeveer 15", "met een stuk of 10".
_FILLER = (
    r"(?:ongeveer|zo'n|zon|circa|ca|rond|rondom|de|ruim|bijna|meer|minder|dan|iets|pakweg"
    r"|plusminus|zeker|maximaal|max|hooguit|tussen|zowat|net|nog|al|nu|momenteel|inmiddels"
    r"|een|stuk|of|±|~|:|=)"
)
_PEOPLE_BEFORE_RE = re.compile(
    r"(?:^|\s)(?:"
    r"(?:zijn|werken|zitten) (?:er|we|wij|ze)(?: met)?"
    r"|(?:we|wij|ze) zijn(?: met)?"
    r"|met (?:z'n|zn|zijn|ons|hun|jullie)"
    r"|team van|man of|in dienst"
    r"|(?:\S*(?:medewerkers|werknemers|personeel|personeelsleden)|fte|mensen)(?: is| zijn)?"
    r"|(?:ik|ikzelf) (?:en|met|\+|plus)(?: (?:mijn|m'n|mn))?"
    rf")(?: {_FILLER})* $"
)
_OWNER_BEFORE_RE = re.compile(r"(?:^|\s)(?:ik|ikzelf) (?:en|met|\+|plus)(?: (?:mijn|m'n|mn))? $")
_PARTNERS = (
    r"(?:vrouw|man|partner|echtgenote|echtgenoot|compagnon|zakenpartner|vennoot|vriendin|vriend"
    r"|broer|zus|zoon|dochter|vader|moeder|collega|medewerker|medewerkster|werknemer|assistent"
    r"|assistente|maat)"
)
_PARTNER_RE = re.compile(
    rf"\b(?:ik|ikzelf) (?:en|met|\+|plus) (?:mijn|m'n|mn) {_PARTNERS}\b"
    rf"|\b(?:mijn|m'n|mn) {_PARTNERS} en ik\b"
)
_SOLO_RE = re.compile(
    r"\b(?:zzp(?:['-]?ers?)?|eenmanszaak(?:je)?|eenmansbedrijf(?:je)?|eenpitter"
    r"|solo(?:-?ondernemer)?|freelancer|zelfstandige zonder personeel)\b"
    r"|(?<!niet )\b(?:alleen|enkel|gewoon) (?:ik|ikzelf|mijzelf|mezelf)\b"
    r"|\b(?:ik|ikzelf) (?:werk )?alleen\b"
    r"|\bgeen (?:personeel|werknemers|medewerkers|personeelsleden|mensen in dienst)\b"
    r"|^\W*(?:ik|ikzelf|mijzelf|mezelf)\W*$"
)
_NO_REVENUE_RE = re.compile(r"\bgeen omzet\b")
_YEAR_RE = re.compile(r"(?:19|20)[0-9]{2}")


# --- Quantities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Number:
    value: Fraction
    trailing_scale: int  # "tweeduizend" 1000: a smaller number may follow and add up


@dataclass(frozen=True)
class _Quantity:
    """A number phrase in the text ("1,2 miljoen", "tweeduizend vijfhonderd", "40 à 50")."""

    value: Fraction
    start: int  # index of the first token
    end: int  # index after the last token
    money: bool = False  # currency, ",-" or a money scale ("ton", "mln")
    thousands: bool = False  # "500 duizend": a cue for money, weaker than "euro"
    year_shaped: bool = False  # a plain 1900..2099
    after_year_word: bool = False  # "sinds 2015"
    other_unit: bool = False  # "20%", "15 jaar"
    people: bool = False  # context says it counts people
    plus_owner: bool = False  # "ik en mijn 3 medewerkers": the owner comes on top

    @property
    def dated(self) -> bool:
        """A year, not an amount: "sinds 2015", "in 2025"."""
        return self.year_shaped and self.after_year_word


def _number_at(tokens: Sequence[_Token], index: int) -> _Number | None:
    """The number token ``index`` stands for, if it is one (scale words are not)."""
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if token.kind == "number":
        if _glued_to_word(token, following):  # "1e999", "2e", "5x"
            return None
        if _is_negative(tokens, index):
            return None
        before_scale = following is not None and following.text in _SCALES
        value = _digits_value(token.text, before_scale)
        return None if value is None else _Number(value, 1)
    if token.kind != "word" or token.text in _SCALES:
        return None
    if token.text == "een" and not token.accented_one:
        return _Number(Fraction(1), 1) if _article_is_one(tokens, index) else None
    value = _word_value(token.text)
    if value is not None:
        return _Number(value, _trailing_scale(token.text))
    if index >= 2 and tokens[index - 2].text == "met" and tokens[index - 1].text in _POSSESSIVES:
        collective = _collective_value(token.text)
        return None if collective is None else _Number(Fraction(collective), 1)
    return None


def _glued_to_word(token: _Token, following: _Token | None) -> bool:
    """Whether letters stick to a number that make it no number ("1e999"; not "750k")."""
    if following is None or following.kind != "word" or not _glued(token, following):
        return False
    return following.text not in _GLUE and not _is_people_word(following.text)


def _is_negative(tokens: Sequence[_Token], index: int) -> bool:
    """A minus glued to the number ("-5"), not the dash of a range ("40-50")."""
    if index == 0 or tokens[index - 1].text != "-" or not _glued(tokens[index - 1], tokens[index]):
        return False
    return index < 2 or not _glued(tokens[index - 2], tokens[index - 1])


def _article_is_one(tokens: Sequence[_Token], index: int) -> bool:
    """Whether an unaccented "een" is the numeral: see the module docstring."""
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is None:
        words = [token.text for token in tokens if token.kind != "symbol"]
        return words == ["een"] or (len(words) == 2 and words[0] in _ONE_FILLERS)
    if following.text in _SCALES and following.text not in ("k", "m"):
        return True
    after = tokens[index + 2] if index + 2 < len(tokens) else None
    return _is_people_word(following.text) and (after is None or after.text != "of")


def _phrase_at(tokens: Sequence[_Token], start: int) -> _Quantity | None:
    """The longest number phrase starting at ``start``: digits or numerals with scales."""
    total = Fraction(0)
    group: Fraction | None = None
    group_scale = 1
    bound: int | None = None  # a group added after a scale must stay below that scale
    scales: set[str] = set()
    index = start
    while index < len(tokens):
        token = tokens[index]
        scale = _SCALES.get(token.text) if token.kind == "word" else None
        if scale is not None:
            if group is None:
                if token.text not in _STANDALONE_SCALES:
                    break
                if start > 0 and tokens[start - 1].text in _VAGUE:  # "een paar honderd"
                    return None
                group, group_scale = Fraction(scale), scale
            elif scale > group_scale and (bound is None or group * scale < bound):
                group, group_scale = group * scale, scale
            elif scale < group_scale and token.text in _STANDALONE_SCALES:  # "duizend honderd"
                total, bound = total + group, group_scale
                group, group_scale = Fraction(scale), scale
            else:
                break
            scales.add(token.text)
        else:
            number = _number_at(tokens, index)
            if number is None:
                break
            if group is None:
                group, group_scale = number.value, number.trailing_scale
            elif group_scale > 1 and number.value < group_scale and _adds_up(tokens, index):
                total, bound = total + group, group_scale
                group, group_scale = number.value, number.trailing_scale
            else:
                break
            if token.kind == "word" and "duizend" in token.text:
                scales.add("duizend")
        index += 1
    if group is None:
        return None
    first = tokens[start]
    return _Quantity(
        value=total + group,
        start=start,
        end=index,
        money=bool(scales & _MONEY_SCALES),
        thousands="duizend" in scales,
        year_shaped=index == start + 1 and _is_year(first),
    )


def _adds_up(tokens: Sequence[_Token], index: int) -> bool:
    """Whether the number at ``index`` continues the one before it.

    Numeral words do ("tweeduizend vijfhonderd"); digits only with a scale of their own
    ("2 miljoen 500 duizend"), so "omzet 3 ton 50 medewerkers" stays two figures.
    """
    if tokens[index].kind == "word":
        return True
    return index + 1 < len(tokens) and tokens[index + 1].text in _SCALES


def _scan(tokens: Sequence[_Token]) -> list[_Quantity]:
    quantities = []
    index = 0
    while index < len(tokens):
        quantity = _phrase_at(tokens, index)
        if quantity is None:
            index += 1
        else:
            quantities.append(quantity)
            index = quantity.end
    return quantities


def _merge_ranges(tokens: Sequence[_Token], quantities: list[_Quantity]) -> list[_Quantity]:
    """Join ranges ("40 à 50", "40-50", "tussen 40 en 50") into their upper bound."""
    merged: list[_Quantity] = []
    for quantity in quantities:
        previous = merged[-1] if merged else None
        if previous is not None and _is_range(tokens, previous, quantity):
            merged[-1] = replace(
                previous,
                value=max(previous.value, quantity.value),
                end=quantity.end,
                money=previous.money or quantity.money,
                thousands=previous.thousands or quantity.thousands,
                year_shaped=False,
            )
        else:
            merged.append(quantity)
    return merged


def _is_range(tokens: Sequence[_Token], low: _Quantity, high: _Quantity) -> bool:
    between = tuple(token.text for token in tokens[low.end : high.start])
    if between in _RANGE_WORDS:
        return True
    before = [token.text for token in tokens[max(0, low.start - 2) : low.start]]
    return between == ("en",) and "tussen" in before


def _annotate(tokens: Sequence[_Token], quantity: _Quantity) -> _Quantity:
    """Add what the words around a quantity say about it."""
    before = tokens[quantity.start - 1] if quantity.start > 0 else None
    after = tokens[quantity.end] if quantity.end < len(tokens) else None
    money = (
        quantity.money
        or tokens[quantity.end - 1].whole_euros
        or (before is not None and before.text in _CURRENCY)
        or (after is not None and after.text in _CURRENCY)
    )
    prefix = _prefix(tokens, quantity.start)
    people = not money and (
        _people_after(tokens, quantity.end) or _PEOPLE_BEFORE_RE.search(prefix) is not None
    )
    return replace(
        quantity,
        money=money,
        after_year_word=before is not None and before.text in _YEAR_WORDS,
        other_unit=after is not None and after.text in _OTHER_UNITS,
        people=people,
        plus_owner=people and _OWNER_BEFORE_RE.search(prefix) is not None,
    )


def _prefix(tokens: Sequence[_Token], start: int, size: int = 8) -> str:
    """The words just before a token, within its sentence, as " "-joined text ending in " "."""
    words: list[str] = []
    for token in reversed(tokens[max(0, start - size) : start]):
        if token.text in _SENTENCE_END:
            break
        words.append(token.text)
    return " ".join(reversed(words)) + " "


def _people_after(tokens: Sequence[_Token], end: int) -> bool:
    """Whether people follow: "12 (vaste) medewerkers", "15 man", "3 fte", "12 in dienst"."""
    index = end
    while index < len(tokens) and tokens[index].text in _PEOPLE_MODIFIERS:
        index += 1
    following = [token.text for token in tokens[index : index + 3]]
    return bool(following) and (
        _is_people_word(following[0])
        or following[:2] == ["in", "dienst"]
        or following == ["op", "de", "loonlijst"]
    )


def _revenue_nearby(tokens: Sequence[_Token], quantity: _Quantity) -> bool:
    """Revenue words around: "omzet van ongeveer 85000", "we draaien 85000", "85000 aan omzet"."""
    for token in reversed(tokens[max(0, quantity.start - 5) : quantity.start]):
        if token.text in _SENTENCE_END or (token.kind == "number" and not _is_year(token)):
            break
        if _is_revenue_word(token.text):
            return True
    after = [token.text for token in tokens[quantity.end : quantity.end + 2]]
    if after[:1] == ["aan"]:
        after = after[1:]
    return bool(after) and _is_revenue_word(after[0])


def _is_revenue_word(word: str) -> bool:
    return "omzet" in word or word in _REVENUE_WORDS


def _is_year(token: _Token) -> bool:
    """A plain 1900..2099: "sinds 2015" (an amount would have "€" or a scale)."""
    return token.kind == "number" and _YEAR_RE.fullmatch(token.text) is not None


@dataclass(frozen=True)
class _Reading:
    tokens: list[_Token]
    quantities: list[_Quantity]
    folded: str  # the whole text folded, for phrase patterns


def _read(text: str) -> _Reading:
    tokens = _tokens(text)
    quantities = [
        _annotate(tokens, quantity)
        for quantity in _merge_ranges(tokens, _scan(tokens))
        if 0 <= quantity.value <= _MAX_VALUE
    ]
    return _Reading(tokens, quantities, " ".join(_fold(text).split()))


# --- Public API ----------------------------------------------------------------------------


def _may_be_count(quantity: _Quantity) -> bool:
    return not (quantity.money or quantity.other_unit or quantity.dated)


def _head_count(quantity: _Quantity) -> int:
    """Whole people, the owner included: FTE fractions round up and nobody is zero."""
    value = quantity.value + (1 if quantity.plus_owner else 0)
    return max(1, math.ceil(value))


def _count_from_phrases(folded: str) -> int | None:
    """Head counts without digits: "ik en mijn vrouw" 2, "zzp'er" or "geen personeel" 1."""
    if _PARTNER_RE.search(folded):
        return 2
    if _SOLO_RE.search(folded):
        return 1
    return None


def _euros(value: Fraction) -> int:
    """Whole euros, halves rounded up (not to even, as ``round`` would)."""
    return math.floor(value + Fraction(1, 2))


def parse_count(text: str) -> int | None:
    """A head count given as the answer to 'how many people work in your business?'."""
    reading = _read(text)
    counts = [quantity for quantity in reading.quantities if _may_be_count(quantity)]
    chosen = next((quantity for quantity in counts if quantity.people), None)
    if chosen is None and counts:
        chosen = counts[0]
    return _head_count(chosen) if chosen is not None else _count_from_phrases(reading.folded)


def parse_amount(text: str) -> int | None:
    """An amount in euros given as the answer to 'what is your annual revenue?'.

    Rounded to whole euros.
    """
    reading = _read(text)
    amounts = [
        quantity
        for quantity in reading.quantities
        if not (quantity.people or quantity.other_unit or quantity.dated)
    ]
    chosen = next((quantity for quantity in amounts if quantity.money), None)
    if chosen is None and amounts:
        chosen = amounts[0]
    if chosen is not None:
        return _euros(chosen.value)
    return 0 if _NO_REVENUE_RE.search(reading.folded) else None


def extract_employees(text: str) -> int | None:
    """A head count mentioned anywhere in a longer sentence.

    Only where context says it is people: "12 medewerkers", "zijn er 15", "zzp'er".
    """
    reading = _read(text)
    for quantity in reading.quantities:
        if quantity.people and _may_be_count(quantity):
            return _head_count(quantity)
    return _count_from_phrases(reading.folded)


def extract_revenue(text: str) -> int | None:
    """A revenue/amount mentioned anywhere in a longer sentence.

    Only where context says it is money: a currency, a money scale ("ton", "mln"),
    "duizend", or a word for revenue ("omzet", "draaien") next to it. Years are not amounts.
    """
    reading = _read(text)
    for quantity in reading.quantities:
        if quantity.people or quantity.other_unit or quantity.year_shaped:
            continue
        if quantity.money or quantity.thousands or _revenue_nearby(reading.tokens, quantity):
            return _euros(quantity.value)
    return 0 if _NO_REVENUE_RE.search(reading.folded) else None

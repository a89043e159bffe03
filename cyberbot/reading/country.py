"""Which country a visitor's business is in, from what they write, and the words for it.

The cues are in ``content/country_cues.yml``: names only one country has (cities, "kmo",
"KvK", the privacy authority), Flemish words, phone prefixes and e-mail domains. A strong
cue counts three points, a weak one one; a side needs three points (a strong cue, or
three weak ones) and must lead the other by two, so Flemish-sounding spelling alone or a
mixed message decides nothing: an unknown country gets both countries' facts, which is
safe; a wrong one would not be.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cyberbot.content import load_content
from cyberbot.text import strip_accents

COUNTRIES = ("nl", "be")
UNKNOWN = "unknown"
# A strong cue decides alone; weak ones need three. The other side must trail by two.
_STRONG, _WEAK = 3, 1
_NEEDED, _LEAD = 3, 2
_TERM = re.compile(r"\{term:([a-z_]+)\}")


@dataclass(frozen=True)
class Cues:
    strong: tuple[re.Pattern[str], ...]
    weak: tuple[re.Pattern[str], ...]
    prefixes: tuple[str, ...]
    email_domains: tuple[str, ...]


def _fold(text: str) -> str:
    return strip_accents(text.casefold())


def _phrase(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w'-]){re.escape(_fold(phrase))}(?![\w'])")


@lru_cache(maxsize=1)
def country_cues() -> dict[str, Cues]:
    data: dict[str, Any] = load_content("country_cues.yml")
    return {
        country: Cues(
            strong=tuple(_phrase(word) for word in data[country]["strong"]),
            weak=tuple(_phrase(word) for word in data[country]["weak"]),
            prefixes=tuple(data[country]["prefixes"]),
            email_domains=tuple(data[country]["email_domains"]),
        )
        for country in COUNTRIES
    }


@dataclass(frozen=True)
class Finding:
    country: str
    start: int  # where the strongest cue is in the message
    end: int


def _score(text: str, folded: str, cues: Cues) -> tuple[int, tuple[int, int] | None]:
    """Points for one country, and the place of its first strong (else weak) cue."""
    strong = [match for pattern in cues.strong if (match := pattern.search(folded))]
    weak = [match for pattern in cues.weak if (match := pattern.search(folded))]
    score = _STRONG * len(strong) + _WEAK * len(weak)
    places = [(m.start(), m.end()) for m in sorted(strong, key=lambda m: m.start())]
    compact = re.sub(r"[\s()./-]", "", text)
    if any(prefix in compact for prefix in cues.prefixes):
        score += _STRONG
        places.append((0, len(text)))
    for address in re.finditer(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", folded):
        if address.group(0).endswith(cues.email_domains):
            score += _STRONG
            places.append((address.start(), address.end()))
    places += [(m.start(), m.end()) for m in sorted(weak, key=lambda m: m.start())]
    return score, (places[0] if places else None)


def find_country(text: str) -> Finding | None:
    """The country a message clearly shows, with where its strongest cue is."""
    folded = _fold(text)
    scored = {country: _score(text, folded, cues) for country, cues in country_cues().items()}
    best = max(COUNTRIES, key=lambda country: scored[country][0])
    score, place = scored[best]
    other = scored["nl" if best == "be" else "be"][0]
    if score < _NEEDED or score - other < _LEAD or place is None:
        return None
    if len(folded) != len(text):  # folding changed the length: point at the whole message
        place = (0, len(text))
    return Finding(best, *place)


def detect_country(text: str) -> str | None:
    """"nl" or "be" when the message clearly says which, else None."""
    found = find_country(text)
    return found.country if found else None


def country_key(country: str | None) -> str:
    """The key of a country-dependent text: "nl", "be" or "unknown"."""
    return country if country in COUNTRIES else UNKNOWN


@lru_cache(maxsize=1)
def _terms() -> Mapping[str, Mapping[str, str]]:
    terms: dict[str, dict[str, str]] = load_content("country_cues.yml")["terms"]
    return terms


def term(name: str, country: str | None) -> str:
    """The visitor's word for ``name`` (e.g. "vrijstelling" in Belgium)."""
    return _terms()[name][country_key(country)]


def localise(text: str, country: str | None) -> str:
    """``text`` with every ``{term:<name>}`` replaced by the visitor's word."""
    return _TERM.sub(lambda match: term(match.group(1), country), text)

"""Which sector a visitor's business is in, from a button or a free answer.

Pure logic, no Rasa. The sectors, their button titles and the words visitors use for
them live in ``content/sectors.yml``; its header explains how keywords match.

``match_sector`` is confident when the answer is a sector's id, label or button title,
when the words point to one sector only, or when one sector has at least twice the
evidence of the next ("webshop en winkel, ook wat import"). Otherwise it names the
candidates so the assistant can offer them as buttons ("makelaar": real estate in the
Netherlands, often insurance in Flanders). With no sector word at all it has neither,
and the assistant offers every sector.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cyberbot.content import content_path
from cyberbot.text import strip_accents

SECTORS_FILE = content_path("sectors.yml")
OTHER = "overig"  # only when the visitor says so, and never next to a sector that matched
_MIN_PART_LENGTH = 5  # shorter keywords match whole words only: "bar" is not in "betaalbaar"
_WHOLE_WORD_MARK = "="  # "=anders": whole word only, though long enough to be a part
_MAX_CHARS = 1_000  # an answer to "what does your business do?" is never longer
_REQUIRED = ("id", "label", "button", "sbi")
_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Sector:
    """A sector as ``content/sectors.yml`` describes it."""

    id: str
    label: str
    button: str
    sbi: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectorMatch:
    sector: str | None  # sector id when confident, else None
    candidates: tuple[str, ...]  # the sectors found, best first (may be empty)


def load_sectors(path: Path | None = None) -> tuple[Sector, ...]:
    """The sectors in file order, from ``content/sectors.yml`` unless ``path`` is given."""
    return _default_sectors() if path is None else _read_sectors(path)


@lru_cache(maxsize=1)
def _default_sectors() -> tuple[Sector, ...]:
    return _read_sectors(SECTORS_FILE)


def _read_sectors(path: Path) -> tuple[Sector, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = data.get("sectors") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a non-empty list under 'sectors'")
    sectors = tuple(_sector(entry, f"{path}: sectors[{n}]") for n, entry in enumerate(entries))
    duplicates = sorted(id_ for id_, count in Counter(s.id for s in sectors).items() if count > 1)
    if duplicates:
        raise ValueError(f"{path}: duplicate sector ids {', '.join(duplicates)}")
    return sectors


def _sector(entry: Any, where: str) -> Sector:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a mapping")
    missing = [key for key in _REQUIRED if not str(entry.get(key) or "").strip()]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    keywords = entry.get("keywords") or []
    if not isinstance(keywords, list) or not all(
        isinstance(keyword, str) and _words(keyword) for keyword in keywords
    ):
        raise ValueError(f"{where}: keywords must be a list of words and phrases")
    id_, label, button, sbi = (str(entry[key]).strip() for key in _REQUIRED)
    return Sector(id_, label, button, sbi, tuple(keywords))


# --- Matching ------------------------------------------------------------------------------


def _words(text: str) -> str:
    """Lower-case words without accents, joined by spaces: "Café-eigenaar" -> "cafe eigenaar"."""
    return " ".join(_WORD_RE.findall(strip_accents(text.lower())))


@dataclass(frozen=True)
class _Keyword:
    sector: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Index:
    exact: dict[str, str]  # a folded id, label or button title -> sector id
    keywords: tuple[_Keyword, ...]
    order: dict[str, int]  # sector id -> position in the file, the last tie-breaker


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    words = _words(keyword)
    if " " in words or keyword.startswith(_WHOLE_WORD_MARK) or len(words) < _MIN_PART_LENGTH:
        return re.compile(rf"(?<!\S){re.escape(words)}(?!\S)")
    return re.compile(re.escape(words))


@lru_cache(maxsize=8)
def _index(sectors: tuple[Sector, ...]) -> _Index:
    exact = {
        _words(name): sector.id
        for sector in sectors
        for name in (sector.id, sector.label, sector.button)
    }
    keywords = tuple(
        _Keyword(sector.id, _keyword_pattern(keyword))
        for sector in sectors
        for keyword in sector.keywords
    )
    return _Index(exact, keywords, {sector.id: n for n, sector in enumerate(sectors)})


@dataclass(frozen=True)
class _Evidence:
    count: int  # how many places in the text name the sector
    first: int  # where the first of them starts


def _evidence(index: _Index, words: str) -> dict[str, _Evidence]:
    """Per sector, the places in the text that name it.

    A match lying inside a longer match of any sector does not count: "verzekeringsmakelaar"
    is insurance, though it contains the real-estate "makelaar".
    """
    matches = {
        (found.start(), found.end(), keyword.sector)
        for keyword in index.keywords
        for found in keyword.pattern.finditer(words)
    }
    spans = {(start, end) for start, end, _ in matches}
    evidence: dict[str, _Evidence] = {}
    for start, end, sector in sorted(matches):
        if any(
            outer_start <= start and end <= outer_end and outer_end - outer_start > end - start
            for outer_start, outer_end in spans
        ):
            continue
        seen = evidence.get(sector)
        evidence[sector] = (
            _Evidence(1, start) if seen is None else _Evidence(seen.count + 1, seen.first)
        )
    return evidence


def match_sector(text: str, sectors: Sequence[Sector] | None = None) -> SectorMatch:
    """The sector a visitor's answer names, or the candidates when it is not clear.

    Candidates are ranked by how often the text names them, then by which the text names
    first, then by file order.
    """
    index = _index(tuple(sectors) if sectors is not None else load_sectors())
    words = _words(text[:_MAX_CHARS])
    if words in index.exact:
        return SectorMatch(index.exact[words], (index.exact[words],))
    evidence = _evidence(index, words)
    if len(evidence) > 1:
        evidence.pop(OTHER, None)
    ranked = sorted(
        evidence,
        key=lambda sector: (-evidence[sector].count, evidence[sector].first, index.order[sector]),
    )
    if not ranked:
        return SectorMatch(None, ())
    if len(ranked) == 1 or evidence[ranked[0]].count >= 2 * evidence[ranked[1]].count:
        return SectorMatch(ranked[0], tuple(ranked))
    return SectorMatch(None, tuple(ranked))

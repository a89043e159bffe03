"""The insurer catalogue: facts, weights and Dutch phrases from ``content/insurers.yml``.

The loader checks the file strictly, because a typo there would silently change advice:
an unknown key, a fact without ``source`` or ``date``, or a priority, feature or sector id
the chat does not use raises ``CatalogueError`` (a ``ValueError``) that names the file and
the place, e.g. ``insurers.yml: insurers.hiscox.premiums[0]: missing key(s) source``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, NoReturn

import yaml

from cyberbot.advice.sectors import load_sectors
from cyberbot.content import content_path

CATALOGUE_FILE = content_path("insurers.yml")

# The ids the chat's slots use (domain.yml): `sector` and `priority`.
SECTOR_IDS = frozenset(sector.id for sector in load_sectors())
PRIORITY_IDS = (
    "incident_help",
    "human_error",
    "prevention",
    "risk_scan",
    "worldwide",
    "broad_cover",
)
# Profile features an insurer can score on (cyberbot.advice.ranking decides when one
# applies). On equal weights, reasons follow this order.
FEATURE_IDS = ("usa_canada", "online_sales", "personal_data", "large_company")
MAX_BUTTON_CHARS = 20
# The `date` of a fact whose source gives none.
UNKNOWN_DATE = "onbekend"

_SOURCED = ("source", "date")


class CatalogueError(ValueError):
    """The catalogue file is invalid; the message names the file and the place."""


@dataclass(frozen=True)
class Fact:
    """A visitor-facing statement with where it comes from."""

    text: str
    source: str
    date: str


@dataclass(frozen=True)
class Fit:
    """How well an insurer serves a priority or a profile feature, and the reason shown.

    ``short`` is the phrase in a side-by-side comparison (priorities only).
    """

    weight: float
    reason: str
    source: str
    date: str
    short: str | None = None


@dataclass(frozen=True)
class Condition:
    """A policy condition. With a trigger (revenue above, sectors) it is a caveat in advice
    for the profiles it applies to; without one, it is shown with the insurer's facts."""

    text: str
    source: str
    date: str
    revenue_above: float | None = None
    sectors: frozenset[str] = frozenset()

    @property
    def unconditional(self) -> bool:
        return self.revenue_above is None and not self.sectors


@dataclass(frozen=True)
class SectorExclusion:
    sectors: frozenset[str]
    reason: str
    source: str
    date: str


@dataclass(frozen=True)
class RevenueCap:
    revenue_above: float
    reason: str
    source: str
    date: str


@dataclass(frozen=True)
class UsaCanadaLimit:
    """Revenue from the USA and Canada is covered up to ``max_share`` of revenue."""

    max_share: float
    penalty: float
    caveat: str
    source: str
    date: str


@dataclass(frozen=True)
class Premium:
    """An indicative yearly premium range for revenue below ``revenue_below``, in one
    country's market (``nl`` or ``be``), excluding that country's premium tax."""

    revenue_below: float
    low: int
    high: int
    country: str
    note: str
    source: str
    date: str

    @property
    def dated(self) -> bool:
        return self.date != UNKNOWN_DATE


@dataclass(frozen=True)
class Insurer:
    id: str
    name: str
    product: str
    site_highlights: tuple[Fact, ...]
    cover: tuple[Fact, ...]
    strengths: tuple[Fact, ...]
    conditions: tuple[Condition, ...]
    priorities: Mapping[str, Fit]
    features: Mapping[str, Fit]
    excluded_sectors: SectorExclusion | None
    revenue_cap: RevenueCap | None
    usa_canada_limit: UsaCanadaLimit | None
    premiums: tuple[Premium, ...]


@dataclass(frozen=True)
class Priority:
    id: str
    label: str
    button: str


@dataclass(frozen=True)
class LargeCompany:
    """From which size a profile counts as large (feature ``large_company``)."""

    min_employees: int
    revenue_above: float
    source: str
    date: str


@dataclass(frozen=True)
class SectorRisk:
    sectors: frozenset[str]
    text: str
    source: str
    date: str


@dataclass(frozen=True)
class AmountBand:
    """A suggested insured amount; ``revenue_below`` None is the open-ended top band."""

    low: int
    high: int
    why: str
    revenue_below: float | None = None


@dataclass(frozen=True)
class InsuredAmounts:
    bands: tuple[AmountBand, ...]
    unknown_revenue: AmountBand
    ransom_share: float
    source: str
    date: str

    def for_revenue(self, revenue: float | None) -> AmountBand:
        if revenue is None:
            return self.unknown_revenue
        return next(
            band
            for band in self.bands
            if band.revenue_below is None or revenue < band.revenue_below
        )


@dataclass(frozen=True)
class Catalogue:
    reviewed: dt.date
    priorities: Mapping[str, Priority]
    insurers: Mapping[str, Insurer]
    large_company: LargeCompany
    elevated_risk: SectorRisk
    insured_amounts: InsuredAmounts
    source_labels: Mapping[str, str]

    def insurer(self, insurer_id: str) -> Insurer:
        try:
            return self.insurers[insurer_id]
        except KeyError:
            known = ", ".join(self.insurers)
            raise ValueError(f"unknown insurer {insurer_id!r}; known: {known}") from None

    def source_label(self, source: str) -> str:
        """How the visitor sees a source: "seed: cyberverzekering.txt" is our own page."""
        return self.source_labels.get(source, source)


def date_label(date: str) -> str:
    """A fact's date for the visitor."""
    return "datum onbekend" if date == UNKNOWN_DATE else date


# ---------------------------------------------------------------------------------------
# Reading and checking the YAML. Every helper gets `where`, the dotted place in the file.


def _fail(where: str, problem: str) -> NoReturn:
    raise CatalogueError(f"{where}: {problem}")


def _fields(
    value: Any, where: str, required: Iterable[str], optional: Iterable[str] = ()
) -> dict[str, Any]:
    """A mapping with exactly the required keys and possibly some optional ones."""
    if not isinstance(value, dict):
        _fail(where, f"expected a mapping, got {type(value).__name__}")
    required = tuple(required)
    allowed = {*required, *optional}
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        _fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    missing = [key for key in required if key not in value]
    if missing:
        _fail(where, f"missing key(s) {', '.join(missing)}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(where, "expected non-empty text")
    return value.strip()


def _date(value: Any, where: str) -> str:
    """YAML reads 2023-02-25 as a date: keep it as ISO text like the other dates."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(value, where)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(where, f"expected a number, got {value!r}")
    if value < 0:
        _fail(where, f"expected a number of 0 or more, got {value!r}")
    return float(value)


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        _fail(where, f"expected a whole number of 0 or more, got {value!r}")
    return value


def _list(value: Any, where: str, *, non_empty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        _fail(where, f"expected a list, got {type(value).__name__}")
    if non_empty and not value:
        _fail(where, "expected at least one entry")
    return value


def _sectors(value: Any, where: str) -> frozenset[str]:
    sectors = _list(value, where, non_empty=True)
    unknown = sorted(str(sector) for sector in sectors if sector not in SECTOR_IDS)
    if unknown:
        _fail(where, f"unknown sector id(s) {', '.join(unknown)}")
    return frozenset(sectors)


def _mapping(value: Any, where: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        _fail(where, f"expected a mapping, got {type(value).__name__}")
    return value


def _by_id(
    value: Any, where: str, known: tuple[str, ...], kind: str, *, all_required: bool
) -> dict[str, Any]:
    """A mapping keyed by priority or feature ids: only known ids, all of them if required."""
    entries = _mapping(value, where)
    unknown = sorted(str(key) for key in entries if key not in known)
    if unknown:
        _fail(where, f"unknown {kind} id(s) {', '.join(unknown)}; known: {', '.join(known)}")
    missing = [key for key in known if key not in entries] if all_required else []
    if missing:
        _fail(where, f"missing {kind} id(s) {', '.join(missing)}")
    return entries


def _fact(value: Any, where: str) -> Fact:
    fields = _fields(value, where, ("text", *_SOURCED))
    return Fact(
        _text(fields["text"], f"{where}.text"),
        _text(fields["source"], f"{where}.source"),
        _date(fields["date"], f"{where}.date"),
    )


def _facts(value: Any, where: str, *, non_empty: bool = False) -> tuple[Fact, ...]:
    items = _list(value, where, non_empty=non_empty)
    return tuple(_fact(item, f"{where}[{index}]") for index, item in enumerate(items))


def _fit(value: Any, where: str, *, with_short: bool) -> Fit:
    required = ("weight", "reason", *_SOURCED, *(("short",) if with_short else ()))
    fields = _fields(value, where, required)
    return Fit(
        weight=_number(fields["weight"], f"{where}.weight"),
        reason=_text(fields["reason"], f"{where}.reason"),
        source=_text(fields["source"], f"{where}.source"),
        date=_date(fields["date"], f"{where}.date"),
        short=_text(fields["short"], f"{where}.short") if with_short else None,
    )


def _condition(value: Any, where: str) -> Condition:
    fields = _fields(value, where, ("text", *_SOURCED), ("revenue_above", "sectors"))
    revenue_above = fields.get("revenue_above")
    return Condition(
        text=_text(fields["text"], f"{where}.text"),
        source=_text(fields["source"], f"{where}.source"),
        date=_date(fields["date"], f"{where}.date"),
        revenue_above=None
        if revenue_above is None
        else _number(revenue_above, f"{where}.revenue_above"),
        sectors=_sectors(fields["sectors"], f"{where}.sectors")
        if "sectors" in fields
        else frozenset(),
    )


def _premium(value: Any, where: str) -> Premium:
    fields = _fields(value, where, ("revenue_below", "low", "high", "country", "note", *_SOURCED))
    low, high = _whole(fields["low"], f"{where}.low"), _whole(fields["high"], f"{where}.high")
    if low > high:
        _fail(where, f"low ({low}) is above high ({high})")
    if fields["country"] not in ("nl", "be"):
        _fail(f"{where}.country", f"expected nl or be, got {fields['country']!r}")
    return Premium(
        revenue_below=_number(fields["revenue_below"], f"{where}.revenue_below"),
        low=low,
        high=high,
        country=fields["country"],
        note=_text(fields["note"], f"{where}.note"),
        source=_text(fields["source"], f"{where}.source"),
        date=_date(fields["date"], f"{where}.date"),
    )


def _acceptance(
    value: Any, where: str
) -> tuple[SectorExclusion | None, RevenueCap | None, UsaCanadaLimit | None]:
    fields = _fields(value, where, (), ("excluded_sectors", "revenue_cap", "usa_canada_limit"))
    excluded = revenue_cap = usa_canada = None
    if "excluded_sectors" in fields:
        at = f"{where}.excluded_sectors"
        rule = _fields(fields["excluded_sectors"], at, ("sectors", "reason", *_SOURCED))
        excluded = SectorExclusion(
            _sectors(rule["sectors"], f"{at}.sectors"),
            _text(rule["reason"], f"{at}.reason"),
            _text(rule["source"], f"{at}.source"),
            _date(rule["date"], f"{at}.date"),
        )
    if "revenue_cap" in fields:
        at = f"{where}.revenue_cap"
        rule = _fields(fields["revenue_cap"], at, ("revenue_above", "reason", *_SOURCED))
        revenue_cap = RevenueCap(
            _number(rule["revenue_above"], f"{at}.revenue_above"),
            _text(rule["reason"], f"{at}.reason"),
            _text(rule["source"], f"{at}.source"),
            _date(rule["date"], f"{at}.date"),
        )
    if "usa_canada_limit" in fields:
        at = f"{where}.usa_canada_limit"
        rule = _fields(
            fields["usa_canada_limit"], at, ("max_share", "penalty", "caveat", *_SOURCED)
        )
        max_share = _number(rule["max_share"], f"{at}.max_share")
        if max_share > 1:
            _fail(f"{at}.max_share", f"expected a share between 0 and 1, got {max_share}")
        usa_canada = UsaCanadaLimit(
            max_share,
            _number(rule["penalty"], f"{at}.penalty"),
            _text(rule["caveat"], f"{at}.caveat"),
            _text(rule["source"], f"{at}.source"),
            _date(rule["date"], f"{at}.date"),
        )
    return excluded, revenue_cap, usa_canada


def _insurer(insurer_id: str, value: Any, where: str) -> Insurer:
    fields = _fields(
        value,
        where,
        ("name", "product", "site_highlights", "cover", "strengths", "priorities", "features"),
        ("conditions", "acceptance", "premiums"),
    )
    priorities = _by_id(
        fields["priorities"], f"{where}.priorities", PRIORITY_IDS, "priority", all_required=True
    )
    features = _by_id(
        fields["features"], f"{where}.features", FEATURE_IDS, "feature", all_required=False
    )
    excluded, revenue_cap, usa_canada = _acceptance(
        fields.get("acceptance", {}), f"{where}.acceptance"
    )
    conditions = _list(fields.get("conditions", []), f"{where}.conditions")
    premiums = _list(fields.get("premiums", []), f"{where}.premiums")
    return Insurer(
        id=insurer_id,
        name=_text(fields["name"], f"{where}.name"),
        product=_text(fields["product"], f"{where}.product"),
        site_highlights=_facts(
            fields["site_highlights"], f"{where}.site_highlights", non_empty=True
        ),
        cover=_facts(fields["cover"], f"{where}.cover", non_empty=True),
        strengths=_facts(fields["strengths"], f"{where}.strengths", non_empty=True),
        conditions=tuple(
            _condition(item, f"{where}.conditions[{index}]")
            for index, item in enumerate(conditions)
        ),
        priorities={
            key: _fit(priorities[key], f"{where}.priorities.{key}", with_short=True)
            for key in PRIORITY_IDS
        },
        features={
            key: _fit(features[key], f"{where}.features.{key}", with_short=False)
            for key in FEATURE_IDS
            if key in features
        },
        excluded_sectors=excluded,
        revenue_cap=revenue_cap,
        usa_canada_limit=usa_canada,
        premiums=tuple(
            _premium(item, f"{where}.premiums[{index}]") for index, item in enumerate(premiums)
        ),
    )


def _priorities(value: Any, where: str) -> dict[str, Priority]:
    fields = _by_id(value, where, PRIORITY_IDS, "priority", all_required=True)
    priorities = {}
    for key in PRIORITY_IDS:
        at = f"{where}.{key}"
        entry = _fields(fields[key], at, ("label", "button"))
        button = _text(entry["button"], f"{at}.button")
        if len(button) > MAX_BUTTON_CHARS:
            _fail(f"{at}.button", f"longer than {MAX_BUTTON_CHARS} characters: {button!r}")
        priorities[key] = Priority(key, _text(entry["label"], f"{at}.label"), button)
    return priorities


def _band(value: Any, where: str, *, with_revenue: bool) -> AmountBand:
    required = ("low", "high", "why", *(("revenue_below",) if with_revenue else ()))
    fields = _fields(value, where, required)
    low, high = _whole(fields["low"], f"{where}.low"), _whole(fields["high"], f"{where}.high")
    if low > high:
        _fail(where, f"low ({low}) is above high ({high})")
    below = fields.get("revenue_below")
    return AmountBand(
        low=low,
        high=high,
        why=_text(fields["why"], f"{where}.why"),
        revenue_below=None if below is None else _number(below, f"{where}.revenue_below"),
    )


def _insured_amounts(value: Any, where: str) -> InsuredAmounts:
    fields = _fields(value, where, ("bands", "unknown_revenue", "ransom_share", *_SOURCED))
    items = _list(fields["bands"], f"{where}.bands", non_empty=True)
    bands = tuple(
        _band(item, f"{where}.bands[{index}]", with_revenue=True)
        for index, item in enumerate(items)
    )
    # Rising limits and an open-ended last band, so that every revenue finds one band.
    *inner, top = bands
    limits = [band.revenue_below for band in inner if band.revenue_below is not None]
    if top.revenue_below is not None or len(limits) < len(inner):
        _fail(f"{where}.bands", "the last band, and only that one, needs revenue_below: null")
    if any(lower >= upper for lower, upper in pairwise(limits)):
        _fail(f"{where}.bands", "revenue_below must go up from band to band")
    ransom_share = _number(fields["ransom_share"], f"{where}.ransom_share")
    if ransom_share > 1:
        _fail(f"{where}.ransom_share", f"expected a share between 0 and 1, got {ransom_share}")
    return InsuredAmounts(
        bands=bands,
        unknown_revenue=_band(
            fields["unknown_revenue"], f"{where}.unknown_revenue", with_revenue=False
        ),
        ransom_share=ransom_share,
        source=_text(fields["source"], f"{where}.source"),
        date=_date(fields["date"], f"{where}.date"),
    )


def _catalogue(data: Any) -> Catalogue:
    fields = _fields(
        data,
        "(top level)",
        (
            "reviewed",
            "source_labels",
            "priorities",
            "large_company",
            "elevated_risk_sectors",
            "insured_amounts",
            "insurers",
        ),
    )
    reviewed = fields["reviewed"]
    if not isinstance(reviewed, dt.date):
        _fail("reviewed", f"expected a date like 2026-11-26, got {reviewed!r}")
    labels = _mapping(fields["source_labels"], "source_labels")
    large = _fields(
        fields["large_company"], "large_company", ("min_employees", "revenue_above", *_SOURCED)
    )
    risk = _fields(
        fields["elevated_risk_sectors"], "elevated_risk_sectors", ("sectors", "text", *_SOURCED)
    )
    insurers = _mapping(fields["insurers"], "insurers")
    if not insurers:
        _fail("insurers", "expected at least one insurer")
    return Catalogue(
        reviewed=reviewed,
        priorities=_priorities(fields["priorities"], "priorities"),
        insurers={
            str(key): _insurer(str(key), value, f"insurers.{key}")
            for key, value in insurers.items()
        },
        large_company=LargeCompany(
            _whole(large["min_employees"], "large_company.min_employees"),
            _number(large["revenue_above"], "large_company.revenue_above"),
            _text(large["source"], "large_company.source"),
            _date(large["date"], "large_company.date"),
        ),
        elevated_risk=SectorRisk(
            _sectors(risk["sectors"], "elevated_risk_sectors.sectors"),
            _text(risk["text"], "elevated_risk_sectors.text"),
            _text(risk["source"], "elevated_risk_sectors.source"),
            _date(risk["date"], "elevated_risk_sectors.date"),
        ),
        insured_amounts=_insured_amounts(fields["insured_amounts"], "insured_amounts"),
        source_labels={
            str(key): _text(value, f"source_labels.{key}") for key, value in labels.items()
        },
    )


def _read(path: Path) -> Catalogue:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogueError(f"{path.name}: not valid YAML: {error}") from None
    try:
        return _catalogue(data)
    except CatalogueError as error:
        raise CatalogueError(f"{path.name}: {error}") from None


@lru_cache(maxsize=1)
def _shipped() -> Catalogue:
    return _read(CATALOGUE_FILE)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue in ``path``; without one, the shipped file, read once per process."""
    return _shipped() if path is None else _read(path)

"""The insurer catalogue: facts, weights and Dutch phrases from ``content/insurers.yml``.

The loader checks the file strictly, because a typo there would silently change advice:
an unknown key, a fact without ``source`` or ``date``, or a priority, feature or sector id
the chat does not use raises ``CatalogueError`` (a ``ValueError``) that names the file and
every problem's place, e.g. ``insurers.yml: insurers.hiscox.premiums[0]: missing key(s)
source``. The structure of the file is the pydantic model ``_CatalogueFile``; callers get
the frozen dataclasses below, made from the checked model.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, root_validator, validator

from cyberbot.advice.sectors import load_sectors
from cyberbot.content import Checked, ContentModel, Text, content_path, key_check, parse_content

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
# The file as pydantic models, from which the classes above are made field for field.


class _Number(float, Checked):
    """A number of 0 or more as YAML writes it: 3 or 2.5, not "3" or true."""

    @staticmethod
    def check(value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError(f"expected a number, got {value!r}")
        if value < 0:
            raise ValueError(f"expected a number of 0 or more, got {value!r}")
        return float(value)


class _Share(float, Checked):
    """A share of revenue, from 0 to 1."""

    @staticmethod
    def check(value: Any) -> float:
        share = _Number.check(value)
        if share > 1:
            raise ValueError(f"expected a share between 0 and 1, got {share}")
        return share


class _Whole(int, Checked):
    """A whole number of 0 or more: 3, not 3.5 or true."""

    @staticmethod
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"expected a whole number of 0 or more, got {value!r}")
        return value


class _Sectors(frozenset[str], Checked):
    """A list of the sector ids the chat uses, at least one."""

    @staticmethod
    def check(value: Any) -> frozenset[str]:
        if not isinstance(value, list):
            raise ValueError("expected a list of sector ids")
        if not value:
            raise ValueError("expected at least one sector id")
        unknown = sorted(str(sector) for sector in value if sector not in SECTOR_IDS)
        if unknown:
            raise ValueError(f"unknown sector id(s) {', '.join(unknown)}")
        return frozenset(value)


class _Sourced(ContentModel):
    source: Text
    date: Text

    @validator("date", pre=True)
    def _iso(cls, date: Any) -> Any:  # noqa: N805 (pydantic passes the class)
        """YAML reads 2023-02-25 as a date: keep it as ISO text like the other dates."""
        return date.isoformat() if isinstance(date, dt.date) else date


class _Fact(_Sourced):
    text: Text


class _Fit(_Sourced):
    weight: _Number
    reason: Text


class _PriorityFit(_Fit):
    short: Text


class _Condition(_Sourced):
    text: Text
    revenue_above: _Number | None = None
    sectors: _Sectors = Field(default_factory=frozenset)


class _SectorExclusion(_Sourced):
    sectors: _Sectors
    reason: Text


class _RevenueCap(_Sourced):
    revenue_above: _Number
    reason: Text


class _UsaCanadaLimit(_Sourced):
    max_share: _Share
    penalty: _Number
    caveat: Text


class _Acceptance(ContentModel):
    excluded_sectors: _SectorExclusion | None = None
    revenue_cap: _RevenueCap | None = None
    usa_canada_limit: _UsaCanadaLimit | None = None


class _Range(ContentModel):
    low: _Whole
    high: _Whole

    @root_validator(skip_on_failure=True)
    def _in_order(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["low"] > values["high"]:
            raise ValueError(f"low ({values['low']}) is above high ({values['high']})")
        return values


class _Premium(_Range, _Sourced):
    revenue_below: _Number
    country: Text
    note: Text

    @validator("country")
    def _market(cls, country: str) -> str:  # noqa: N805
        if country not in ("nl", "be"):
            raise ValueError(f"expected nl or be, got {country!r}")
        return country


class _Insurer(ContentModel):
    name: Text
    product: Text
    site_highlights: list[_Fact] = Field(min_items=1)
    cover: list[_Fact] = Field(min_items=1)
    strengths: list[_Fact] = Field(min_items=1)
    conditions: tuple[_Condition, ...] = ()
    acceptance: _Acceptance = _Acceptance()
    premiums: tuple[_Premium, ...] = ()
    priorities: dict[str, _PriorityFit]
    features: dict[str, _Fit]

    _priority_ids = key_check("priorities", PRIORITY_IDS, "priority id")
    _feature_ids = key_check("features", FEATURE_IDS, "feature id", all_required=False)


class _Priority(ContentModel):
    label: Text
    button: Text

    @validator("button")
    def _short(cls, button: str) -> str:  # noqa: N805
        if len(button) > MAX_BUTTON_CHARS:
            raise ValueError(f"longer than {MAX_BUTTON_CHARS} characters: {button!r}")
        return button


class _LargeCompany(_Sourced):
    min_employees: _Whole
    revenue_above: _Number


class _SectorRisk(_Sourced):
    sectors: _Sectors
    text: Text


class _Band(_Range):
    why: Text


class _RevenueBand(_Band):
    revenue_below: _Number | None = Field(...)  # required; null for the open-ended top band


class _InsuredAmounts(_Sourced):
    bands: list[_RevenueBand] = Field(min_items=1)
    unknown_revenue: _Band
    ransom_share: _Share

    @validator("bands")
    def _one_band_per_revenue(cls, bands: list[_RevenueBand]) -> list[_RevenueBand]:  # noqa: N805
        """Rising limits and an open-ended last band, so that every revenue finds one band."""
        *inner, top = bands
        limits = [band.revenue_below for band in inner if band.revenue_below is not None]
        if top.revenue_below is not None or len(limits) < len(inner):
            raise ValueError("the last band, and only that one, needs revenue_below: null")
        if any(lower >= upper for lower, upper in pairwise(limits)):
            raise ValueError("revenue_below must go up from band to band")
        return bands


class _CatalogueFile(ContentModel):
    reviewed: dt.date
    source_labels: dict[str, Text]
    priorities: dict[str, _Priority]
    large_company: _LargeCompany
    elevated_risk_sectors: _SectorRisk
    insured_amounts: _InsuredAmounts
    insurers: dict[str, _Insurer]

    _priority_ids = key_check("priorities", PRIORITY_IDS, "priority id")

    @validator("reviewed", pre=True)
    def _a_date(cls, reviewed: Any) -> Any:  # noqa: N805
        if not isinstance(reviewed, dt.date):
            raise ValueError(f"expected a date like 2026-11-26, got {reviewed!r}")
        return reviewed

    @validator("insurers")
    def _some(cls, insurers: dict[str, _Insurer]) -> dict[str, _Insurer]:  # noqa: N805
        if not insurers:
            raise ValueError("expected at least one insurer")
        return insurers


def _insurer(insurer_id: str, entry: _Insurer) -> Insurer:
    excluded = entry.acceptance.excluded_sectors
    revenue_cap = entry.acceptance.revenue_cap
    usa_canada = entry.acceptance.usa_canada_limit
    return Insurer(
        id=insurer_id,
        name=entry.name,
        product=entry.product,
        site_highlights=tuple(Fact(**fact.dict()) for fact in entry.site_highlights),
        cover=tuple(Fact(**fact.dict()) for fact in entry.cover),
        strengths=tuple(Fact(**fact.dict()) for fact in entry.strengths),
        conditions=tuple(Condition(**condition.dict()) for condition in entry.conditions),
        priorities={key: Fit(**fit.dict()) for key, fit in entry.priorities.items()},
        features={key: Fit(**fit.dict()) for key, fit in entry.features.items()},
        excluded_sectors=None if excluded is None else SectorExclusion(**excluded.dict()),
        revenue_cap=None if revenue_cap is None else RevenueCap(**revenue_cap.dict()),
        usa_canada_limit=None if usa_canada is None else UsaCanadaLimit(**usa_canada.dict()),
        premiums=tuple(Premium(**premium.dict()) for premium in entry.premiums),
    )


def _catalogue(file: _CatalogueFile) -> Catalogue:
    amounts = file.insured_amounts
    return Catalogue(
        reviewed=file.reviewed,
        priorities={key: Priority(key, **entry.dict()) for key, entry in file.priorities.items()},
        insurers={key: _insurer(key, entry) for key, entry in file.insurers.items()},
        large_company=LargeCompany(**file.large_company.dict()),
        elevated_risk=SectorRisk(**file.elevated_risk_sectors.dict()),
        insured_amounts=InsuredAmounts(
            bands=tuple(AmountBand(**band.dict()) for band in amounts.bands),
            unknown_revenue=AmountBand(**amounts.unknown_revenue.dict()),
            ransom_share=amounts.ransom_share,
            source=amounts.source,
            date=amounts.date,
        ),
        source_labels=file.source_labels,
    )


def _read(path: Path) -> Catalogue:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CatalogueError(f"{path.name}: not valid YAML: {error}") from None
    return _catalogue(parse_content(_CatalogueFile, data, path.name, CatalogueError))


@lru_cache(maxsize=1)
def _shipped() -> Catalogue:
    return _read(CATALOGUE_FILE)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue in ``path``; without one, the shipped file, read once per process."""
    return _shipped() if path is None else _read(path)

"""Which insurers fit a visitor's business profile, in what order, and why.

Everything that weighs comes from the catalogue (``content/insurers.yml``):

- An insurer is excluded when the profile meets one of its acceptance rules (an excluded
  sector, revenue above its cap); it is then left out of the ranking.
- Score = the insurer's weight for the visitor's priority + its weights for the profile
  features that apply (USA/Canada revenue, online sales, personal data, a large company),
  minus the penalty of its USA/Canada limit when the visitor has revenue there.
- Ties: the higher weight for the visitor's priority first, then the catalogue order
  (the order of the site: AIG, Hiscox, Chubb). The ranking is deterministic.
- Reasons, at most two: the insurer's reason for the visitor's priority (also when it is
  weak, so the visitor sees how it does on what they chose), then the reasons of the
  applying features with positive weight, highest first; a text is never repeated. With
  no answers to go on, the insurer's first highlight on the site.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from cyberbot.advice.catalogue import (
    FEATURE_IDS,
    PRIORITY_IDS,
    SECTOR_IDS,
    Catalogue,
    Condition,
    Fit,
    Insurer,
    date_label,
    load_catalogue,
)
from cyberbot.reading.country import COUNTRIES

MAX_REASONS = 2
# The priority for which an insurer's USA/Canada limit is worth a caveat even without
# revenue there.
WORLDWIDE = "worldwide"


def _choice(value: Any, allowed: frozenset[str] | tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def _amount(value: Any) -> float | None:
    """A non-negative finite number from a slot value, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class Profile:
    """The visitor's answers; None where not (yet) known."""

    sector: str | None = None
    employees: int | None = None
    revenue: float | None = None
    usa_canada: bool | None = None
    personal_data: bool | None = None
    online_sales: bool | None = None
    priority: str | None = None
    country: str | None = None  # nl or be: the market whose facts and taxes apply

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> Profile:
        """The profile from the tracker's slots; missing, unknown or malformed values are None.

        Rasa keeps numbers in float slots, so 12.0 employees becomes 12.
        """
        employees = _amount(slots.get("employees"))
        return cls(
            sector=_choice(slots.get("sector"), SECTOR_IDS),
            employees=None if employees is None else round(employees),
            revenue=_amount(slots.get("revenue")),
            usa_canada=_flag(slots.get("usa_canada")),
            personal_data=_flag(slots.get("personal_data")),
            online_sales=_flag(slots.get("online_sales")),
            priority=_choice(slots.get("priority"), PRIORITY_IDS),
            country=_choice(slots.get("country"), COUNTRIES),
        )



# The slots (domain.yml) that make up the business profile, in the order asked.
PROFILE_SLOTS = tuple(field.name for field in fields(Profile))

@dataclass(frozen=True)
class RankedInsurer:
    id: str
    name: str
    score: float
    reasons: tuple[str, ...]  # Dutch, tied to the visitor's answers


@dataclass(frozen=True)
class Exclusion:
    id: str
    name: str
    reason: str  # Dutch


@dataclass(frozen=True)
class Recommendation:
    ranked: tuple[RankedInsurer, ...]  # best first; empty when every insurer is excluded
    excluded: tuple[Exclusion, ...]
    insured_amount: tuple[int, int]  # suggested range in euros
    # insurer id -> (low, high, note with source): only where a range applies to the revenue
    premiums: Mapping[str, tuple[int, int, str]]
    caveats: tuple[str, ...]  # Dutch

    @property
    def insurer_ids(self) -> list[str]:
        """The ranked ids, best first: the slot ``recommended_insurers``."""
        return [insurer.id for insurer in self.ranked]


def active_features(profile: Profile, catalogue: Catalogue) -> tuple[str, ...]:
    """The profile features that apply, in ``FEATURE_IDS`` order."""
    large = catalogue.large_company
    applies = {
        "usa_canada": profile.usa_canada is True,
        "online_sales": profile.online_sales is True,
        "personal_data": profile.personal_data is True,
        "large_company": (
            profile.employees is not None and profile.employees >= large.min_employees
        )
        or (profile.revenue is not None and profile.revenue > large.revenue_above),
    }
    return tuple(feature for feature in FEATURE_IDS if applies[feature])


def exclusion_reason(insurer: Insurer, profile: Profile) -> str | None:
    """Why the insurer cannot insure this profile, or None."""
    sectors = insurer.excluded_sectors
    if sectors is not None and profile.sector in sectors.sectors:
        return sectors.reason
    cap = insurer.revenue_cap
    if cap is not None and profile.revenue is not None and profile.revenue > cap.revenue_above:
        return cap.reason
    return None


def _priority_fit(insurer: Insurer, profile: Profile) -> Fit | None:
    return insurer.priorities.get(profile.priority) if profile.priority else None


def _priority_weight(insurer: Insurer, profile: Profile) -> float:
    fit = _priority_fit(insurer, profile)
    return fit.weight if fit else 0.0


def score(insurer: Insurer, profile: Profile, features: tuple[str, ...]) -> float:
    """Priority weight + weights of the applying features - the USA/Canada penalty."""
    total = _priority_weight(insurer, profile)
    total += sum(insurer.features[key].weight for key in features if key in insurer.features)
    if insurer.usa_canada_limit is not None and profile.usa_canada is True:
        total -= insurer.usa_canada_limit.penalty
    return total


def _as_sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


def reasons(insurer: Insurer, profile: Profile, features: tuple[str, ...]) -> tuple[str, ...]:
    """One or two Dutch reasons: the priority's, then the strongest applying features'."""
    priority_fit = _priority_fit(insurer, profile)
    candidates = [] if priority_fit is None else [priority_fit.reason]
    fits = [insurer.features[key] for key in features if key in insurer.features]
    # sorted() is stable: equal weights keep the FEATURE_IDS order
    candidates += [
        fit.reason for fit in sorted(fits, key=lambda fit: -fit.weight) if fit.weight > 0
    ]
    chosen = tuple(dict.fromkeys(candidates))[:MAX_REASONS]
    return chosen or (_as_sentence(insurer.site_highlights[0].text),)


def _triggered(condition: Condition, profile: Profile) -> bool:
    """Whether a condition with a trigger applies to the profile (all its triggers hold)."""
    if condition.unconditional:
        return False
    if condition.revenue_above is not None and not (
        profile.revenue is not None and profile.revenue > condition.revenue_above
    ):
        return False
    return not condition.sectors or profile.sector in condition.sectors


def caveats(insurer: Insurer, profile: Profile) -> list[str]:
    """Conditions of the insurer that matter for this profile."""
    found = []
    limit = insurer.usa_canada_limit
    if limit is not None and (profile.usa_canada is True or profile.priority == WORLDWIDE):
        found.append(limit.caveat)
    found += [condition.text for condition in insurer.conditions if _triggered(condition, profile)]
    return found


def premium(
    insurer: Insurer, profile: Profile, catalogue: Catalogue
) -> tuple[int, int, str] | None:
    """The insurer's indicative premium range for this revenue in the visitor's country,
    with its source and date; none without a dated figure for that market."""
    if profile.revenue is None:
        return None
    for entry in insurer.premiums:
        if (profile.revenue < entry.revenue_below and entry.country == profile.country
                and entry.dated):
            source = f"{catalogue.source_label(entry.source)} ({date_label(entry.date)})"
            return entry.low, entry.high, f"{entry.note}; bron: {source}"
    return None


def recommend(profile: Profile, catalogue: Catalogue | None = None) -> Recommendation:
    """The ranked insurers, the excluded ones with why, and what to tell about amounts."""
    catalogue = catalogue or load_catalogue()
    features = active_features(profile, catalogue)
    scored: list[tuple[float, float, int, Insurer]] = []
    excluded = []
    for position, insurer in enumerate(catalogue.insurers.values()):
        why_not = exclusion_reason(insurer, profile)
        if why_not is None:
            weight = _priority_weight(insurer, profile)
            scored.append((score(insurer, profile, features), weight, position, insurer))
        else:
            excluded.append(Exclusion(insurer.id, insurer.name, why_not))
    scored.sort(key=lambda entry: (-entry[0], -entry[1], entry[2]))
    ranked = [insurer for *_, insurer in scored]
    premiums = {
        insurer.id: found
        for insurer in ranked
        if (found := premium(insurer, profile, catalogue)) is not None
    }
    all_caveats = (text for insurer in ranked for text in caveats(insurer, profile))
    band = catalogue.insured_amounts.for_revenue(profile.revenue)
    return Recommendation(
        ranked=tuple(
            RankedInsurer(insurer.id, insurer.name, total, reasons(insurer, profile, features))
            for total, _, _, insurer in scored
        ),
        excluded=tuple(excluded),
        insured_amount=(band.low, band.high),
        premiums=premiums,
        caveats=tuple(dict.fromkeys(all_caveats)),
    )


def advice_basis(rec: Recommendation) -> dict[str, Any]:
    """The recommendation as the basis an adviser's demands-and-needs statement starts
    from: the reasons of the order, who was left out and why, the caveats."""
    return {
        "ranking": [{"insurer": ranked.id, "reasons": list(ranked.reasons)}
                    for ranked in rec.ranked],
        "excluded": [{"insurer": exclusion.id, "reason": exclusion.reason}
                     for exclusion in rec.excluded],
        "caveats": list(rec.caveats),
    }

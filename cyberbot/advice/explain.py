"""The comparison as short Dutch chat messages.

Chat channels render **bold** and numbered lists but not tables, and a message on WhatsApp
should fit on a phone screen: every message here stays under ``MAX_MESSAGE_CHARS``.

Ranking insurers for a visitor is insurance distribution, so the text says what it is: a
comparison of three insurers (not the market) on the visitor's answers, information and
not personal advice, with the site operator's registration and complaints body
(operator.yml); the advice comes from a licensed adviser. Premiums appear only where the
catalogue has a dated range for the visitor's country and revenue, marked "indicatief"
with that country's tax. Words that differ per country are the visitor's.
"""

from __future__ import annotations

from collections.abc import Iterable

from cyberbot.advice.catalogue import Catalogue, date_label, load_catalogue
from cyberbot.advice.formatting import format_euro_range
from cyberbot.advice.ranking import Profile, Recommendation
from cyberbot.operator_info import OperatorInfo, operator_info
from cyberbot.reading.country import localise

MAX_MESSAGE_CHARS = 900

_HEADER = "Vergelijking van AIG, Hiscox en Chubb op uw antwoorden, best passend eerst:"
_QUOTE_NOTE = "De premie en de acceptatie volgen uit een offerte via een {term:adviseur}."
_DISCLOSURE = (
    "Dit is informatie: een vergelijking van drie verzekeraars, niet van de hele markt, en "
    "geen persoonlijk advies. Het advies krijgt u van een erkende {term:adviseur} van "
    "{operator_name} ({operator_registration}); klachten: {operator_complaints}."
)
_NO_FIT = (
    "Op basis van uw antwoorden past geen van de drie verzekeraars die wij vergelijken zeker "
    "bij u. Een {term:adviseur} bekijkt uw situatie graag persoonlijk."
)


def _sources_line(sourced: Iterable[tuple[str, str]], catalogue: Catalogue) -> str:
    """The "Bron: a, b (date); c (date)." line for (source, date) pairs, grouped by date."""
    by_date: dict[str, list[str]] = {}
    for source, date in sourced:
        labels = by_date.setdefault(date_label(date), [])
        label = catalogue.source_label(source)
        if label not in labels:
            labels.append(label)
    groups = (f"{', '.join(labels)} ({date})" for date, labels in by_date.items())
    return f"Bron: {'; '.join(groups)}."


def _amount_lines(rec: Recommendation, profile: Profile, catalogue: Catalogue) -> list[str]:
    """The suggested insured amount with the why, and dated indicative premiums."""
    amounts = catalogue.insured_amounts
    lines = [
        f"**Verzekerd bedrag:** {format_euro_range(*rec.insured_amount)}. "
        f"{amounts.for_revenue(profile.revenue).why}"
    ]
    for insurer_id, (low, high, note) in rec.premiums.items():
        name = catalogue.insurer(insurer_id).name
        lines.append(f"**Premie (indicatief)** {name}: {format_euro_range(low, high)} {note}.")
    return lines


def disclosure(country: str | None, operator: OperatorInfo | None = None) -> str:
    """Who compares, what it is and is not, and where to complain, for the visitor's country."""
    operator = operator or operator_info()
    return localise(_DISCLOSURE, country).format(**operator.placeholders(country))


def recommendation_text(
    rec: Recommendation, profile: Profile, catalogue: Catalogue | None = None
) -> str:
    """The comparison: the order with reasons, who is left out and why, the amount and
    dated premiums for the visitor's country. ``disclosure`` says what it is, right under it."""
    catalogue = catalogue or load_catalogue()
    left_out = [f"Niet meegenomen: {exclusion.reason}" for exclusion in rec.excluded]
    if not rec.ranked:
        lines = [_NO_FIT, *left_out]
    else:
        lines = [_HEADER]
        for number, ranked in enumerate(rec.ranked, start=1):
            # all reasons for the best fit, the main one for the others: short enough to read
            shown = ranked.reasons if number == 1 else ranked.reasons[:1]
            lines.append(
                f"{number}. **{catalogue.insurer(ranked.id).product}**: {' '.join(shown)}"
            )
        lines += left_out
        lines += [f"Let op: {caveat}" for caveat in rec.caveats]
        if profile.sector in catalogue.elevated_risk.sectors:
            lines.append(catalogue.elevated_risk.text)
        lines += _amount_lines(rec, profile, catalogue)
        lines.append(_QUOTE_NOTE)
    return localise("\n".join(lines), profile.country)


# What an unanswered question leaves out of the comparison, in the visitor's words.
_UNANSWERED_LABELS = {
    "employees": "medewerkers",
    "revenue": "omzet",
    "usa_canada": "VS/Canada",
    "personal_data": "persoonsgegevens",
    "online_sales": "online verkoop",
    "priority": "voorkeur",
}
_UNANSWERED = "Niet ingevuld: {questions}; een {term:adviseur} vraagt dat na."


def unanswered_text(profile: Profile) -> str | None:
    """Which questions the comparison had no answer to ("weet ik niet", "sla over")."""
    unknown = [label for field, label in _UNANSWERED_LABELS.items()
               if getattr(profile, field) is None]
    if not unknown:
        return None
    return localise(_UNANSWERED.replace("{questions}", ", ".join(unknown)), profile.country)


def insurer_text(
    insurer_id: str, catalogue: Catalogue | None = None, country: str | None = None
) -> str:
    """Facts on one insurer: site highlights, cover, strengths, a condition, sources."""
    catalogue = catalogue or load_catalogue()
    insurer = catalogue.insurer(insurer_id)
    condition = next(
        (condition for condition in insurer.conditions if condition.unconditional), None
    )
    lines = [f"**{insurer.product}**"]
    lines += [f"• {fact.text}" for fact in insurer.site_highlights]
    lines.append(f"Dekking: {' '.join(fact.text for fact in insurer.cover)}")
    lines.append(f"Sterke punten: {' '.join(fact.text for fact in insurer.strengths)}")
    facts = [*insurer.site_highlights, *insurer.cover, *insurer.strengths]
    sourced = [(fact.source, fact.date) for fact in facts]
    if condition is not None:
        lines.append(f"Let op: {condition.text}")
        sourced.append((condition.source, condition.date))
    lines.append(_sources_line(sourced, catalogue))
    return localise("\n".join(lines), country)


def comparison_text(
    a_id: str, b_id: str, catalogue: Catalogue | None = None, country: str | None = None
) -> str:
    """Two insurers side by side, one short line per priority (no table: chats lack them)."""
    catalogue = catalogue or load_catalogue()
    if a_id == b_id:
        raise ValueError(f"compare two different insurers, got {a_id!r} twice")
    a, b = catalogue.insurer(a_id), catalogue.insurer(b_id)
    lines = [f"**{a.product}** en **{b.product}** naast elkaar:"]
    sourced = []
    for priority in catalogue.priorities.values():
        fit_a, fit_b = a.priorities[priority.id], b.priorities[priority.id]
        lines.append(f"**{priority.button}** — {a.name}: {fit_a.short} · {b.name}: {fit_b.short}")
        sourced += [(fit_a.source, fit_a.date), (fit_b.source, fit_b.date)]
    lines.append(_sources_line(sourced, catalogue))
    return localise("\n".join(lines), country)

"""The advice as short Dutch chat messages.

Chat channels render **bold** and numbered lists but not tables, and a message on WhatsApp
should fit on a phone screen: every message here stays under ``MAX_MESSAGE_CHARS``.
Premiums appear only where the catalogue has a range for the visitor's revenue, always
marked "indicatief" with the tax note; the final premium and acceptance follow from a quote.
"""

from __future__ import annotations

from collections.abc import Iterable

from cyberbot.advice.catalogue import Catalogue, date_label, load_catalogue
from cyberbot.advice.formatting import format_euro, format_euro_range
from cyberbot.advice.ranking import Profile, Recommendation

MAX_MESSAGE_CHARS = 900

_HEADER = "Mijn advies, de best passende eerst:"
_QUOTE_NOTE = "De definitieve premie en acceptatie volgen uit een offerte via een adviseur."
_NO_FIT = (
    "Op basis van uw antwoorden past geen van onze verzekeraars zeker bij u. "
    "Een adviseur bekijkt uw situatie graag persoonlijk."
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
    """The suggested insured amount with the why, and the indicative premiums."""
    amounts = catalogue.insured_amounts
    line = (
        f"**Verzekerd bedrag:** {format_euro_range(*rec.insured_amount)}. "
        f"{amounts.for_revenue(profile.revenue).why}"
    )
    if profile.revenue:  # no estimate without revenue
        line += (
            f" Een losgeldeis is vaak zo'n {amounts.ransom_share:.0%} van de omzet: "
            f"bij u ca. {format_euro(profile.revenue * amounts.ransom_share)}."
        )
    lines = [line]
    for insurer_id, (low, high, note) in rec.premiums.items():
        name = catalogue.insurer(insurer_id).name
        lines.append(f"**Premie (indicatief)** {name}: {format_euro_range(low, high)} {note}.")
    return lines


def recommendation_text(
    rec: Recommendation, profile: Profile, catalogue: Catalogue | None = None
) -> str:
    """The advice: the order with reasons, who is left out and why, amount and premium."""
    catalogue = catalogue or load_catalogue()
    left_out = [f"Niet meegenomen: {exclusion.reason}" for exclusion in rec.excluded]
    if not rec.ranked:
        return "\n".join([_NO_FIT, *left_out])
    lines = [_HEADER]
    for number, ranked in enumerate(rec.ranked, start=1):
        # all reasons for the best fit, the main one for the others: short enough to read
        shown = ranked.reasons if number == 1 else ranked.reasons[:1]
        lines.append(f"{number}. **{catalogue.insurer(ranked.id).product}**: {' '.join(shown)}")
    lines += left_out
    lines += [f"Let op: {caveat}" for caveat in rec.caveats]
    if profile.sector in catalogue.elevated_risk.sectors:
        lines.append(catalogue.elevated_risk.text)
    lines += _amount_lines(rec, profile, catalogue)
    lines.append(_QUOTE_NOTE)
    return "\n".join(lines)


def insurer_text(insurer_id: str, catalogue: Catalogue | None = None) -> str:
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
    return "\n".join(lines)


def comparison_text(a_id: str, b_id: str, catalogue: Catalogue | None = None) -> str:
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
    return "\n".join(lines)

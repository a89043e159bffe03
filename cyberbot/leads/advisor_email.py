"""The plain-text Dutch e-mail that tells the advisors about one lead."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from cyberbot.advice.catalogue import load_catalogue
from cyberbot.advice.sectors import load_sectors
from cyberbot.dutch_dates import full_date
from cyberbot.text import single_line

ADVISOR_TIME_ZONE = ZoneInfo("Europe/Amsterdam")
SUBJECTS = {"quote": "Nieuwe offerteaanvraag", "callback": "Nieuw terugbelverzoek"}
INTRODUCTIONS = {
    "quote": "Via de chatassistent is een nieuwe offerteaanvraag binnengekomen.",
    "callback": "Via de chatassistent heeft een bezoeker gevraagd om teruggebeld te worden.",
}
NO_PREFERENCE = "geen voorkeur"
# Profile keys in the order and with the labels the advisors read.
PROFILE_LABELS = {
    "sector": "Sector",
    "employees": "Aantal medewerkers",
    "revenue": "Jaaromzet",
    "usa_canada": "Activiteiten in de VS of Canada",
    "personal_data": "Verwerkt persoonsgegevens",
    "online_sales": "Verkoopt online",
    "priority": "Belangrijkste wens",
    "country": "Land",
}
COUNTRY_NAMES = {"nl": "Nederland", "be": "België"}
UNKNOWN = "niet opgegeven"


def compose_advisor_email(
    lead: dict[str, Any], outbox_id: str, sender: str, recipients: tuple[str, ...]
) -> EmailMessage:
    """One e-mail for ``lead`` (a ``lead_record``); its Message-ID is derived from the
    outbox id, so that a repeated delivery shows up as a duplicate in the advisors' mail."""
    message = EmailMessage()
    message["Subject"] = f"{SUBJECTS[lead['kind']]} {lead['reference']}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = f"<{outbox_id}@{sender.rpartition('@')[2]}>"
    message["X-Cyberbot-Delivery"] = outbox_id
    message.set_content(advisor_email_body(lead))
    return message


def advisor_email_body(lead: dict[str, Any]) -> str:
    profile: dict[str, Any] = lead.get("profile") or {}
    contact = [
        ("Naam", lead.get("contact_name")),
        ("E-mailadres", lead.get("contact_email")),
        ("Telefoonnummer", lead.get("contact_phone")),
        ("Bedrijfsnaam", lead.get("company_name")),
        ("Voorkeursverzekeraar", _insurer(lead.get("preferred_insurer"))),
    ]
    if lead["kind"] == "callback" or lead.get("callback_moment"):
        # The visitor's own words: shown as a quotation, never as a line of ours.
        moment = lead.get("callback_moment")
        contact.append(("Gewenst terugbelmoment", _quoted(moment) if moment else None))
    business = [
        (label, _profile_value(key, profile.get(key))) for key, label in PROFILE_LABELS.items()
    ]
    business += [(key, _text(value)) for key, value in profile.items() if key not in PROFILE_LABELS]
    advice = [_insurer(insurer) for insurer in lead.get("recommendation") or []]
    lines = [
        "Geachte adviseur,",
        "",
        INTRODUCTIONS[lead["kind"]],
        "Wilt u zo snel mogelijk, uiterlijk binnen één werkdag, contact opnemen?",
        "",
        *_section(
            "Aanvraag",
            [("Referentie", lead["reference"]), ("Ontvangen", _moment(lead["created_at"]))],
        ),
        *_section("Contactgegevens", contact),
        *_section("Bedrijfsprofiel", business),
        *_section(
            "Vergelijking door de assistent",
            [("Best passend eerst", ", ".join(advice) if advice else "geen vergelijking")],
        ),
        *_basis_lines(lead.get("advice_basis")),
        *_section(
            "Gesprek",
            [("Gespreks-ID", lead.get("conversation_id")), ("Kanaal", lead.get("channel"))],
        ),
        "Deze e-mail bevat persoonsgegevens. Behandelt u deze vertrouwelijk en bewaart u ze",
        "niet langer dan nodig (AVG).",
        "",
    ]
    return "\n".join(lines)


def _basis_lines(basis: Any) -> list[str]:
    """The reasons of the comparison: where the demands-and-needs statement starts."""
    if not isinstance(basis, dict):
        return []
    rows: list[tuple[str, Any]] = []
    for entry in basis.get("ranking") or []:
        rows.append((_text(_insurer(entry.get("insurer"))), "; ".join(entry.get("reasons") or [])))
    for entry in basis.get("excluded") or []:
        rows.append((f"{_text(_insurer(entry.get('insurer')))} (niet meegenomen)",
                     entry.get("reason")))
    for caveat in basis.get("caveats") or []:
        rows.append(("Let op", caveat))
    if not rows:
        return []
    return [*_section("Basis voor wensen en behoeften (IDD)", rows)[:-1],
            "  De bezoeker kreeg informatie en een vergelijking, geen advies: stel de",
            "  wensen-en-behoeftenverklaring op met de bezoeker.", ""]


def format_number(value: float, decimals: int = 0) -> str:
    """Dutch notation: 1.250.000 and 1.250,50."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_euro(amount: float) -> str:
    """ "€ 1.250.000" for whole amounts, "€ 1.250,50" otherwise."""
    whole = float(amount).is_integer()
    return f"€ {format_number(amount, 0 if whole else 2)}"


def _section(title: str, rows: list[tuple[str, Any]]) -> list[str]:
    width = max(len(label) for label, _ in rows) + 2
    return [title, *(f"  {(label + ':').ljust(width)}{_text(value)}" for label, value in rows), ""]


def profile_rows(profile: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The business profile as the advisors read it: (label, value), in a fixed order."""
    return [(label, _text(_profile_value(key, profile.get(key))))
            for key, label in PROFILE_LABELS.items()]


def insurer_names(insurers: Any) -> list[str]:
    """The names of a list of insurer ids (a recommendation), in its order."""
    return [str(_insurer(insurer)) for insurer in insurers] if isinstance(insurers, list) else []


def _profile_value(key: str, value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if key == "revenue" and isinstance(value, int | float):
        return format_euro(value)
    if key == "employees" and isinstance(value, int | float):
        return format_number(value, 0 if float(value).is_integer() else 1)
    catalogue = load_catalogue()
    if key == "priority" and str(value) in catalogue.priorities:
        return catalogue.priorities[str(value)].label
    if key == "sector":
        labels = {sector.id: sector.label for sector in load_sectors()}
        return labels.get(str(value), value)
    if key == "country":
        return COUNTRY_NAMES.get(str(value), value)
    return value


def _insurer(insurer: Any) -> Any:
    if insurer == "none":
        return NO_PREFERENCE
    insurers = load_catalogue().insurers
    return insurers[insurer].name if isinstance(insurer, str) and insurer in insurers else insurer


def _moment(iso_timestamp: str) -> str:
    local = datetime.fromisoformat(iso_timestamp).astimezone(ADVISOR_TIME_ZONE)
    return (
        f"{full_date(local)}, {local:%H:%M} uur (Nederlandse tijd)"
    )


def _text(value: Any) -> str:
    """A value on one line: what a visitor typed cannot add lines to the e-mail."""
    if value is None or value == "":
        return UNKNOWN
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        return format_number(value)
    return single_line(str(value)) or UNKNOWN


def _quoted(value: Any) -> str:
    return "\u201c" + single_line(str(value)) + "\u201d"

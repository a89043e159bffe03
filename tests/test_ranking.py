"""Ranking insurers for a profile, and the Dutch messages that explain it."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator
from dataclasses import replace

import pytest

from cyberbot.advice.catalogue import (
    PRIORITY_IDS,
    SECTOR_IDS,
    Catalogue,
    SectorExclusion,
    load_catalogue,
)
from cyberbot.advice.explain import (
    MAX_MESSAGE_CHARS,
    comparison_text,
    disclosure,
    insurer_text,
    recommendation_text,
    unanswered_text,
)
from cyberbot.advice.formatting import format_euro, format_euro_range
from cyberbot.advice.ranking import Profile, Recommendation, recommend

ZZP = Profile(
    sector="zakelijke_dienstverlening",
    employees=1,
    revenue=60_000,
    usa_canada=False,
    personal_data=True,
    online_sales=False,
    priority="prevention",
)
WEBSHOP = Profile(
    sector="detailhandel",
    employees=12,
    revenue=1_200_000,
    usa_canada=False,
    personal_data=True,
    online_sales=True,
    priority="broad_cover",
)
LOGISTICS = Profile(
    sector="logistiek", employees=45, revenue=8_000_000, usa_canada=True, priority="worldwide"
)
FINANCIAL_ADVISER = Profile(
    sector="financiele_dienstverlening",
    employees=8,
    revenue=900_000,
    usa_canada=False,
    personal_data=True,
    online_sales=False,
    priority="incident_help",
)
MANUFACTURER = Profile(
    sector="maakindustrie", employees=120, revenue=25_000_000, priority="risk_scan"
)
LARGE_ICT = Profile(sector="ict", employees=800, revenue=150_000_000, priority="broad_cover")
TYPICAL = [ZZP, WEBSHOP, LOGISTICS, FINANCIAL_ADVISER, MANUFACTURER, LARGE_ICT, Profile()]


def profiles() -> Iterator[Profile]:
    """A grid over every answer that changes the advice (about 21,000 profiles)."""
    for sector, employees, revenue, usa, personal, online, priority in itertools.product(
        [None, *sorted(SECTOR_IDS)],
        [None, 1, 60],
        [None, 60_000, 1_200_000, 8_000_000, 25_000_000, 150_000_000],
        [None, True, False],
        [None, True],
        [None, True],
        [None, *PRIORITY_IDS],
    ):
        yield Profile(sector, employees, revenue, usa, personal, online, priority)


# --- typical profiles ----------------------------------------------------------------


def test_a_zzp_er_who_wants_prevention_gets_hiscox_first() -> None:
    # Prevention help is a Hiscox highlight on the site (3); Chubb's risk scans serve
    # prevention (2); AIG only names prevention services abroad (1). Personal data adds
    # 1 to all three.
    rec = recommend(ZZP)
    assert rec.insurer_ids == ["hiscox", "chubb", "aig"]
    assert rec.excluded == ()
    assert rec.ranked[0].reasons[0] == "Biedt preventiehulp om cybercrime te voorkomen."
    # a one-person business with €60.000 revenue: a 2% ransom is €1.200
    assert rec.insured_amount == (250_000, 500_000)
    # The one premium range in the catalogue has no date: never shown in a comparison.
    assert rec.premiums == {}


def test_a_webshop_that_wants_broad_cover() -> None:
    # Hiscox: "uitgebreid verzekerd" (3) + card-payment (PCI) fines for online sales (2)
    # + personal data (1) = 6. AIG and Chubb both score 2 + 1 + 1 = 4 with the same weight
    # for broad cover, so the catalogue (site) order decides: AIG before Chubb.
    rec = recommend(WEBSHOP)
    assert rec.insurer_ids == ["hiscox", "aig", "chubb"]
    assert [ranked.score for ranked in rec.ranked] == [6, 4, 4]
    assert any("kaartbetalingen (PCI)" in reason for reason in rec.ranked[0].reasons)
    assert rec.insured_amount == (500_000, 500_000)
    assert rec.premiums == {}
    assert rec.caveats == ()


def test_a_logistics_firm_with_us_customers_gets_aig_first_and_hiscox_last() -> None:
    # AIG covers worldwide including the USA and Canada: its highlight scores for the
    # priority (3) and for the USA/Canada revenue (3). Hiscox covers USA/Canada revenue
    # only up to 10% of revenue: not an exclusion (the share may be small), but a penalty
    # and a caveat.
    rec = recommend(LOGISTICS)
    assert rec.insurer_ids == ["aig", "chubb", "hiscox"]
    assert rec.excluded == ()
    assert rec.ranked[0].reasons == ("Wereldwijde dekking, inclusief de VS en Canada.",)
    assert any("10%" in caveat and "Hiscox" in caveat for caveat in rec.caveats)
    # above €5M revenue Hiscox asks for MFA
    assert any("MFA" in caveat for caveat in rec.caveats)
    assert rec.premiums == {}  # the only premium range is for revenue below €5M
    assert rec.insured_amount == (1_000_000, 2_500_000)


def test_a_financial_adviser_is_not_offered_hiscox() -> None:
    # Hiscox excludes financial institutions, financial advisers and intermediaries,
    # and payment processors: our sector financiele_dienstverlening.
    rec = recommend(FINANCIAL_ADVISER)
    assert rec.insurer_ids == ["aig", "chubb"]
    (exclusion,) = rec.excluded
    assert (exclusion.id, exclusion.name) == ("hiscox", "Hiscox")
    assert "financieel adviseurs" in exclusion.reason
    assert "hiscox" not in rec.premiums


def test_a_manufacturer_that_wants_risk_scans_gets_chubb_first() -> None:
    # Risk scans are a Chubb highlight (3), and 120 people make a large company (1);
    # Hiscox offers a security scan (2); AIG's sources name no risk scans (0) but high
    # limits for a large company (1).
    rec = recommend(MANUFACTURER)
    assert rec.insurer_ids == ["chubb", "hiscox", "aig"]
    assert rec.ranked[-1].reasons[0] == "Risicoscans worden in onze bronnen niet genoemd."
    assert rec.insured_amount == (2_500_000, 5_000_000)


def test_hiscox_takes_no_new_policies_above_100_million_revenue() -> None:
    rec = recommend(LARGE_ICT)
    assert rec.insurer_ids == ["aig", "chubb"]
    (exclusion,) = rec.excluded
    assert exclusion.id == "hiscox"
    assert "€ 100 miljoen" in exclusion.reason
    # exactly €100M is not above the cap
    assert "hiscox" in recommend(dataclasses.replace(LARGE_ICT, revenue=100_000_000)).insurer_ids


def test_an_empty_profile_ranks_all_three_in_the_site_order() -> None:
    # No answers: every score is 0, so the catalogue order decides; each insurer gets its
    # first highlight from the site as its reason.
    rec = recommend(Profile())
    assert rec.insurer_ids == ["aig", "hiscox", "chubb"]
    assert all(len(ranked.reasons) == 1 for ranked in rec.ranked)
    assert rec.excluded == rec.caveats == ()
    assert rec.premiums == {}
    assert rec.insured_amount == (500_000, 1_000_000)


def dated_catalogue(date: str = "2025-06-01") -> Catalogue:
    """The catalogue with Hiscox's (Dutch) premium range dated, as a source could date it."""
    catalogue = load_catalogue()
    hiscox = catalogue.insurers["hiscox"]
    premiums = tuple(replace(entry, date=date) for entry in hiscox.premiums)
    insurers = {**catalogue.insurers, "hiscox": replace(hiscox, premiums=premiums)}
    return replace(catalogue, insurers=insurers)


@pytest.mark.parametrize(
    ("revenue", "country", "shown"),
    [
        (60_000, "nl", True),
        (4_999_999, "nl", True),
        (5_000_000, "nl", False),
        (None, "nl", False),
        (60_000, "be", False),  # a Dutch market figure, with Dutch tax
        (60_000, None, False),
    ],
)
def test_a_premium_range_needs_a_date_and_the_visitors_country(
    revenue: float | None, country: str | None, shown: bool
) -> None:
    profile = Profile(revenue=revenue, country=country)
    assert recommend(profile).premiums == {}  # undated in the real catalogue
    rec = recommend(profile, dated_catalogue())
    assert bool(rec.premiums) == shown
    if shown:
        low, high, note = rec.premiums["hiscox"]
        assert (low, high) == (600, 3500)
        assert "21% assurantiebelasting" in note and "bron:" in note and "2025-06-01" in note


def test_over_all_profiles_premiums_and_reasons_stay_within_bounds() -> None:
    worldwide = load_catalogue().insurers["aig"].priorities["worldwide"].reason
    for profile in profiles():
        rec = recommend(profile)
        assert set(rec.premiums) <= {"hiscox"}
        if "hiscox" in rec.premiums:
            assert profile.revenue is not None and profile.revenue < 5_000_000
        for ranked in rec.ranked:
            assert 1 <= len(ranked.reasons) <= 2
            assert len(set(ranked.reasons)) == len(ranked.reasons)
        # the worldwide reason is tied to the answers that ask for it
        says_worldwide = any(worldwide in ranked.reasons for ranked in rec.ranked)
        assert says_worldwide == (profile.usa_canada is True or profile.priority == "worldwide")
        ids = {*rec.insurer_ids, *(exclusion.id for exclusion in rec.excluded)}
        assert ids == {"aig", "hiscox", "chubb"}


def test_feature_reasons_appear_only_for_the_matching_answer() -> None:
    pci = "Dekt ook boetes bij kaartbetalingen (PCI) en bedrijfsschade."
    assert pci in recommend(Profile(online_sales=True)).ranked[0].reasons
    for online_sales in (None, False):
        rec = recommend(Profile(online_sales=online_sales, personal_data=True))
        assert all(pci not in ranked.reasons for ranked in rec.ranked)


def test_the_ranking_is_deterministic() -> None:
    for profile in TYPICAL:
        assert recommend(profile) == recommend(profile)


def test_the_weights_come_from_the_catalogue() -> None:
    catalogue = load_catalogue()
    chubb = catalogue.insurers["chubb"]
    stronger = dataclasses.replace(
        chubb,
        priorities={
            **chubb.priorities,
            "prevention": dataclasses.replace(chubb.priorities["prevention"], weight=10),
        },
    )
    changed = dataclasses.replace(catalogue, insurers={**catalogue.insurers, "chubb": stronger})
    assert recommend(ZZP, changed).insurer_ids[0] == "chubb"


def _all_excluded(catalogue: Catalogue) -> Catalogue:
    rule = SectorExclusion(frozenset({"ict"}), "Wij verzekeren geen ICT-bedrijven.", "test", "2026")
    return dataclasses.replace(
        catalogue,
        insurers={
            key: dataclasses.replace(insurer, excluded_sectors=rule)
            for key, insurer in catalogue.insurers.items()
        },
    )


def test_when_every_insurer_is_excluded_an_advisor_takes_over() -> None:
    catalogue = _all_excluded(load_catalogue())
    profile = Profile(sector="ict", revenue=60_000)
    rec = recommend(profile, catalogue)
    assert rec.ranked == () and rec.insurer_ids == []
    assert len(rec.excluded) == 3
    assert rec.premiums == {} and rec.caveats == ()
    text = recommendation_text(rec, profile, catalogue)
    assert "adviseur" in text and "persoonlijk" in text
    assert "indicatief" not in text


# --- reading slots ---------------------------------------------------------------------


def test_profile_from_slots_reads_the_form() -> None:
    slots = {
        "sector": "detailhandel",
        "employees": 12.0,
        "revenue": 1_200_000.0,
        "usa_canada": False,
        "personal_data": True,
        "online_sales": True,
        "priority": "broad_cover",
        "recommended_insurers": None,
    }
    assert Profile.from_slots(slots) == WEBSHOP
    assert isinstance(Profile.from_slots(slots).employees, int)


@pytest.mark.parametrize(
    "slots",
    [
        {},
        {"sector": "banken", "priority": "cheapest"},
        {"sector": 3, "priority": None, "employees": "veel", "revenue": -5},
        {"employees": True, "revenue": math.nan, "usa_canada": "ja", "online_sales": 1},
        {"employees": [], "revenue": {}, "personal_data": "false"},
        {"revenue": math.inf},
    ],
)
def test_profile_from_slots_ignores_garbage(slots: dict[str, object]) -> None:
    assert Profile.from_slots(slots) == Profile()


def test_profile_from_slots_rounds_employees_and_reads_number_text() -> None:
    profile = Profile.from_slots({"employees": 2.6, "revenue": "85000"})
    assert (profile.employees, profile.revenue) == (3, 85_000.0)


# --- euro amounts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "€ 0"),
        (600, "€ 600"),
        (1_200, "€ 1.200"),
        (3_500, "€ 3.500"),
        (24_000, "€ 24.000"),
        (85_000, "€ 85.000"),
        (85_000.4, "€ 85.000"),
        (500_000, "€ 500.000"),
        (999_999, "€ 999.999"),
        (999_999.6, "€ 1 miljoen"),
        (1_000_000, "€ 1 miljoen"),
        (1_200_000, "€ 1,2 miljoen"),
        (1_250_000, "€ 1,25 miljoen"),
        (2_500_000, "€ 2,5 miljoen"),
        (25_000_000, "€ 25 miljoen"),
        (100_000_000, "€ 100 miljoen"),
        (2_000_000_000, "€ 2.000 miljoen"),
        (-85_000, "-€ 85.000"),
    ],
)
def test_format_euro(amount: float, text: str) -> None:
    assert format_euro(amount) == text


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (500_000, 1_000_000, "€ 500.000 tot € 1 miljoen"),
        (600, 3500, "€ 600 tot € 3.500"),
        (2_500_000, 5_000_000, "€ 2,5 miljoen tot € 5 miljoen"),
        (500_000, 500_000, "€ 500.000"),
    ],
)
def test_format_euro_range(low: float, high: float, text: str) -> None:
    assert format_euro_range(low, high) == text


@pytest.mark.parametrize("amount", [math.nan, math.inf])
def test_format_euro_refuses_what_is_not_an_amount(amount: float) -> None:
    with pytest.raises(ValueError):
        format_euro(amount)


def test_format_euro_range_refuses_a_backward_range() -> None:
    with pytest.raises(ValueError):
        format_euro_range(2, 1)


# --- messages --------------------------------------------------------------------------------


def _positions(text: str, names: list[str]) -> list[int]:
    return [text.index(f"**{name}**") for name in names]


@pytest.mark.parametrize("profile", TYPICAL)
def test_recommendation_text_names_the_order_and_the_quote(profile: Profile) -> None:
    catalogue = load_catalogue()
    rec = recommend(profile)
    text = recommendation_text(rec, profile)
    products = [catalogue.insurers[key].product for key in rec.insurer_ids]
    assert _positions(text, products) == sorted(_positions(text, products))
    for exclusion in rec.excluded:
        assert exclusion.reason in text
    for caveat in rec.caveats:
        assert caveat in text
    assert format_euro_range(*rec.insured_amount) in text
    assert "offerte" in text and "adviseur" in text
    assert len(text) < MAX_MESSAGE_CHARS


def test_recommendation_text_for_the_webshop() -> None:
    text = recommendation_text(recommend(WEBSHOP), WEBSHOP)
    assert text.splitlines()[0].startswith("Vergelijking van AIG, Hiscox en Chubb")
    assert text.splitlines()[1].startswith("1. **Hiscox CyberClear**")
    assert "verhoogd risico" in text  # retail handles many personal data (site text)
    # No personal ransom figure, and no undated premium.
    assert "losgeld" not in text and "€ 24.000" not in text and "€ 600" not in text
    dutch = replace(WEBSHOP, country="nl")
    dated = recommendation_text(recommend(dutch, dated_catalogue()), dutch, dated_catalogue())
    assert "€ 600 tot € 3.500" in dated and "21% assurantiebelasting" in dated


@pytest.mark.parametrize(
    ("country", "words", "not_words"),
    [("nl", ["adviseur", "AFM"], ["makelaar", "FSMA"]),
     ("be", ["makelaar", "FSMA", "Ombudsman"], ["AFM", "Kifid"]),
     (None, ["adviseur of makelaar", "AFM", "FSMA"], [])],
)
def test_the_disclosure_names_the_visitors_registration(
    country: str | None, words: list[str], not_words: list[str]
) -> None:
    text = disclosure(country)
    assert "drie verzekeraars" in text and "niet van de hele markt" in text
    assert "geen persoonlijk advies" in text
    for word in words:
        assert word in text
    for word in not_words:
        assert word not in text


def test_terms_in_reasons_follow_the_country() -> None:
    belgian = Profile(priority="incident_help", country="be")
    text = recommendation_text(recommend(belgian), belgian)
    assert "{term:" not in text and "eigen risico" not in text


def test_every_recommendation_text_is_short_and_says_indicatief_only_with_a_premium() -> None:
    catalogue = load_catalogue()
    for profile in profiles():
        rec = recommend(profile, catalogue)
        text = recommendation_text(rec, profile, catalogue)
        assert len(text) < MAX_MESSAGE_CHARS, profile
        assert ("indicatief" in text) == bool(rec.premiums), profile
        assert "{term:" not in text and "{" not in text, profile


@pytest.mark.parametrize("insurer_id", ["aig", "hiscox", "chubb"])
def test_insurer_text(insurer_id: str) -> None:
    insurer = load_catalogue().insurers[insurer_id]
    text = insurer_text(insurer_id)
    assert text.startswith(f"**{insurer.product}**")
    assert all(fact.text in text for fact in insurer.site_highlights)
    assert "Let op:" in text
    *_, sources = text.splitlines()
    assert sources.startswith("Bron: onze vergelijkingspagina (2023-02-25)")
    assert "indicatief" not in text
    assert len(text) < MAX_MESSAGE_CHARS


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(["aig", "hiscox", "chubb"], 2)))
def test_comparison_text(a: str, b: str) -> None:
    catalogue = load_catalogue()
    text = comparison_text(a, b)
    first, second = catalogue.insurers[a], catalogue.insurers[b]
    assert text.splitlines()[0] == f"**{first.product}** en **{second.product}** naast elkaar:"
    aspects = [line for line in text.splitlines() if " — " in line]
    assert 4 <= len(aspects) <= 6
    for line in aspects:
        assert line.index(f"{first.name}:") < line.index(f"{second.name}:")
    assert "Hulp bij incidenten" in text
    assert "|" not in text  # no tables: chat channels do not render them
    assert text.splitlines()[-1].startswith("Bron:")
    assert len(text) < MAX_MESSAGE_CHARS


def test_unknown_or_repeated_insurers_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown insurer 'allianz'"):
        insurer_text("allianz")
    with pytest.raises(ValueError, match="unknown insurer"):
        comparison_text("aig", "allianz")
    with pytest.raises(ValueError, match="two different insurers"):
        comparison_text("aig", "aig")


def test_recommendation_insurer_ids_is_the_slot_value() -> None:
    rec = recommend(LOGISTICS)
    assert isinstance(rec, Recommendation)
    assert rec.insurer_ids == [ranked.id for ranked in rec.ranked]


def test_questions_left_open_are_named_under_the_comparison() -> None:
    partial = replace(WEBSHOP, employees=None, usa_canada=None, country="be")
    assert unanswered_text(partial) == "Niet ingevuld: medewerkers, VS/Canada; een makelaar " \
        "vraagt dat na."
    assert unanswered_text(WEBSHOP) is None
